#pragma once

#include "ce/RunConfig.h"

#include <string>
#include <string_view>
#include <vector>

namespace ce {

// The workload and model options, described once. The CLI parses them, presets are written
// in them, and the GUI builds its form and tooltips from them.
struct OptionSpec {
    const char* name;      // without the leading dashes
    const char* valueName; // nullptr for a flag
    const char* help;
};

const std::vector<OptionSpec>& runOptions();
const OptionSpec* findRunOption(std::string_view name);

// Applies one option to a config. Returns "" on success, else one sentence naming the option,
// the bad value and what is allowed. `value` is ignored for flags.
std::string applyOption(RunConfig& config, std::string_view name, std::string_view value);

} // namespace ce
