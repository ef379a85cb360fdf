#pragma once

#include "ce/RunConfig.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ce {

// Every option of the command line, described once as data. From this table come: parsing
// and its error messages, --help (and so the man page), the "Limits:" line, the figure size
// bounds, the checks of single options in validateConfig(), and the window's form (one widget
// per option, with these bounds and choices). docs/architecture.md says how to add one.

// What an option takes; it picks the parser, how --help shows the value and the form's widget.
enum class OptionKind : std::uint8_t {
    Switch, // no value: on when given (a check box)
    Int,    // a whole number within [min, max], or one of `words` (a spin box)
    Double, // a number within [min, max] (a spin box with decimals)
    Enum,   // one of `choices` (a combo box)
    List,   // numbers or choices joined by `separator` ("1,10,100", "1600x900")
    String,
    Path,   // a file or folder; "-" for standard output where the verb allows it
};

// The command line's verbs, as bits: which of them read an option.
enum class Verb : std::uint16_t {
    Run = 1 << 0,
    Compare = 1 << 1,
    Advise = 1 << 2,
    Sweep = 1 << 3,
    Render = 1 << 4,
    Serve = 1 << 5,
    Demo = 1 << 6,
    List = 1 << 7,
};
using Verbs = std::uint16_t;
constexpr Verbs operator|(Verb a, Verb b) { return static_cast<Verbs>(static_cast<Verbs>(a) | static_cast<Verbs>(b)); }
constexpr Verbs operator|(Verbs a, Verb b) { return static_cast<Verbs>(a | static_cast<Verbs>(b)); }
constexpr bool hasVerb(Verbs verbs, Verb v) { return (verbs & static_cast<Verbs>(v)) != 0; }
// The verbs that run a workload: every workload and model option applies to them.
inline constexpr Verbs kWorkloadVerbs = Verb::Run | Verb::Compare | Verb::Advise | Verb::Sweep;

// Where an option appears: in the window's form under one of these headings (Hidden: the
// command line only) and in --help under the matching section.
enum class FormGroup : std::uint8_t { Hidden, Workload, Model, Measurement };
enum class HelpSection : std::uint8_t { Run, Output, Command };

// A name the option also accepts for a number: "cores" for --workers, "auto" for --chunksize.
struct OptionWord {
    std::string word;
    double value;
};

struct OptionSpec {
    std::string name{};      // without the leading dashes
    OptionKind kind = OptionKind::String;
    std::string valueName{}; // in --help: N, MS, FILE; enums get their choices joined by '|'
    std::string help{};      // one line; the default and the bounds are added from the fields below
    double min = 0;        // Int, Double and the numbers of a List
    double max = 0;
    std::vector<std::string> choices{}; // Enum, and a List of names (the enum's names, Types.cpp)
    std::vector<OptionWord> words{};
    char separator = ',';  // List
    int items = 0;         // List: how many items exactly (0: one or more)
    std::string defaultText{}; // options of the command line itself; run options read RunConfig{}
    std::string limitNote{};   // a refinement the "Limits:" line adds, e.g. the model's own bounds
    Verbs verbs = 0;
    FormGroup group = FormGroup::Hidden;
    HelpSection section = HelpSection::Run;
    // The RunConfig field of a workload or model option: numbers as they are, enums as their
    // index, switches as 0 or 1. Null for the options of the command line itself.
    double (*get)(const RunConfig&) = nullptr;
    void (*set)(RunConfig&, double) = nullptr;

    bool takesValue() const { return kind != OptionKind::Switch; }
    bool isRunOption() const { return get != nullptr; }
    bool bounded() const { return kind == OptionKind::Int || kind == OptionKind::Double || (kind == OptionKind::List && choices.empty()); }
    // A value as typed: the choice's name, the word, or the number ("on"/"off" for switches).
    std::string format(double value) const;
    // The default as typed; "" when it depends on other options (--workers: the model's own).
    std::string defaultValue() const;
};

// The workload and model options, in the order --help and the form show them.
const std::vector<OptionSpec>& runOptions();
// The options of the command line itself (files, figures, the comparison, serve, demo).
const std::vector<OptionSpec>& commandOptions();
const OptionSpec* findRunOption(std::string_view name);
const OptionSpec* findOption(std::string_view name); // either table

// Parses one value of `spec` (a switch: "", on, off, true, false, 1, 0). Bounds are checked
// unless `checkBounds` is false (a recording's config is not a workload's).
ConfigProblem parseOptionValue(const OptionSpec& spec, std::string_view text, double* out, bool checkBounds = true);
// Parses a List option into its numbers (or choice indices).
ConfigProblem parseOptionList(const OptionSpec& spec, std::string_view text, std::vector<double>* out);

// Sets one workload or model option of `config` from its text.
ConfigProblem setOption(RunConfig& config, std::string_view name, std::string_view value, bool checkBounds = true);
// The same, as the message alone: "" on success.
std::string applyOption(RunConfig& config, std::string_view name, std::string_view value);

// Every run option of `config` within its table bounds (or one of its words).
ConfigProblem checkBounds(const RunConfig& config);

// --help's lines for one section: "  --name VALUE   help (default X)".
std::string optionsHelp(HelpSection section);
// "Limits: tasks 1..100000, ...": the bounds of every bounded option, from the table.
std::string limitsText();

// The figure size of --size: WIDTHxHEIGHT, each side within the table's bounds.
ConfigProblem parseFigureSize(std::string_view text, int* width, int* height);
int minFigureSide();
int maxFigureSide();

} // namespace ce
