#include "ce/Export.h"

#include "ce/Options.h"
#include "ce/RunFile.h"
#include "ce/record/Recording.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTemporaryFile>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

namespace ce {
namespace {

constexpr int kFormatVersion = 1;
const char* const kRunFormat = "concurrency-explorer-run";
const char* const kCompareFormat = "concurrency-explorer-compare";

QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
QString key(const char* k) { return QString::fromLatin1(k); }

bool saveBytes(const QString& path, const QByteArray& bytes, std::string* error)
{
    if (path == QLatin1String("-"))
        return writeStandardOutput(bytes, error);
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
    o[key("lock_wait_s")] = s.lockWaitS;
    if (s.counterExpected > 0 || s.counterFinal > 0) {
        o[key("counter_expected")] = static_cast<double>(s.counterExpected);
        o[key("counter_final")] = static_cast<double>(s.counterFinal);
        o[key("lost_updates")] = static_cast<double>(s.lostUpdates);
    }
    return o;
}

QJsonObject busyJson(const BusyAtOnce& b)
{
    QJsonArray at;
    for (double v : b.at)
        at.append(v);
    return QJsonObject{{key("max"), b.max}, {key("mean"), b.mean}, {key("seconds_at"), at}};
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

} // namespace

bool saveWhole(const QString& path, const QByteArray& bytes, std::string* error)
{
    return saveBytes(path, bytes, error);
}

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
    o[key("offload_to")] = qs(toString(c.offloadTo));
    o[key("sample_ms")] = c.sampleMs;
    o[key("lock")] = qs(toString(c.lock));
    o[key("await")] = qs(toString(c.awaitMode));
    o[key("releases_gil")] = c.releasesGil;
    o[key("chunksize")] = c.chunksize == RunConfig::kAutoChunksize ? QStringLiteral("auto") : QString::number(c.chunksize);
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
    return writeCompareJson(path, runs, &advice, error);
}

bool writeCompareJson(const QString& path, const std::vector<RunSnapshot>& runs, const Advice* advice, std::string* error)
{
    QJsonObject o;
    o[key("format")] = key(kCompareFormat);
    o[key("version")] = kFormatVersion;
    QJsonArray arr;
    for (const auto& r : runs)
        arr.append(toJson(r));
    o[key("runs")] = arr;
    if (advice)
        o[key("advice")] = toJson(*advice);
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

bool readRunsJson(const QString& path, std::vector<RunSnapshot>& runs, std::string* error)
{
    RunFile file;
    if (!readRunFile(path, file, error))
        return false;
    runs = std::move(file.runs);
    return true;
}

std::string checkWritable(const QString& path)
{
    if (path.isEmpty())
        return "an output path is empty";
    if (path == QLatin1String("-"))
        return {};
    const std::string shown = printable(path.toStdString());
    const QFileInfo info(path);
    if (info.isDir())
        return shown + " is a directory, not a file";
    // An existing FIFO, device or socket would be replaced by a regular file (or, as root,
    // /dev/null would be): refuse every existing path that is not a regular file.
    if (info.exists() && !info.isFile())
        return shown + " exists and is not a regular file (a device, FIFO or socket): give a file name, or - for standard output";
    const QFileInfo dir(info.absolutePath());
    if (!dir.exists())
        return "cannot write " + shown + ": folder " + printable(dir.filePath().toStdString()) + " does not exist";
    if (!dir.isDir())
        return "cannot write " + shown + ": " + printable(dir.filePath().toStdString()) + " is not a folder";
    // The file is written next to its final name and renamed over it (QSaveFile): the folder
    // itself must take a new file. Try it, rather than trust permission bits (/proc, read-only
    // mounts, ACLs).
    QTemporaryFile probe(QDir(info.absolutePath()).filePath(QStringLiteral(".concurrency-explorer-XXXXXX")));
    if (!dir.isWritable() || !probe.open())
        return "cannot write " + shown + ": folder " + printable(dir.filePath().toStdString()) + " is not writable";
    return {};
}

namespace {
int g_stdoutFd = -1; // set by redirectStandardOutput(); -1: the process's own stdout
}

bool writeStandardOutput(const QByteArray& bytes, std::string* error)
{
    QFile out;
    const bool opened = g_stdoutFd >= 0 ? out.open(g_stdoutFd, QIODevice::WriteOnly, QFileDevice::DontCloseHandle)
                                        : out.open(stdout, QIODevice::WriteOnly, QFileDevice::DontCloseHandle);
    if (!opened || out.write(bytes) != bytes.size() || !out.flush()) {
        if (error)
            *error = "cannot write to standard output: " + out.errorString().toStdString();
        return false;
    }
    return true;
}

void setStandardOutputFd(int fd) { g_stdoutFd = fd; }

std::string printable(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

} // namespace ce
