#include "ce/RunConfig.h"

#include "ce/Options.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <sstream>

namespace ce {
namespace {

std::string formatNumber(double v)
{
    std::ostringstream os;
    os << v;
    return os.str();
}

} // namespace

template <>
const std::vector<std::string_view>& namesOf<OffloadTarget>()
{
    static const std::vector<std::string_view> names{"threads", "processes"}; // in declaration order
    return names;
}

std::string_view toString(OffloadTarget target)
{
    return namesOf<OffloadTarget>()[static_cast<std::size_t>(target)];
}

template <>
const std::vector<std::string_view>& namesOf<StartMethod>()
{
    static const std::vector<std::string_view> names{"spawn", "forkserver"}; // in declaration order
    return names;
}

std::string_view toString(StartMethod method)
{
    return namesOf<StartMethod>()[static_cast<std::size_t>(method)];
}

RunConfig withDefaults(RunConfig c)
{
    if (c.workers == RunConfig::kAutoWorkers) {
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        switch (c.model) {
        case Model::Sequential: c.workers = 1; break;
        case Model::Threads: c.workers = std::min(32, cores + 4); break;
        case Model::Tbb:
        case Model::Processes: c.workers = cores; break;
        case Model::EventLoop: c.workers = 0; break;
        }
    }
    return c;
}

int busyWorkers(const RunConfig& c)
{
    return c.workers == 0 ? c.tasks : std::min(c.workers, c.tasks);
}

int effectiveChunksize(const RunConfig& c)
{
    if (c.chunksize != RunConfig::kAutoChunksize)
        return std::max(1, c.chunksize);
    const int workers = std::max(1, c.workers);
    return std::max(1, (c.tasks + 4 * workers - 1) / (4 * workers));
}

std::uint64_t counterSteps(const RunConfig& c)
{
    return c.iterations > 0 ? c.iterations : RunConfig::kDefaultCounterSteps;
}

ConfigProblem validateConfig(const RunConfig& c)
{
    // Each option within its own bounds first: the table states them once (Options.cpp).
    if (ConfigProblem p = checkBounds(c))
        return p;
    std::ostringstream err;
    ConfigError code = ConfigError::Combination;
    const bool loopSleeps = c.model == Model::EventLoop && c.io == IoKind::Sleep;
    const int maxTasks = loopSleeps ? Limits::kMaxEventLoopSleepTasks : Limits::kMaxTasks;
    if (c.tasks > maxTasks) {
        // The table allows the widest bound (the event loop's sleeps); the rest hold fewer.
        code = ConfigError::OutOfRange;
        err << "--tasks must be between 1 and " << Limits::kMaxTasks << " but for the eventloop with sleep waits (got " << c.tasks << ")";
    } else if (c.model == Model::EventLoop && c.workers > maxTasks) {
        code = ConfigError::OutOfRange;
        err << "--workers (tasks in flight) for the eventloop must be between 0 and " << maxTasks << " (got " << c.workers << ")";
    } else if (c.model != Model::EventLoop && c.workers > Limits::kMaxWorkers) {
        code = ConfigError::OutOfRange;
        err << "--workers must be between 1 and " << Limits::kMaxWorkers << " (got " << c.workers << ")";
    } else if (c.workers == 0 && c.model != Model::EventLoop)
        err << "--workers 0 (unlimited) is only meaningful for the eventloop model";
    else if (c.model == Model::Processes && c.workers > Limits::kMaxProcessWorkers) {
        code = ConfigError::OutOfRange;
        err << "--workers for processes must be at most " << Limits::kMaxProcessWorkers
            << ": each worker is a whole process (got " << c.workers << ")";
    } else if (c.model == Model::Threads && c.spawnPerTask && c.tasks > Limits::kMaxSpawnedThreads)
        err << "--spawn-per-task with threads starts every task's thread at once; at most "
            << Limits::kMaxSpawnedThreads << " tasks (got " << c.tasks << ")";
    else if (c.spawnPerTask && c.model != Model::Threads && c.model != Model::Processes)
        err << "--spawn-per-task applies to the threads and processes models only";
    else if (c.offload > 0 && c.model != Model::EventLoop)
        err << "--offload applies to the eventloop model only";
    else if (c.workload == WorkloadKind::Convoy && c.tasks < 2)
        err << "the convoy workload needs --tasks 2 or more: one CPU-bound task and at least one I/O task";
    else if (c.offload > 0 && c.offloadTo == OffloadTarget::Processes && c.offload > Limits::kMaxProcessWorkers) {
        code = ConfigError::OutOfRange;
        err << "--offload with --offload-to processes must be at most " << Limits::kMaxProcessWorkers
            << ": each is a whole process (got " << c.offload << ")";
#if defined(_WIN32)
    } else if (c.startMethod == StartMethod::Forkserver)
        err << "--start-method forkserver needs fork(), which Windows does not have: use spawn";
    else if (c.crashTask >= c.tasks)
#else
    } else if (c.crashTask >= c.tasks)
#endif
        err << "--crash-task must name a task below --tasks";
    else if (c.workload == WorkloadKind::Counter && c.model == Model::Processes)
        err << "the counter workload shares one value in memory, and worker processes share none: each would count "
               "its own copy (multiprocessing.Value puts it in shared memory); use threads, tbb, sequential or eventloop";
    else if (c.lock != LockKind::None && c.workload != WorkloadKind::Counter)
        err << "--lock applies to the counter workload only";
    else if (c.awaitMode == AwaitMode::Gather && c.model != Model::EventLoop)
        err << "--await gather applies to the eventloop model only (asyncio.gather)";
    else if (c.chunksize != 1 && (c.model == Model::Sequential || c.model == Model::EventLoop || c.spawnPerTask))
        err << "--chunksize applies to pools only: processes, threads and tbb without --spawn-per-task";
    // Last, so that this code means "nothing else is wrong": front ends that add the worker's
    // path when they run a config (the form, a comparison) accept a config with this problem.
    else if (c.model == Model::Processes && c.workerExecutable.empty()) {
        code = ConfigError::NeedsWorkerExecutable;
        err << "the processes model needs the path of the worker executable";
    } else if (c.model == Model::EventLoop && c.offload > 0 && c.offloadTo == OffloadTarget::Processes && c.workerExecutable.empty()) {
        code = ConfigError::NeedsWorkerExecutable;
        err << "--offload-to processes needs the path of the worker executable";
    }
    if (err.str().empty())
        return {};
    return {code, err.str()};
}

std::string validate(const RunConfig& c)
{
    return validateConfig(c).message;
}

std::string describeModel(const RunConfig& c)
{
    std::ostringstream os;
    os << toString(c.model);
    if (c.model != Model::Sequential) {
        if (c.model == Model::EventLoop && c.workers == 0)
            os << " (unlimited in flight)";
        else if (c.model == Model::Threads && c.spawnPerTask)
            os << " (one per task)";
        else
            os << " x" << c.workers;
        if (c.model == Model::Processes && c.spawnPerTask)
            os << " (new process per task)";
        const bool usesProcesses = c.model == Model::Processes || (c.offload > 0 && c.offloadTo == OffloadTarget::Processes);
        if (usesProcesses && c.startMethod != StartMethod::Spawn)
            os << " (" << toString(c.startMethod) << ")";
        if (c.offload > 0)
            os << " +offload x" << c.offload << (c.offloadTo == OffloadTarget::Processes ? " processes" : "");
        if (c.chunksize != 1)
            os << " chunks of " << effectiveChunksize(c) << (c.chunksize == RunConfig::kAutoChunksize ? " (auto)" : "");
        if (c.model == Model::EventLoop && c.awaitMode == AwaitMode::Gather)
            os << ", waits gathered";
        else if (c.model == Model::EventLoop && c.rounds > 1 && c.workload == WorkloadKind::Io)
            os << ", waits awaited in turn";
    }
    if (c.gil)
        os << " +GIL (emulated)";
    if (c.gil && c.releasesGil)
        os << ", released around CPU work";
    if (c.workload == WorkloadKind::Counter)
        os << (c.lock == LockKind::Mutex ? ", under a mutex" : ", no lock");
    return os.str();
}

std::string describeWorkload(const RunConfig& c)
{
    // File waits take what the disk takes: --wait-ms does not apply to them.
    const std::string wait = c.io == IoKind::File ? std::string("file round trip")
                                                  : std::string(toString(c.io)) + " " + formatNumber(c.waitMs) + " ms";
    std::ostringstream os;
    os << c.tasks << " x " << toString(c.workload);
    switch (c.workload) {
    case WorkloadKind::Cpu:
        os << " (" << toString(c.kernel) << ", " << c.taskMs << " ms)";
        break;
    case WorkloadKind::Io:
        os << " (" << wait;
        if (c.rounds > 1)
            os << " x" << c.rounds;
        os << ")";
        break;
    case WorkloadKind::Mixed:
        os << " (" << toString(c.kernel) << " " << c.taskMs << " ms + " << wait;
        if (c.rounds > 1)
            os << ", x" << c.rounds;
        os << ")";
        break;
    case WorkloadKind::Convoy:
        os << " (1 " << toString(c.kernel) << " " << c.taskMs << " ms + " << (c.tasks - 1) << " x " << c.rounds << " waits: " << wait << ")";
        break;
    case WorkloadKind::Counter:
        os << " (" << counterSteps(c) << " increments of one shared value, lock " << toString(c.lock) << ")";
        break;
    }
    return os.str();
}

} // namespace ce
