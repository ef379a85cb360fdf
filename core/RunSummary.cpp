#include "RunSummary.h"

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

std::vector<SummaryLine> summaryLines(const RunSnapshot& r)
{
    const Summary& s = r.summary;
    std::vector<SummaryLine> lines;
    lines.push_back({"Workload", describeWorkload(r.config), {}});
    lines.push_back({"Model", describeModel(r.config), {}});
    std::string status = std::string(toString(r.status)) + ", " + std::to_string(s.tasksDone) + "/" + std::to_string(r.config.tasks) + " tasks done";
    if (s.tasksFailed)
        status += ", " + std::to_string(s.tasksFailed) + " failed";
    std::string shout(toString(r.status));
    for (char& c : shout)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    lines.push_back({"Status", status, r.status == RunStatus::Completed ? std::string() : shout});
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

} // namespace ce
