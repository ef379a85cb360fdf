#include "ce/Options.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <thread>

namespace ce {

const std::vector<OptionSpec>& runOptions()
{
    static const std::vector<OptionSpec> options{
        {"workload", "cpu|io|mixed|convoy|counter", "What a task does: compute, wait, both in rounds, one CPU hog beside I/O tasks (convoy), or increment one shared value (counter)"},
        {"kernel", "spin|sumsq|primes|mandelbrot|sha256", "The CPU work: an increment loop, sum of squares, prime counting, Mandelbrot rows, SHA-256 blocks"},
        {"io", "sleep|file|net", "The wait: a timer, a real temporary file (write, sync, read back), or a request to the loopback service"},
        {"tasks", "N", "How many tasks to run"},
        {"task-ms", "MS", "CPU time of one CPU part on one core, calibrated on this machine (default 100)"},
        {"iterations", "N", "CPU part size in kernel work units instead of milliseconds; counter: read-modify-write steps per task (default 10000)"},
        {"wait-ms", "MS", "Length of one wait: the sleep, or the loopback service's delay (default 100; file waits take what the disk takes)"},
        {"rounds", "R", "Rounds per task: mixed alternates CPU and wait R times; io and convoy wait R times"},
        {"payload-bytes", "B", "Data sent to and back from the worker with each task (costs processes a transfer)"},
        {"model", "sequential|threads|tbb|processes|eventloop", "Who runs the tasks"},
        {"workers", "N|cores", "Threads, TBB threads or processes; for the event loop the limit of tasks in flight (0: unlimited)"},
        {"gil", nullptr, "Emulate CPython's global interpreter lock (C++ has none): CPU work holds it, waits release it"},
        {"switch-interval-ms", "MS", "How long a thread waits for the emulated GIL before asking the holder to drop it (default 5, as sys.getswitchinterval)"},
        {"spawn-per-task", nullptr, "threads: a new thread per task, all at once; processes: a new process per task"},
        {"offload", "N|cores", "eventloop: run CPU parts on N threads (asyncio.to_thread), or N processes with --offload-to processes, instead of blocking the loop"},
        {"offload-to", "threads|processes", "eventloop with --offload: a thread pool sharing the loop's GIL, or worker processes with a lock each (ProcessPoolExecutor)"},
        {"sample-ms", "MS", "How often the per-core utilisation is sampled (default 50)"},
        {"worker-timeout-s", "S", "processes: a worker silent this long beyond what its task can take is killed and its task failed (default 5)"},
        {"lock", "none|mutex", "counter: increment the shared value unguarded (updates get lost) or under a mutex (threading.Lock)"},
        {"await", "sequential|gather", "eventloop: await a task's waits one after another, or all at once (asyncio.gather)"},
        {"releases-gil", nullptr, "CPU parts drop the emulated GIL while they compute, as a C extension (NumPy, hashlib) does"},
        {"chunksize", "N|auto", "Tasks handed over at once: a process pool's batch (Pool.map chunksize; auto: tasks / (4 x workers)), the threads' and TBB's grain"},
        {"crash-task", "N", "Testing aid for the processes model: the worker running task N crashes half-way through it"},
    };
    return options;
}

const OptionSpec* findRunOption(std::string_view name)
{
    const auto& all = runOptions();
    const auto it = std::find_if(all.begin(), all.end(), [&](const OptionSpec& o) { return name == o.name; });
    return it == all.end() ? nullptr : &*it;
}

namespace {

template <typename T>
bool parseWhole(std::string_view s, T& out)
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
    std::string copy(s);
    if (copy.empty())
        return false;
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && std::isfinite(out);
}

std::string bad(std::string_view name, std::string_view value, std::string_view expected)
{
    return "--" + std::string(name) + ": '" + std::string(value) + "' is not " + std::string(expected);
}

} // namespace

std::string applyOption(RunConfig& c, std::string_view name, std::string_view value)
{
    if (name == "workload") {
        const auto v = workloadFromString(value);
        if (!v)
            return bad(name, value, "one of " + workloadNames());
        c.workload = *v;
    } else if (name == "kernel") {
        const auto v = kernelFromString(value);
        if (!v)
            return bad(name, value, "one of " + kernelNames());
        c.kernel = *v;
    } else if (name == "io") {
        const auto v = ioFromString(value);
        if (!v)
            return bad(name, value, "one of " + ioNames());
        c.io = *v;
    } else if (name == "model") {
        const auto v = modelFromString(value);
        if (!v)
            return bad(name, value, "one of " + modelNames());
        c.model = *v;
    } else if (name == "tasks" || name == "rounds" || name == "offload" || name == "crash-task") {
        long long v = 0;
        if (name == "offload" && value == "cores")
            v = std::max(1u, std::thread::hardware_concurrency());
        else if (!parseWhole(value, v) || v < (name == "crash-task" ? -1 : 0) || v > 1000000000)
            return bad(name, value, "a whole number");
        (name == "tasks" ? c.tasks : name == "rounds" ? c.rounds : name == "offload" ? c.offload : c.crashTask) = static_cast<int>(v);
    } else if (name == "workers") {
        long long v = 0;
        if (value == "cores")
            v = std::max(1u, std::thread::hardware_concurrency());
        else if (!parseWhole(value, v) || v < 0 || v > 1000000000)
            return bad(name, value, "a whole number or 'cores'");
        c.workers = static_cast<int>(v);
    } else if (name == "iterations" || name == "payload-bytes") {
        unsigned long long v = 0;
        if (!parseWhole(value, v))
            return bad(name, value, "a whole number");
        (name == "iterations" ? c.iterations : c.payloadBytes) = v;
    } else if (name == "task-ms" || name == "wait-ms" || name == "sample-ms" || name == "switch-interval-ms") {
        double v = 0;
        if (!parseDouble(value, v))
            return bad(name, value, "a number of milliseconds");
        (name == "task-ms" ? c.taskMs : name == "wait-ms" ? c.waitMs : name == "sample-ms" ? c.sampleMs : c.switchIntervalMs) = v;
    } else if (name == "worker-timeout-s") {
        double v = 0;
        if (!parseDouble(value, v))
            return bad(name, value, "a number of seconds");
        c.workerTimeoutS = v;
    } else if (name == "gil") {
        c.gil = value.empty() || value == "true" || value == "on" || value == "1";
        if (!c.gil && !(value == "false" || value == "off" || value == "0"))
            return bad(name, value, "on or off");
    } else if (name == "offload-to") {
        if (value != "threads" && value != "processes")
            return bad(name, value, "threads or processes");
        c.offloadTo = value == "processes" ? OffloadTarget::Processes : OffloadTarget::Threads;
    } else if (name == "lock") {
        const auto v = lockFromString(value);
        if (!v)
            return bad(name, value, "one of none, mutex");
        c.lock = *v;
    } else if (name == "await") {
        const auto v = awaitFromString(value);
        if (!v)
            return bad(name, value, "one of sequential, gather");
        c.awaitMode = *v;
    } else if (name == "releases-gil") {
        c.releasesGil = value.empty() || value == "true" || value == "on" || value == "1";
        if (!c.releasesGil && !(value == "false" || value == "off" || value == "0"))
            return bad(name, value, "on or off");
    } else if (name == "chunksize") {
        long long v = 0;
        if (value == "auto")
            v = RunConfig::kAutoChunksize;
        else if (!parseWhole(value, v) || v < 1 || v > 1000000000)
            return bad(name, value, "a whole number from 1, or auto");
        c.chunksize = static_cast<int>(v);
    } else if (name == "spawn-per-task") {
        c.spawnPerTask = value.empty() || value == "true" || value == "on" || value == "1";
        if (!c.spawnPerTask && !(value == "false" || value == "off" || value == "0"))
            return bad(name, value, "on or off");
    } else {
        return "unknown option --" + std::string(name);
    }
    return {};
}

} // namespace ce
