#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"
#include "ce/Sweep.h"

#include <QSize>
#include <QString>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ce::cli {

// Where and how a figure is drawn: `path` is a file, "-" (standard output: see
// writeStandardOutput in Export.h) or empty (draw, keep nothing); `format` is png, svg or pdf.
struct FigureTarget {
    QString path;
    QString format;
    QSize size{1600, 900};
    double scale = 1.0; // device pixels per logical pixel
};

// What the command line cannot do with core alone, provided by the program that embeds it
// (app/ adds figure export from ui/). Empty members: the feature is not in this build.
struct Hooks {
    // Draws one run, or a comparison (several runs and the advice), as a PNG, SVG or PDF.
    std::function<bool(const std::vector<RunSnapshot>& runs, const Advice* advice, const FigureTarget& target, std::string* error)> writeFigure;
    // Draws a sweep (makespan, speedup with the ideal line and Amdahl's fit, memory per
    // worker, refused points with their reasons) to a PNG, SVG or PDF file.
    std::function<bool(const SweepResult& sweep, const QString& path, QSize size, std::string* error)> writeSweepFigure;
};

// The headless command line: run, compare, advise, render, list, serve, demo (and the hidden worker
// mode of the processes model). Creates a QCoreApplication unless one exists. Returns the
// process exit code: 0 success, 1 the run or a file failed, 2 bad arguments, 130 cancelled.
// A progress line on stderr while a run or a recording goes on, none when quiet. On a
// terminal it is rewritten in place, at most once every `ttyEvery`; piped or redirected, it
// is a new line every `pipedEvery` (zero: never, so a log does not fill up). The first comes
// after `firstAfter`; the destructor ends a line left open on the terminal.
class ProgressLine {
public:
    using Ms = std::chrono::milliseconds;
    ProgressLine(bool quiet, Ms firstAfter, Ms ttyEvery, Ms pipedEvery);
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    // Shows the line `text()` makes, if one is due now.
    void update(const std::function<std::string()>& text);
    double elapsedS() const;

private:
    bool m_quiet;
    bool m_tty;
    Ms m_firstAfter, m_ttyEvery, m_pipedEvery;
    std::chrono::steady_clock::time_point m_start, m_last;
    bool m_printed = false;
};

// Says on stderr that an output file was written (unless quiet, or it went to standard
// output) or why it was not, and remembers whether every one was. Every verb that writes
// files reports them through it.
class OutputReport {
public:
    explicit OutputReport(bool quiet) : m_quiet(quiet) {}
    void operator()(bool written, const QString& path, const std::string& error);
    bool ok() const { return m_ok; }

private:
    bool m_quiet;
    bool m_ok = true;
};

int main(int argc, char** argv, const Hooks& hooks = {});

} // namespace ce::cli
