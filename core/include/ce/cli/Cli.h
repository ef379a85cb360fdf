#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"
#include "ce/Sweep.h"

#include <QSize>
#include <QString>

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
int main(int argc, char** argv, const Hooks& hooks = {});

} // namespace ce::cli
