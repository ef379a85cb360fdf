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
#include <charconv>
#include <cmath>
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
    // Every workload and model option, from the option table: its name with '_' for '-',
    // switches as booleans, choices and words ("auto") as strings, numbers as numbers. The
    // reader (RunFile.cpp) takes each back through the same table.
    QJsonObject o;
    for (const OptionSpec& spec : runOptions()) {
        QString name = QString::fromStdString(spec.name);
        name.replace(QLatin1Char('-'), QLatin1Char('_'));
        const double v = spec.get(c);
        const std::string text = spec.format(v);
        const bool named = spec.kind == OptionKind::Enum
                           || std::any_of(spec.words.begin(), spec.words.end(), [&](const OptionWord& w) { return w.word == text; });
        if (spec.kind == OptionKind::Switch)
            o[name] = v != 0;
        else if (named)
            o[name] = QString::fromStdString(text);
        else
            o[name] = v;
    }
    o[key("preset")] = qs(c.preset);
    o[key("label")] = qs(describeModel(c));
    o[key("workload_label")] = qs(describeWorkload(c));
    return o;
}

namespace {

// Everything of a run but its per-phase and per-sample arrays (small whatever the run's size).
QJsonObject runHeadJson(const RunSnapshot& run)
{
    QJsonObject o;
    o[key("format")] = key(kRunFormat);
    o[key("version")] = kFormatVersion;
    o[key("config")] = toJson(run.config);
    if (run.config.gil) {
        QString note = QStringLiteral("The GIL is emulated: C++ has none. The engine runs CPython's switching algorithm (Python/ceval_gil.c) around real threads.");
        if (run.config.model == Model::EventLoop && run.config.loopPassUs > 0)
            note += QStringLiteral(" The event loop's thread also spends %1 us of CPU holding it in each pass after a sleep: asyncio's own interpreter time, emulated.").arg(run.config.loopPassUs);
        o[key("gil_note")] = note;
    }
    o[key("status")] = qs(toString(run.status));
    o[key("machine")] = qs(run.machine);
    o[key("elapsed_s")] = double(run.elapsedNs) / 1e9;
    o[key("lanes")] = run.lanes;
    o[key("summary")] = summaryJson(run.summary);
    QJsonArray errors;
    for (const auto& e : run.errors)
        errors.append(qs(e));
    o[key("errors")] = errors;
    if (run.record.active)
        o[key("record")] = recordJson(run);
    return o;
}

// Writes JSON text straight into a buffer: the arrays of a run with a million phases would
// otherwise become a million QJsonObjects first (seconds of allocation for 100,000 tasks).
// Numbers come out as QJsonDocument writes them: integral values as integers, others in the
// shortest form that reads back the same.
class JsonText {
public:
    explicit JsonText(QByteArray& out) : m_out(out) {}
    JsonText& raw(const char* text)
    {
        m_out.append(text);
        return *this;
    }
    JsonText& raw(char c)
    {
        m_out.append(c);
        return *this;
    }
    JsonText& key(const char* k)
    {
        m_out.append('"').append(k).append("\":");
        return *this;
    }
    JsonText& integer(std::int64_t v)
    {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        m_out.append(buf, static_cast<qsizetype>(r.ptr - buf));
        return *this;
    }
    JsonText& number(double v)
    {
        if (!std::isfinite(v))
            return raw("null");
        if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0)
            return integer(static_cast<std::int64_t>(v));
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        m_out.append(buf, static_cast<qsizetype>(r.ptr - buf));
        return *this;
    }
    JsonText& string(std::string_view v)
    {
        m_out.append('"');
        for (const char c : v) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                m_out.append('\\').append(c);
            } else if (u < 0x20) {
                char esc[8];
                std::snprintf(esc, sizeof esc, "\\u%04x", u);
                m_out.append(esc);
            } else {
                m_out.append(c);
            }
        }
        m_out.append('"');
        return *this;
    }

private:
    QByteArray& m_out;
};

void phaseText(JsonText& j, const PhaseRecord& p, bool withLane)
{
    j.raw('{');
    j.key("core").integer(p.cpu);
    if (p.state == State::Cpu || p.cpuNs > 0)
        j.raw(',').key("cpu_ns").integer(p.cpuNs);
    j.raw(',').key("end_ns").integer(p.endNs);
    if (withLane)
        j.raw(',').key("lane").integer(p.lane);
    j.raw(',').key("os_id").integer(p.osId);
    j.raw(',').key("start_ns").integer(p.startNs);
    j.raw(',').key("state").string(toString(p.state));
    j.raw('}');
}

// The run as JSON text, in one pass over its phases (grouped by task with a counting sort).
void appendRunJson(QByteArray& out, const RunSnapshot& run)
{
    const QByteArray head = QJsonDocument(runHeadJson(run)).toJson(QJsonDocument::Compact);
    out.reserve(out.size() + head.size() + static_cast<qsizetype>(run.phases.size()) * 120 + static_cast<qsizetype>(run.tasks.size()) * 110
                + static_cast<qsizetype>(run.coreSamples.size() + run.lagSamples.size()) * 60 + 64);
    out.append(head.constData(), head.size() - 1); // without its closing brace
    JsonText j(out);

    const std::size_t taskCount = run.tasks.size();
    std::vector<std::uint32_t> first(taskCount + 1, 0); // phases of task t: byTask[first[t], first[t+1])
    for (const auto& p : run.phases)
        if (p.task >= 0 && static_cast<std::size_t>(p.task) < taskCount)
            ++first[static_cast<std::size_t>(p.task) + 1];
    for (std::size_t t = 0; t < taskCount; ++t)
        first[t + 1] += first[t];
    std::vector<std::uint32_t> byTask(first[taskCount]);
    {
        std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
        for (std::size_t i = 0; i < run.phases.size(); ++i) {
            const auto& p = run.phases[i];
            if (p.task >= 0 && static_cast<std::size_t>(p.task) < taskCount)
                byTask[fill[static_cast<std::size_t>(p.task)]++] = static_cast<std::uint32_t>(i);
        }
    }

    j.raw(",").key("tasks").raw('[');
    bool firstTask = true;
    for (const auto& t : run.tasks) {
        if (!firstTask)
            j.raw(',');
        firstTask = false;
        j.raw('{').key("end_ns").integer(t.endNs);
        j.raw(',').key("id").integer(t.id);
        j.raw(',').key("lane").integer(t.lane);
        j.raw(',').key("phases").raw('[');
        bool firstPhase = true;
        if (t.startNs > 0) { // every task is handed to its model when the run starts: queued from 0
            j.raw('{').key("core").integer(-1).raw(',').key("end_ns").integer(t.startNs).raw(',').key("os_id").integer(0);
            j.raw(',').key("start_ns").integer(0).raw(',').key("state").string(toString(State::Queued)).raw('}');
            firstPhase = false;
        }
        if (t.id >= 0 && static_cast<std::size_t>(t.id) < taskCount) {
            for (std::uint32_t k = first[static_cast<std::size_t>(t.id)]; k < first[static_cast<std::size_t>(t.id) + 1]; ++k) {
                if (!firstPhase)
                    j.raw(',');
                firstPhase = false;
                phaseText(j, run.phases[byTask[k]], false);
            }
        }
        j.raw(']');
        j.raw(',').key("queued_ns").integer(0);
        j.raw(',').key("start_ns").integer(t.startNs);
        j.raw(',').key("status").string(toString(t.status));
        j.raw('}');
    }
    j.raw("],").key("lane_phases").raw('[');
    bool firstLane = true;
    for (const auto& p : run.phases) {
        if (p.task >= 0 && static_cast<std::size_t>(p.task) < taskCount)
            continue;
        if (!firstLane)
            j.raw(',');
        firstLane = false;
        phaseText(j, p, true);
    }
    j.raw("],").key("core_samples").raw('{').key("run_share_measured").raw(run.runShareMeasured ? "true" : "false");
    j.raw(',').key("sample_ms").number(run.config.sampleMs).raw(',').key("samples").raw('[');
    for (std::size_t i = 0; i < run.coreSamples.size(); ++i) {
        const auto& cs = run.coreSamples[i];
        if (i > 0)
            j.raw(',');
        j.raw('{').key("core").integer(cs.core).raw(',').key("run_pct").number(double(cs.runPct));
        j.raw(',').key("t_ns").integer(cs.timeNs).raw(',').key("total_pct").number(double(cs.totalPct)).raw('}');
    }
    j.raw("]},").key("loop_lag").raw('[');
    for (std::size_t i = 0; i < run.lagSamples.size(); ++i) {
        const auto& l = run.lagSamples[i];
        if (i > 0)
            j.raw(',');
        j.raw('{').key("lag_ms").number(double(l.lagMs)).raw(',').key("t_ns").integer(l.timeNs).raw('}');
    }
    j.raw("]}");
}

} // namespace

QJsonObject toJson(const RunSnapshot& run)
{
    // One writer of the format: the text writer's output, parsed (small runs only use this).
    QByteArray text;
    appendRunJson(text, run);
    return QJsonDocument::fromJson(text).object();
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
    QByteArray out;
    appendRunJson(out, run);
    return saveBytes(path, out, error);
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
    if (advice)
        o[key("advice")] = toJson(*advice);
    // The runs are written as text (appendRunJson), the small rest through QJsonDocument.
    const QByteArray head = QJsonDocument(o).toJson(QJsonDocument::Compact);
    QByteArray out(head.constData(), head.size() - 1);
    out.append(",\"runs\":[");
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (i > 0)
            out.append(',');
        appendRunJson(out, runs[i]);
    }
    out.append("]}");
    return saveBytes(path, out, error);
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
