#include "ce/RunSummary.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ce {

std::string fixed(double value, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string describeCounter(const RunSnapshot& r)
{
    const Summary& s = r.summary;
    std::string text = std::to_string(s.counterExpected) + " increments reached " + std::to_string(s.counterFinal) + ": "
                     + std::to_string(s.lostUpdates) + " lost updates";
    if (r.config.lock == LockKind::Mutex)
        text += "; waited " + fixed(s.lockWaitS) + " s for the lock";
    return text;
}

namespace {

std::string upper(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::vector<SummaryLine> recordingLines(const RunSnapshot& r)
{
    const RecordInfo& rec = r.record;
    const Summary& s = r.summary;
    std::vector<SummaryLine> lines;
    std::string cmd;
    for (const auto& c : rec.command)
        cmd += (cmd.empty() ? "" : " ") + c;
    lines.push_back({"Recorded", cmd + " (pid " + std::to_string(rec.rootPid) + ")", {}});
    std::string status(toString(r.status));
    if (r.status == RunStatus::Cancelled)
        status += " (stopped; what was recorded is kept)";
    else if (rec.exitSignal)
        status += ", ended by signal " + std::to_string(rec.exitSignal);
    else if (rec.exitCode >= 0)
        status += ", exit status " + std::to_string(rec.exitCode);
    lines.push_back({"Status", status, r.status == RunStatus::Completed ? std::string() : upper(toString(r.status))});
    lines.push_back({"Wall time", fixed(s.makespanS) + " s", "wall time " + fixed(s.makespanS) + " s"});
    std::string cpu = fixed(s.cpuTimeS) + " s measured per thread";
    if (rec.osCpuS >= 0)
        cpu += " (the OS's total for the program at exit: " + fixed(rec.osCpuS, 2) + " s)";
    lines.push_back({"CPU time", cpu, "CPU time " + fixed(s.cpuTimeS) + " s"});
    lines.push_back({"Busy", fixed(s.meanBusyCores, 2) + " cores on average, of " + std::to_string(s.cores),
                     "busy cores " + fixed(s.meanBusyCores, 2) + " of " + std::to_string(s.cores)});
    const std::string threads = std::to_string(rec.lanes.size()) + " in " + std::to_string(rec.processes) + " process" + (rec.processes == 1 ? "" : "es");
    lines.push_back({"Threads", threads,
                     std::to_string(rec.lanes.size()) + " threads in " + std::to_string(rec.processes) + " process" + (rec.processes == 1 ? "" : "es")
                         + ", running at once: max " + std::to_string(rec.busyThreads.max) + ", mean " + fixed(rec.busyThreads.mean, 2)});
    // Per-core means: the program against everyone else.
    std::vector<double> run(static_cast<std::size_t>(std::max(1, s.cores)), 0.0), total(run.size(), 0.0);
    std::vector<int> n(run.size(), 0);
    for (const auto& c : r.coreSamples) {
        if (c.core < 0 || static_cast<std::size_t>(c.core) >= run.size())
            continue;
        run[static_cast<std::size_t>(c.core)] += c.runPct;
        total[static_cast<std::size_t>(c.core)] += c.totalPct;
        ++n[static_cast<std::size_t>(c.core)];
    }
    std::string cores;
    for (std::size_t i = 0; i < run.size(); ++i) {
        if (n[i] == 0)
            continue;
        cores += (i ? "; " : "") + std::string("core ") + std::to_string(i) + " program " + fixed(run[i] / n[i], 0) + " %, others "
               + fixed((total[i] - run[i]) / n[i], 0) + " %";
    }
    lines.push_back({"Cores", cores, {}});
    const double wall = s.makespanS > 0 ? s.makespanS : 1;
    const std::string samplerShare = fixed(100.0 * rec.samplerCpuS / wall, 1) + " % of one core";
    lines.push_back({"Sampler",
                     "every " + fixed(rec.sampleMsMeasured, 2) + " ms (" + fixed(1000.0 / std::max(0.001, rec.sampleMsMeasured), 0) + " Hz, asked "
                         + fixed(rec.sampleMsRequested, 1) + " ms), " + std::to_string(rec.samples) + " samples; its own CPU time "
                         + fixed(rec.samplerCpuS) + " s = " + samplerShare,
                     "sampled every " + fixed(rec.sampleMsMeasured, 1) + " ms (sampler: " + samplerShare + ")"});
    return lines;
}

} // namespace

std::vector<SummaryLine> summaryLines(const RunSnapshot& r)
{
    if (r.record.active)
        return recordingLines(r);
    const Summary& s = r.summary;
    std::vector<SummaryLine> lines;
    lines.push_back({"Workload", describeWorkload(r.config), {}});
    lines.push_back({"Model", describeModel(r.config), {}});
    std::string status = std::string(toString(r.status)) + ", " + std::to_string(s.tasksDone) + "/" + std::to_string(r.config.tasks) + " tasks done";
    if (s.tasksFailed)
        status += ", " + std::to_string(s.tasksFailed) + " failed";
    lines.push_back({"Status", status, r.status == RunStatus::Completed ? std::string() : upper(toString(r.status))});
    lines.push_back({"Makespan",
                     fixed(s.makespanS) + " s (physical bound " + fixed(s.boundS) + " s: CPU work " + fixed(s.cpuWorkS) + " s over "
                         + std::to_string(s.cores) + " cores, longest task " + fixed(s.longestTaskS) + " s)",
                     "makespan " + fixed(s.makespanS) + " s (bound " + fixed(s.boundS) + " s)"});
    lines.push_back({"Latency", "mean " + fixed(s.meanLatencyS) + " s, worst " + fixed(s.maxLatencyS) + " s (from hand-over to the end of a task)",
                     "mean latency " + fixed(s.meanLatencyS) + " s"});
    lines.push_back({"CPU time", fixed(s.cpuTimeS) + " s, mean busy cores " + fixed(s.meanBusyCores, 2),
                     "CPU time " + fixed(s.cpuTimeS) + " s · busy cores " + fixed(s.meanBusyCores, 2)});
    if (r.config.gil)
        lines.push_back({"GIL", "emulated; threads waited " + fixed(s.gilWaitS) + " s for it, " + std::to_string(s.gilSwitches) + " hand-overs",
                         "GIL wait " + fixed(s.gilWaitS) + " s (the GIL is emulated: C++ has none)"});
    if (r.config.model == Model::Processes)
        lines.push_back({"Processes", "spawn " + fixed(s.spawnS) + " s, transfer (ipc) " + fixed(s.ipcS) + " s, summed over workers",
                         "spawn " + fixed(s.spawnS) + " s, transfer " + fixed(s.ipcS) + " s (summed over workers)"});
    if (r.config.model == Model::EventLoop)
        lines.push_back({"Loop lag", "worst " + fixed(s.maxLoopLagMs, 1) + " ms (heartbeat every 10 ms)", "worst loop lag " + fixed(s.maxLoopLagMs, 1) + " ms"});
    if (r.config.workload == WorkloadKind::Counter)
        lines.push_back({"Counter", describeCounter(r),
                         "counter " + std::to_string(s.counterFinal) + " of " + std::to_string(s.counterExpected) + " increments, "
                             + std::to_string(s.lostUpdates) + " lost updates"});
    return lines;
}

std::string summaryText(const RunSnapshot& r)
{
    constexpr std::size_t kColumn = 11; // "Processes: " is the longest label
    std::string out;
    for (const SummaryLine& line : summaryLines(r)) {
        const std::string label = line.label + ":";
        out += label + std::string(label.size() < kColumn ? kColumn - label.size() : 1, ' ') + line.text + "\n";
    }
    return out;
}

} // namespace ce
