#pragma once

#include "RunData.h"

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
// status, then the figures that apply to its model and workload. Errors are not among them
// (each view lists those its own way). Not for a recorded program.
std::vector<SummaryLine> summaryLines(const RunSnapshot& run);

// The counter workload's outcome in one line: the lesson is in the difference.
std::string describeCounter(const RunSnapshot& run);

} // namespace ce
