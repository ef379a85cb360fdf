#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ce {

// What a recording of a real program adds to a run (see core/record/Recording.h). A run of
// the engine leaves this empty (`active` false).
struct RecordedLane {
    std::int64_t pid = 0;      // process the thread belongs to
    std::int64_t tid = 0;      // the thread (equals pid for a process's main thread)
    std::int64_t ppid = 0;     // the process's parent
    std::string name;          // the thread's name (comm)
    std::string process;       // the process's name (comm of its main thread)
    std::int64_t firstNs = 0;  // first and last sample that saw the thread, ns since the start
    std::int64_t lastNs = 0;
    std::int64_t cpuNs = 0;    // CPU time measured while it was recorded
    std::int64_t runnableNs = 0; // time it was ready to run but waited for a core (run-queue delay)
    std::int64_t blockedNs = 0;  // neither running nor runnable: asleep on I/O, a lock, a timer
};

// Time-weighted histogram of how many things ran at once: at[k] = seconds during which
// exactly k threads (or processes) were running.
struct BusyAtOnce {
    std::vector<double> at;
    int max = 0;
    double mean = 0;
};

// Whether a process's threads ever computed at the same time: the interpreter-lock test.
struct RecordedProcess {
    std::int64_t pid = 0;
    // Over the per-core windows (50 ms: a running thread's counter can lag a scheduler tick,
    // too much for one 5 ms interval):
    double sharedS = 0;    // time in windows where two or more of its threads got CPU time
    double parallelS = 0;  // of those, time where its threads together used more than 1.3 cores
    double maxCores = 0;   // most cores it used in one window
};

struct RecordInfo {
    bool active = false;
    std::vector<std::string> command;  // argv of the recorded program
    std::int64_t rootPid = 0;
    int exitCode = -1;                 // the program's exit status; -1 killed or still running
    int exitSignal = 0;                // the signal that ended it, 0 none
    std::vector<RecordedLane> lanes;   // index = lane of the phases
    std::vector<RecordedProcess> processList;
    double sampleMsRequested = 0;
    double sampleMsMeasured = 0;       // mean interval between samples actually taken
    std::int64_t samples = 0;
    double samplerCpuS = 0;            // the sampler thread's own CPU time
    double osCpuS = -1;                // the program's CPU time by the OS (/proc/PID/stat, incl. reaped children) at exit; -1 unknown
    int processes = 0;                 // processes seen
    BusyAtOnce busyThreads;            // threads running at once
    BusyAtOnce busyProcesses;          // processes with a running thread at once
    double wantedCpuS = 0;             // wall time with at least one thread running or runnable
    double runnableS = 0;              // summed over threads: ready to run, waiting for a core
    double sleepingS = 0;
    double diskWaitS = 0;
    std::int64_t firstSampleNs = 0;    // ns since the start
    std::int64_t lastSampleNs = 0;
};

} // namespace ce
