#include "ce/Options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>
#include <type_traits>

namespace ce {
namespace {

double cores() { return static_cast<double>(std::max(1u, std::thread::hardware_concurrency())); }

std::string number(double v)
{
    if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e15)
        return std::to_string(static_cast<long long>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator, std::string_view last = {})
{
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += (i + 1 == items.size() && !last.empty()) ? last : separator;
        out += items[i];
    }
    return out;
}

std::vector<std::string> wordNames(const OptionSpec& s)
{
    std::vector<std::string> out;
    for (const auto& w : s.words)
        out.push_back(w.word);
    return out;
}

ConfigProblem bad(ConfigError code, const OptionSpec& s, std::string_view value, const std::string& expected)
{
    return {code, "--" + s.name + ": '" + std::string(value) + "' is not " + expected};
}

ConfigProblem outOfRange(const OptionSpec& s, const std::string& got)
{
    std::string words = s.words.empty() ? std::string() : ", or " + joined(wordNames(s), ", ", " or ");
    return {ConfigError::OutOfRange, "--" + s.name + " must be between " + number(s.min) + " and " + number(s.max) + words + " (got " + got + ")"};
}

bool isWordValue(const OptionSpec& s, double v)
{
    return std::any_of(s.words.begin(), s.words.end(), [&](const OptionWord& w) { return w.value == v; });
}

bool parseWhole(std::string_view s, long long& out)
{
    if (s.empty())
        return false;
    const auto* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, out);
    return ec == std::errc() && ptr == end;
}

bool parseDouble(std::string_view s, double& out)
{
    // from_chars for double is in GCC 11+, but not in every standard library we target.
    const std::string copy(s);
    if (copy.empty())
        return false;
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && std::isfinite(out);
}

// Binds a table entry to a RunConfig field: the kind, the choices (the enum's own names) and
// the accessors follow from the field's type, so an entry names the field once.
template <auto Member>
OptionSpec bound(OptionSpec s)
{
    using T = std::remove_cvref_t<decltype(std::declval<RunConfig&>().*Member)>;
    if constexpr (std::is_same_v<T, bool>) {
        s.kind = OptionKind::Switch;
    } else if constexpr (std::is_enum_v<T>) {
        s.kind = OptionKind::Enum;
        for (std::string_view name : namesOf<T>())
            s.choices.emplace_back(name);
        if (s.valueName.empty())
            s.valueName = joined(s.choices, "|");
    } else if constexpr (std::is_integral_v<T>) {
        s.kind = OptionKind::Int;
    } else {
        s.kind = OptionKind::Double;
    }
    s.get = [](const RunConfig& c) -> double {
        if constexpr (std::is_enum_v<T>)
            return static_cast<double>(static_cast<int>(c.*Member));
        else
            return static_cast<double>(c.*Member);
    };
    s.set = [](RunConfig& c, double v) {
        if constexpr (std::is_same_v<T, bool>)
            c.*Member = v != 0;
        else if constexpr (std::is_enum_v<T>)
            c.*Member = static_cast<T>(static_cast<int>(v));
        else // parsing kept v within the bounds, or within the type where bounds were not checked
            c.*Member = static_cast<T>(std::clamp(v, static_cast<double>(std::numeric_limits<T>::lowest()),
                                                  static_cast<double>(std::numeric_limits<T>::max())));
    };
    if (s.verbs == 0)
        s.verbs = kWorkloadVerbs;
    return s;
}

std::vector<OptionSpec> makeRunOptions()
{
    using C = RunConfig;
    const auto W = FormGroup::Workload, M = FormGroup::Model, S = FormGroup::Measurement;
    const std::string maxProc = std::to_string(Limits::kMaxProcessWorkers);
    // One entry per option: a new RunConfig field gets one line here and nothing else (see
    // docs/architecture.md, "Adding an option").
    return {
        bound<&C::workload>({.name = "workload", .help = "What a task does: compute, wait, both in rounds, one CPU hog beside I/O tasks (convoy), or increment one shared value (counter)", .group = W}),
        bound<&C::kernel>({.name = "kernel", .help = "The CPU work: an increment loop, sum of squares, prime counting, Mandelbrot rows, SHA-256 blocks", .group = W}),
        bound<&C::io>({.name = "io", .help = "The wait: a timer, a real temporary file (write, sync, read back), or a request to the loopback service", .group = W}),
        bound<&C::tasks>({.name = "tasks", .valueName = "N", .help = "How many tasks to run", .min = 1, .max = Limits::kMaxEventLoopSleepTasks,
                          .limitNote = " (1.." + std::to_string(Limits::kMaxTasks) + " but for the eventloop with sleep waits)", .group = W}),
        bound<&C::taskMs>({.name = "task-ms", .valueName = "MS", .help = "CPU time of one CPU part on one core, calibrated on this machine", .min = 0, .max = 60000, .group = W}),
        bound<&C::iterations>({.name = "iterations", .valueName = "N",
                               .help = "CPU part size in kernel work units instead of milliseconds (0: --task-ms decides); counter: read-modify-write steps per task (0: "
                                       + std::to_string(RunConfig::kDefaultCounterSteps) + ")",
                               .min = 0, .max = 1099511627776.0 /* 2^40 */, .group = W}),
        bound<&C::waitMs>({.name = "wait-ms", .valueName = "MS", .help = "Length of one wait: the sleep, or the loopback service's delay (file waits take what the disk takes)", .min = 0, .max = 60000, .group = W}),
        bound<&C::rounds>({.name = "rounds", .valueName = "R", .help = "Rounds per task: mixed alternates CPU and wait R times; io and convoy wait R times", .min = 1, .max = 10000, .group = W}),
        bound<&C::payloadBytes>({.name = "payload-bytes", .valueName = "B", .help = "Data sent to and back from the worker with each task (costs processes a transfer)", .min = 0, .max = 64.0 * 1024 * 1024, .group = W}),
        bound<&C::model>({.name = "model", .help = "Who runs the tasks", .group = M}),
        bound<&C::workers>({.name = "workers", .valueName = "N|cores",
                            .help = "Threads, TBB threads or processes; for the event loop the limit of tasks in flight (0: unlimited). Default: the model's own, as Python's executors",
                            .min = 0, .max = Limits::kMaxEventLoopSleepTasks, .words = {{"cores", cores()}},
                            .limitNote = " (threads and tbb 1.." + std::to_string(Limits::kMaxWorkers) + ", processes 1.." + maxProc + ", event loop 0.."
                                         + std::to_string(Limits::kMaxTasks) + " in flight, with sleep waits 0.." + std::to_string(Limits::kMaxEventLoopSleepTasks) + ")",
                            .group = M}),
        bound<&C::gil>({.name = "gil", .help = "Emulate CPython's global interpreter lock (C++ has none): CPU work holds it, waits release it", .group = M}),
        bound<&C::switchIntervalMs>({.name = "switch-interval-ms", .valueName = "MS", .help = "How long a thread waits for the emulated GIL before asking the holder to drop it (as sys.getswitchinterval)", .min = 0.1, .max = 1000, .group = M}),
        bound<&C::loopPassUs>({.name = "loop-pass-us", .valueName = "US",
                               .help = "eventloop with --gil: CPU the emulated interpreter spends, holding the GIL, on asyncio's own code in each pass of the loop after a sleep "
                                       "(CPython 3.11 spent about 90 us more than this loop on the machine it was measured on; 0: none)",
                               .min = 0, .max = 10000, .group = M}),
        bound<&C::spawnPerTask>({.name = "spawn-per-task", .help = "threads: a new thread per task, all at once; processes: a new process per task", .group = M}),
        bound<&C::offload>({.name = "offload", .valueName = "N|cores", .help = "eventloop: run CPU parts on N threads (asyncio.to_thread), or N processes with --offload-to processes, instead of blocking the loop",
                            .min = 0, .max = Limits::kMaxOffload, .words = {{"cores", cores()}}, .limitNote = " (processes 1.." + maxProc + ")", .group = M}),
        bound<&C::offloadTo>({.name = "offload-to", .help = "eventloop with --offload: a thread pool sharing the loop's GIL, or worker processes with a lock each (ProcessPoolExecutor)", .group = M}),
        bound<&C::startMethod>({.name = "start-method",
                                .help = "processes and --offload-to processes: start each worker as a fresh process (spawn), or fork it from a lean server started first (forkserver), as multiprocessing does; "
                                        "no fork of this multithreaded program itself (a copy keeps only the forking thread, and locks other threads held stay locked)",
                                .group = M}),
        bound<&C::sampleMs>({.name = "sample-ms", .valueName = "MS", .help = "How often the per-core utilisation is sampled", .min = Limits::kMinSampleMs, .max = Limits::kMaxSampleMs, .group = S}),
        bound<&C::workerTimeoutS>({.name = "worker-timeout-s", .valueName = "S", .help = "processes: a worker silent this long beyond what its task can take is killed and its task failed", .min = 0.1, .max = 3600, .group = M}),
        bound<&C::lock>({.name = "lock", .help = "counter: increment the shared value unguarded (updates get lost) or under a mutex (threading.Lock)", .group = W}),
        bound<&C::awaitMode>({.name = "await", .help = "eventloop: await a task's waits one after another, or all at once (asyncio.gather)", .group = M}),
        bound<&C::releasesGil>({.name = "releases-gil", .help = "CPU parts drop the emulated GIL while they compute, as a C extension (NumPy, hashlib) does", .group = W}),
        bound<&C::chunksize>({.name = "chunksize", .valueName = "N|auto", .help = "Tasks handed over at once: a process pool's batch (Pool.map chunksize; auto: tasks / (4 x workers)), the threads' and TBB's grain",
                              .min = 1, .max = Limits::kMaxTasks, .words = {{"auto", RunConfig::kAutoChunksize}}, .group = M}),
        bound<&C::crashTask>({.name = "crash-task", .valueName = "N", .help = "Testing aid for the processes model: the worker running task N crashes half-way through it (-1: none)", .min = -1, .max = Limits::kMaxEventLoopSleepTasks - 1, .group = FormGroup::Hidden}),
    };
}

std::vector<OptionSpec> makeCommandOptions()
{
    using K = OptionKind;
    using H = HelpSection;
    const Verbs figures = Verb::Run | Verb::Compare | Verb::Sweep | Verb::Render;
    std::vector<std::string> models;
    for (std::string_view m : namesOf<Model>())
        models.emplace_back(m);
    return {
        {.name = "no-gil", .kind = K::Switch, .help = "The GIL off (to override a preset that turns it on)", .verbs = kWorkloadVerbs, .section = H::Run},
        {.name = "json", .kind = K::Path, .valueName = "FILE", .help = "the whole run (config, summary, tasks with phases, core samples); see docs/run-format.md", .verbs = kWorkloadVerbs, .section = H::Output},
        {.name = "csv", .kind = K::Path, .valueName = "FILE", .help = "phases, core samples and loop lag, one row each", .verbs = kWorkloadVerbs, .section = H::Output},
        {.name = "trace", .kind = K::Path, .valueName = "FILE", .help = "Chrome trace-event JSON: open it in ui.perfetto.dev or chrome://tracing", .verbs = kWorkloadVerbs, .section = H::Output},
        {.name = "png", .kind = K::Path, .valueName = "FILE", .help = "the timeline (run) or the small multiples and speedups (compare), stamped with the parameters and the machine; drawn offscreen, no display needed", .verbs = figures, .section = H::Output},
        {.name = "svg", .kind = K::Path, .valueName = "FILE", .help = "the same figure as vector graphics (SVG)", .verbs = figures, .section = H::Output},
        {.name = "pdf", .kind = K::Path, .valueName = "FILE", .help = "the same figure as vector graphics (PDF)", .verbs = figures, .section = H::Output},
        {.name = "size", .kind = K::List, .valueName = "WxH", .help = "the figure's size in pixels", .min = 300, .max = 8000, .separator = 'x', .items = 2, .defaultText = "1600x900", .verbs = figures, .section = H::Output},
        {.name = "scale", .kind = K::Double, .valueName = "S", .help = "device pixels per figure pixel (2 for a sharp slide)", .min = 0.5, .max = 4, .defaultText = "1", .verbs = figures, .section = H::Output},
        {.name = "preset", .kind = K::String, .valueName = "NAME", .help = "start from a preset (list shows them); options given beside it win", .verbs = kWorkloadVerbs, .section = H::Command},
        {.name = "models", .kind = K::List, .valueName = "m1,m2,...", .help = "compare and sweep: the models to run (compare: all five, or the preset's list)", .choices = models, .verbs = Verb::Compare | Verb::Sweep, .section = H::Command},
        {.name = "with-and-without-gil", .kind = K::Switch, .help = "compare: every model but sequential twice, without and with the emulated GIL", .verbs = static_cast<Verbs>(Verb::Compare), .section = H::Command},
        {.name = "quiet", .kind = K::Switch, .help = "no progress and no 'wrote' lines on stderr", .verbs = kWorkloadVerbs | Verb::Render | Verb::Demo, .section = H::Command},
        {.name = "out", .kind = K::Path, .valueName = "DIR", .help = "demo: the folder for its files", .defaultText = "concurrency-explorer-demo", .verbs = static_cast<Verbs>(Verb::Demo), .section = H::Command},
        {.name = "port", .kind = K::Int, .valueName = "P", .help = "serve: the TCP port on 127.0.0.1 (0: any free one)", .min = 0, .max = 65535, .defaultText = "0", .verbs = static_cast<Verbs>(Verb::Serve), .section = H::Command},
        {.name = "seconds", .kind = K::Double, .valueName = "S", .help = "serve: stop after this long (0: at Ctrl+C)", .min = 0, .max = 365.0 * 24 * 3600, .defaultText = "0", .verbs = static_cast<Verbs>(Verb::Serve), .section = H::Command},
        {.name = "help", .kind = K::Switch, .help = "this text", .verbs = static_cast<Verbs>(0xffff), .section = H::Command},
    };
}

} // namespace

std::string OptionSpec::format(double value) const
{
    switch (kind) {
    case OptionKind::Switch:
        return value != 0 ? "on" : "off";
    case OptionKind::Enum: {
        const auto i = static_cast<std::size_t>(value);
        return value >= 0 && i < choices.size() ? choices[i] : number(value);
    }
    default:
        break;
    }
    // A word names a value outside the bounds ("auto"); "cores" is a number like any other.
    if (value < min || value > max) {
        for (const auto& w : words) {
            if (w.value == value)
                return w.word;
        }
    }
    return number(value);
}

std::string OptionSpec::defaultValue() const
{
    if (!defaultText.empty() || !get)
        return defaultText;
    const double v = get(RunConfig{});
    if (kind == OptionKind::Switch)
        return {};
    if ((kind == OptionKind::Int || kind == OptionKind::Double) && (v < min || v > max) && !isWordValue(*this, v))
        return {}; // a sentinel: another option or the model decides
    return format(v);
}

const std::vector<OptionSpec>& runOptions()
{
    static const std::vector<OptionSpec> options = makeRunOptions();
    return options;
}

const std::vector<OptionSpec>& commandOptions()
{
    static const std::vector<OptionSpec> options = makeCommandOptions();
    return options;
}

const OptionSpec* findRunOption(std::string_view name)
{
    const auto& all = runOptions();
    const auto it = std::find_if(all.begin(), all.end(), [&](const OptionSpec& o) { return name == o.name; });
    return it == all.end() ? nullptr : &*it;
}

const OptionSpec* findOption(std::string_view name)
{
    if (const OptionSpec* s = findRunOption(name))
        return s;
    const auto& all = commandOptions();
    const auto it = std::find_if(all.begin(), all.end(), [&](const OptionSpec& o) { return name == o.name; });
    return it == all.end() ? nullptr : &*it;
}

ConfigProblem parseOptionValue(const OptionSpec& s, std::string_view text, double* out, bool checkBounds)
{
    double v = 0;
    switch (s.kind) {
    case OptionKind::Switch:
        if (text.empty() || text == "true" || text == "on" || text == "1")
            v = 1;
        else if (!(text == "false" || text == "off" || text == "0"))
            return bad(ConfigError::SwitchValue, s, text, "on or off");
        break;
    case OptionKind::Enum: {
        const auto it = std::find(s.choices.begin(), s.choices.end(), text);
        if (it == s.choices.end())
            return bad(ConfigError::NotAChoice, s, text, "one of " + joined(s.choices, ", "));
        v = static_cast<double>(it - s.choices.begin());
        break;
    }
    case OptionKind::Int:
    case OptionKind::Double: {
        const auto word = std::find_if(s.words.begin(), s.words.end(), [&](const OptionWord& w) { return w.word == text; });
        if (word != s.words.end()) {
            v = word->value;
            break;
        }
        long long whole = 0;
        const bool ok = s.kind == OptionKind::Int ? parseWhole(text, whole) : parseDouble(text, v);
        if (!ok) {
            std::string expected = s.kind == OptionKind::Int ? "a whole number" : "a number";
            if (!s.words.empty())
                expected += " or " + joined(wordNames(s), ", ", " or ");
            return bad(ConfigError::NotANumber, s, text, expected);
        }
        if (s.kind == OptionKind::Int)
            v = static_cast<double>(whole);
        if (checkBounds && (v < s.min || v > s.max))
            return outOfRange(s, std::string(text));
        break;
    }
    case OptionKind::List:
    case OptionKind::String:
    case OptionKind::Path:
        if (text.empty())
            return {ConfigError::MissingValue, "--" + s.name + " needs a value"};
        break;
    }
    if (out)
        *out = v;
    return {};
}

ConfigProblem parseOptionList(const OptionSpec& s, std::string_view text, std::vector<double>* out)
{
    std::vector<double> values;
    std::string item;
    auto take = [&]() -> ConfigProblem {
        if (item.empty())
            return {};
        if (!s.choices.empty()) {
            const auto it = std::find(s.choices.begin(), s.choices.end(), item);
            if (it == s.choices.end())
                return bad(ConfigError::NotAChoice, s, item, "one of " + joined(s.choices, ", "));
            values.push_back(static_cast<double>(it - s.choices.begin()));
        } else {
            long long v = 0;
            if (!parseWhole(item, v))
                return {ConfigError::NotANumber, ""};
            if (v < s.min || v > s.max)
                return {ConfigError::OutOfRange, ""};
            values.push_back(static_cast<double>(v));
        }
        item.clear();
        return {};
    };
    ConfigProblem p;
    for (char ch : text) {
        if (ch == s.separator)
            p = take();
        else
            item += ch;
        if (p)
            break;
    }
    if (!p)
        p = take();
    if (!p && (values.empty() || (s.items > 0 && static_cast<int>(values.size()) != s.items)))
        p.code = ConfigError::NotANumber;
    if (p && p.message.empty()) {
        std::string expected = s.valueName + ", each from " + number(s.min) + " to " + number(s.max);
        if (!s.defaultText.empty())
            expected += " (e.g. " + s.defaultText + ")";
        p = bad(p.code, s, text, expected);
    }
    if (!p && out)
        *out = std::move(values);
    return p;
}

ConfigProblem setOption(RunConfig& config, std::string_view name, std::string_view value, bool checkBounds)
{
    const OptionSpec* s = findRunOption(name);
    if (!s)
        return {ConfigError::UnknownOption, "unknown option --" + std::string(name)};
    double v = 0;
    if (ConfigProblem p = parseOptionValue(*s, value, &v, checkBounds))
        return p;
    s->set(config, v);
    return {};
}

std::string applyOption(RunConfig& config, std::string_view name, std::string_view value)
{
    return setOption(config, name, value).message;
}

ConfigProblem checkBounds(const RunConfig& config)
{
    for (const OptionSpec& s : runOptions()) {
        if (!s.bounded())
            continue;
        const double v = s.get(config);
        if (!std::isfinite(v) || ((v < s.min || v > s.max) && !isWordValue(s, v)))
            return outOfRange(s, number(v));
    }
    return {};
}

std::string optionsHelp(HelpSection section)
{
    std::string out;
    auto add = [&](const OptionSpec& o) {
        if (o.section != section)
            return;
        std::string left = "  --" + o.name + (o.takesValue() ? " " + o.valueName : std::string());
        if (left.size() < 30)
            left.resize(30, ' ');
        else
            left += "\n" + std::string(30, ' ');
        const std::string def = o.defaultValue();
        out += left + o.help + (def.empty() ? std::string() : " (default " + def + ")") + "\n";
    };
    for (const OptionSpec& o : runOptions())
        add(o);
    for (const OptionSpec& o : commandOptions())
        add(o);
    return out;
}

std::string limitsText()
{
    std::vector<std::string> parts;
    auto add = [&](const OptionSpec& o) {
        if (o.bounded())
            parts.push_back(o.name + " " + number(o.min) + ".." + number(o.max) + o.limitNote);
    };
    for (const OptionSpec& o : runOptions())
        add(o);
    for (const OptionSpec& o : commandOptions())
        add(o);
    // Wrapped at 100 columns for the terminal; the man page joins the lines again.
    std::string out = "Limits:";
    std::size_t column = out.size();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string piece = parts[i] + (i + 1 < parts.size() ? "," : ";");
        if (column + 1 + piece.size() > 100) {
            out += "\n";
            column = 0;
        } else {
            out += " ";
            ++column;
        }
        out += piece;
        column += piece.size();
    }
    return out;
}

ConfigProblem parseFigureSize(std::string_view text, int* width, int* height)
{
    std::vector<double> wh;
    if (ConfigProblem p = parseOptionList(*findOption("size"), text, &wh))
        return p;
    *width = static_cast<int>(wh[0]);
    *height = static_cast<int>(wh[1]);
    return {};
}

int minFigureSide() { return static_cast<int>(findOption("size")->min); }
int maxFigureSide() { return static_cast<int>(findOption("size")->max); }

} // namespace ce
