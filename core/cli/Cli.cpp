#include "ce/cli/Cli.h"

#include "ce/Comparison.h"
#include "ce/Engine.h"
#include "ce/Export.h"
#include "ce/Flowchart.h"
#include "Kernels.h"
#include "ManPage.h"
#include "LoopbackService.h"
#include "ce/Options.h"
#include "ce/Presets.h"
#include "ce/RunFile.h"
#include "ce/Sweep.h"
#include "RecordCli.h"
#include "ce/RunSummary.h"
#include "ce/Verdict.h"
#include "WorkerProtocol.h"
#include "platform/Platform.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <io.h>
#define CE_ISATTY _isatty
#define CE_FILENO _fileno
#else
#include <unistd.h>
#define CE_ISATTY isatty
#define CE_FILENO fileno
#endif

namespace ce::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCancelled = 130;

std::atomic<bool> g_interrupted{false};
const Hooks* g_hooks = nullptr;

extern "C" void onInterrupt(int sig)
{
    g_interrupted.store(true);
    std::signal(sig, SIG_DFL); // a second Ctrl+C ends the program at once
}

struct UsageError {
    std::string message;
};

[[noreturn]] void usage(const std::string& message) { throw UsageError{message}; }

// Options of the command line that are not run options.
struct CliOptions {
    std::string command;
    std::vector<std::pair<std::string, std::string>> runOptions;
    std::string preset;
    QString json, csv, trace;
    std::vector<QString> figures; // --png, --svg, --pdf: the format follows the option
    QSize size{1600, 900};
    std::vector<std::string> models;
    std::vector<std::map<std::string, std::string>> compareList; // per-run overrides (demo)
    bool withAndWithoutGil = false;
    bool quiet = false;
    bool listJson = false;
    QString outDir;
    int port = 0;
    double seconds = 0;
    QString file;                // render: the saved run or comparison
    double scale = 1.0;          // --scale: device pixels per figure pixel
    QString stdoutFigureFormat;  // the format of a figure written to "-"
    std::vector<std::string> given; // the options on the command line, by name
};

const char* const kUsage = R"(Concurrency Explorer: run a workload under threads, TBB tasks, processes or an event
loop, with or without an emulated CPython GIL, and record what every core and worker did.

Usage:
  concurrency-explorer         the desktop window (with no display: the demo)
  concurrency-explorer run     [--preset NAME] [workload and model options] [--json F] [--csv F] [--trace F] [--png F]
  concurrency-explorer compare [--preset NAME] [--models m1,m2,...] [--with-and-without-gil] [options] [files]
  concurrency-explorer advise  [--preset NAME] [workload options] [--json F]
  concurrency-explorer sweep   [--preset NAME] --models m1,m2 --workers n1,n2,... [options] [--json F] [--csv F] [--png F]
                               one workload over a list of worker counts (tasks in flight for the event loop)
  concurrency-explorer list    [--json]
  concurrency-explorer render  FILE [--png|--svg|--pdf OUT] [--size WxH] [--scale S]
                               draws a saved run or comparison; runs nothing
  concurrency-explorer serve   [--port P] [--seconds S]    the slow loopback service on its own
  concurrency-explorer demo    [--out DIR]                 a short comparison that writes its files
  concurrency-explorer open    FILE [--present] [--code]   the window on a saved run or comparison
  concurrency-explorer window  [--preset NAME] [--present] [--code]   the window on a preset
  concurrency-explorer record  [--json F] [--png F] [--trace F] [--sample-ms MS] -- PROGRAM ARGS...
                               run a real program and record its threads and processes (Linux)
  concurrency-explorer --help | --version

Workload and model options:
)";

void printUsage(std::ostream& os)
{
    // The option lines, their defaults and the limits come from the option table (Options.cpp).
    os << kUsage << optionsHelp(HelpSection::Run) << "\nFiles:\n" << optionsHelp(HelpSection::Output);
    os << R"(  Any one output may be - (standard output): stdout then carries that file alone, and
  what is normally printed there goes to stderr. Outputs that exist must be regular files.

Other options:
)" << optionsHelp(HelpSection::Command);
    os << "\n" << limitsText() << " processes' payloads in flight stay within half the memory.\n";
    os << R"(Exit codes: 0 done, 1 a task or a file failed, 2 bad arguments or a damaged file to render,
130 cancelled (Ctrl+C, SIGTERM, SIGHUP).
The GIL is emulated: C++ has none; --gil runs CPython's switching algorithm around real threads.
)";
    os << recordHelp();
}

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, sep);) {
        if (!item.empty())
            out.push_back(item);
    }
    return out;
}

// Options that are switches take no value: refuse "--quiet=0" rather than read it as set.
void checkFlagValue(const std::string& name, bool hasInline, const std::string& command)
{
    const OptionSpec* spec = findOption(name);
    const bool flag = (spec && spec->kind == OptionKind::Switch) || (name == "json" && command == "list");
    if (flag && hasInline)
        usage("--" + name + " is a switch and takes no value (leave out the =...)");
}

// One value of an option of the command line itself, checked against the table.
double number(const std::string& name, const std::string& value)
{
    double v = 0;
    if (const ConfigProblem p = parseOptionValue(*findOption(name), value, &v))
        usage(p.message);
    return v;
}

CliOptions parse(int argc, char** argv)
{
    CliOptions o;
    int i = 1;
    if (i < argc && argv[i][0] != '-')
        o.command = argv[i++];
    auto takeValue = [&](const std::string& name, std::string inlineValue, bool hasInline) {
        std::string value = hasInline ? inlineValue : i < argc ? std::string(argv[i++]) : std::string();
        if (value.empty())
            usage("--" + name + " needs a value");
        return value;
    };
    for (; i < argc; ) {
        std::string arg = argv[i++];
        if (o.command == "render" && o.file.isNull() && arg.rfind("--", 0) != 0) {
            o.file = QString::fromStdString(arg);
            continue;
        }
        if (arg.rfind("--", 0) != 0)
            usage("unexpected argument '" + arg + "' (options start with --; see --help)");
        std::string name = arg.substr(2);
        std::string inlineValue;
        bool hasInline = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasInline = true;
        }
        // A flag given a value (--quiet=0, --spawn-per-task=yes) would be silently taken as set.
        checkFlagValue(name, hasInline, o.command);
        o.given.push_back(name);
        if (const OptionSpec* spec = findRunOption(name)) {
            o.runOptions.emplace_back(name, spec->takesValue() ? takeValue(name, inlineValue, hasInline) : (hasInline ? inlineValue : std::string()));
        } else if (name == "preset") {
            o.preset = takeValue(name, inlineValue, hasInline);
        } else if (name == "json" && o.command == "list") {
            o.listJson = true;
        } else if (name == "json" || name == "csv" || name == "trace") {
            const QString path = QString::fromStdString(takeValue(name, inlineValue, hasInline));
            (name == "json" ? o.json : name == "csv" ? o.csv : o.trace) = path;
        } else if (name == "png" || name == "svg" || name == "pdf") {
            const QString path = QString::fromStdString(takeValue(name, inlineValue, hasInline));
            if (path == QLatin1String("-"))
                o.stdoutFigureFormat = QString::fromStdString(name);
            else if (!path.toLower().endsWith(QLatin1Char('.') + QString::fromStdString(name)))
                usage("--" + name + ": '" + path.toStdString() + "' should end in ." + name);
            o.figures.push_back(path);
        } else if (name == "size") {
            int w = 0, h = 0;
            if (const ConfigProblem p = parseFigureSize(takeValue(name, inlineValue, hasInline), &w, &h))
                usage(p.message);
            o.size = QSize(w, h);
        } else if (name == "scale") {
            o.scale = number(name, takeValue(name, inlineValue, hasInline));
        } else if (name == "models") {
            std::vector<double> models;
            if (const ConfigProblem p = parseOptionList(*findOption(name), takeValue(name, inlineValue, hasInline), &models))
                usage(p.message);
            o.models.clear();
            for (double m : models)
                o.models.emplace_back(toString(static_cast<Model>(static_cast<int>(m))));
        } else if (name == "no-gil") {
            o.runOptions.emplace_back("gil", "off");
        } else if (name == "with-and-without-gil") {
            o.withAndWithoutGil = true;
        } else if (name == "quiet") {
            o.quiet = true;
        } else if (name == "out") {
            o.outDir = QString::fromStdString(takeValue(name, inlineValue, hasInline));
        } else if (name == "port") {
            o.port = static_cast<int>(number(name, takeValue(name, inlineValue, hasInline)));
        } else if (name == "seconds") {
            o.seconds = number(name, takeValue(name, inlineValue, hasInline));
        } else if (name == "help") {
            o.command = "help";
        } else {
            usage("unknown option --" + name + " (see --help)");
        }
    }
    return o;
}

RunConfig buildConfig(const CliOptions& o, const std::string& workerExe)
{
    RunConfig c;
    if (!o.preset.empty()) {
        const auto p = findPreset(o.preset);
        if (!p)
            usage("no preset named '" + o.preset + "' (concurrency-explorer list shows them)");
        const std::string problem = applyPreset(*p, c);
        if (!problem.empty())
            usage(problem);
    }
    for (const auto& [name, value] : o.runOptions) {
        const std::string problem = applyOption(c, name, value);
        if (!problem.empty())
            usage(problem);
    }
    c.workerExecutable = workerExe;
    return c;
}

void checkConfig(const RunConfig& c)
{
    const std::string problem = validate(withDefaults(c));
    if (!problem.empty())
        usage(problem);
}

// A file written to "-" has standard output to itself: keep the real stdout for it and send
// everything else this program prints there (summary, tables, advice) to stderr.
void keepStdoutForTheFile()
{
    std::cout.flush();
    std::fflush(stdout);
#if defined(_WIN32)
    const int fd = _dup(1);
    if (fd >= 0 && _dup2(2, 1) == 0)
        setStandardOutputFd(fd);
#else
    const int fd = ::dup(1);
    if (fd >= 0 && ::dup2(2, 1) >= 0)
        setStandardOutputFd(fd);
#endif
}

void checkOutputs(const CliOptions& o)
{
    if (!o.figures.empty() && !(g_hooks && g_hooks->writeFigure))
        usage("--png, --svg and --pdf need the GUI build (this one has no figure export: configured with -DCE_BUILD_GUI=OFF)");
    std::vector<QString> paths{o.json, o.csv, o.trace};
    paths.insert(paths.end(), o.figures.begin(), o.figures.end());
    int toStdout = 0;
    for (const QString& path : paths) {
        if (path.isNull())
            continue;
        const std::string problem = checkWritable(path);
        if (!problem.empty())
            usage(problem);
        toStdout += path == QLatin1String("-") ? 1 : 0;
    }
    if (toStdout > 1)
        usage("only one output can be - (standard output)");
    if (toStdout == 1)
        keepStdoutForTheFile();
}

// Runs one config to the end, with progress on stderr and Ctrl+C as cancel.
RunSnapshot execute(const RunConfig& config, bool quiet, const std::string& label)
{
    Run run(config);
    std::string error;
    if (!run.start(&error))
        usage(error);
    {
        // Quiet for the first second (a short run says nothing); every poll on a terminal,
        // every 2 s in a log.
        ProgressLine progress(quiet, std::chrono::seconds(1), ProgressLine::Ms(0), std::chrono::seconds(2));
        while (!run.waitFor(std::chrono::milliseconds(100))) {
            if (g_interrupted.load())
                run.cancel();
            progress.update([&] {
                return label + ": " + std::to_string(run.tasksFinished()) + "/" + std::to_string(run.config().tasks) + " tasks, "
                     + fixed(progress.elapsedS(), 1) + " s" + (g_interrupted.load() ? " (cancelling)" : "");
            });
        }
    }
    return run.snapshot();
}

void printRun(const RunSnapshot& r)
{
    std::cout << summaryText(r);
    for (const auto& e : r.errors)
        std::cout << "Error:     " << e << "\n";
}

void printAdvice(const Advice& a)
{
    const Flowchart& chart = decisionFlowchart();
    std::cout << "Decision flowchart:\n";
    for (const auto& step : a.path) {
        const FlowNode* n = chart.node(step.node);
        if (!n)
            continue;
        if (n->kind == FlowNode::Kind::Question)
            std::cout << "  " << n->label << " -> " << step.edge << "\n      (" << step.reason << ")\n";
        else
            std::cout << "  => " << n->label << "\n";
    }
}

FigureTarget figureTarget(const CliOptions& o, const QString& path)
{
    FigureTarget t;
    t.path = path;
    t.format = path == QLatin1String("-") ? o.stdoutFigureFormat : QFileInfo(path).suffix().toLower();
    t.size = o.size;
    t.scale = o.scale;
    return t;
}

bool writeOutputs(const CliOptions& o, const std::vector<RunSnapshot>& runs, const Advice* advice)
{
    OutputReport report(o.quiet);
    std::string error;
    if (!o.json.isNull())
        report(advice ? writeCompareJson(o.json, runs, *advice, &error) : writeRunJson(o.json, runs.front(), &error), o.json, error);
    if (!o.csv.isNull())
        report(writeCsv(o.csv, runs, &error), o.csv, error);
    if (!o.trace.isNull())
        report(writeTrace(o.trace, runs, &error), o.trace, error);
    for (const QString& path : o.figures)
        report(g_hooks->writeFigure(runs, advice, figureTarget(o, path), &error), path, error);
    return report.ok();
}

int exitCodeFor(const std::vector<RunSnapshot>& runs, bool filesOk)
{
    for (const auto& r : runs) {
        if (r.status == RunStatus::Cancelled)
            return kExitCancelled;
    }
    if (!filesOk)
        return kExitFailed;
    for (const auto& r : runs) {
        if (r.status != RunStatus::Completed)
            return kExitFailed;
    }
    return kExitOk;
}

int cmdRun(const CliOptions& o, const std::string& exe)
{
    const RunConfig config = buildConfig(o, exe);
    checkConfig(config);
    checkOutputs(o);
    const RunSnapshot r = execute(config, o.quiet, describeModel(withDefaults(config)));
    printRun(r);
    const bool filesOk = writeOutputs(o, {r}, nullptr);
    return exitCodeFor({r}, filesOk);
}

// The configs a comparison runs: from --models, else the preset's list, else all five.
std::vector<RunConfig> compareConfigs(const CliOptions& o, const RunConfig& base)
{
    ComparisonRequest request;
    request.base = base;
    request.userOptions = o.runOptions;
    request.withAndWithoutGil = o.withAndWithoutGil;
    for (const auto& name : o.models) {
        const auto m = modelFromString(name);
        if (!m)
            usage("--models: '" + name + "' is not one of " + modelNames());
        request.models.push_back(*m);
    }
    if (request.models.empty()) {
        if (!o.compareList.empty())
            request.overrides = o.compareList;
        else if (const auto preset = o.preset.empty() ? std::nullopt : findPreset(o.preset))
            request.overrides = preset->compare;
    }
    std::string error;
    const std::vector<RunConfig> out = comparisonConfigs(request, &error);
    if (out.empty())
        usage((o.preset.empty() ? std::string("comparison: ") : "preset " + o.preset + ": ") + error);
    for (const auto& c : out)
        checkConfig(c);
    return out;
}

int cmdCompare(const CliOptions& o, const std::string& exe)
{
    const RunConfig base = buildConfig(o, exe);
    ComparisonSession session(compareConfigs(o, base));
    checkOutputs(o);
    while (const RunConfig* c = session.next()) {
        if (g_interrupted.load()) {
            session.cancel();
            break;
        }
        session.record(execute(*c, o.quiet, describeModel(withDefaults(*c))));
    }
    std::vector<RunSnapshot>& runs = session.runs();
    const ComparisonConclusion conclusion = concludeComparison(runs);

    std::cout << "Workload: " << describeWorkload(base) << "\n\n";
    std::printf("%-44s %10s %10s %8s %6s %6s %9s %9s %9s  %s\n", "model", "makespan", "latency", "speedup", "effic", "busy", "gil-wait",
                "spawn+ipc", "max-lag", "status");
    for (const auto& r : runs) {
        const Summary& s = r.summary;
        std::printf("%-44s %8.3f s %8.3f s %7.2fx %5.0f%% %6.2f %7.3f s %7.3f s %6.1f ms  %s\n", describeModel(r.config).c_str(), s.makespanS,
                    s.meanLatencyS, s.speedup, s.efficiency * 100, s.meanBusyCores, s.gilWaitS, s.spawnS + s.ipcS, s.maxLoopLagMs,
                    std::string(toString(r.status)).c_str());
        if (r.config.workload == WorkloadKind::Counter)
            std::printf("    counter (lock %s): %s\n", std::string(toString(r.config.lock)).c_str(), describeCounter(r).c_str());
        for (const auto& e : r.errors)
            std::printf("    error: %s\n", e.c_str());
    }
    if (conclusion.sequentialS <= 0)
        std::cout << "(no sequential run in this comparison: speedup and efficiency are left at 0)\n";
    std::fflush(stdout);

    if (conclusion.concluded()) {
        std::cout << "\n";
        printAdvice(conclusion.advice);
        std::cout << conclusion.verdict.text << "\n";
    }
    const bool filesOk = writeOutputs(o, runs, &conclusion.advice);
    return exitCodeFor(runs, filesOk);
}

int cmdAdvise(const CliOptions& o, const std::string& exe)
{
    RunConfig c = buildConfig(o, exe);
    checkConfig(c);
    checkOutputs(o);
    // Measure the CPU share on a few tasks run one after another, undisturbed.
    RunConfig probe = c;
    probe.model = Model::Sequential;
    probe.workers = RunConfig::kAutoWorkers;
    probe.tasks = std::min(c.tasks, c.workload == WorkloadKind::Convoy ? 2 : 4);
    probe.gil = false;
    probe.offload = 0;
    probe.spawnPerTask = false;
    const RunSnapshot r = execute(probe, o.quiet, "measuring");
    if (r.status == RunStatus::Cancelled)
        return kExitCancelled;
    WorkloadMeasure m = measureFromRun(r);
    m.concurrency = c.tasks;
    m.gil = c.gil;
    m.onEventLoop = c.model == Model::EventLoop;
    m.releasesGil = c.releasesGil;
    m.source = "measured on " + std::to_string(r.summary.tasksDone) + " tasks run one after another";
    const Advice a = advise(m);
    std::cout << "Workload: " << describeWorkload(c) << (c.gil ? ", under a GIL" : ", no GIL") << "\n";
    printAdvice(a);
    std::cout << a.summary << "\n";
    if (!o.json.isNull()) {
        std::string error;
        QJsonObject root = toJson(a);
        root[QStringLiteral("format")] = QStringLiteral("concurrency-explorer-advice");
        root[QStringLiteral("cpu_share")] = m.cpuShare;
        root[QStringLiteral("concurrency")] = m.concurrency;
        root[QStringLiteral("config")] = toJson(withDefaults(c));
        if (o.json == QLatin1String("-")) {
            if (!writeStandardOutput(QJsonDocument(root).toJson(), &error)) {
                std::cerr << "concurrency-explorer: " << error << "\n";
                return kExitFailed;
            }
            return kExitOk;
        }
        QSaveFile out(o.json);
        if (!out.open(QIODevice::WriteOnly) || out.write(QJsonDocument(root).toJson()) < 0 || !out.commit()) {
            std::cerr << "concurrency-explorer: cannot write " << printable(o.json.toStdString()) << ": " << out.errorString().toStdString() << "\n";
            return kExitFailed;
        }
    }
    return kExitOk;
}

std::string megabytes(double bytes)
{
    return fixed(bytes / (1024.0 * 1024.0), 1) + " MiB";
}

int cmdSweep(const CliOptions& o, const std::string& exe)
{
    // --workers is a list here: take it out of the run options before they are applied.
    CliOptions rest = o;
    std::string workersText;
    rest.runOptions.clear();
    for (const auto& [name, value] : o.runOptions) {
        if (name == "workers")
            workersText = value;
        else
            rest.runOptions.emplace_back(name, value);
    }
    std::vector<std::string> modelNames = o.models;
    if (!o.preset.empty()) {
        if (const auto p = findPreset(o.preset)) {
            if (modelNames.empty())
                modelNames = split(p->sweepModels, ',');
            if (workersText.empty())
                workersText = p->sweepWorkers;
        }
    }
    const RunConfig base = buildConfig(rest, exe);
    if (modelNames.empty())
        usage("sweep needs --models m1,m2,... (e.g. threads,eventloop)");
    if (workersText.empty())
        usage("sweep needs --workers n1,n2,... (e.g. 1,10,100,1000)");
    SweepResult sweep;
    sweep.base = base;
    for (const auto& name : modelNames) {
        const auto m = modelFromString(name);
        if (!m)
            usage("--models: '" + name + "' is not one of " + ce::modelNames());
        sweep.models.push_back(*m);
    }
    for (const auto& w : split(workersText, ',')) {
        char* end = nullptr;
        const long v = std::strtol(w.c_str(), &end, 10);
        if (w.empty() || *end != '\0' || v < 1 || v > 100000000)
            usage("--workers: '" + w + "' is not a whole number of workers from 1 (sweep takes a list: 1,10,100)");
        sweep.workers.push_back(static_cast<int>(v));
    }
    checkOutputs(o);
    if (!o.figures.empty() && !(g_hooks && g_hooks->writeSweepFigure))
        usage("--png, --svg and --pdf need the GUI build (this one has no figure export: configured with -DCE_BUILD_GUI=OFF)");

    std::cout << "Sweep: " << describeWorkload(base) << "\n\n";
    std::printf("%-10s %8s  %10s %8s %12s %12s  %s\n", "model", "workers", "makespan", "speedup", "peak memory", "per worker", "status");
    for (Model m : sweep.models) {
        for (int w : sweep.workers) {
            sweep.points.push_back(runSweepPoint(base, m, w, [] { return g_interrupted.load(); }, &sweep.machine));
            if (sweep.points.back().status == RunStatus::Cancelled || g_interrupted.load())
                sweep.cancelled = true;
            fillSweepSpeedups(sweep.points);
            const SweepPoint& p = sweep.points.back();
            if (p.refused)
                std::printf("%-10s %8d  %10s %8s %12s %12s  refused: %s\n", std::string(toString(m)).c_str(), w, "-", "-", "-", "-", p.reason.c_str());
            else
                std::printf("%-10s %8d  %8.3f s %7.2fx %12s %12s  %s\n", std::string(toString(m)).c_str(), w, p.makespanS, p.speedup,
                            megabytes(double(p.peakMemoryBytes)).c_str(), (fixed(p.memoryPerWorkerBytes / 1024.0, 1) + " KiB").c_str(),
                            std::string(toString(p.status)).c_str());
            std::fflush(stdout);
        }
        const double share = fitSerialShare(sweep.points, m);
        if (share >= 0)
            std::cout << "  " << toString(m) << ": Amdahl's law fits a serial share of " << fixed(share * 100, 1) << "% (speedup against "
                      << sweep.workers.front() << " worker" << (sweep.workers.front() == 1 ? "" : "s") << ")\n";
    }

    OutputReport report(o.quiet);
    std::string error;
    if (!o.json.isNull())
        report(writeSweepJson(o.json, sweep, &error), o.json, error);
    if (!o.csv.isNull())
        report(writeSweepCsv(o.csv, sweep, &error), o.csv, error);
    for (const QString& path : o.figures)
        report(g_hooks->writeSweepFigure(sweep, path, o.size, &error), path, error);
    const bool ok = report.ok();
    if (sweep.cancelled || g_interrupted.load())
        return kExitCancelled;
    return ok ? kExitOk : kExitFailed;
}

int cmdList(const CliOptions& o)
{
    std::vector<std::string> errors;
    const auto& all = presets(&errors);
    if (o.listJson) {
        QJsonObject root;
        QJsonArray ps;
        for (const auto& p : all) {
            QJsonObject po;
            po[QStringLiteral("name")] = QString::fromStdString(p.name);
            po[QStringLiteral("title")] = QString::fromStdString(p.title);
            po[QStringLiteral("explanation")] = QString::fromStdString(p.explanation);
            QJsonObject opts;
            for (const auto& [k, v] : p.options)
                opts[QString::fromStdString(k)] = QString::fromStdString(v);
            po[QStringLiteral("options")] = opts;
            ps.append(po);
        }
        root[QStringLiteral("presets")] = ps;
        // The enums' own name lists (Types.cpp), as the option table's choices are.
        auto names = [](const std::vector<std::string_view>& list) {
            QJsonArray out;
            for (std::string_view n : list)
                out.append(QString::fromUtf8(n.data(), static_cast<qsizetype>(n.size())));
            return out;
        };
        root[QStringLiteral("models")] = names(namesOf<Model>());
        root[QStringLiteral("kernels")] = names(namesOf<Kernel>());
        root[QStringLiteral("waits")] = names(namesOf<IoKind>());
        std::cout << QJsonDocument(root).toJson().toStdString();
    } else {
        std::cout << "Presets (concurrency-explorer run --preset NAME, or compare --preset NAME):\n";
        for (const auto& p : all)
            std::cout << "  " << p.name << "\n      " << p.title << "\n";
        std::cout << "\nModels:  " << modelNames() << "\nKernels:";
        for (Kernel k : allKernels())
            std::cout << " " << toString(k) << " (" << kernelInfo(k).unit << ")" << (k == Kernel::Sha256 ? "\n" : ";");
        std::cout << "Waits:   " << ioNames() << "\n";
    }
    for (const auto& e : errors)
        std::cerr << "concurrency-explorer: " << e << "\n";
    return errors.empty() ? kExitOk : kExitFailed;
}

int cmdServe(const CliOptions& o)
{
    platform::raiseFileLimit();
    LoopbackService service;
    std::string error;
    ServiceLimits limits; // open to every local process: bounded delay, bodies, idle time
    limits.maxConnections = 16384;
    if (!service.start(&error, static_cast<std::uint16_t>(o.port), limits)) {
        std::cerr << "concurrency-explorer: " << error << "\n";
        return kExitFailed;
    }
    std::cout << "listening on 127.0.0.1:" << service.port() << std::endl;
    const auto t0 = std::chrono::steady_clock::now();
    while (!g_interrupted.load()) {
        if (o.seconds > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >= o.seconds)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    service.stop();
    std::cout << "served " << service.served() << " requests, at most " << service.peakConnections() << " connections at once";
    if (service.refused() > 0)
        std::cout << ", closed " << service.refused() << " that broke a limit";
    std::cout << std::endl;
    return kExitOk;
}

// Draws a saved run or comparison: nothing runs. The file is checked in core (RunFile.h);
// a damaged one is refused like a bad argument, with one line.
int cmdRender(const CliOptions& o)
{
    if (o.file.isNull())
        usage("render needs a saved run or comparison: concurrency-explorer render FILE [--png OUT]");
    for (const std::string& name : o.given) {
        if (const OptionSpec* spec = findOption(name); spec && !hasVerb(spec->verbs, Verb::Render)) {
            std::vector<std::string> allowed;
            for (const OptionSpec& c : commandOptions()) {
                if (hasVerb(c.verbs, Verb::Render) && c.name != "help")
                    allowed.push_back("--" + c.name);
            }
            std::string list;
            for (std::size_t i = 0; i < allowed.size(); ++i)
                list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
            usage("render takes a file and " + list + " (it runs nothing)");
        }
    }
    if (!(g_hooks && g_hooks->writeFigure))
        usage("render needs the GUI build (this one has no figure export: configured with -DCE_BUILD_GUI=OFF)");
    checkOutputs(o);
    RunFile file;
    std::string error;
    if (!readRunFile(o.file, file, &error))
        usage(error);
    const Advice* advice = file.advice ? &*file.advice : nullptr;
    if (o.figures.empty()) {
        // Draw it all the same (that is the check a viewer needs), and say how to keep it.
        if (!g_hooks->writeFigure(file.runs, advice, figureTarget(o, QString()), &error)) {
            std::cerr << "concurrency-explorer: " << printable(error) << "\n";
            return kExitFailed;
        }
        std::cout << printable(o.file.toStdString()) << ": " << (file.comparison ? "a comparison of " + std::to_string(file.runs.size()) + " runs" : std::string("a run"))
                  << ", drawn; give --png, --svg or --pdf OUT to keep the figure\n";
        return kExitOk;
    }
    return writeOutputs(o, file.runs, advice) ? kExitOk : kExitFailed;
}

int cmdDemo(const CliOptions& o, const std::string& exe)
{
    const QString dir = o.outDir.isEmpty() ? QStringLiteral("concurrency-explorer-demo") : o.outDir;
    if (!QDir().mkpath(dir))
        usage("cannot create the output folder " + dir.toStdString());
    const QString abs = QDir(dir).absolutePath();
    std::cout << "Concurrency Explorer demo: two short comparisons, written as files.\n";
    if (!(g_hooks && g_hooks->writeFigure))
        std::cout << "This build has no figure export (configured with -DCE_BUILD_GUI=OFF): JSON, CSV and traces only, no PNGs.\n";
    std::cout << "\n"
              << "1. CPU-bound: 4 tasks of 250 ms under each model, the GIL emulated where Python would have it.\n";
    CliOptions cpu = o;
    cpu.runOptions = {{"workload", "cpu"}, {"kernel", "sumsq"}, {"tasks", "4"}, {"task-ms", "250"}};
    cpu.models = {"sequential", "threads", "tbb", "processes"};
    cpu.withAndWithoutGil = true;
    cpu.runOptions.emplace_back("workers", "cores");
    cpu.json = abs + QStringLiteral("/demo-cpu.json");
    cpu.csv = abs + QStringLiteral("/demo-cpu.csv");
    cpu.trace = abs + QStringLiteral("/demo-cpu.trace.json");
    if (g_hooks && g_hooks->writeFigure)
        cpu.figures = {abs + QStringLiteral("/demo-cpu.png")};
    cpu.size = QSize(1600, 2200); // seven small multiples and the speedups
    int rc = cmdCompare(cpu, exe);
    if (rc == kExitCancelled || g_interrupted.load())
        return kExitCancelled;
    std::cout << "\n2. I/O-bound: 40 requests to the loopback service, each answered after 100 ms.\n";
    CliOptions io = o;
    io.runOptions = {{"workload", "io"}, {"io", "net"}, {"tasks", "40"}, {"wait-ms", "100"}};
    // Threads as the flowchart means them for dozens of waits: a pool sized to the waits.
    io.compareList = {{{"model", "sequential"}}, {{"model", "threads"}, {"workers", "40"}}, {{"model", "eventloop"}, {"workers", "0"}}};
    io.json = abs + QStringLiteral("/demo-io.json");
    io.csv = abs + QStringLiteral("/demo-io.csv");
    io.trace = abs + QStringLiteral("/demo-io.trace.json");
    if (g_hooks && g_hooks->writeFigure)
        io.figures = {abs + QStringLiteral("/demo-io.png")};
    io.size = QSize(1600, 1200);
    const int rc2 = cmdCompare(io, exe);
    std::cout << "\nFiles are in " << abs.toStdString() << " (open the .trace.json files in ui.perfetto.dev).\n";
    return rc != kExitOk ? rc : rc2;
}

// --help: the option table (also the man page's text), and what this build leaves out.
void printHelp()
{
    printUsage(std::cout);
    if (!(g_hooks && g_hooks->writeFigure))
        std::cout << "\nThis build has no window and no figure export (configured with -DCE_BUILD_GUI=OFF):\n"
                     "open, window, render, --png, --svg and --pdf need the GUI build.\n";
}

} // namespace

ProgressLine::ProgressLine(bool quiet, Ms firstAfter, Ms ttyEvery, Ms pipedEvery)
    : m_quiet(quiet), m_tty(CE_ISATTY(CE_FILENO(stderr)) != 0), m_firstAfter(firstAfter), m_ttyEvery(ttyEvery), m_pipedEvery(pipedEvery),
      m_start(std::chrono::steady_clock::now()), m_last(m_start)
{
}

ProgressLine::~ProgressLine()
{
    if (m_printed && m_tty)
        std::fputs("\n", stderr);
}

double ProgressLine::elapsedS() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count(); }

void ProgressLine::update(const std::function<std::string()>& text)
{
    const auto now = std::chrono::steady_clock::now();
    const Ms every = m_tty ? m_ttyEvery : m_pipedEvery;
    if (m_quiet || (!m_tty && every == Ms(0)))
        return;
    if (m_printed ? now - m_last < every : now - m_start < m_firstAfter)
        return;
    m_last = now;
    std::fprintf(stderr, "%s%s%s", m_tty ? "\r" : "", text().c_str(), m_tty ? "\033[K" : "\n");
    m_printed = true;
}

void OutputReport::operator()(bool written, const QString& path, const std::string& error)
{
    if (!written) {
        std::cerr << "concurrency-explorer: " << printable(error) << "\n";
        m_ok = false;
    } else if (!m_quiet && path != QLatin1String("-")) {
        std::cerr << "wrote " << printable(path.toStdString()) << "\n";
    }
}

int main(int argc, char** argv, const Hooks& hooks)
{
    if (argc >= 2 && std::string(argv[1]) == "worker")
        return runWorkerProcess();

    g_hooks = &hooks;
    std::unique_ptr<QCoreApplication> ownApp;
    if (!QCoreApplication::instance())
        ownApp = std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("concurrency-explorer"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CE_VERSION));
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
#if defined(SIGHUP)
    std::signal(SIGHUP, onInterrupt); // a closed terminal: cancel and keep what was recorded, as SIGTERM
#endif
    if (argc >= 2 && std::string(argv[1]) == "record")
        return recordMain(argc, argv, hooks);
    if (argc >= 2 && std::string(argv[1]) == "--man") { // hidden: the build writes the man page with it
        std::ostringstream help;
        printUsage(help);
        std::cout << manPage(help.str(), QCoreApplication::applicationVersion().toStdString());
        return kExitOk;
    }
    const std::string exe = QCoreApplication::applicationFilePath().toStdString();
    try {
        if (argc >= 2 && (std::string(argv[1]) == "--version" || std::string(argv[1]) == "version")) {
            std::cout << "concurrency-explorer " CE_VERSION "\n";
            return kExitOk;
        }
        if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help")) {
            printHelp();
            return kExitOk;
        }
        const CliOptions o = parse(argc, argv);
        if (o.command == "help") {
            printHelp();
            return kExitOk;
        }
        if (o.command == "run")
            return cmdRun(o, exe);
        if (o.command == "compare")
            return cmdCompare(o, exe);
        if (o.command == "advise")
            return cmdAdvise(o, exe);
        if (o.command == "list")
            return cmdList(o);
        if (o.command == "sweep")
            return cmdSweep(o, exe);
        if (o.command == "serve")
            return cmdServe(o);
        if (o.command == "render")
            return cmdRender(o);
        if (o.command.empty() && argc > 1)
            usage("no command: options need one of run, compare, advise, sweep, render, record, list, serve, demo before them (see --help)");
        if (o.command == "demo" || o.command.empty())
            return cmdDemo(o, exe);
        usage("unknown command '" + o.command + "' (commands: run, compare, advise, sweep, render, record, list, serve, demo, open, window)");
    } catch (const UsageError& e) {
        std::cerr << "concurrency-explorer: " << printable(e.message) << "\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "concurrency-explorer: unexpected error: " << printable(e.what()) << "\n";
        return kExitFailed;
    }
    return kExitOk;
}

} // namespace ce::cli
