#pragma once

#include "RunConfig.h"
#include "RunData.h"

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

} // namespace ce
