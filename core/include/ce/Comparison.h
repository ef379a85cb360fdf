#pragma once

#include "ce/Flowchart.h"
#include "ce/RunConfig.h"
#include "ce/RunData.h"
#include "ce/Verdict.h"

#include <map>
#include <string>
#include <vector>

namespace ce {

// What a comparison runs: the same workload under several models. Shared by the CLI's
// `compare` and the window's Compare action.
struct ComparisonRequest {
    RunConfig base;
    std::vector<Model> models;                                 // run each with the base options...
    std::vector<std::map<std::string, std::string>> overrides; // ...or these per-run option sets (a preset's list)
    std::vector<std::pair<std::string, std::string>> userOptions; // typed by the user: they win over the overrides
    bool withAndWithoutGil = false;                            // every model but sequential twice
};

// The configs, in order (all five models when neither list is given). Returns an empty list
// and one sentence in `error` when an override or a resulting config is invalid.
std::vector<RunConfig> comparisonConfigs(const ComparisonRequest& request, std::string* error);

// Speedup and efficiency of every run against the completed sequential run, if any.
// Returns the sequential makespan (0 when there was none).
double applyBaselines(std::vector<RunSnapshot>& runs);

// Runs a comparison's configs in order. The front end executes each run its own way (the
// CLI blocks on it, the window's controller runs it in the background) and hands the
// finished snapshot back; the session keeps the order, the progress and the cancel.
class ComparisonSession {
public:
    explicit ComparisonSession(std::vector<RunConfig> configs = {});

    // The config to run next; nullptr once every config ran or the session was cancelled.
    const RunConfig* next() const;
    // A run ended. A cancelled run ends the session: what was recorded stays.
    void record(RunSnapshot finished);
    // No further runs; the runs already recorded stay.
    void cancel();
    bool finished() const { return next() == nullptr; }
    bool cancelled() const { return m_cancelled; }

    int position() const { return static_cast<int>(m_runs.size()); } // runs recorded so far
    int size() const { return static_cast<int>(m_configs.size()); }
    const std::vector<RunConfig>& configs() const { return m_configs; }
    const std::vector<RunSnapshot>& runs() const { return m_runs; }
    std::vector<RunSnapshot>& runs() { return m_runs; }

private:
    std::vector<RunConfig> m_configs;
    std::vector<RunSnapshot> m_runs;
    bool m_cancelled = false;
};

// What a comparison concludes from its finished runs.
struct ComparisonConclusion {
    double sequentialS = 0;   // the baseline's makespan, 0 when no sequential run completed
    int measuredRun = -1;     // the run the workload was measured on, -1 without runs
    WorkloadMeasure measure;
    Advice advice;
    Verdict verdict;
    bool concluded() const { return measuredRun >= 0; }
};

// The run the workload is measured on: the last completed sequential run (least disturbed
// by contention), else the first run. -1 when there are no runs.
int measuredRunIndex(const std::vector<RunSnapshot>& runs);

// Whether the comparison's code runs under an (emulated) GIL: when any of its runs had it.
bool comparisonUnderGil(const std::vector<RunSnapshot>& runs);

// The one conclusion of a comparison, shared by the CLI's compare and the window: sets every
// run's speedup against the sequential baseline, measures the workload (CPU share, task cost,
// GIL release, the event loop's lag with CPU parts offloaded to threads), advises and judges.
ComparisonConclusion concludeComparison(std::vector<RunSnapshot>& runs);

} // namespace ce
