#pragma once

#include "ce/RunData.h"

#include <string>
#include <vector>

namespace ce {

// A number with a fixed count of decimals, as every summary prints it ("0.412").
std::string fixed(double value, int decimals = 3);

// One fact of a run's summary. The CLI prints each as "Label:    text", the window joins them
// into its summary line, an exported figure's footer joins the brief forms: one list, so the
// three never say different things.
struct SummaryLine {
    std::string label; // "Makespan"
    std::string text;  // "0.412 s (physical bound 0.400 s: ...)"
    std::string brief; // for a figure's one-line footer ("makespan 0.412 s"); empty: left out there
};

// The facts of a finished (or cancelled) run, in the order they are read: what ran, its
// status, then the figures that apply to its model and workload; for a recorded program, the
// command, its status and what was measured of it. Errors are not among them (each view
// lists those its own way).
std::vector<SummaryLine> summaryLines(const RunSnapshot& run);

// The lines as the CLI prints them: "Label:     text", the texts aligned, one a line.
std::string summaryText(const RunSnapshot& run);

// The counter workload's outcome in one line: the lesson is in the difference.
std::string describeCounter(const RunSnapshot& run);

} // namespace ce
