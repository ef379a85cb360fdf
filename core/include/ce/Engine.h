#pragma once

#include "ce/RunConfig.h"
#include "ce/RunData.h"

#include <chrono>
#include <memory>
#include <string>

namespace ce {

// One run of a workload under a model. start() returns at once; the run goes on on its own
// thread. snapshot() may be called from any thread at any time (the GUI calls it about 30
// times a second): it copies what has been recorded so far without stopping the workers.
// The destructor cancels a run still going and waits for its threads and processes.
class Run {
public:
    explicit Run(RunConfig config);
    ~Run();
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // False (with one sentence in `error`) when the run cannot start: invalid config, no
    // QCoreApplication for the event loop, and the like.
    bool start(std::string* error);
    void cancel();
    bool isFinished() const;
    // Waits at most `timeout` for the run to end; true if it has.
    bool waitFor(std::chrono::milliseconds timeout);

    RunSnapshot snapshot() const;
    // What is new since `cursor` (which it moves on): a live frame copies only that. The
    // first call with a fresh cursor gives everything so far (delta.restart). After the run
    // ended, one more delta carries the rest and the final status and summary.
    RunDelta snapshotSince(SnapshotCursor& cursor) const;
    int tasksFinished() const;
    const RunConfig& config() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Runs to the end on the calling thread's behalf (blocking); convenience for tests and tools.
RunSnapshot runToEnd(const RunConfig& config, std::string* error);

// What Run::start checks of the machine before it starts: open files (the limit, and those
// open already) and, for processes, memory for the payloads in flight. Returns "" when the
// run fits, else one sentence. Separate so tests can give it any machine's figures.
std::string checkMachineLimits(const RunConfig& config, std::int64_t fileLimit, std::int64_t openFiles, std::uint64_t memoryBudget);

// Fills speedup and efficiency of `run` from a sequential baseline's makespan.
void applyBaseline(Summary& summary, const RunConfig& config, double sequentialMakespanS);

} // namespace ce
