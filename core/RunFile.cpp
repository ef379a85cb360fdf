#include "ce/RunFile.h"

#include "ce/Export.h"
#include "ce/Options.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ce {
namespace {

constexpr int kFormatVersion = 1;
const char* const kRunFormat = "concurrency-explorer-run";
const char* const kCompareFormat = "concurrency-explorer-compare";
constexpr double kMaxExactInteger = 9007199254740992.0; // 2^53: what a JSON number holds exactly

QString key(const char* k) { return QString::fromLatin1(k); }

std::string seconds(std::int64_t ns)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f s", double(ns) / 1e9);
    return buf;
}

// Thrown inside the reader only, caught in parseRunFile: the first problem ends the reading.
struct Bad {
    std::string why;
};

// Reads typed, bounded values out of JSON objects and names the value that is wrong by its
// path in the file ("runs[1].tasks[3].phases[0].end_ns").
class Reader {
public:
    static std::string at(const std::string& where, const char* name) { return where.empty() ? std::string(name) : where + "." + name; }
    static std::string at(const std::string& where, qsizetype index) { return where + "[" + std::to_string(index) + "]"; }

    [[noreturn]] static void bad(const std::string& where, const std::string& what) { throw Bad{where + " " + what}; }

    static QJsonValue value(const QJsonObject& o, const char* name, const std::string& where, bool required)
    {
        const auto it = o.constFind(QLatin1String(name));
        if (it == o.constEnd() || it->isUndefined()) {
            if (required)
                bad(at(where, name), "is missing");
            return QJsonValue(QJsonValue::Undefined);
        }
        return *it;
    }

    static QJsonObject object(const QJsonObject& o, const char* name, const std::string& where, bool required = true)
    {
        const QJsonValue v = value(o, name, where, required);
        if (v.isUndefined())
            return {};
        if (!v.isObject())
            bad(at(where, name), "is not an object");
        return v.toObject();
    }

    static QJsonArray array(const QJsonObject& o, const char* name, const std::string& where, bool required, qsizetype maxSize)
    {
        const QJsonValue v = value(o, name, where, required);
        if (v.isUndefined())
            return {};
        if (!v.isArray())
            bad(at(where, name), "is not a list");
        const QJsonArray a = v.toArray();
        if (a.size() > maxSize)
            bad(at(where, name), "has " + std::to_string(a.size()) + " entries, more than the " + std::to_string(maxSize) + " this run can have");
        return a;
    }

    static QJsonObject element(const QJsonArray& a, qsizetype i, const std::string& where)
    {
        const QJsonValue v = a.at(i);
        if (!v.isObject())
            bad(at(where, i), "is not an object");
        return v.toObject();
    }

    static double number(const QJsonObject& o, const char* name, const std::string& where, double lo, double hi, bool required = true,
                         double fallback = 0)
    {
        const QJsonValue v = value(o, name, where, required);
        if (v.isUndefined())
            return fallback;
        if (!v.isDouble())
            bad(at(where, name), "is not a number");
        const double d = v.toDouble();
        if (!std::isfinite(d))
            bad(at(where, name), "is not a finite number");
        if (d < lo || d > hi)
            bad(at(where, name), "is " + QString::number(d, 'g', 6).toStdString() + ", outside " + QString::number(lo, 'g', 6).toStdString() + " to "
                                     + QString::number(hi, 'g', 6).toStdString());
        return d;
    }

    static std::int64_t integer(const QJsonObject& o, const char* name, const std::string& where, double lo, double hi, bool required = true,
                                std::int64_t fallback = 0)
    {
        const double d = number(o, name, where, lo, hi, required, double(fallback));
        if (d != std::floor(d))
            bad(at(where, name), "is not a whole number");
        return static_cast<std::int64_t>(d); // in range: lo and hi are within 2^53
    }

    // A time in ns that must lie within the run: 0 to its elapsed time.
    static std::int64_t time(const QJsonObject& o, const char* name, const std::string& where, std::int64_t endNs, bool allowUnset = false)
    {
        const QJsonValue v = value(o, name, where, true);
        if (!v.isDouble())
            bad(at(where, name), "is not a number");
        const double d = v.toDouble();
        if (!std::isfinite(d))
            bad(at(where, name), "is not a finite number");
        if (allowUnset && d == -1)
            return -1;
        if (d < 0 || d > double(endNs))
            bad(at(where, name), "is outside the run (0 to " + seconds(endNs) + ")");
        return static_cast<std::int64_t>(d);
    }

    static bool boolean(const QJsonObject& o, const char* name, const std::string& where, bool required = true)
    {
        const QJsonValue v = value(o, name, where, required);
        if (v.isUndefined())
            return false;
        if (!v.isBool())
            bad(at(where, name), "is not true or false");
        return v.toBool();
    }

    static std::string string(const QJsonValue& v, const std::string& where)
    {
        if (!v.isString())
            bad(where, "is not a string");
        const QString s = v.toString();
        if (s.size() > RunFileLimits::kMaxStringChars)
            bad(where, "is longer than " + std::to_string(RunFileLimits::kMaxStringChars) + " characters");
        return s.toStdString();
    }

    static std::string string(const QJsonObject& o, const char* name, const std::string& where, bool required = true)
    {
        const QJsonValue v = value(o, name, where, required);
        return v.isUndefined() ? std::string() : string(v, at(where, name));
    }
};

// The configuration: every option goes through the same checks as on the command line.
RunConfig readConfig(const QJsonObject& c, const std::string& where, bool recording)
{
    RunConfig config;
    for (auto it = c.begin(); it != c.end(); ++it) {
        QString name = it.key();
        name.replace(QLatin1Char('_'), QLatin1Char('-'));
        const OptionSpec* spec = findRunOption(name.toStdString());
        if (!spec)
            continue;
        const QJsonValue v = it.value();
        const std::string path = Reader::at(where, it.key().toStdString().c_str());
        std::string value;
        if (v.isBool())
            value = v.toBool() ? "on" : "off";
        else if (v.isDouble() && std::isfinite(v.toDouble()))
            value = QString::number(v.toDouble(), 'g', 17).toStdString();
        else if (v.isString())
            value = Reader::string(v, path);
        else
            Reader::bad(path, "is not a value this option takes");
        if (spec->kind == OptionKind::Switch && !v.isBool())
            Reader::bad(path, "is not true or false");
        // A recording ran no workload of ours (0 tasks, its own sample rate): its values are
        // read as they are, not held to a workload's bounds.
        const ConfigProblem problem = setOption(config, name.toStdString(), value, !recording);
        if (problem)
            Reader::bad(path, "is wrong: " + problem.message);
    }
    config.preset = Reader::string(c, "preset", where, false);
    // The run passed these checks when it ran; the worker's path is this machine's business.
    RunConfig check = withDefaults(config);
    check.workerExecutable = "-";
    if (recording) {
        // A recorded program ran no workload of ours: no tasks, and nothing else to check.
        if (config.tasks != 0)
            Reader::bad(Reader::at(where, "tasks"), "is not 0, as a recording's is");
    } else if (const std::string problem = validate(check); !problem.empty()) {
        Reader::bad(where, "is not a valid run: " + problem);
    }
    return config;
}

Summary readSummary(const QJsonObject& o, const std::string& where, int tasks)
{
    constexpr double big = 1e12; // seconds, milliseconds or ratios: far beyond any run
    auto num = [&](const char* name) { return Reader::number(o, name, where, 0, big); };
    Summary s;
    s.makespanS = num("makespan_s");
    s.cpuTimeS = num("cpu_time_s");
    s.meanBusyCores = num("mean_busy_cores");
    s.cpuWorkS = num("cpu_work_s");
    s.longestTaskS = num("longest_task_s");
    s.meanLatencyS = num("mean_latency_s");
    s.maxLatencyS = num("max_latency_s");
    s.boundS = num("bound_s");
    s.cores = static_cast<int>(Reader::integer(o, "cores", where, 1, RunFileLimits::kMaxCores));
    s.gilWaitS = num("gil_wait_s");
    s.gilSwitches = static_cast<std::uint64_t>(Reader::integer(o, "gil_switches", where, 0, kMaxExactInteger));
    s.spawnS = num("spawn_s");
    s.ipcS = num("ipc_s");
    s.ioWaitS = num("io_wait_s");
    s.maxLoopLagMs = num("max_loop_lag_ms");
    s.tasksDone = static_cast<int>(Reader::integer(o, "tasks_done", where, 0, tasks));
    s.tasksFailed = static_cast<int>(Reader::integer(o, "tasks_failed", where, 0, tasks));
    s.tasksNotRun = static_cast<int>(Reader::integer(o, "tasks_not_run", where, 0, tasks));
    s.speedup = num("speedup");
    s.efficiency = num("efficiency");
    // The counter workload's figures (absent from files of other workloads and older files).
    s.lockWaitS = Reader::number(o, "lock_wait_s", where, 0, big, false);
    s.counterExpected = Reader::integer(o, "counter_expected", where, 0, kMaxExactInteger, false);
    s.counterFinal = Reader::integer(o, "counter_final", where, 0, kMaxExactInteger, false);
    s.lostUpdates = Reader::integer(o, "lost_updates", where, -kMaxExactInteger, kMaxExactInteger, false);
    return s;
}

BusyAtOnce readBusy(const QJsonObject& o, const std::string& where, int lanes, std::int64_t endNs)
{
    BusyAtOnce b;
    b.max = static_cast<int>(Reader::integer(o, "max", where, 0, lanes));
    b.mean = Reader::number(o, "mean", where, 0, lanes);
    const std::string atAt = Reader::at(where, "seconds_at");
    const QJsonArray at = Reader::array(o, "seconds_at", where, true, qsizetype(lanes) + 1);
    for (qsizetype i = 0; i < at.size(); ++i) {
        const QJsonValue v = at.at(i);
        if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < 0 || v.toDouble() > double(endNs) / 1e9 + 1)
            Reader::bad(Reader::at(atAt, i), "is not a time within the recording");
        b.at.push_back(v.toDouble());
    }
    return b;
}

// What `record` adds to a run file (docs/run-format.md): checked like the rest.
RecordInfo readRecord(const QJsonObject& o, const std::string& where, const RunSnapshot& run)
{
    const std::int64_t endNs = run.elapsedNs;
    const double endS = double(endNs) / 1e9 + 1;
    RecordInfo r;
    r.active = true;
    const std::string commandAt = Reader::at(where, "command");
    const QJsonArray command = Reader::array(o, "command", where, true, RunFileLimits::kMaxCommandArgs);
    if (command.isEmpty())
        Reader::bad(commandAt, "is empty: a recording names its program");
    for (qsizetype i = 0; i < command.size(); ++i)
        r.command.push_back(Reader::string(command.at(i), Reader::at(commandAt, i)));
    r.rootPid = Reader::integer(o, "root_pid", where, 0, kMaxExactInteger);
    r.exitCode = static_cast<int>(Reader::integer(o, "exit_code", where, -1, 255));
    r.exitSignal = static_cast<int>(Reader::integer(o, "exit_signal", where, 0, 128));
    r.sampleMsRequested = Reader::number(o, "sample_ms_requested", where, 0, 1e6);
    r.sampleMsMeasured = Reader::number(o, "sample_ms_measured", where, 0, 1e9);
    r.samples = Reader::integer(o, "samples", where, 0, kMaxExactInteger);
    r.samplerCpuS = Reader::number(o, "sampler_cpu_s", where, 0, 1e9);
    r.osCpuS = Reader::number(o, "os_cpu_s", where, -1, 1e12);
    r.processes = static_cast<int>(Reader::integer(o, "processes", where, 0, run.lanes));
    r.busyThreads = readBusy(Reader::object(o, "busy_threads", where), Reader::at(where, "busy_threads"), run.lanes, endNs);
    r.busyProcesses = readBusy(Reader::object(o, "busy_processes", where), Reader::at(where, "busy_processes"), run.lanes, endNs);
    r.wantedCpuS = Reader::number(o, "wanted_cpu_s", where, 0, endS);
    r.runnableS = Reader::number(o, "runnable_s", where, 0, endS * std::max(1, run.lanes));
    r.sleepingS = Reader::number(o, "sleeping_s", where, 0, endS * std::max(1, run.lanes));
    r.diskWaitS = Reader::number(o, "disk_wait_s", where, 0, endS * std::max(1, run.lanes));
    const std::string procsAt = Reader::at(where, "process_overlap");
    const QJsonArray procs = Reader::array(o, "process_overlap", where, false, qsizetype(run.lanes) + 1);
    for (qsizetype i = 0; i < procs.size(); ++i) {
        const std::string at = Reader::at(procsAt, i);
        const QJsonObject p = Reader::element(procs, i, procsAt);
        r.processList.push_back(RecordedProcess{Reader::integer(p, "pid", at, 0, kMaxExactInteger), Reader::number(p, "shared_s", at, 0, endS),
                                                Reader::number(p, "parallel_s", at, 0, endS), Reader::number(p, "max_cores", at, 0, RunFileLimits::kMaxCores)});
    }
    const std::string lanesAt = Reader::at(where, "lanes");
    const QJsonArray lanes = Reader::array(o, "lanes", where, true, run.lanes);
    for (qsizetype i = 0; i < lanes.size(); ++i) {
        const std::string at = Reader::at(lanesAt, i);
        const QJsonObject l = Reader::element(lanes, i, lanesAt);
        RecordedLane lane;
        lane.pid = Reader::integer(l, "pid", at, 0, kMaxExactInteger);
        lane.tid = Reader::integer(l, "tid", at, 0, kMaxExactInteger);
        lane.ppid = Reader::integer(l, "ppid", at, 0, kMaxExactInteger);
        lane.name = Reader::string(l, "name", at);
        lane.process = Reader::string(l, "process", at);
        lane.firstNs = Reader::time(l, "first_ns", at, endNs);
        lane.lastNs = Reader::time(l, "last_ns", at, endNs);
        lane.cpuNs = Reader::integer(l, "cpu_ns", at, 0, double(endNs) * 4096);
        lane.runnableNs = Reader::integer(l, "runnable_ns", at, 0, double(endNs));
        lane.blockedNs = Reader::integer(l, "blocked_ns", at, 0, double(endNs));
        r.lanes.push_back(std::move(lane));
    }
    return r;
}

RunSnapshot readRun(const QJsonObject& o, const std::string& where)
{
    RunSnapshot run;
    if (!o.contains(QLatin1String("format")))
        Reader::bad(Reader::at(where, "format"), "is missing: not a Concurrency Explorer run or comparison");
    if (o.value(QLatin1String("format")).toString() != key(kRunFormat))
        Reader::bad(Reader::at(where, "format"), "is not \"" + std::string(kRunFormat) + "\": not a Concurrency Explorer run");
    const auto version = Reader::integer(o, "version", where, 0, kMaxExactInteger);
    if (version != kFormatVersion)
        Reader::bad(Reader::at(where, "version"), "is " + std::to_string(version) + ": this program reads version " + std::to_string(kFormatVersion));
    const bool recording = o.contains(QLatin1String("record"));
    run.config = readConfig(Reader::object(o, "config", where), Reader::at(where, "config"), recording);
    const RunConfig config = withDefaults(run.config);

    const std::string status = Reader::string(o, "status", where);
    if (status == "completed")
        run.status = RunStatus::Completed;
    else if (status == "cancelled")
        run.status = RunStatus::Cancelled;
    else if (status == "failed")
        run.status = RunStatus::Failed;
    else
        Reader::bad(Reader::at(where, "status"), "is not completed, cancelled or failed");
    run.machine = Reader::string(o, "machine", where, false);
    const double elapsedS = Reader::number(o, "elapsed_s", where, 0, RunFileLimits::kMaxRunSeconds);
    run.elapsedNs = static_cast<std::int64_t>(std::ceil(elapsedS * 1e9)); // the file rounds to a double of seconds
    const std::int64_t endNs = run.elapsedNs;
    // Lanes: workers, TBB threads, tasks in flight, or one per task, plus offload threads.
    // A recording: one lane per thread the program had.
    const int maxLanes = recording ? RunFileLimits::kMaxRecordedLanes : config.tasks + Limits::kMaxWorkers + Limits::kMaxOffload;
    run.lanes = static_cast<int>(Reader::integer(o, "lanes", where, 0, maxLanes));

    run.summary = readSummary(Reader::object(o, "summary", where), Reader::at(where, "summary"), config.tasks);
    const int cores = run.summary.cores;
    // The OS numbers cores with gaps when some are offline: allow indices up to twice the count.
    const int maxCore = std::min(RunFileLimits::kMaxCores, 2 * cores) - 1;

    const std::string tasksAt = Reader::at(where, "tasks");
    const QJsonArray tasks = Reader::array(o, "tasks", where, true, config.tasks);
    if (tasks.size() != config.tasks)
        Reader::bad(tasksAt, "has " + std::to_string(tasks.size()) + " tasks, but config.tasks is " + std::to_string(config.tasks));
    auto readPhase = [&](const QJsonObject& p, const std::string& at, int task, int lane) {
        PhaseRecord out;
        const std::string state = Reader::string(p, "state", at);
        const auto s = stateFromString(state);
        if (!s)
            Reader::bad(Reader::at(at, "state"), "is not a known state");
        out.state = *s;
        out.startNs = Reader::time(p, "start_ns", at, endNs);
        out.endNs = Reader::time(p, "end_ns", at, endNs);
        if (out.endNs < out.startNs)
            Reader::bad(Reader::at(at, "end_ns"), "is before its start_ns");
        out.cpu = static_cast<std::int16_t>(Reader::integer(p, "core", at, -1, maxCore));
        out.osId = Reader::integer(p, "os_id", at, -kMaxExactInteger, kMaxExactInteger);
        out.cpuNs = Reader::integer(p, "cpu_ns", at, 0, double(endNs), false);
        out.task = task;
        out.lane = lane;
        if (lane < 0 || lane >= run.lanes)
            Reader::bad(at, "belongs to lane " + std::to_string(lane) + ", but the run has " + std::to_string(run.lanes) + " lanes");
        return out;
    };
    int done = 0, failed = 0;
    for (qsizetype i = 0; i < tasks.size(); ++i) {
        const std::string at = Reader::at(tasksAt, i);
        const QJsonObject t = Reader::element(tasks, i, tasksAt);
        TaskRecord tr;
        tr.id = static_cast<int>(Reader::integer(t, "id", at, 0, config.tasks - 1));
        if (tr.id != i)
            Reader::bad(Reader::at(at, "id"), "is " + std::to_string(tr.id) + ": task ids must be 0, 1, 2, ... in order");
        tr.lane = static_cast<int>(Reader::integer(t, "lane", at, -1, std::max(0, run.lanes - 1)));
        const std::string st = Reader::string(t, "status", at);
        if (st == "done")
            tr.status = TaskStatus::Done;
        else if (st == "failed")
            tr.status = TaskStatus::Failed;
        else if (st == "cancelled")
            tr.status = TaskStatus::Cancelled;
        else if (st == "running")
            tr.status = TaskStatus::Running;
        else if (st == "pending")
            tr.status = TaskStatus::Pending;
        else
            Reader::bad(Reader::at(at, "status"), "is not done, failed, cancelled, running or pending");
        done += tr.status == TaskStatus::Done ? 1 : 0;
        failed += tr.status == TaskStatus::Failed ? 1 : 0;
        Reader::time(t, "queued_ns", at, endNs); // checked, but always 0: tasks are queued at the start
        tr.startNs = Reader::time(t, "start_ns", at, endNs, true);
        tr.endNs = Reader::time(t, "end_ns", at, endNs, true);
        // Under the GIL a CPU part splits into many slices: the count is bounded by the file's size.
        const QJsonArray phases = Reader::array(t, "phases", at, true, std::numeric_limits<int>::max());
        if (!phases.isEmpty() && tr.lane < 0)
            Reader::bad(Reader::at(at, "lane"), "is -1 (never started), but the task has phases");
        const std::string phasesAt = Reader::at(at, "phases");
        for (qsizetype k = 0; k < phases.size(); ++k) {
            const PhaseRecord p = readPhase(Reader::element(phases, k, phasesAt), Reader::at(phasesAt, k), tr.id, tr.lane);
            if (p.state != State::Queued) // written from queued_ns and start_ns
                run.phases.push_back(p);
        }
        run.tasks.push_back(tr);
    }
    if (run.summary.tasksDone != done)
        Reader::bad(Reader::at(where, "summary.tasks_done"), "is " + std::to_string(run.summary.tasksDone) + ", but " + std::to_string(done) + " tasks are done");
    if (run.summary.tasksFailed != failed)
        Reader::bad(Reader::at(where, "summary.tasks_failed"), "is " + std::to_string(run.summary.tasksFailed) + ", but " + std::to_string(failed) + " tasks failed");
    if (run.summary.tasksNotRun != config.tasks - done - failed)
        Reader::bad(Reader::at(where, "summary.tasks_not_run"), "does not match the tasks that did not run");

    const std::string lanePhasesAt = Reader::at(where, "lane_phases");
    // Under the GIL the event loop's thread records a CPU slice and a wait for the lock around
    // every callback (timers included), so their count follows the run's length, not its tasks
    // or lanes: like a task's phases, it is bounded by the file's size. So is a recording's
    // (a lane changes state at most once per sample).
    const QJsonArray lanePhases = Reader::array(o, "lane_phases", where, false, std::numeric_limits<int>::max());
    for (qsizetype i = 0; i < lanePhases.size(); ++i) {
        const std::string at = Reader::at(lanePhasesAt, i);
        const QJsonObject po = Reader::element(lanePhases, i, lanePhasesAt);
        const int lane = static_cast<int>(Reader::integer(po, "lane", at, 0, std::max(0, run.lanes - 1)));
        run.phases.push_back(readPhase(po, at, -1, lane));
    }
    std::stable_sort(run.phases.begin(), run.phases.end(), [](const PhaseRecord& a, const PhaseRecord& b) { return a.lane < b.lane; });

    const std::string coresAt = Reader::at(where, "core_samples");
    const QJsonObject coreSamples = Reader::object(o, "core_samples", where);
    run.runShareMeasured = Reader::boolean(coreSamples, "run_share_measured", coresAt);
    const double sampleMs = Reader::number(coreSamples, "sample_ms", coresAt, Limits::kMinSampleMs, Limits::kMaxSampleMs);
    // One sample per core per interval at most; the sampler may lengthen its interval.
    const double intervals = std::ceil(double(endNs) / 1e6 / sampleMs) + 2;
    const QJsonArray samples = Reader::array(coreSamples, "samples", coresAt, true, qsizetype(std::min(intervals * (maxCore + 1), 1e9)));
    // What the window allocates for the core grid: cores x columns of the sampling interval.
    const double cells = double(maxCore + 1) * intervals;
    if (!samples.isEmpty() && cells > double(RunFileLimits::kGridCellsFree) && cells > double(RunFileLimits::kGridCellsPerSample) * double(samples.size()))
        Reader::bad(coresAt, "is too sparse: " + std::to_string(samples.size()) + " samples for a run of " + seconds(endNs) + " on "
                                 + std::to_string(cores) + " cores sampled every " + QString::number(sampleMs).toStdString() + " ms");
    const std::string samplesAt = Reader::at(coresAt, "samples");
    run.coreSamples.reserve(static_cast<std::size_t>(samples.size()));
    for (qsizetype i = 0; i < samples.size(); ++i) {
        const std::string at = Reader::at(samplesAt, i);
        const QJsonObject s = Reader::element(samples, i, samplesAt);
        CoreSample cs;
        cs.timeNs = Reader::time(s, "t_ns", at, endNs);
        cs.core = static_cast<std::int32_t>(Reader::integer(s, "core", at, 0, maxCore));
        cs.totalPct = static_cast<float>(Reader::number(s, "total_pct", at, 0, 100));
        cs.runPct = static_cast<float>(Reader::number(s, "run_pct", at, 0, 100));
        run.coreSamples.push_back(cs);
    }
    if (run.config.sampleMs != sampleMs)
        Reader::bad(Reader::at(coresAt, "sample_ms"), "differs from config.sample_ms");

    const std::string lagAt = Reader::at(where, "loop_lag");
    // The heartbeat fires every 10 ms.
    const QJsonArray lag = Reader::array(o, "loop_lag", where, false, qsizetype(std::min(double(endNs) / 1e7 + 16, 1e9)));
    for (qsizetype i = 0; i < lag.size(); ++i) {
        const std::string at = Reader::at(lagAt, i);
        const QJsonObject l = Reader::element(lag, i, lagAt);
        LagSample ls;
        ls.timeNs = Reader::time(l, "t_ns", at, endNs);
        ls.lagMs = static_cast<float>(Reader::number(l, "lag_ms", at, 0, double(endNs) / 1e6 + 1));
        run.lagSamples.push_back(ls);
    }

    const std::string errorsAt = Reader::at(where, "errors");
    // A few per task at most (its failure, its worker's death), plus the lanes' and the set-up's.
    const QJsonArray errors = Reader::array(o, "errors", where, false, 2 * (qsizetype(config.tasks) + run.lanes) + 16);
    for (qsizetype i = 0; i < errors.size(); ++i)
        run.errors.push_back(Reader::string(errors.at(i), Reader::at(errorsAt, i)));
    if (recording)
        run.record = readRecord(Reader::object(o, "record", where), Reader::at(where, "record"), run);
    return run;
}

Advice readAdvice(const QJsonObject& o, const std::string& where)
{
    Advice a;
    const std::string model = Reader::string(o, "recommended", where);
    const auto m = modelFromString(model);
    if (!m)
        Reader::bad(Reader::at(where, "recommended"), "is not a model");
    a.recommended = *m;
    a.summary = Reader::string(o, "summary", where);
    const std::string pathAt = Reader::at(where, "path");
    const QJsonArray path = Reader::array(o, "path", where, true, RunFileLimits::kMaxAdviceSteps);
    for (qsizetype i = 0; i < path.size(); ++i) {
        const std::string at = Reader::at(pathAt, i);
        const QJsonObject s = Reader::element(path, i, pathAt);
        AdviceStep step;
        step.node = Reader::string(s, "node", at);
        if (!decisionFlowchart().node(step.node))
            Reader::bad(Reader::at(at, "node"), "is not a node of the decision flowchart");
        step.edge = Reader::string(s, "edge", at);
        step.reason = Reader::string(s, "reason", at);
        a.path.push_back(std::move(step));
    }
    return a;
}

} // namespace

bool parseRunFile(const QByteArray& bytes, RunFile& out, std::string* why)
{
    auto fail = [&](const std::string& text) {
        if (why)
            *why = printable(text); // a value quoted from the file may hold a line break
        return false;
    };
    if (bytes.size() > RunFileLimits::kMaxFileBytes)
        return fail("larger than " + std::to_string(RunFileLimits::kMaxFileBytes >> 20) + " MiB: not a run this program writes");
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &perr);
    if (perr.error != QJsonParseError::NoError)
        return fail("not valid JSON (" + perr.errorString().toStdString() + " at byte " + std::to_string(perr.offset) + ")");
    if (!doc.isObject())
        return fail("not a Concurrency Explorer run (the file is not a JSON object)");
    const QJsonObject root = doc.object();
    RunFile file;
    try {
        if (root.value(QLatin1String("format")).toString() == key(kCompareFormat)) {
            file.comparison = true;
            const auto version = Reader::integer(root, "version", {}, 0, kMaxExactInteger);
            if (version != kFormatVersion)
                Reader::bad("version", "is " + std::to_string(version) + ": this program reads version " + std::to_string(kFormatVersion));
            const QJsonArray runs = Reader::array(root, "runs", {}, true, RunFileLimits::kMaxRuns);
            if (runs.isEmpty())
                Reader::bad("runs", "is empty: the comparison holds no run");
            for (qsizetype i = 0; i < runs.size(); ++i)
                file.runs.push_back(readRun(Reader::element(runs, i, "runs"), Reader::at("runs", i)));
            const QJsonObject advice = Reader::object(root, "advice", {}, false);
            if (root.contains(QLatin1String("advice")))
                file.advice = readAdvice(advice, "advice");
        } else {
            file.runs.push_back(readRun(root, {}));
        }
    } catch (const Bad& b) {
        return fail(b.why);
    }
    out = std::move(file);
    return true;
}

bool readRunFile(const QString& path, RunFile& out, std::string* error)
{
    auto fail = [&](const std::string& why) {
        if (error)
            *error = printable(path.toStdString() + ": " + why);
        return false;
    };
    const QFileInfo info(path);
    if (!info.exists())
        return fail("no such file");
    if (info.isDir())
        return fail("is a directory, not a run file");
    // A FIFO or a device would block or never end.
    if (!info.isFile())
        return fail("is not a regular file");
    if (info.size() > RunFileLimits::kMaxFileBytes)
        return fail("larger than " + std::to_string(RunFileLimits::kMaxFileBytes >> 20) + " MiB: not a run this program writes");
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail("cannot open: " + f.errorString().toStdString());
    const QByteArray bytes = f.read(RunFileLimits::kMaxFileBytes + 1);
    std::string why;
    if (!parseRunFile(bytes, out, &why))
        return fail(why);
    return true;
}

} // namespace ce
