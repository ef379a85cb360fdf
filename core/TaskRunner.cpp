#include "TaskRunner.h"

#include "CancelToken.h"
#include "Gil.h"
#include "Kernels.h"
#include "Recorder.h"
#include "SharedCounter.h"
#include "platform/Platform.h"

#include <algorithm>
#include <cstdlib>

namespace ce {

namespace {
// The address of this identifies the calling thread to the GIL, as a PyThreadState does.
thread_local char t_threadState;
} // namespace

TaskRunner::TaskRunner(const Context& context) : m_ctx(context) {}

std::int64_t TaskRunner::now() const { return platform::monotonicNs() - m_ctx.runStartNs; }

void TaskRunner::takeGil(int task, int lane, PhaseSink& sink)
{
    const std::int64_t t0 = now();
    const auto cpuBefore = static_cast<std::int16_t>(platform::currentCpu());
    const bool waited = m_ctx.gil->take(&t_threadState);
    const std::int64_t t1 = now();
    if (waited)
        sink.add(PhaseRecord{t0, t1, m_ctx.osId, task, lane, cpuBefore, State::GilWait});
}

TaskRunner::Outcome TaskRunner::cpu(int task, int lane, std::uint64_t units, PhaseSink& sink)
{
    // A C extension releases the GIL around its heavy loop (Py_BEGIN_ALLOW_THREADS) and takes
    // it back before it returns to Python: the compute itself then runs beside other threads.
    const bool release = m_ctx.gil && m_ctx.releasesGil;
    Gil* gil = release ? nullptr : m_ctx.gil;
    if (release)
        m_ctx.gil->drop(&t_threadState);
    const Outcome outcome = m_ctx.counter ? count(task, lane, units, sink, gil) : compute(task, lane, units, sink, gil);
    if (release)
        takeGil(task, lane, sink);
    return outcome;
}

TaskRunner::Outcome TaskRunner::count(int task, int lane, std::uint64_t steps, PhaseSink& sink, Gil* gil)
{
    // Shorter blocks on the mutex stay inside the CPU segment: recording each would cost more
    // than the wait.
    constexpr std::int64_t kMinRecordedLockWaitNs = 2000;
    SharedCounter& counter = *m_ctx.counter;
    const bool locked = counter.lock == LockKind::Mutex;
    std::int64_t segmentStart = now();
    std::int64_t segmentCpu = platform::threadCpuNs();
    auto core = static_cast<std::int16_t>(platform::currentCpu());
    // One thread CPU clock read per segment boundary (see compute()).
    auto segment = [&](std::int64_t end) {
        PhaseRecord p{segmentStart, end, m_ctx.osId, task, lane, core, State::Cpu};
        const std::int64_t cpuNow = platform::threadCpuNs();
        p.cpuNs = std::min(cpuNow - segmentCpu, p.endNs - p.startNs); // not the hand-over's
        segmentCpu = cpuNow;
        sink.add(p);
    };
    auto restart = [&] {
        segmentStart = now();
        core = static_cast<std::int16_t>(platform::currentCpu());
    };
    std::uint64_t done = 0;
    Outcome outcome = Outcome::Done;
    while (done < steps) {
        if ((done & 1023) == 0 && m_ctx.cancel && m_ctx.cancel->isCancelled()) {
            outcome = Outcome::Cancelled;
            break;
        }
        if (locked && !counter.mutex.try_lock()) {
            const std::int64_t t0 = now();
            counter.mutex.lock();
            const std::int64_t t1 = now();
            if (t1 - t0 >= kMinRecordedLockWaitNs) {
                segment(t0);
                sink.add(PhaseRecord{t0, t1, m_ctx.osId, task, lane, core, State::LockWait});
                restart();
            }
        }
        // counter += 1, as the interpreter does it: read, add, write back.
        const std::uint64_t v = counter.value.load(std::memory_order_relaxed);
        counter.value.store(v + 1, std::memory_order_relaxed);
        if (locked)
            counter.mutex.unlock();
        ++done;
        // CPython 3.10+ looks at the eval breaker only at backward jumps and calls, i.e.
        // between whole increments, never between the read and the write: so does this.
        if (gil && done < steps && gil->dropRequested()) {
            const std::int64_t end = now();
            gil->drop(&t_threadState); // first: see compute()
            segment(end);
            takeGil(task, lane, sink);
            restart();
        }
    }
    counter.stepsDone.fetch_add(done, std::memory_order_relaxed);
    segment(now());
    return outcome;
}

TaskRunner::Outcome TaskRunner::compute(int task, int lane, std::uint64_t units, PhaseSink& sink, Gil* gil)
{
    const std::uint64_t slice = std::max<std::uint64_t>(1, m_ctx.sizes.sliceUnits);
    // The thread CPU clock is a system call (0.4-1.3 us here, against 25 ns for the
    // monotonic clock), so it is read only where its answer is used: at the boundaries of CPU
    // segments, whose CPU time (below wall time when the thread was preempted) makes the
    // summary's CPU work, longest task and physical bound. Never for waits. One read per
    // boundary: a segment's end is the next one's start; the few microseconds of CPU a GIL
    // hand-over in between costs are cut off (a segment never shows more CPU than wall time).
    std::int64_t segmentStart = now();
    std::int64_t segmentCpu = platform::threadCpuNs();
    auto core = static_cast<std::int16_t>(platform::currentCpu());
    auto segment = [&](std::int64_t end) {
        PhaseRecord p{segmentStart, end, m_ctx.osId, task, lane, core, State::Cpu};
        const std::int64_t cpuNow = platform::threadCpuNs();
        p.cpuNs = std::min(cpuNow - segmentCpu, p.endNs - p.startNs); // not the hand-over's
        segmentCpu = cpuNow;
        sink.add(p);
    };
    // The eval breaker: another thread has waited a whole switch interval. The kernel looks
    // at it as often as CPython's interpreter would (see EvalBreaker: how soon the holder
    // reacts decides who gets the lock), and the hand-over happens inside the kernel's loop.
    // The lock goes first, the segment is recorded after: the CPU clock's system call (about
    // 0.4 us) before the drop was enough, on a quiet machine, for the thread that asked to
    // fall asleep and the event loop's thread to win the lock in its place.
    auto handOver = [&] {
        const std::int64_t end = now();
        gil->drop(&t_threadState);
        segment(end);
        takeGil(task, lane, sink);
        segmentStart = now();
        core = static_cast<std::int16_t>(platform::currentCpu());
    };
    EvalBreaker breaker;
    if (gil) {
        breaker.requested = &gil->dropRequestFlag();
        breaker.handle = [](void* context) { (*static_cast<decltype(handOver)*>(context))(); };
        breaker.context = &handOver;
    }
    std::uint64_t done = 0;
    // Slices only for cancellation and the crash hook (about 50 us each).
    while (done < units) {
        if (m_ctx.cancel && m_ctx.cancel->isCancelled()) {
            segment(now());
            return Outcome::Cancelled;
        }
        const std::uint64_t n = std::min(slice, units - done);
        m_checksum += runKernel(m_ctx.kernel, done, n, gil ? &breaker : nullptr);
        done += n;
        if (task >= 0 && task == m_ctx.crashTask && done * 2 >= units)
            std::abort(); // test hook: a worker dying mid-task
    }
    segment(now());
    return Outcome::Done;
}

TaskRunner::Outcome TaskRunner::runTask(int task, int lane, const std::vector<PhaseSpec>& phases, PhaseSink& sink, std::string* error)
{
    if (m_ctx.gil)
        takeGil(task, lane, sink);
    Outcome outcome = Outcome::Done;
    for (const PhaseSpec& phase : phases) {
        if (phase.kind == PhaseSpec::Kind::Cpu) {
            outcome = cpu(task, lane, phase.units, sink);
        } else {
            if (m_ctx.gil)
                m_ctx.gil->drop(&t_threadState);
            const std::int64_t t0 = now();
            const auto core = static_cast<std::int16_t>(platform::currentCpu());
            const WaitOutcome w = blockingWait(*m_ctx.env, phase.ms, *m_ctx.cancel, error);
            sink.add(PhaseRecord{t0, now(), m_ctx.osId, task, lane, core, State::IoWait});
            if (m_ctx.gil)
                takeGil(task, lane, sink);
            outcome = w == WaitOutcome::Done ? Outcome::Done : w == WaitOutcome::Cancelled ? Outcome::Cancelled : Outcome::Failed;
        }
        if (outcome != Outcome::Done)
            break;
    }
    if (m_ctx.gil)
        m_ctx.gil->drop(&t_threadState);
    return outcome;
}

TaskRunner::Outcome TaskRunner::runCpuPhase(int task, int lane, std::uint64_t units, PhaseSink& sink)
{
    if (m_ctx.gil)
        takeGil(task, lane, sink);
    const Outcome outcome = cpu(task, lane, units, sink);
    if (m_ctx.gil)
        m_ctx.gil->drop(&t_threadState);
    return outcome;
}

void TaskRunner::releaseGil()
{
    if (m_ctx.gil)
        m_ctx.gil->drop(&t_threadState);
}

bool TaskRunner::evalBreaker(int task, int lane, PhaseSink& sink)
{
    if (!m_ctx.gil || !m_ctx.gil->dropRequested())
        return false;
    m_ctx.gil->drop(&t_threadState);
    takeGil(task, lane, sink);
    return true;
}

} // namespace ce
