#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"

#include <string>
#include <vector>

namespace ce {

// Whether the flowchart's recommendation was the fastest model in a comparison, and if not,
// the measured reason. Shared by the CLI's compare and the GUI's comparison view.
struct Verdict {
    int fastest = -1;      // index into the runs, among those comparable with the advice
    int recommended = -1;  // the best run of the recommended model, -1 if it was not run
    bool recommendedWasFastest = false;
    std::string text;
};

// A run counts as "as fast" within this fraction of the fastest (a shared machine is noisy).
inline constexpr double kSameSpeed = 0.10;

// Runs are comparable with the advice when they completed and match its GIL assumption:
// under a GIL, a run without it is not an option for the code (sequential always is).
Verdict judge(const std::vector<RunSnapshot>& runs, const Advice& advice, bool gil);

} // namespace ce
