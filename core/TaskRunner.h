#pragma once

#include "TaskPlan.h"
#include "ce/Types.h"
#include "Waits.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ce {

class CancelToken;
class Gil;
class PhaseSink;
struct SharedCounter;

// Runs a task's phases on the calling thread and records them. Shared by every model that
// runs a whole task on one thread (sequential, threads, tbb, and the worker process).
//
// Under the emulated GIL the thread behaves as a CPython thread does: it holds the lock
// whenever it is running "Python" (from the start of a task to its end), releases it around
// every wait and takes it back afterwards, and inside CPU work gives it up at the next slice
// boundary after another thread has requested it. Waiting for the lock while another thread
// holds it is recorded as gil-wait; taking a free lock is not.
class TaskRunner {
public:
    enum class Outcome { Done, Cancelled, Failed };

    struct Context {
        Kernel kernel = Kernel::Spin;
        WorkSizes sizes;
        const WaitEnv* env = nullptr;
        Gil* gil = nullptr;            // null: no GIL
        CancelToken* cancel = nullptr;
        std::int64_t runStartNs = 0;
        std::int64_t osId = 0;         // recorded in every phase (thread id or process id)
        int crashTask = -1;            // test hook: abort() half-way through this task
        SharedCounter* counter = nullptr; // the counter workload: CPU parts increment this
        bool releasesGil = false;      // CPU parts drop the GIL while they compute (C extension)
    };

    explicit TaskRunner(const Context& context);

    Outcome runTask(int task, int lane, const std::vector<PhaseSpec>& phases, PhaseSink& sink, std::string* error);

    // Pieces, for the event loop which splits a task across callbacks and threads.
    // runCpu takes the GIL (if any) for the phase and releases it afterwards.
    Outcome runCpuPhase(int task, int lane, std::uint64_t units, PhaseSink& sink);

    // For a thread that holds the GIL across many pieces of work (the event loop's thread,
    // which holds it whenever it runs, as asyncio's loop runs Python code throughout):
    // acquire records gil-wait when another thread held the lock; the eval breaker drops and
    // re-takes it when another thread has asked; runCpuHeld runs a CPU part without taking
    // or finally dropping it (it still switches at the breaker between slices).
    void acquireGil(int task, int lane, PhaseSink& sink) { takeGil(task, lane, sink); }
    void releaseGil();
    bool evalBreaker(int task, int lane, PhaseSink& sink);
    Outcome runCpuHeld(int task, int lane, std::uint64_t units, PhaseSink& sink) { return cpu(task, lane, units, sink); }

    std::uint64_t checksum() const { return m_checksum; }

private:
    std::int64_t now() const;
    void takeGil(int task, int lane, PhaseSink& sink);
    Outcome cpu(int task, int lane, std::uint64_t units, PhaseSink& sink);
    Outcome compute(int task, int lane, std::uint64_t units, PhaseSink& sink, Gil* gil);
    Outcome count(int task, int lane, std::uint64_t steps, PhaseSink& sink, Gil* gil);

    Context m_ctx;
    std::uint64_t m_checksum = 0;
};

} // namespace ce
