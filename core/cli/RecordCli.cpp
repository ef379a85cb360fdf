// The `record` command: run a real program and record its threads and processes.
#include "RecordCli.h"

#include <QFileInfo>

#include "ce/Export.h"
#include "ce/record/Recording.h"

#include <QString>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#if defined(_WIN32)
#include <io.h>
#define CE_REC_ISATTY _isatty
#define CE_REC_FILENO _fileno
#else
#include <unistd.h>
#define CE_REC_ISATTY isatty
#define CE_REC_FILENO fileno
#endif

namespace ce::cli {
namespace {

std::atomic<int> g_stopSignal{0};

extern "C" void onStopSignal(int sig)
{
    g_stopSignal.store(sig);
    std::signal(sig, SIG_DFL); // a second one ends us at once (the child dies with us: PDEATHSIG)
}

struct RecordArgs {
    std::vector<std::string> command;
    QString json, csv, trace;
    std::vector<QString> figures;
    QSize size{1600, 900};
    double sampleMs = 5.0;
    bool quiet = false;
    bool help = false;
};

std::string fmt(double v, int decimals = 3)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// Returns "" or the problem with the arguments.
std::string parseRecordArgs(int argc, char** argv, RecordArgs& a)
{
    int i = 2; // after "record"
    auto value = [&](const std::string& name, std::string& out) -> std::string {
        if (i >= argc)
            return "--" + name + " needs a value";
        out = argv[i++];
        return {};
    };
    while (i < argc) {
        std::string arg = argv[i++];
        if (arg == "--") {
            break;
        }
        if (arg.rfind("--", 0) != 0) {
            --i; // the program itself, without "--"
            break;
        }
        std::string name = arg.substr(2);
        std::string v;
        bool hasInline = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            v = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasInline = true;
        }
        auto need = [&]() -> std::string { return hasInline ? std::string() : value(name, v); };
        if (name == "json" || name == "csv" || name == "trace") {
            if (auto e = need(); !e.empty())
                return e;
            (name == "json" ? a.json : name == "csv" ? a.csv : a.trace) = QString::fromStdString(v);
        } else if (name == "png" || name == "svg" || name == "pdf") {
            if (auto e = need(); !e.empty())
                return e;
            if (!QString::fromStdString(v).toLower().endsWith(QString::fromStdString("." + name)))
                return "--" + name + ": '" + v + "' should end in ." + name;
            a.figures.push_back(QString::fromStdString(v));
        } else if (name == "size") {
            if (auto e = need(); !e.empty())
                return e;
            int w = 0, h = 0;
            char extra = 0;
            if (std::sscanf(v.c_str(), "%dx%d%c", &w, &h, &extra) != 2 || w < 300 || h < 300 || w > 8000 || h > 8000)
                return "--size: '" + v + "' is not WIDTHxHEIGHT with each side from 300 to 8000 pixels, e.g. 1600x900";
            a.size = QSize(w, h);
        } else if (name == "sample-ms") {
            if (auto e = need(); !e.empty())
                return e;
            char* end = nullptr;
            const double ms = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !(ms >= 1.0 && ms <= 1000.0))
                return "--sample-ms: '" + v + "' is not a number of milliseconds from 1 to 1000";
            a.sampleMs = ms;
        } else if (name == "quiet") {
            a.quiet = true;
        } else if (name == "help") {
            a.help = true;
        } else {
            return "record: unknown option --" + name + " (record [--json F] [--csv F] [--trace F] [--png F] [--sample-ms MS] -- PROGRAM ARGS...)";
        }
    }
    for (; i < argc; ++i)
        a.command.emplace_back(argv[i]);
    return {};
}

void printRecording(const RunSnapshot& r)
{
    const RecordInfo& rec = r.record;
    const Summary& s = r.summary;
    std::string cmd;
    for (const auto& c : rec.command)
        cmd += (cmd.empty() ? "" : " ") + c;
    std::cout << "Recorded:  " << cmd << " (pid " << rec.rootPid << ")\n"
              << "Status:    " << toString(r.status);
    if (r.status == RunStatus::Cancelled)
        std::cout << " (stopped; what was recorded is kept)";
    else if (rec.exitSignal)
        std::cout << ", ended by signal " << rec.exitSignal;
    else if (rec.exitCode >= 0)
        std::cout << ", exit status " << rec.exitCode;
    std::cout << "\n"
              << "Wall time: " << fmt(s.makespanS) << " s\n"
              << "CPU time:  " << fmt(s.cpuTimeS) << " s measured per thread";
    if (rec.osCpuS >= 0)
        std::cout << " (the OS's total for the program at exit: " << fmt(rec.osCpuS, 2) << " s)";
    std::cout << "\n"
              << "Busy:      " << fmt(s.meanBusyCores, 2) << " cores on average, of " << s.cores << "\n"
              << "Threads:   " << rec.lanes.size() << " in " << rec.processes << " process" << (rec.processes == 1 ? "" : "es") << "\n";
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
    std::cout << "Cores:     ";
    for (std::size_t i = 0; i < run.size(); ++i) {
        if (n[i] == 0)
            continue;
        std::cout << (i ? "; " : "") << "core " << i << " program " << fmt(run[i] / n[i], 0) << " %, others " << fmt((total[i] - run[i]) / n[i], 0)
                  << " %";
    }
    std::cout << "\n";
    const double wall = s.makespanS > 0 ? s.makespanS : 1;
    std::cout << "Sampler:   every " << fmt(rec.sampleMsMeasured, 2) << " ms (" << fmt(1000.0 / std::max(0.001, rec.sampleMsMeasured), 0)
              << " Hz, asked " << fmt(rec.sampleMsRequested, 1) << " ms), " << rec.samples << " samples; its own CPU time " << fmt(rec.samplerCpuS)
              << " s = " << fmt(100.0 * rec.samplerCpuS / wall, 1) << " % of one core\n";
    for (const auto& e : r.errors)
        std::cout << "Error:     " << e << "\n";

    const RecordVerdict v = judgeRecording(r);
    std::cout << "\nMeasured:\n";
    for (const auto& f : v.findings)
        std::cout << "  - " << f << "\n";
    const Flowchart& chart = decisionFlowchart();
    std::cout << "Decision flowchart:\n";
    for (const auto& step : v.advice.path) {
        const FlowNode* node = chart.node(step.node);
        if (!node)
            continue;
        if (node->kind == FlowNode::Kind::Question)
            std::cout << "  " << node->label << " -> " << step.edge << "\n      (" << step.reason << ")\n";
        else
            std::cout << "  => " << node->label << "\n";
    }
    std::cout << v.advice.summary << "\n";
}

} // namespace

const char* recordHelp()
{
    return R"(
Recording a program (record; Linux only for now):
  --sample-ms MS              How often every thread of the program is read (default 5: 200 Hz; 1..1000). With
                              hundreds of threads it samples less often, to stay within 10 % of one core
  --json, --csv, --trace, --png, --svg, --pdf, --size   the recording, as for a run
  --quiet                     no progress line and no "wrote" lines
  Ctrl+C, SIGTERM or SIGHUP stop the program and its child processes and keep what was recorded (exit 130).
  Exit codes: 0 the program succeeded, 1 it failed or a file could not be written, 2 bad arguments or a
  program that cannot be run.
)";
}

int recordMain(int argc, char** argv, const Hooks& hooks)
{
    RecordArgs a;
    std::string problem = parseRecordArgs(argc, argv, a);
    if (problem.empty() && a.help) {
        std::cout << "Usage: concurrency-explorer record [options] -- PROGRAM ARGS...\n" << recordHelp();
        return 0;
    }
    if (problem.empty() && a.command.empty())
        problem = "record: no program given (usage: concurrency-explorer record [options] -- PROGRAM ARGS...)";
    if (problem.empty() && !Recording::supported())
        problem = Recording::unsupportedReason();
    if (problem.empty())
        problem = Recording::checkCommand(a.command, nullptr);
    if (problem.empty() && !a.figures.empty() && !hooks.writeFigure)
        problem = "--png, --svg and --pdf need the GUI build (this one has no figure export: configured with -DCE_BUILD_GUI=OFF)";
    std::vector<QString> outputs{a.json, a.csv, a.trace};
    outputs.insert(outputs.end(), a.figures.begin(), a.figures.end());
    for (const QString& path : outputs) {
        // The recorded program shares this terminal's standard output: files only.
        if (problem.empty() && path == QLatin1String("-"))
            problem = "record: outputs must be files (the recorded program writes to standard output), not -";
        if (problem.empty() && !path.isNull())
            problem = checkWritable(path);
    }
    if (!problem.empty()) {
        std::cerr << "concurrency-explorer: " << problem << "\n";
        return 2;
    }

    for (int sig : {SIGINT, SIGTERM
#if !defined(_WIN32)
                    , SIGHUP
#endif
         })
        std::signal(sig, onStopSignal);

    Recording recording;
    Recording::Options options;
    options.command = a.command;
    options.sampleMs = a.sampleMs;
    std::string error;
    if (!recording.start(options, &error)) {
        std::cerr << "concurrency-explorer: " << error << "\n";
        return 2;
    }
    const bool tty = CE_REC_ISATTY(CE_REC_FILENO(stderr)) != 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto lastLine = t0;
    bool printed = false;
    while (!recording.waitFor(std::chrono::milliseconds(100))) {
        if (g_stopSignal.load())
            recording.cancel();
        const auto now = std::chrono::steady_clock::now();
        if (a.quiet || !tty || now - lastLine < std::chrono::seconds(1))
            continue;
        lastLine = now;
        const RunSnapshot live = recording.snapshot();
        std::fprintf(stderr, "\rrecording: %d threads, %.1f s, %.2f busy cores%s\033[K", live.lanes, double(live.elapsedNs) / 1e9,
                     live.summary.meanBusyCores, g_stopSignal.load() ? " (stopping)" : "");
        printed = true;
    }
    if (printed)
        std::fputs("\n", stderr);
    RunSnapshot r = recording.snapshot();
    if (g_stopSignal.load() && r.status != RunStatus::Cancelled) {
        // Ctrl+C reaches the program too (it shares our terminal): it may have ended of it
        // before we stopped it. Either way the user stopped the recording.
        r.status = RunStatus::Cancelled;
        r.errors.clear();
    }
    printRecording(r);

    bool filesOk = true;
    auto report = [&](bool ok, const QString& path) {
        if (!ok) {
            std::cerr << "concurrency-explorer: " << error << "\n";
            filesOk = false;
        } else if (!a.quiet) {
            std::cerr << "wrote " << path.toStdString() << "\n";
        }
    };
    if (!a.json.isNull())
        report(writeRunJson(a.json, r, &error), a.json);
    if (!a.csv.isNull())
        report(writeCsv(a.csv, {r}, &error), a.csv);
    if (!a.trace.isNull())
        report(writeTrace(a.trace, {r}, &error), a.trace);
    for (const QString& path : a.figures)
        report(hooks.writeFigure({r}, nullptr, FigureTarget{path, QFileInfo(path).suffix().toLower(), a.size, 1.0}, &error), path);
    if (r.status == RunStatus::Cancelled)
        return 130;
    if (!filesOk || r.status != RunStatus::Completed)
        return 1;
    return 0;
}

} // namespace ce::cli
