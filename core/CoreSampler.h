#pragma once

#include "AppendBuffer.h"
#include "RunData.h"

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
// into this run's share (the CPU time of this process's threads and of registered child
// processes, attributed to the core each thread last ran on) and everyone else's.
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

    void snapshotInto(std::vector<CoreSample>& out) const { out.clear(); m_samples.copyTo(out); }
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

    std::mutex m_mutex; // guards m_pids, m_excluded and m_stopping
    std::condition_variable m_cv;
    bool m_stopping = false;
    std::vector<std::int64_t> m_pids;
    std::vector<std::int64_t> m_excluded;
    std::thread m_thread;

    // Only touched by the sampling thread.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_lastCores;
    std::unordered_map<std::int64_t, std::int64_t> m_lastThreadNs;
    std::int64_t m_lastSampleNs = 0;
};

} // namespace ce
