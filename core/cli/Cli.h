#pragma once

#include "Flowchart.h"
#include "RunData.h"
#include "Sweep.h"

#include <QSize>
#include <QString>

#include <functional>
#include <string>
#include <vector>

namespace ce::cli {

// What the command line cannot do with core alone, provided by the program that embeds it
// (app/ adds figure export from ui/). Empty members: the feature is not in this build.
struct Hooks {
    // Draws one run, or a comparison (several runs and the advice), to a PNG, SVG or PDF
    // file (by its extension).
    std::function<bool(const std::vector<RunSnapshot>& runs, const Advice* advice, const QString& path, QSize size, std::string* error)>
        writeFigure;
    // Draws a sweep (makespan, speedup with the ideal line and Amdahl's fit, memory per
    // worker, refused points with their reasons) to a PNG, SVG or PDF file.
    std::function<bool(const SweepResult& sweep, const QString& path, QSize size, std::string* error)> writeSweepFigure;
};

// The headless command line: run, compare, advise, list, serve, demo (and the hidden worker
// mode of the processes model). Creates a QCoreApplication unless one exists. Returns the
// process exit code: 0 success, 1 the run or a file failed, 2 bad arguments, 130 cancelled.
int main(int argc, char** argv, const Hooks& hooks = {});

} // namespace ce::cli
