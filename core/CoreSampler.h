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

// Places `ns` of a run's child process's CPU time that no sample saw (it started and ended
// between two) on the cores of one interval: first on `core`, the core it last ran on (-1 when
// unknown), as far as that core's `room` goes, then the rest on the other cores in proportion
// to their room. `room[i]` is what core i was busy with in the interval beyond the run's share
// already counted (ns); what is placed is added to `placed[i]` and taken from `room[i]`, so a
// core never shows more for the run than it was measured busy. Returns what found no room: it
// stays "other processes".
double placeUnseen(std::vector<double>& room, std::vector<double>& placed, double ns, int core);

// Samples every core's utilisation from the OS's counters on its own thread, and splits it
// into this run's share (the CPU time of the threads the run started - registered with
// RunThreadScope - and of registered child processes, attributed to the core each thread
// last ran on) and everyone else's. A child that lives between two samples (a new worker per
// task lives 1-2 ms) is never read: when it is reaped, processEnded() gives its CPU time as
// the OS counted it, and what the samples did not see of it is placed in the interval(s) it
// lived in (placeUnseen). A run thread that leaves (a new thread per task) is settled the
// same way from its own CPU clock. For that, an interval is published one sample late. The caller's thread (the GUI's, in the window) and any
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
    // A registered child has ended and been reaped: `cpuNs` is its CPU time (user + system) as
    // the reaper learnt it (-1 when unknown: then it only leaves the sampling), `lastCore` the
    // core it last ran on (-1 when unknown). Call it right after the reap.
    void processEnded(std::int64_t pid, std::int64_t cpuNs, int lastCore);
    void removeProcess(std::int64_t pid) { processEnded(pid, -1, -1); }
    // CPU time of ended children the samples had not seen, and how much of it found no room
    // on a core's measured busy time (so it stays "other processes"). After stop().
    std::int64_t unseenChildCpuNs() const { return m_unseenNs.load(); }
    std::int64_t unplacedChildCpuNs() const { return m_unplacedNs.load(); }
    // Threads that are not part of the run (e.g. the loopback service).
    void excludeThread(std::int64_t tid);

    // A thread of this process working for the run, from now on; `cpuNs` is its CPU clock
    // now (what it had consumed before is not the run's). Calls nest (a TBB worker may enter
    // the arena more than once); the outermost leave settles the thread's CPU time.
    void enterRunThread(std::int64_t tid, std::int64_t cpuNs);
    // `core` is the core the leaving thread is on (-1 when unknown): a thread of the run that
    // lived between two samples (a new thread per task) is placed there, as an ended child is.
    void leaveRunThread(std::int64_t tid, std::int64_t cpuNs, int core = -1);
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
    void publishHeld();

    // A registered child that ended, as reported by processEnded().
    struct Ended {
        std::int64_t pid = 0;
        std::int64_t startNs = 0; // when it was registered
        std::int64_t endNs = 0;   // when it was reported (just after its reap)
        std::int64_t cpuNs = -1;
        int lastCore = -1;
        bool thread = false; // a thread of this process that left the run (pid is its tid)
    };
    // What the samples saw of a child so far (sampling thread only).
    struct Seen {
        std::int64_t countedNs = 0;  // CPU time counted as the run's share
        std::int64_t lastSeenNs = 0; // when a sample last read it (0: never)
        std::vector<std::int64_t> tids;
    };
    // One interval's per-core figures, held back one sample so that a child reaped just after
    // it can still be placed in it.
    struct Interval {
        std::int64_t startNs = 0, endNs = 0;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> before, now; // busy, total ticks
        std::vector<double> runNs, room, placed;
    };
    void placeEnded(std::vector<Ended>& ended);

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
    std::unordered_map<std::int64_t, std::int64_t> m_started; // child pid -> when registered
    std::vector<Ended> m_ended;
    std::vector<std::int64_t> m_excluded;
    struct RunThread {
        std::int64_t entryCpuNs = 0;
        std::int64_t entryNs = 0; // when it joined the run
        int depth = 0;
    };
    std::unordered_map<std::int64_t, RunThread> m_runThreads; // guarded by m_mutex
    std::int64_t m_settledCpuNs = 0;                          // guarded by m_mutex
    std::thread m_thread;

    // Only touched by the sampling thread.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_lastCores;
    std::unordered_map<std::int64_t, std::int64_t> m_lastThreadNs; // also read once stopped
    std::int64_t m_lastSampleNs = 0;
    std::unordered_map<std::int64_t, Seen> m_seen;        // child pid -> what the samples saw
    std::unordered_map<std::int64_t, Seen> m_seenThreads; // run thread's tid -> the same
    std::vector<Interval> m_held;                  // at most one: the last interval, unpublished
    bool m_perThread = false;
    std::atomic<std::int64_t> m_unseenNs{0};
    std::atomic<std::int64_t> m_unplacedNs{0};
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
