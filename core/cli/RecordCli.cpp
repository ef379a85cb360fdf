// The `record` command: run a real program and record its threads and processes.
#include "RecordCli.h"
#include "ce/RunSummary.h"

#include "ce/Options.h"

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

#if !defined(_WIN32)
#include <unistd.h>
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
            if (const ConfigProblem p = parseFigureSize(v, &w, &h))
                return p.message;
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
    std::cout << summaryText(r);
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
    {
        // On a terminal only, once a second (a snapshot of a recording is not free).
        ProgressLine progress(a.quiet, std::chrono::seconds(1), std::chrono::seconds(1), ProgressLine::Ms(0));
        while (!recording.waitFor(std::chrono::milliseconds(100))) {
            if (g_stopSignal.load())
                recording.cancel();
            progress.update([&] {
                const RunSnapshot live = recording.snapshot();
                return "recording: " + std::to_string(live.lanes) + " threads, " + fixed(double(live.elapsedNs) / 1e9, 1) + " s, "
                     + fixed(live.summary.meanBusyCores, 2) + " busy cores" + (g_stopSignal.load() ? " (stopping)" : "");
            });
        }
    }
    RunSnapshot r = recording.snapshot();
    if (g_stopSignal.load() && r.status != RunStatus::Cancelled) {
        // Ctrl+C reaches the program too (it shares our terminal): it may have ended of it
        // before we stopped it. Either way the user stopped the recording.
        r.status = RunStatus::Cancelled;
        r.errors.clear();
    }
    printRecording(r);

    OutputReport report(a.quiet);
    if (!a.json.isNull())
        report(writeRunJson(a.json, r, &error), a.json, error);
    if (!a.csv.isNull())
        report(writeCsv(a.csv, {r}, &error), a.csv, error);
    if (!a.trace.isNull())
        report(writeTrace(a.trace, {r}, &error), a.trace, error);
    for (const QString& path : a.figures)
        report(hooks.writeFigure({r}, nullptr, FigureTarget{path, QFileInfo(path).suffix().toLower(), a.size, 1.0}, &error), path, error);
    const bool filesOk = report.ok();
    if (r.status == RunStatus::Cancelled)
        return 130;
    if (!filesOk || r.status != RunStatus::Completed)
        return 1;
    return 0;
}

} // namespace ce::cli
