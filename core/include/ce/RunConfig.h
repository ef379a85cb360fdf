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

// Limits, stated once so the CLI can explain them and the engine can enforce them.
struct Limits {
    static constexpr int kMaxTasks = 100000;
    static constexpr int kMaxWorkers = 1024;
    static constexpr int kMaxProcessWorkers = 64;
    static constexpr int kMaxSpawnedThreads = 4096;
    static constexpr int kMaxOffload = 256;
    static constexpr double kMaxTaskMs = 60000.0;
    static constexpr double kMaxWaitMs = 60000.0;
    static constexpr int kMaxRounds = 10000;
    static constexpr std::uint64_t kMaxPayloadBytes = 64ull << 20;
    static constexpr std::uint64_t kMaxIterations = 1ull << 40;
    static constexpr double kMinSampleMs = 10.0;
    static constexpr double kMaxSampleMs = 10000.0;
    static constexpr double kMinSwitchMs = 0.1;
    static constexpr double kMaxSwitchMs = 1000.0;
    static constexpr double kMinWorkerTimeoutS = 0.1;
    static constexpr double kMaxWorkerTimeoutS = 3600.0;
};

// Fills in what was left to the model: --workers defaults as Python's executors do
// (threads: min(32, cores + 4); tbb and processes: cores; eventloop: unlimited).
RunConfig withDefaults(RunConfig config);

// The chunksize in effect: --chunksize auto resolved as Pool.map does, at least 1.
int effectiveChunksize(const RunConfig& config);
// Read-modify-write steps of one counter task (--iterations, or the default).
std::uint64_t counterSteps(const RunConfig& config);

// Returns an empty string when the config can run, else one sentence that says what is wrong
// and what the allowed range is.
std::string validate(const RunConfig& config);

// A short human label: "threads x4 +GIL" etc.
std::string describeModel(const RunConfig& config);
std::string describeWorkload(const RunConfig& config);

} // namespace ce
