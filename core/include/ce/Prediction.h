#pragma once

#include "ce/RunData.h"

#include <string>
#include <vector>

namespace ce {

// The audience's guess before a comparison: which of its runs will be fastest, and
// optionally by how much it beats the baseline (the first run, usually sequential).
struct Prediction {
    int choice = -1;     // index into the comparison's runs; -1: no guess
    std::string label;   // the run's model as it was offered (describeModel)
    double speedup = 0;  // 0: not guessed
    bool valid() const { return choice >= 0; }
};

// The guess against the measurement, once the runs are done.
struct PredictionResult {
    int fastest = -1;            // the fastest completed run
    bool right = false;          // the chosen run was the fastest, or within kSameSpeed of it
    double measuredSpeedup = 0;  // the chosen run's, against the baseline
    double fastestSpeedup = 0;
    std::string text;            // one or two sentences for the screen
};

PredictionResult judgePrediction(const std::vector<RunSnapshot>& runs, const Prediction& prediction);

} // namespace ce
