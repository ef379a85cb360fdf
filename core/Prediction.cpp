#include "ce/Prediction.h"

#include "ce/Verdict.h"

#include <cstdio>

namespace ce {

namespace {
std::string times(double x)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, x >= 10 ? "%.0fx" : "%.1fx", x);
    return buf;
}

// Against the first run (the baseline of a comparison), whatever applyBaselines left.
double speedupOf(const std::vector<RunSnapshot>& runs, std::size_t i)
{
    if (runs[i].summary.speedup > 0)
        return runs[i].summary.speedup;
    const double base = runs.front().summary.makespanS;
    return runs[i].summary.makespanS > 0 ? base / runs[i].summary.makespanS : 0;
}
} // namespace

PredictionResult judgePrediction(const std::vector<RunSnapshot>& runs, const Prediction& prediction)
{
    PredictionResult r;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (runs[i].status != RunStatus::Completed)
            continue;
        if (r.fastest < 0 || runs[i].summary.makespanS < runs[static_cast<std::size_t>(r.fastest)].summary.makespanS)
            r.fastest = static_cast<int>(i);
    }
    if (!prediction.valid()) {
        r.text = "No guess was entered.";
        return r;
    }
    if (r.fastest < 0) {
        r.text = "Guess: " + prediction.label + ". No run completed, so there is nothing to compare it with.";
        return r;
    }
    const auto& fastest = runs[static_cast<std::size_t>(r.fastest)];
    r.fastestSpeedup = speedupOf(runs, static_cast<std::size_t>(r.fastest));
    const bool chosenRan = prediction.choice < static_cast<int>(runs.size());
    const RunSnapshot* chosen = chosenRan ? &runs[static_cast<std::size_t>(prediction.choice)] : nullptr;
    if (chosen && chosen->status == RunStatus::Completed) {
        r.measuredSpeedup = speedupOf(runs, static_cast<std::size_t>(prediction.choice));
        r.right = prediction.choice == r.fastest || chosen->summary.makespanS <= fastest.summary.makespanS * (1 + kSameSpeed);
    }
    std::string text = "Guess: " + prediction.label;
    if (prediction.speedup > 0)
        text += ", " + times(prediction.speedup) + " faster";
    text += ". Measured: " + describeModel(fastest.config) + " was fastest";
    if (r.fastestSpeedup > 0 && r.fastest != 0)
        text += " (" + times(r.fastestSpeedup) + ")";
    text += ". ";
    if (r.right)
        text += prediction.choice == r.fastest ? "Right!" : "Right: within 10 % of the fastest.";
    else
        text += "Not this time.";
    if (prediction.speedup > 0 && r.measuredSpeedup > 0)
        text += " " + prediction.label + " measured " + times(r.measuredSpeedup) + " against " + times(prediction.speedup) + " guessed.";
    r.text = text;
    return r;
}

} // namespace ce
