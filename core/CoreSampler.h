#pragma once

#include "AppendBuffer.h"
#include "ce/RunData.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace ce {

namespace platform {
class CpuCounters;
}

// One core's sample from its counters' change: the whole core's busy share from the OS's
// ticks, and this run's share from its threads' CPU time over the interval. Both within
// 0..100, the run's never above the total; counters that went backwards count as idle.
struct CoreShare {
    float totalPct = 0;
    float runPct = 0;
};
CoreShare coreShare(std::uint64_t busyBefore, std::uint64_t busyNow, std::uint64_t totalBefore, std::uint64_t totalNow, double runNs,
                    double intervalNs, bool runMeasured);

// Samples every core's utilisation from the OS's counters on its own thread, and splits it
// into this run's share (the CPU time of the threads the run started - registered with
// RunThreadScope - and of registered child processes, attributed to the core each thread
// last ran on) and everyone else's. The caller's thread (the GUI's, in the window) and any
// other thread of the process count as "others": they are not the run.
// Linux counts in 10 ms ticks: a 50 ms sample of a core is only good to about +-6 points.
// When one sample costs more than 5% of a core (thousands of threads to read), the interval
// doubles, up to 1 s; every sample carries its own time.
class CoreSampler {
public:
    CoreSampler(std::int64_t runStartNs, std::chrono::microseconds interval);
    ~CoreSampler();

    void start();
    void stop();

    void addProcess(std::int64_t pid);
    void removeProcess(std::int64_t pid);
    // Threads that are not part of the run (e.g. the loopback service).
    void excludeThread(std::int64_t tid);

    // A thread of this process working for the run, from now on; `cpuNs` is its CPU clock
    // now (what it had consumed before is not the run's). Calls nest (a TBB worker may enter
    // the arena more than once); the outermost leave settles the thread's CPU time.
    void enterRunThread(std::int64_t tid, std::int64_t cpuNs);
    void leaveRunThread(std::int64_t tid, std::int64_t cpuNs);
    // Settles every thread still registered, but the caller, from its counters now (call
    // while they are alive, e.g. before TBB's workers are joined); one that has gone counts
    // what was last sampled.
    void settleRunThreads();
    // CPU time of the run's threads in this process (settled ones; settle first).
    std::int64_t runThreadsCpuNs() const;

    void snapshotInto(std::vector<CoreSample>& out) const { out.clear(); m_samples.copyTo(out); }
    // Appends the samples from index `from` on; returns how many there are now.
    std::size_t appendSince(std::vector<CoreSample>& out, std::size_t from) const { return m_samples.copyTo(out, from); }
    bool runShareMeasured() const { return m_runShareMeasured.load(); }
    std::int64_t threadCpuNs() const { return m_ownCpuNs.load(); }
    std::string machineDescription() const { return m_machine; }

private:
    void loop();
    void sampleOnce(bool baselineOnly);

    std::int64_t m_runStartNs;
    std::chrono::microseconds m_interval;
    std::unique_ptr<platform::CpuCounters> m_counters;
    std::string m_machine;
    AppendBuffer<CoreSample> m_samples;
    std::atomic<bool> m_runShareMeasured{false};
    std::atomic<std::int64_t> m_ownCpuNs{0};

    mutable std::mutex m_mutex; // guards m_pids, m_excluded, m_stopping and the run threads
    std::condition_variable m_cv;
    bool m_stopping = false;
    std::vector<std::int64_t> m_pids;
    std::vector<std::int64_t> m_excluded;
    struct RunThread {
        std::int64_t entryCpuNs = 0;
        int depth = 0;
    };
    std::unordered_map<std::int64_t, RunThread> m_runThreads; // guarded by m_mutex
    std::int64_t m_settledCpuNs = 0;                          // guarded by m_mutex
    std::thread m_thread;

    // Only touched by the sampling thread.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_lastCores;
    std::unordered_map<std::int64_t, std::int64_t> m_lastThreadNs; // also read once stopped
    std::int64_t m_lastSampleNs = 0;
};

// Registers the calling thread with the run's sampler for its lifetime (or a scope).
class RunThreadScope {
public:
    explicit RunThreadScope(CoreSampler& sampler);
    ~RunThreadScope();
    RunThreadScope(const RunThreadScope&) = delete;
    RunThreadScope& operator=(const RunThreadScope&) = delete;

private:
    CoreSampler& m_sampler;
    std::int64_t m_tid;
};

} // namespace ce
