#include "Export.h"

#include "Options.h"
#include "record/Recording.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTextStream>

#include <algorithm>

namespace ce {
namespace {

constexpr int kFormatVersion = 1;
const char* const kRunFormat = "concurrency-explorer-run";
const char* const kCompareFormat = "concurrency-explorer-compare";

QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
QString key(const char* k) { return QString::fromLatin1(k); }

bool saveBytes(const QString& path, const QByteArray& bytes, std::string* error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        if (error)
            *error = "cannot write " + path.toStdString() + ": " + f.errorString().toStdString();
        return false;
    }
    return true;
}

QJsonObject phaseJson(const PhaseRecord& p)
{
    QJsonObject o;
    o[key("state")] = qs(toString(p.state));
    o[key("start_ns")] = static_cast<double>(p.startNs);
    o[key("end_ns")] = static_cast<double>(p.endNs);
    o[key("core")] = p.cpu;
    o[key("os_id")] = static_cast<double>(p.osId);
    if (p.state == State::Cpu || p.cpuNs > 0) // a recorded thread's non-running phase may hold some CPU time
        o[key("cpu_ns")] = static_cast<double>(p.cpuNs);
    return o;
}

QJsonObject summaryJson(const Summary& s)
{
    QJsonObject o;
    o[key("makespan_s")] = s.makespanS;
    o[key("cpu_time_s")] = s.cpuTimeS;
    o[key("mean_busy_cores")] = s.meanBusyCores;
    o[key("cpu_work_s")] = s.cpuWorkS;
    o[key("longest_task_s")] = s.longestTaskS;
    o[key("mean_latency_s")] = s.meanLatencyS;
    o[key("max_latency_s")] = s.maxLatencyS;
    o[key("bound_s")] = s.boundS;
    o[key("cores")] = s.cores;
    o[key("gil_wait_s")] = s.gilWaitS;
    o[key("gil_switches")] = static_cast<double>(s.gilSwitches);
    o[key("spawn_s")] = s.spawnS;
    o[key("ipc_s")] = s.ipcS;
    o[key("io_wait_s")] = s.ioWaitS;
    o[key("max_loop_lag_ms")] = s.maxLoopLagMs;
    o[key("tasks_done")] = s.tasksDone;
    o[key("tasks_failed")] = s.tasksFailed;
    o[key("tasks_not_run")] = s.tasksNotRun;
    o[key("speedup")] = s.speedup;
    o[key("efficiency")] = s.efficiency;
    return o;
}

Summary summaryFromJson(const QJsonObject& o)
{
    Summary s;
    s.makespanS = o[key("makespan_s")].toDouble();
    s.cpuTimeS = o[key("cpu_time_s")].toDouble();
    s.meanBusyCores = o[key("mean_busy_cores")].toDouble();
    s.cpuWorkS = o[key("cpu_work_s")].toDouble();
    s.longestTaskS = o[key("longest_task_s")].toDouble();
    s.meanLatencyS = o[key("mean_latency_s")].toDouble();
    s.maxLatencyS = o[key("max_latency_s")].toDouble();
    s.boundS = o[key("bound_s")].toDouble();
    s.cores = o[key("cores")].toInt();
    s.gilWaitS = o[key("gil_wait_s")].toDouble();
    s.gilSwitches = static_cast<std::uint64_t>(o[key("gil_switches")].toDouble());
    s.spawnS = o[key("spawn_s")].toDouble();
    s.ipcS = o[key("ipc_s")].toDouble();
    s.ioWaitS = o[key("io_wait_s")].toDouble();
    s.maxLoopLagMs = o[key("max_loop_lag_ms")].toDouble();
    s.tasksDone = o[key("tasks_done")].toInt();
    s.tasksFailed = o[key("tasks_failed")].toInt();
    s.tasksNotRun = o[key("tasks_not_run")].toInt();
    s.speedup = o[key("speedup")].toDouble();
    s.efficiency = o[key("efficiency")].toDouble();
    return s;
}

QJsonObject busyJson(const BusyAtOnce& b)
{
    QJsonArray at;
    for (double v : b.at)
        at.append(v);
    return QJsonObject{{key("max"), b.max}, {key("mean"), b.mean}, {key("seconds_at"), at}};
}

BusyAtOnce busyFromJson(const QJsonObject& o)
{
    BusyAtOnce b;
    b.max = o[key("max")].toInt();
    b.mean = o[key("mean")].toDouble();
    for (const auto& v : o[key("seconds_at")].toArray())
        b.at.push_back(v.toDouble());
    return b;
}

// How files name a run: its model, or for a recording the program's command line.
std::string runLabel(const RunSnapshot& run)
{
    if (!run.record.active)
        return describeModel(run.config);
    std::string label = "recorded:";
    for (const auto& c : run.record.command)
        label += " " + c;
    return label;
}

// A recorded program's part of a run (concurrency-explorer record).
QJsonObject recordJson(const RunSnapshot& run)
{
    const RecordInfo& r = run.record;
    QJsonObject o;
    QJsonArray command;
    for (const auto& c : r.command)
        command.append(qs(c));
    o[key("command")] = command;
    o[key("root_pid")] = static_cast<double>(r.rootPid);
    o[key("exit_code")] = r.exitCode;
    o[key("exit_signal")] = r.exitSignal;
    o[key("sample_ms_requested")] = r.sampleMsRequested;
    o[key("sample_ms_measured")] = r.sampleMsMeasured;
    o[key("samples")] = static_cast<double>(r.samples);
    o[key("sampler_cpu_s")] = r.samplerCpuS;
    o[key("os_cpu_s")] = r.osCpuS;
    o[key("processes")] = r.processes;
    o[key("busy_threads")] = busyJson(r.busyThreads);
    o[key("busy_processes")] = busyJson(r.busyProcesses);
    o[key("wanted_cpu_s")] = r.wantedCpuS;
    o[key("runnable_s")] = r.runnableS;
    o[key("sleeping_s")] = r.sleepingS;
    o[key("disk_wait_s")] = r.diskWaitS;
    QJsonArray lanes;
    for (const auto& l : r.lanes) {
        lanes.append(QJsonObject{{key("pid"), static_cast<double>(l.pid)},       {key("tid"), static_cast<double>(l.tid)},
                                 {key("ppid"), static_cast<double>(l.ppid)},     {key("name"), qs(l.name)},
                                 {key("process"), qs(l.process)},                {key("first_ns"), static_cast<double>(l.firstNs)},
                                 {key("last_ns"), static_cast<double>(l.lastNs)}, {key("cpu_ns"), static_cast<double>(l.cpuNs)},
                                 {key("runnable_ns"), static_cast<double>(l.runnableNs)}, {key("blocked_ns"), static_cast<double>(l.blockedNs)}});
    }
    o[key("lanes")] = lanes;
    QJsonArray procs;
    for (const auto& p : r.processList)
        procs.append(QJsonObject{{key("pid"), static_cast<double>(p.pid)}, {key("shared_s"), p.sharedS}, {key("parallel_s"), p.parallelS},
                                 {key("max_cores"), p.maxCores}});
    o[key("process_overlap")] = procs;
    const RecordVerdict v = judgeRecording(run);
    o[key("cpu_share")] = v.measure.cpuShare;
    o[key("concurrency")] = v.measure.concurrency;
    o[key("serialised_threads")] = v.measure.gil;
    QJsonArray findings;
    for (const auto& f : v.findings)
        findings.append(qs(f));
    o[key("findings")] = findings;
    o[key("advice")] = toJson(v.advice);
    return o;
}

void recordFromJson(const QJsonObject& o, RecordInfo& r)
{
    r.active = true;
    for (const auto& c : o[key("command")].toArray())
        r.command.push_back(c.toString().toStdString());
    r.rootPid = static_cast<std::int64_t>(o[key("root_pid")].toDouble());
    r.exitCode = o[key("exit_code")].toInt(-1);
    r.exitSignal = o[key("exit_signal")].toInt();
    r.sampleMsRequested = o[key("sample_ms_requested")].toDouble();
    r.sampleMsMeasured = o[key("sample_ms_measured")].toDouble();
    r.samples = static_cast<std::int64_t>(o[key("samples")].toDouble());
    r.samplerCpuS = o[key("sampler_cpu_s")].toDouble();
    r.osCpuS = o[key("os_cpu_s")].toDouble(-1);
    r.processes = o[key("processes")].toInt();
    r.busyThreads = busyFromJson(o[key("busy_threads")].toObject());
    r.busyProcesses = busyFromJson(o[key("busy_processes")].toObject());
    r.wantedCpuS = o[key("wanted_cpu_s")].toDouble();
    r.runnableS = o[key("runnable_s")].toDouble();
    r.sleepingS = o[key("sleeping_s")].toDouble();
    r.diskWaitS = o[key("disk_wait_s")].toDouble();
    for (const auto& pv : o[key("process_overlap")].toArray()) {
        const QJsonObject p = pv.toObject();
        r.processList.push_back(RecordedProcess{static_cast<std::int64_t>(p[key("pid")].toDouble()), p[key("shared_s")].toDouble(),
                                                p[key("parallel_s")].toDouble(), p[key("max_cores")].toDouble()});
    }
    for (const auto& lv : o[key("lanes")].toArray()) {
        const QJsonObject l = lv.toObject();
        RecordedLane lane;
        lane.pid = static_cast<std::int64_t>(l[key("pid")].toDouble());
        lane.tid = static_cast<std::int64_t>(l[key("tid")].toDouble());
        lane.ppid = static_cast<std::int64_t>(l[key("ppid")].toDouble());
        lane.name = l[key("name")].toString().toStdString();
        lane.process = l[key("process")].toString().toStdString();
        lane.firstNs = static_cast<std::int64_t>(l[key("first_ns")].toDouble());
        lane.lastNs = static_cast<std::int64_t>(l[key("last_ns")].toDouble());
        lane.cpuNs = static_cast<std::int64_t>(l[key("cpu_ns")].toDouble());
        lane.runnableNs = static_cast<std::int64_t>(l[key("runnable_ns")].toDouble());
        lane.blockedNs = static_cast<std::int64_t>(l[key("blocked_ns")].toDouble());
        r.lanes.push_back(std::move(lane));
    }
}

bool fail(std::string* error, const QString& path, const std::string& why)
{
    if (error)
        *error = path.toStdString() + ": " + why;
    return false;
}

} // namespace

QJsonObject toJson(const RunConfig& c)
{
    QJsonObject o;
    o[key("workload")] = qs(toString(c.workload));
    o[key("kernel")] = qs(toString(c.kernel));
    o[key("io")] = qs(toString(c.io));
    o[key("tasks")] = c.tasks;
    o[key("task_ms")] = c.taskMs;
    o[key("iterations")] = static_cast<double>(c.iterations);
    o[key("wait_ms")] = c.waitMs;
    o[key("rounds")] = c.rounds;
    o[key("payload_bytes")] = static_cast<double>(c.payloadBytes);
    o[key("model")] = qs(toString(c.model));
    o[key("workers")] = c.workers;
    o[key("gil")] = c.gil;
    o[key("switch_interval_ms")] = c.switchIntervalMs;
    o[key("spawn_per_task")] = c.spawnPerTask;
    o[key("offload")] = c.offload;
    o[key("sample_ms")] = c.sampleMs;
    o[key("preset")] = qs(c.preset);
    o[key("label")] = qs(describeModel(c));
    o[key("workload_label")] = qs(describeWorkload(c));
    return o;
}

QJsonObject toJson(const RunSnapshot& run)
{
    QJsonObject o;
    o[key("format")] = key(kRunFormat);
    o[key("version")] = kFormatVersion;
    o[key("config")] = toJson(run.config);
    if (run.config.gil)
        o[key("gil_note")] = QStringLiteral("The GIL is emulated: C++ has none. The engine runs CPython's switching algorithm (Python/ceval_gil.c) around real threads.");
    o[key("status")] = qs(toString(run.status));
    o[key("machine")] = qs(run.machine);
    o[key("elapsed_s")] = double(run.elapsedNs) / 1e9;
    o[key("lanes")] = run.lanes;
    o[key("summary")] = summaryJson(run.summary);

    std::vector<QJsonArray> taskPhases(run.tasks.size());
    QJsonArray lanePhases;
    for (const auto& p : run.phases) {
        if (p.task >= 0 && static_cast<std::size_t>(p.task) < taskPhases.size()) {
            taskPhases[static_cast<std::size_t>(p.task)].append(phaseJson(p));
        } else {
            QJsonObject lp = phaseJson(p);
            lp[key("lane")] = p.lane;
            lanePhases.append(lp);
        }
    }
    QJsonArray tasks;
    for (const auto& t : run.tasks) {
        QJsonObject to;
        to[key("id")] = t.id;
        to[key("lane")] = t.lane;
        to[key("status")] = qs(toString(t.status));
        to[key("queued_ns")] = static_cast<double>(t.queuedNs);
        to[key("start_ns")] = static_cast<double>(t.startNs);
        to[key("end_ns")] = static_cast<double>(t.endNs);
        QJsonArray phases;
        if (t.startNs > t.queuedNs) {
            QJsonObject q;
            q[key("state")] = qs(toString(State::Queued));
            q[key("start_ns")] = static_cast<double>(t.queuedNs);
            q[key("end_ns")] = static_cast<double>(t.startNs);
            q[key("core")] = -1;
            q[key("os_id")] = 0;
            phases.append(q);
        }
        for (const auto& p : taskPhases[static_cast<std::size_t>(t.id)])
            phases.append(p);
        to[key("phases")] = phases;
        tasks.append(to);
    }
    o[key("tasks")] = tasks;
    o[key("lane_phases")] = lanePhases;

    QJsonArray samples;
    for (const auto& s : run.coreSamples) {
        QJsonObject so;
        so[key("t_ns")] = static_cast<double>(s.timeNs);
        so[key("core")] = s.core;
        so[key("total_pct")] = static_cast<double>(s.totalPct);
        so[key("run_pct")] = static_cast<double>(s.runPct);
        samples.append(so);
    }
    QJsonObject cores;
    cores[key("run_share_measured")] = run.runShareMeasured;
    cores[key("sample_ms")] = run.config.sampleMs;
    cores[key("samples")] = samples;
    o[key("core_samples")] = cores;

    QJsonArray lag;
    for (const auto& l : run.lagSamples) {
        QJsonObject lo;
        lo[key("t_ns")] = static_cast<double>(l.timeNs);
        lo[key("lag_ms")] = static_cast<double>(l.lagMs);
        lag.append(lo);
    }
    o[key("loop_lag")] = lag;
    QJsonArray errors;
    for (const auto& e : run.errors)
        errors.append(qs(e));
    o[key("errors")] = errors;
    if (run.record.active)
        o[key("record")] = recordJson(run);
    return o;
}

QJsonObject toJson(const Advice& a)
{
    QJsonObject o;
    o[key("recommended")] = qs(toString(a.recommended));
    o[key("summary")] = qs(a.summary);
    QJsonArray path;
    for (const auto& step : a.path) {
        QJsonObject s;
        s[key("node")] = qs(step.node);
        s[key("edge")] = qs(step.edge);
        s[key("reason")] = qs(step.reason);
        path.append(s);
    }
    o[key("path")] = path;
    return o;
}

bool writeRunJson(const QString& path, const RunSnapshot& run, std::string* error)
{
    return saveBytes(path, QJsonDocument(toJson(run)).toJson(QJsonDocument::Compact), error);
}

bool writeCompareJson(const QString& path, const std::vector<RunSnapshot>& runs, const Advice& advice, std::string* error)
{
    QJsonObject o;
    o[key("format")] = key(kCompareFormat);
    o[key("version")] = kFormatVersion;
    QJsonArray arr;
    for (const auto& r : runs)
        arr.append(toJson(r));
    o[key("runs")] = arr;
    o[key("advice")] = toJson(advice);
    return saveBytes(path, QJsonDocument(o).toJson(QJsonDocument::Compact), error);
}

bool writeCsv(const QString& path, const std::vector<RunSnapshot>& runs, std::string* error)
{
    QByteArray out;
    QTextStream ts(&out);
    ts << "run,record,task,lane,state,start_s,end_s,core,os_id,total_pct,run_pct,lag_ms\n";
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const auto& run = runs[r];
        const QString label = QString::fromStdString(runLabel(run)).replace(QLatin1Char(','), QLatin1Char(';'));
        for (const auto& p : run.phases)
            ts << label << ",phase," << p.task << ',' << p.lane << ',' << qs(toString(p.state)) << ',' << double(p.startNs) / 1e9
               << ',' << double(p.endNs) / 1e9 << ',' << p.cpu << ',' << p.osId << ",,,\n";
        for (const auto& s : run.coreSamples)
            ts << label << ",core,,,,," << double(s.timeNs) / 1e9 << ',' << s.core << ",," << s.totalPct << ',' << s.runPct << ",\n";
        for (const auto& l : run.lagSamples)
            ts << label << ",lag,,,,," << double(l.timeNs) / 1e9 << ",,,,," << l.lagMs << '\n';
    }
    ts.flush();
    return saveBytes(path, out, error);
}

bool writeTrace(const QString& path, const std::vector<RunSnapshot>& runs, std::string* error)
{
    QJsonArray events;
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const auto& run = runs[r];
        const int pid = static_cast<int>(r) + 1;
        QJsonObject meta;
        meta[key("ph")] = QStringLiteral("M");
        meta[key("name")] = QStringLiteral("process_name");
        meta[key("pid")] = pid;
        meta[key("args")] = QJsonObject{{key("name"), qs(run.record.active ? runLabel(run) : describeModel(run.config) + ": " + describeWorkload(run.config))}};
        events.append(meta);
        for (int lane = 0; lane < run.lanes; ++lane) {
            QJsonObject t;
            t[key("ph")] = QStringLiteral("M");
            t[key("name")] = QStringLiteral("thread_name");
            t[key("pid")] = pid;
            t[key("tid")] = lane;
            t[key("args")] = QJsonObject{{key("name"), QStringLiteral("lane %1").arg(lane)}};
            events.append(t);
        }
        for (const auto& p : run.phases) {
            QJsonObject e;
            e[key("ph")] = QStringLiteral("X");
            e[key("name")] = qs(toString(p.state));
            e[key("cat")] = qs(toString(p.state));
            e[key("pid")] = pid;
            e[key("tid")] = p.lane;
            e[key("ts")] = double(p.startNs) / 1000.0;
            e[key("dur")] = double(std::max<std::int64_t>(0, p.endNs - p.startNs)) / 1000.0;
            e[key("args")] = QJsonObject{{key("task"), p.task}, {key("core"), p.cpu}, {key("os_id"), static_cast<double>(p.osId)}};
            events.append(e);
        }
        for (const auto& s : run.coreSamples) {
            QJsonObject c;
            c[key("ph")] = QStringLiteral("C");
            c[key("name")] = QStringLiteral("core %1 %").arg(s.core);
            c[key("pid")] = pid;
            c[key("ts")] = double(s.timeNs) / 1000.0;
            c[key("args")] = QJsonObject{{key("this run"), double(s.runPct)}, {key("others"), double(s.totalPct - s.runPct)}};
            events.append(c);
        }
        for (const auto& l : run.lagSamples) {
            QJsonObject c;
            c[key("ph")] = QStringLiteral("C");
            c[key("name")] = QStringLiteral("event-loop lag ms");
            c[key("pid")] = pid;
            c[key("ts")] = double(l.timeNs) / 1000.0;
            c[key("args")] = QJsonObject{{key("lag"), double(l.lagMs)}};
            events.append(c);
        }
    }
    QJsonObject root;
    root[key("traceEvents")] = events;
    root[key("displayTimeUnit")] = QStringLiteral("ms");
    return saveBytes(path, QJsonDocument(root).toJson(QJsonDocument::Compact), error);
}

namespace {

bool runFromJson(const QJsonObject& o, RunSnapshot& run, std::string* why)
{
    if (o[key("format")].toString() != key(kRunFormat)) {
        *why = "not a Concurrency Explorer run";
        return false;
    }
    if (o[key("version")].toInt() != kFormatVersion) {
        *why = "format version " + std::to_string(o[key("version")].toInt()) + " is not supported (expected " + std::to_string(kFormatVersion) + ")";
        return false;
    }
    const QJsonObject c = o[key("config")].toObject();
    for (auto it = c.begin(); it != c.end(); ++it) {
        QString name = it.key();
        name.replace(QLatin1Char('_'), QLatin1Char('-'));
        if (!findRunOption(name.toStdString()))
            continue;
        const QJsonValue v = it.value();
        const std::string value = v.isBool() ? (v.toBool() ? "on" : "off") : v.isDouble() ? QString::number(v.toDouble(), 'g', 17).toStdString() : v.toString().toStdString();
        const std::string problem = applyOption(run.config, name.toStdString(), value);
        if (!problem.empty()) {
            *why = "bad config: " + problem;
            return false;
        }
    }
    run.config.preset = c[key("preset")].toString().toStdString();
    const QString status = o[key("status")].toString();
    run.status = status == QStringLiteral("completed") ? RunStatus::Completed : status == QStringLiteral("cancelled") ? RunStatus::Cancelled : RunStatus::Failed;
    run.machine = o[key("machine")].toString().toStdString();
    run.elapsedNs = static_cast<std::int64_t>(o[key("elapsed_s")].toDouble() * 1e9);
    run.lanes = o[key("lanes")].toInt();
    run.summary = summaryFromJson(o[key("summary")].toObject());
    if (run.lanes < 0 || run.lanes > 1000000) {
        *why = "bad lane count";
        return false;
    }
    auto readPhase = [&](const QJsonObject& p, int task, int lane, PhaseRecord& out) {
        const auto state = stateFromString(p[key("state")].toString().toStdString());
        if (!state)
            return false;
        out.state = *state;
        out.startNs = static_cast<std::int64_t>(p[key("start_ns")].toDouble());
        out.endNs = static_cast<std::int64_t>(p[key("end_ns")].toDouble());
        out.cpu = static_cast<std::int16_t>(p[key("core")].toInt(-1));
        out.osId = static_cast<std::int64_t>(p[key("os_id")].toDouble());
        out.cpuNs = static_cast<std::int64_t>(p[key("cpu_ns")].toDouble());
        out.task = task;
        out.lane = lane;
        return out.endNs >= out.startNs && lane >= 0 && lane < std::max(1, run.lanes);
    };
    for (const auto& tv : o[key("tasks")].toArray()) {
        const QJsonObject t = tv.toObject();
        TaskRecord tr;
        tr.id = t[key("id")].toInt(-1);
        tr.lane = t[key("lane")].toInt(-1);
        const std::string st = t[key("status")].toString().toStdString();
        tr.status = st == "done" ? TaskStatus::Done : st == "failed" ? TaskStatus::Failed : st == "cancelled" ? TaskStatus::Cancelled : st == "running" ? TaskStatus::Running : TaskStatus::Pending;
        tr.queuedNs = static_cast<std::int64_t>(t[key("queued_ns")].toDouble());
        tr.startNs = static_cast<std::int64_t>(t[key("start_ns")].toDouble());
        tr.endNs = static_cast<std::int64_t>(t[key("end_ns")].toDouble());
        if (tr.id != static_cast<int>(run.tasks.size())) {
            *why = "task ids are not in order";
            return false;
        }
        for (const auto& pv : t[key("phases")].toArray()) {
            PhaseRecord p;
            if (!readPhase(pv.toObject(), tr.id, tr.lane, p)) {
                *why = "a phase of task " + std::to_string(tr.id) + " is damaged";
                return false;
            }
            if (p.state != State::Queued)
                run.phases.push_back(p);
        }
        run.tasks.push_back(tr);
    }
    for (const auto& pv : o[key("lane_phases")].toArray()) {
        const QJsonObject po = pv.toObject();
        PhaseRecord p;
        if (!readPhase(po, -1, po[key("lane")].toInt(-1), p)) {
            *why = "a lane phase is damaged";
            return false;
        }
        run.phases.push_back(p);
    }
    std::stable_sort(run.phases.begin(), run.phases.end(), [](const PhaseRecord& a, const PhaseRecord& b) { return a.lane < b.lane; });
    const QJsonObject cores = o[key("core_samples")].toObject();
    run.runShareMeasured = cores[key("run_share_measured")].toBool();
    for (const auto& sv : cores[key("samples")].toArray()) {
        const QJsonObject s = sv.toObject();
        run.coreSamples.push_back(CoreSample{static_cast<std::int64_t>(s[key("t_ns")].toDouble()), s[key("core")].toInt(),
                                             static_cast<float>(s[key("total_pct")].toDouble()), static_cast<float>(s[key("run_pct")].toDouble())});
    }
    for (const auto& lv : o[key("loop_lag")].toArray()) {
        const QJsonObject l = lv.toObject();
        run.lagSamples.push_back(LagSample{static_cast<std::int64_t>(l[key("t_ns")].toDouble()), static_cast<float>(l[key("lag_ms")].toDouble())});
    }
    for (const auto& e : o[key("errors")].toArray())
        run.errors.push_back(e.toString().toStdString());
    if (o.contains(key("record")))
        recordFromJson(o[key("record")].toObject(), run.record);
    return true;
}

} // namespace

bool readRunsJson(const QString& path, std::vector<RunSnapshot>& runs, std::string* error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(error, path, "cannot open: " + f.errorString().toStdString());
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
    if (perr.error != QJsonParseError::NoError)
        return fail(error, path, "not valid JSON (" + perr.errorString().toStdString() + " at byte " + std::to_string(perr.offset) + ")");
    if (!doc.isObject())
        return fail(error, path, "not a Concurrency Explorer run");
    const QJsonObject root = doc.object();
    std::vector<QJsonObject> objects;
    if (root[key("format")].toString() == key(kCompareFormat)) {
        for (const auto& r : root[key("runs")].toArray())
            objects.push_back(r.toObject());
    } else {
        objects.push_back(root);
    }
    std::vector<RunSnapshot> loaded;
    for (const auto& o : objects) {
        RunSnapshot run;
        std::string why;
        if (!runFromJson(o, run, &why))
            return fail(error, path, why);
        loaded.push_back(std::move(run));
    }
    runs = std::move(loaded);
    return true;
}

std::string checkWritable(const QString& path)
{
    const QFileInfo info(path);
    if (path.isEmpty())
        return "an output path is empty";
    if (info.isDir())
        return path.toStdString() + " is a directory, not a file";
    const QFileInfo dir(info.absolutePath());
    if (!dir.exists())
        return "cannot write " + path.toStdString() + ": folder " + dir.filePath().toStdString() + " does not exist";
    if (!dir.isWritable())
        return "cannot write " + path.toStdString() + ": folder " + dir.filePath().toStdString() + " is not writable";
    return {};
}

} // namespace ce
