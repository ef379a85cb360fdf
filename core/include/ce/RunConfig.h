#pragma once

#include "ce/Types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ce {

// Where the event loop's --offload sends CPU parts: a thread pool (asyncio.to_thread, or
// run_in_executor with a ThreadPoolExecutor: the threads share the GIL with the loop) or a
// pool of worker processes (run_in_executor with a ProcessPoolExecutor: each has its own).
enum class OffloadTarget { Threads, Processes };
std::string_view toString(OffloadTarget target);
template <> const std::vector<std::string_view>& namesOf<OffloadTarget>();

// Why an option's value or a whole config was refused. Callers decide on the code; the
// message is for people, one line that names the option, the bad value and what is allowed.
enum class ConfigError : std::uint8_t {
    None,
    UnknownOption,         // no option of that name
    MissingValue,          // an option that takes a value was given none
    SwitchValue,           // a switch given something other than on or off
    NotANumber,            // a number option given something else
    NotAChoice,            // a value outside the option's list of choices
    OutOfRange,            // a number outside the option's bounds (or the model's)
    Combination,           // options that do not go together
    NeedsWorkerExecutable, // valid, but the processes need the worker's path, which the front end adds
};

struct ConfigProblem {
    ConfigError code = ConfigError::None;
    std::string message;
    explicit operator bool() const { return code != ConfigError::None; }
};

// How worker processes start (--start-method), as Python's multiprocessing: a fresh process
// each (spawn), or forks of a lean single-threaded server started first (forkserver). See
// ForkServer.h for why there is no fork of the parent itself.
enum class StartMethod { Spawn, Forkserver };
std::string_view toString(StartMethod method);
template <> const std::vector<std::string_view>& namesOf<StartMethod>();

// Everything that defines a run. A value type: copied into the engine, into the result and
// into every file written from it.
struct RunConfig {
    // Workload: what one task does.
    WorkloadKind workload = WorkloadKind::Cpu;
    Kernel kernel = Kernel::Spin;
    IoKind io = IoKind::Sleep;
    int tasks = 8;
    double taskMs = 100.0;        // CPU part of a task (per round for mixed), calibrated
    std::uint64_t iterations = 0; // kernel work units per CPU part; overrides taskMs when > 0
    double waitMs = 100.0;        // wait part (sleep, net delay) per round
    int rounds = 1;
    std::uint64_t payloadBytes = 0;

    // Model: who runs the tasks.
    Model model = Model::Threads;
    int workers = kAutoWorkers;   // 0 with eventloop: unlimited tasks in flight
    static constexpr int kAutoWorkers = -1; // the model's own default, see withDefaults()
    bool gil = false;
    double switchIntervalMs = 5.0;
    bool spawnPerTask = false;
    int offload = 0;
    OffloadTarget offloadTo = OffloadTarget::Threads;
    StartMethod startMethod = StartMethod::Spawn; // processes, and --offload-to processes
    // eventloop under --gil: CPU the emulated interpreter spends on asyncio's own Python code
    // in a pass of the loop after it slept (the selector's wrapper, _run_once's bookkeeping),
    // holding the GIL. CPython 3.11's loop holds the lock 25-123 us (a run's median,
    // 87-123 in 6 runs of 11) from its take after a sleep to its next poll on the development
    // VM, the C++ loop 7-29 us: this is the usual difference (README, "Who wins the lock at a forced switch"); 0: none.
    double loopPassUs = 90.0;

    double sampleMs = 50.0;

    // The lessons of races, awaits, code that releases the GIL and batching.
    LockKind lock = LockKind::None;          // counter: how the shared value is guarded
    AwaitMode awaitMode = AwaitMode::Sequential; // eventloop: consecutive waits one by one or gathered
    bool releasesGil = false;                // CPU parts drop the emulated GIL, as a C extension does
    int chunksize = 1;                       // tasks per hand-over (processes), grain (threads, tbb)
    static constexpr int kAutoChunksize = 0; // Pool.map's: ceil(tasks / (4 * workers))
    static constexpr std::uint64_t kDefaultCounterSteps = 10000;

    // Where the process model finds the worker executable (absolute path).
    std::string workerExecutable;
    // Processes: how long a worker may stay silent beyond what its task can take before it is
    // killed and its task failed ("stopped responding").
    double workerTimeoutS = 5.0;
    // Test hook: the worker running this task crashes half-way through it (-1: none).
    int crashTask = -1;
    // Optional preset name this config came from (for labels only).
    std::string preset;
};

// Limits that more than the option table reads: the engine's, the run-file reader's and the
// checks between options (validateConfig). The bounds of single options live in the table
// (Options.cpp), which names these where it uses them.
struct Limits {
    static constexpr int kMaxTasks = 100000;
    // The event loop with sleep waits holds a timer per task, nothing else: a million, as
    // asyncio does. Net waits stay bounded by descriptors (the open-file check), file waits
    // by kMaxTasks.
    static constexpr int kMaxEventLoopSleepTasks = 1000000;
    static constexpr int kMaxWorkers = 1024;
    static constexpr int kMaxProcessWorkers = 64;
    static constexpr int kMaxSpawnedThreads = 4096;
    static constexpr int kMaxOffload = 256;
    static constexpr double kMinSampleMs = 10.0;
    static constexpr double kMaxSampleMs = 10000.0;
};

// Fills in what was left to the model: --workers defaults as Python's executors do
// (threads: min(32, cores + 4); tbb and processes: cores; eventloop: unlimited).
RunConfig withDefaults(RunConfig config);

// How many workers can hold a task at once: min(workers, tasks), where 0 workers (the event
// loop's "unlimited") means one per task. For a config after withDefaults().
int busyWorkers(const RunConfig& config);

// The chunksize in effect: --chunksize auto resolved as Pool.map does, at least 1.
int effectiveChunksize(const RunConfig& config);
// Read-modify-write steps of one counter task (--iterations, or the default).
std::uint64_t counterSteps(const RunConfig& config);

// No problem when the config can run, else the first problem: its code and one sentence that
// says what is wrong and what is allowed. The bounds of single options come from the option
// table (Options.h); the checks here are those between options and models.
ConfigProblem validateConfig(const RunConfig& config);
// The same, as the message alone ("" when the config can run).
std::string validate(const RunConfig& config);

// A short human label: "threads x4 +GIL" etc.
std::string describeModel(const RunConfig& config);
std::string describeWorkload(const RunConfig& config);

} // namespace ce
