#pragma once

#include "ce/RunConfig.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ce {

// A note for a replay: shown under the figure from `atS` seconds after the runs started.
struct Caption {
    double atS = 0;
    std::string text;
};

// A ready-made run that reproduces one lesson, with a short explanation. Loaded from the
// JSON files in resources/presets (compiled into the program).
struct Preset {
    std::string name;
    std::string title;
    std::string explanation;
    std::vector<std::pair<std::string, std::string>> options; // in CLI option names
    std::vector<std::map<std::string, std::string>> compare;  // per-model overrides for compare
    std::string sweepModels;  // for the sweep verb: comma-separated models and worker counts
    std::string sweepWorkers;
    // Optional: the Python the preset stands for (shown beside the figure when presenting)
    // and time-anchored notes for a replay, sorted by time.
    std::string code;
    std::vector<Caption> captions;
};

// All presets, sorted by name. A preset that does not parse is reported in `errors`.
const std::vector<Preset>& presets(std::vector<std::string>* errors = nullptr);
std::optional<Preset> findPreset(const std::string& name);

// Applies a preset's options to `config`; returns "" or the first problem.
std::string applyPreset(const Preset& preset, RunConfig& config);

} // namespace ce
