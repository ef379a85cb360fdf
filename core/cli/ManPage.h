#pragma once

#include <string>

namespace ce::cli {

// The man page, in roff, made from the --help text (which lists the option table), so the
// two cannot drift apart.
std::string manPage(const std::string& helpText, const std::string& version);

} // namespace ce::cli
