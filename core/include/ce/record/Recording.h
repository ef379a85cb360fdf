#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace ce {

// Records a real program: starts it, samples every thread of it and of its descendant
// processes from the OS (Linux: /proc/PID/task/TID/stat and schedstat) until it exits or is
// cancelled, and turns the samples into a run in the usual format: one lane per thread,
// phases of measured states, per-core utilisation split into the program and the others.
//
// How a sample becomes a phase: each sampling interval of each thread gets the state the
// kernel reports for it at the sample (stat's letter: S sleeping, D disk wait, T stopped),
// with R ("on a core or in the run queue") split into running, when its CPU time
// (schedstat field 1) grew by half the interval, or grew while its run-queue delay
// (field 2) did not, and runnable otherwise (it waited for a core). Consecutive
// intervals of the same state merge into one phase, which keeps the CPU time measured in it
// (cpuNs), whatever its state. Nothing here is modelled: a thread shown running was on a
// core or ready at the sample and had CPU time in that interval.
//
// Linux only. Elsewhere start() fails with a sentence saying so.
class Recording {
public:
    struct Options {
        std::vector<std::string> command;  // argv; command[0] is looked up in PATH if it has no '/'
        double sampleMs = 5.0;             // interval between samples (200 Hz)
        double coreSampleMs = 50.0;        // per-core utilisation interval (/proc/stat counts 10 ms ticks)
    };

    Recording();
    ~Recording(); // cancels a recording still going and leaves no process behind
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;

    // Checks the command and starts the program. False with one sentence in `error` when the
    // program cannot be run (missing, not executable, bad options): then nothing was started.
    bool start(const Options& options, std::string* error);
    // Stops the program and its descendants (SIGTERM, then SIGKILL after a second), keeping
    // what was recorded. The run ends as cancelled.
    void cancel();
    bool isFinished() const;
    bool waitFor(std::chrono::milliseconds timeout);

    RunSnapshot snapshot() const;
    std::int64_t rootPid() const;
    std::int64_t startNs() const; // monotonic ns at which the recording's clock starts
    // The program's cumulative CPU time at every sample: (ns since the start, ns of CPU).
    std::vector<std::pair<std::int64_t, std::int64_t>> cpuSeries() const;

    // Whether this build can record (Linux).
    static bool supported();
    static std::string unsupportedReason();
    // One sentence per problem with the command, or "" when it can run. Resolves command[0]
    // through PATH into `resolved`.
    static std::string checkCommand(const std::vector<std::string>& command, std::string* resolved);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// What the flowchart makes of a recording: CPU share = the program's CPU time over its wall
// time (capped at 1), concurrency = most threads and processes alive at once, and "does it
// hold an interpreter lock" answered from the measurement: several threads of one process
// computed, yet that process never kept more than about one core busy.
struct RecordVerdict {
    WorkloadMeasure measure;
    Advice advice;
    std::vector<std::string> findings; // the measured reasons, one sentence each
};
RecordVerdict judgeRecording(const RunSnapshot& run);

} // namespace ce
