// The eventloop model, as asyncio runs it: one thread, one event loop. Sleeps are timers,
// net waits are asynchronous sockets, file waits go to an executor (as asyncio does), and
// CPU phases run inline and block the loop - unless --offload N sends them to N threads
// (asyncio.to_thread) or, with --offload-to processes, to N worker processes
// (run_in_executor with a ProcessPoolExecutor). A heartbeat timer measures how late the loop
// is. Under --gil the loop's thread holds the emulated lock whenever it runs, as asyncio's
// (Python) loop does, and lets go only while it blocks waiting for events.
#include "models/EventLoopModel.h"

#include "LoopDispatcher.h"
#include "ModelContext.h"
#include "ProcessOffload.h"
#include "TaskRunner.h"
#include "TimerHeap.h"
#include "WorkerPool.h"
#include "platform/Platform.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QEventLoop>
#include <QHostAddress>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <thread>
#include <unordered_map>

namespace ce {
namespace {

constexpr int kHeartbeatMs = 10;

// A lazily started executor thread's first take of the lock (Thread.start()'s bootstrap runs
// Python, so it needs the GIL): it keeps holding it into its first job, as CPython's new
// worker goes straight from _started.set() to the queued work item. The wait is recorded on
// that job's lane.
thread_local bool t_holdsFromStart = false;
thread_local std::vector<PhaseRecord> t_startWaits;
// A poll that blocked this long counts as a sleep: asyncio's next pass then costs CPython
// ~90 us more than one that did not block (0.2 ms sleeps already do).
constexpr std::int64_t kSleptNs = 100000;

class EventLoopRun : public QObject {
public:
    explicit EventLoopRun(ModelContext& ctx)
        : m_ctx(ctx)
        , m_limit(busyWorkers(ctx.config))
        , m_loopRunner(runnerContext(ctx))
        , m_interpreter(interpreterContext(ctx))
    {
        const int taskLanes = eventLoopTaskLanes(ctx.config);
        m_slots.resize(static_cast<std::size_t>(taskLanes));
        m_laneOf.assign(static_cast<std::size_t>(ctx.config.tasks), -1);
        m_sleepTimer.setTimerType(Qt::PreciseTimer);
        m_sleepTimer.setSingleShot(true);
        QObject::connect(&m_sleepTimer, &QTimer::timeout, this, [this] { sleepsDue(); });
        auto onError = [&ctx](const std::string& why) { fail(ctx, "an executor thread's job stopped: " + why); };
        // Under the GIL the loop thread gets a lane of its own for the time it waits for the
        // lock between callbacks (no task is running then).
        if (ctx.gil)
            m_gilLane = eventLoopTaskLanes(ctx.config);
        if (ctx.config.offload > 0 && ctx.config.offloadTo == OffloadTarget::Processes)
            m_processPool = std::make_unique<ProcessOffloadPool>(ctx, ctx.config.offload);
        else if (ctx.config.offload > 0)
            m_cpuPool = std::make_unique<WorkerPool>(ctx.config.offload, &ctx.sampler, onError, WorkerPool::Start::Lazy, executorHooks(ctx));
        if (ctx.config.io == IoKind::File)
            m_filePool = std::make_unique<WorkerPool>(std::min(32, static_cast<int>(std::thread::hardware_concurrency()) + 4), &ctx.sampler, onError);
    }

    ~EventLoopRun() override
    {
        // Pools first: their jobs may still post back to this object (those posts are dropped).
        m_cpuPool.reset();
        m_processPool.reset();
        m_filePool.reset();
    }

    void exec()
    {
        // Before the thread's first QEventLoop: sockets through epoll, timers in a heap (a
        // thread that already has a dispatcher, or another platform, keeps Qt's).
        installLoopDispatcherOnThisThread();
        QEventLoop loop;
        m_loop = &loop;
        // asyncio's loop is Python code from end to end: its thread needs the GIL for every
        // callback, timer and socket event, and gives it up only while it sleeps in
        // select/epoll. The dispatcher tells exactly when that is (direct connections: these
        // run on the loop thread, around the blocking poll).
        QMetaObject::Connection blocking, awake;
        if (m_ctx.gil) {
            loopTakesGil();
            if (auto* dispatcher = QAbstractEventDispatcher::instance()) {
                blocking = QObject::connect(dispatcher, &QAbstractEventDispatcher::aboutToBlock, this, [this] {
                    m_blockedAtNs = now();
                    loopDropsGil();
                }, Qt::DirectConnection);
                awake = QObject::connect(dispatcher, &QAbstractEventDispatcher::awake, this, [this] { loopAwake(); }, Qt::DirectConnection);
            }
        }
        // The heartbeat re-arms itself from each beat, as asyncio's loop.call_later(0.01, beat)
        // does: a beat is due 10 ms after the previous one ran. A repeating QTimer keeps its
        // phase instead (the beat after a late one comes early), which hides part of a run of
        // consecutive delays from the lag, so the two would not measure the same thing.
        QTimer heartbeat;
        heartbeat.setTimerType(Qt::PreciseTimer);
        heartbeat.setSingleShot(true);
        m_lastBeatNs = platform::monotonicNs();
        QObject::connect(&heartbeat, &QTimer::timeout, this, [this, &heartbeat] {
            enterCallback(); // the lag includes waiting for the lock, as a Python callback's would
            const std::int64_t now = platform::monotonicNs();
            const double lateMs = double(now - m_lastBeatNs - std::int64_t(kHeartbeatMs) * 1000000) / 1e6;
            m_ctx.recorder.addLag(LagSample{now - m_ctx.recorder.startNs(), static_cast<float>(std::max(0.0, lateMs))});
            m_lastBeatNs = now;
            heartbeat.start(kHeartbeatMs);
        });
        heartbeat.start(kHeartbeatMs);
        QTimer cancelPoll;
        QObject::connect(&cancelPoll, &QTimer::timeout, this, [this] {
            // The emulator's own check, not Python code: it needs the lock only to abort.
            if (m_ctx.cancel.isCancelled()) {
                enterCallback();
                abortAll();
            }
        });
        cancelPoll.start(20);
        QMetaObject::invokeMethod(this, [this] { launchMore(); }, Qt::QueuedConnection);
        loop.exec();
        m_loop = nullptr;
        QObject::disconnect(blocking);
        QObject::disconnect(awake);
        loopDropsGil(); // offload threads may still need it to finish
    }

private:
    // A task in flight, kept in its lane's slot: a million sleeps in flight are a million of
    // these, so it stays small (tasks with equal plans share one; a gather's first failure
    // is kept aside).
    struct InFlight {
        int task = -1;
        int lane = 0;
        std::uint32_t next = 0;
        // --await gather: waits still out, and when the gather began.
        int gatherPending = 0;
        std::int64_t gatherStartNs = 0;
        std::shared_ptr<const std::vector<PhaseSpec>> plan;
        QPointer<QTcpSocket> socket;
        const std::vector<PhaseSpec>& phases() const { return *plan; }
    };

    InFlight* inFlight(int task)
    {
        if (task < 0 || static_cast<std::size_t>(task) >= m_laneOf.size() || m_laneOf[static_cast<std::size_t>(task)] < 0)
            return nullptr;
        return &m_slots[static_cast<std::size_t>(m_laneOf[static_cast<std::size_t>(task)])];
    }

    // The task's plan, shared with the previous task's when they are equal (they are, but for
    // a convoy's hog): one plan for a million identical sleeps.
    std::shared_ptr<const std::vector<PhaseSpec>> planFor(int task)
    {
        std::vector<PhaseSpec> plan = planTask(m_ctx.config, m_ctx.sizes, task);
        const auto same = [](const PhaseSpec& a, const PhaseSpec& b) { return a.kind == b.kind && a.units == b.units && a.ms == b.ms; };
        if (m_lastPlan && std::equal(plan.begin(), plan.end(), m_lastPlan->begin(), m_lastPlan->end(), same))
            return m_lastPlan;
        m_lastPlan = std::make_shared<const std::vector<PhaseSpec>>(std::move(plan));
        return m_lastPlan;
    }

    std::int64_t now() const { return m_ctx.recorder.nowNs(); }
    static std::int16_t core() { return static_cast<std::int16_t>(platform::currentCpu()); }

    // ThreadPoolExecutor's threads start one per submit while none is idle, up to the pool's
    // size, and Thread.start() returns only once the new thread runs. Under the GIL that
    // thread's first step is to take the lock (threads that compute are holding it); it then
    // keeps it into its first job. A thread about to wait for work with the lock from its
    // start still held (another thread took the job it was started for) lets go first, as
    // work_queue.get() does when it blocks.
    static WorkerPool::Hooks executorHooks(ModelContext& ctx)
    {
        WorkerPool::Hooks hooks;
        if (!ctx.gil)
            return hooks;
        hooks.onThreadStart = [&ctx] {
            TaskRunner::Context rc = runnerContext(ctx);
            rc.osId = platform::currentThreadId();
            TaskRunner runner(rc);
            VectorSink sink;
            runner.acquireGil(-1, -1, sink);
            t_startWaits = std::move(sink.phases);
            t_holdsFromStart = true;
        };
        hooks.beforeWait = [&ctx] {
            if (!t_holdsFromStart)
                return;
            TaskRunner(runnerContext(ctx)).releaseGil();
            t_holdsFromStart = false;
            t_startWaits.clear();
        };
        return hooks;
    }

    // Thread.start() on the loop's thread: it waits, with the lock let go (Event.wait), until
    // the new thread runs, then takes the lock back. Under the GIL each start costs the loop
    // a switch interval or more while other threads compute (CPython 3.11 here, a pool of 6:
    // the six starts held its loop up 6, 11, 16, 16, 66 and 161 ms in one run;
    // tests/reference/executor_start.py).
    void awaitThreadStart(WorkerPool::Gate& gate)
    {
        loopDropsGil();
        while (!gate.waitFor(std::chrono::milliseconds(20))) {
            if (m_ctx.cancel.isCancelled())
                break;
        }
        loopTakesGil();
    }

    // The CPU parts' runner, for asyncio's own code: the spin kernel, never a C extension's
    // release of the lock, never the counter's increments (task -1 never meets the crash hook).
    static TaskRunner::Context interpreterContext(const ModelContext& ctx)
    {
        TaskRunner::Context c = runnerContext(ctx);
        c.kernel = Kernel::Spin;
        c.counter = nullptr;
        c.releasesGil = false;
        c.sizes.sliceUnits = std::max<std::uint64_t>(1, ctx.sizes.loopPassUnits);
        return c;
    }

    // The loop thread takes the lock when it wakes (or before its first callback) ...
    void loopTakesGil()
    {
        if (!m_ctx.gil || m_holdsGil)
            return;
        m_loopRunner.acquireGil(-1, m_gilLane, m_ctx.recorder.lane(m_gilLane));
        m_holdsGil = true;
        m_tookSincePoll = true;
        if (m_afterSleep) {
            // Back from a sleep, CPython's loop thread runs asyncio's own Python code before
            // and after the pass's callbacks (the selector's wrapper, _run_once's timer heap
            // and ready queue, select's next timeout): it holds the lock 25-123 us (a run's
            // median, 87-123 in 6 runs of 11) to its next poll on the development VM, where a
            // pass that did not sleep costs 3.5 us. The C++ loop holds it 7-29 us. The
            // emulated interpreter spends the difference here, holding the lock: it decides
            // when the loop next wakes against the switches of threads computing beside it,
            // and so who wins the lock then (README, "Who wins the lock at a forced switch").
            // Real work, recorded as the loop's own CPU.
            m_afterSleep = false;
            if (m_ctx.sizes.loopPassUnits > 0)
                m_interpreter.runCpuHeld(-1, m_gilLane, m_ctx.sizes.loopPassUnits, m_ctx.recorder.lane(m_gilLane));
        }
        openHold();
    }

    // awake() comes after a blocking poll (the lock was let go at aboutToBlock: take it back)
    // and at the start of every pass. A pass that did not block still polled: asyncio's
    // selector.select(0) lets the GIL go around epoll_wait whatever its timeout, so the loop
    // thread of CPython has to win the lock back after EVERY pass of _run_once, not only after
    // a sleep. Against CPU-bound threads each such take may cost a switch interval (how often
    // depends on who the OS wakes first, so it shows most on a busy machine); holding on
    // through non-blocking passes gave our loop fewer chances to lose the lock than CPython's.
    void loopAwake()
    {
        m_readSelfPipe = false; // a new pass (posted results are sent after this)
        if (m_blockedAtNs >= 0) {
            // A poll that could block: did it sleep (0.1 ms or more), or find events at once?
            if (now() - m_blockedAtNs >= kSleptNs)
                m_afterSleep = true;
            m_blockedAtNs = -1;
        }
        if (!m_holdsGil) {
            // Back from a blocking poll: the lock is taken by the pass's first callback
            // (enterCallback), a moment from now. A pass that runs none was woken by the
            // emulator's own cancel check, which CPython's loop does not have: taking the lock
            // for it made the loop ask for it every 20 ms more than CPython's does, and
            // changed who won it when the heartbeat was due.
            return;
        }
        if (m_tookSincePoll) {
            // The take after the previous blocking poll: no poll since.
            m_tookSincePoll = false;
            return;
        }
        releaseAndRetake();
        m_tookSincePoll = false;
    }

    // A system call made with the GIL let go (Py_BEGIN_ALLOW_THREADS): the loop thread has to
    // win the lock back afterwards, against threads that may be waiting for it.
    void releaseAndRetake()
    {
        loopDropsGil();
        loopTakesGil();
    }

    // A job's result posted from another thread is asyncio's call_soon_threadsafe: it writes
    // the loop's self-pipe, and the pass that finds the pipe readable drains it with
    // sock.recv until it would block - two recv calls, each with the GIL let go. Once per
    // pass, whatever the number of results it brings.
    void selfPipeRead()
    {
        if (!m_ctx.gil || m_readSelfPipe)
            return;
        m_readSelfPipe = true;
        releaseAndRetake();
        releaseAndRetake();
    }

    // While the loop's thread holds the lock and runs its own callbacks (no task's CPU part),
    // that time is recorded on its lane as CPU of no task, so the GIL track shows the loop.
    void openHold()
    {
        m_holdStartNs = now();
        m_holdCpuNs = platform::threadCpuNs();
        m_holdCore = core();
    }
    void closeHold()
    {
        if (m_holdStartNs < 0)
            return;
        PhaseRecord p{m_holdStartNs, now(), m_loopTid, -1, m_gilLane, m_holdCore, State::Cpu};
        p.cpuNs = platform::threadCpuNs() - m_holdCpuNs;
        m_ctx.recorder.lane(m_gilLane).add(p);
        m_holdStartNs = -1;
    }

    // ... and gives it up only when it is about to block waiting for events.
    void loopDropsGil()
    {
        if (!m_holdsGil)
            return;
        closeHold();
        m_loopRunner.releaseGil();
        m_holdsGil = false;
    }

    // At the start of every callback: make sure the loop holds the lock (the dispatcher's
    // awake() may come after the first event of an iteration is delivered), and check the
    // eval breaker: a thread that has waited a whole switch interval gets the lock now.
    void enterCallback()
    {
        if (!m_ctx.gil)
            return;
        if (!m_holdsGil)
            loopTakesGil();
        else if (m_ctx.gil->dropRequested()) {
            closeHold();
            m_loopRunner.evalBreaker(-1, m_gilLane, m_ctx.recorder.lane(m_gilLane));
            openHold();
        }
    }

    // Like asyncio.gather with a semaphore: start tasks while there is room.
    void launchMore()
    {
        enterCallback();
        while (!m_stopping && m_inFlightCount < static_cast<std::size_t>(m_limit) && m_nextTask < m_ctx.config.tasks) {
            const int task = m_nextTask++;
            int lane = m_nextFreshLane;
            if (!m_freeLanes.empty()) {
                lane = m_freeLanes.top();
                m_freeLanes.pop();
            } else {
                ++m_nextFreshLane;
            }
            InFlight& f = m_slots[static_cast<std::size_t>(lane)];
            f = InFlight{};
            f.task = task;
            f.lane = lane;
            f.plan = planFor(task);
            m_laneOf[static_cast<std::size_t>(task)] = lane;
            ++m_inFlightCount;
            m_ctx.recorder.setTaskStatus(task, TaskStatus::Running);
            // Each new task first runs when the loop comes back to it (call_soon).
            callSoon(task);
        }
        if (m_inFlightCount == 0 && (m_nextTask >= m_ctx.config.tasks || m_stopping) && m_loop)
            m_loop->quit();
    }

    void advance(int task)
    {
        enterCallback();
        InFlight* found = inFlight(task);
        if (!found || m_stopping)
            return;
        InFlight& f = *found;
        while (f.next < f.phases().size()) {
            const PhaseSpec& phase = f.phases()[f.next++];
            if (phase.kind == PhaseSpec::Kind::Cpu) {
                if (m_cpuPool) {
                    offloadCpu(f, phase.units);
                    return;
                }
                if (m_processPool) {
                    offloadToProcess(f, phase.units);
                    return;
                }
                // Inline: nothing else on this loop runs until it is done. The loop thread
                // already holds the GIL (if any); it lets go only at the eval breaker.
                closeHold(); // the part's own phases go on its task's lane
                const auto outcome = m_loopRunner.runCpuHeld(f.task, f.lane, phase.units, m_ctx.recorder.lane(f.lane));
                if (m_holdsGil)
                    openHold();
                if (outcome != TaskRunner::Outcome::Done) {
                    finish(task, TaskStatus::Cancelled);
                    return;
                }
                continue;
            }
            if (m_ctx.config.awaitMode == AwaitMode::Gather) {
                startGather(f, phase.ms);
                return;
            }
            startWait(f, phase.ms);
            return;
        }
        finish(task, TaskStatus::Done);
    }

    // asyncio.gather over the task's consecutive waits: they all start now and the task
    // goes on when the last has ended. The lane shows one io-wait: the task awaits the gather.
    void startGather(InFlight& f, double firstMs)
    {
        std::vector<double> waits{firstMs};
        while (f.next < f.phases().size() && f.phases()[f.next].kind == PhaseSpec::Kind::Wait)
            waits.push_back(f.phases()[f.next++].ms);
        f.gatherPending = static_cast<int>(waits.size());
        f.gatherStartNs = now();
        m_gatherErrors.erase(f.task);
        for (double ms : waits)
            startWait(f, ms);
    }

    void offloadCpu(InFlight& f, std::uint64_t units)
    {
        const int task = f.task;
        const int lane = f.lane;
        QPointer<EventLoopRun> self(this);
        auto job = [this, self, task, lane, units] {
            auto sink = std::make_shared<VectorSink>();
            TaskRunner::Context rc = runnerContext(m_ctx);
            rc.osId = platform::currentThreadId();
            TaskRunner runner(rc);
            TaskRunner::Outcome outcome;
            if (t_holdsFromStart) {
                // The thread's first job, the lock still held from its start.
                for (PhaseRecord p : t_startWaits) {
                    p.task = task;
                    p.lane = lane;
                    sink->add(p);
                }
                t_startWaits.clear();
                t_holdsFromStart = false;
                outcome = runner.runCpuHeld(task, lane, units, *sink);
                runner.releaseGil();
            } else {
                outcome = runner.runCpuPhase(task, lane, units, *sink);
            }
            QMetaObject::invokeMethod(self.data(), [this, task, sink, outcome] {
                enterCallback();
                selfPipeRead();
                const InFlight* f = inFlight(task);
                if (!f)
                    return;
                for (const auto& p : sink->phases)
                    m_ctx.recorder.lane(f->lane).add(p);
                if (outcome != TaskRunner::Outcome::Done)
                    finish(task, TaskStatus::Cancelled);
                else
                    callSoon(task); // the future's result wakes the task on the next pass, as asyncio's
            }, Qt::QueuedConnection);
        };
        std::shared_ptr<WorkerPool::Gate> gate;
        try {
            gate = m_cpuPool->submit(std::move(job));
        } catch (const std::system_error& e) {
            fail(m_ctx, std::string("the system refused to start an executor thread (") + e.what() + ")");
            finish(task, TaskStatus::Failed);
            return;
        }
        if (gate)
            awaitThreadStart(*gate);
    }

    // run_in_executor(ProcessPoolExecutor): the part runs in a worker process under that
    // process's own lock; the loop only gets the reply (and records the worker's phases).
    void offloadToProcess(InFlight& f, std::uint64_t units)
    {
        const int task = f.task;
        QPointer<EventLoopRun> self(this);
        m_processPool->submit(task, f.lane, units, [this, self, task](ProcessOffloadPool::Result result) {
            auto shared = std::make_shared<ProcessOffloadPool::Result>(std::move(result));
            QMetaObject::invokeMethod(self.data(), [this, task, shared] {
                enterCallback();
                selfPipeRead();
                const InFlight* f = inFlight(task);
                if (!f)
                    return;
                for (const auto& p : shared->phases)
                    m_ctx.recorder.lane(f->lane).add(p);
                if (shared->ok) {
                    callSoon(task); // the future's result wakes the task on the next pass
                    return;
                }
                if (shared->error.empty() || m_ctx.cancel.isCancelled()) {
                    finish(task, TaskStatus::Cancelled);
                    return;
                }
                m_ctx.recorder.addError(shared->error);
                finish(task, TaskStatus::Failed);
            }, Qt::QueuedConnection);
        });
    }

    void startWait(InFlight& f, double ms)
    {
        const std::int64_t t0 = now();
        const std::int16_t c = core();
        const int task = f.task;
        auto done = [this, task, t0, c](bool ok, const std::string& error) { waitEnded(task, t0, c, ok, error); };
        switch (m_ctx.env.io) {
        case IoKind::Sleep: {
            // Rounded to milliseconds as before (Qt timers' resolution): asyncio.sleep's delay.
            const std::int64_t deadline = platform::monotonicNs() + std::llround(ms) * 1000000;
            m_sleeps.add(deadline, SleepWait{task, c, t0});
            if (m_armedNs < 0 || deadline < m_armedNs)
                armSleepTimer();
            break;
        }
        case IoKind::File: {
            QPointer<EventLoopRun> self(this);
            m_filePool->submit([this, self, done] {
                std::string error;
                const bool ok = fileRoundTrip(m_ctx.env, &error) == WaitOutcome::Done;
                QMetaObject::invokeMethod(self.data(), [this, done, ok, error] {
                    enterCallback();
                    selfPipeRead();
                    done(ok, error);
                }, Qt::QueuedConnection);
            });
            break;
        }
        case IoKind::Net:
            startRequest(f, ms, done);
            break;
        }
    }

    // A wait of `task` that began at t0 has ended (a sleep's deadline passed, the file round
    // trip or the request completed).
    void waitEnded(int task, std::int64_t t0, std::int16_t c, bool ok, const std::string& error)
    {
        enterCallback();
        InFlight* f = inFlight(task);
        if (!f)
            return;
        if (InFlight& g = *f; g.gatherPending > 0) {
            if (!ok && !m_gatherErrors.count(task))
                m_gatherErrors[task] = error.empty() ? std::string("a gathered wait failed") : error;
            if (--g.gatherPending > 0)
                return;
            m_ctx.recorder.lane(g.lane).add(PhaseRecord{g.gatherStartNs, now(), m_loopTid, task, g.lane, c, State::IoWait});
            if (const auto failed = m_gatherErrors.find(task); failed != m_gatherErrors.end()) {
                m_ctx.recorder.addError("task " + std::to_string(task) + ": " + failed->second);
                m_gatherErrors.erase(failed);
                finish(task, TaskStatus::Failed);
                return;
            }
            advance(task);
            return;
        }
        m_ctx.recorder.lane(f->lane).add(PhaseRecord{t0, now(), m_loopTid, task, f->lane, c, State::IoWait});
        if (!ok) {
            m_ctx.recorder.addError("task " + std::to_string(task) + ": " + error);
            finish(task, TaskStatus::Failed);
            return;
        }
        advance(task);
    }

    void callSoon(int task)
    {
        m_ready.push_back(task);
        if (!m_readyPosted) {
            m_readyPosted = true;
            QMetaObject::invokeMethod(this, [this] { runReady(); }, Qt::QueuedConnection);
        }
    }

    // Steps the tasks that were ready when this turn began; those made ready meanwhile wait
    // for the next turn, as asyncio's _run_once does.
    void runReady()
    {
        m_readyPosted = false;
        std::size_t count = m_ready.size();
        while (count-- > 0 && !m_ready.empty()) {
            const int task = m_ready.front();
            m_ready.pop_front();
            advance(task);
        }
        if (!m_ready.empty() && !m_readyPosted) {
            m_readyPosted = true;
            QMetaObject::invokeMethod(this, [this] { runReady(); }, Qt::QueuedConnection);
        }
    }

    // Ends every sleep whose deadline has passed, in deadline order, then sets the one timer
    // for the next. A sleep never ends before its deadline: the clock is read here, not
    // trusted from the timer.
    void sleepsDue()
    {
        m_armedNs = -1;
        enterCallback();
        const std::int64_t nowNs = platform::monotonicNs();
        while (!m_stopping) {
            auto due = m_sleeps.popExpired(nowNs);
            if (!due)
                break;
            waitEnded(due->payload.task, due->payload.t0, due->payload.core, true, {});
        }
        armSleepTimer();
    }

    void armSleepTimer()
    {
        const auto next = m_sleeps.nextDeadline();
        if (!next || m_stopping) {
            m_sleepTimer.stop();
            m_armedNs = -1;
            return;
        }
        const std::int64_t left = *next - platform::monotonicNs();
        // Round up to the timer's millisecond: early would only find nothing due and re-arm.
        m_sleepTimer.start(static_cast<int>(std::max<std::int64_t>(0, (left + 999999) / 1000000)));
        m_armedNs = *next;
    }

    template <typename Done>
    void startRequest(InFlight& f, double ms, Done done)
    {
        auto* socket = new QTcpSocket(this);
        f.socket = socket;
        const std::string request = encodeNetRequest(ms, m_ctx.env.netPayload);
        auto received = std::make_shared<QByteArray>();
        auto settled = std::make_shared<bool>(false);
        QObject::connect(socket, &QTcpSocket::connected, socket, [this, socket, request] {
            enterCallback();
            socket->write(request.data(), static_cast<qint64>(request.size()));
        });
        QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, received, settled, done] {
            enterCallback();
            received->append(socket->readAll());
            if (received->size() < 4 || *settled)
                return;
            const auto* b = reinterpret_cast<const unsigned char*>(received->constData());
            const std::uint32_t n = std::uint32_t(b[0]) | (std::uint32_t(b[1]) << 8) | (std::uint32_t(b[2]) << 16) | (std::uint32_t(b[3]) << 24);
            if (static_cast<std::uint64_t>(received->size()) >= 4ull + n) {
                *settled = true;
                socket->abort();
                socket->deleteLater();
                done(true, {});
            }
        });
        QObject::connect(socket, &QTcpSocket::errorOccurred, socket, [socket, settled, done](QAbstractSocket::SocketError) {
            if (*settled)
                return;
            *settled = true;
            const std::string why = socket->errorString().toStdString();
            socket->deleteLater();
            done(false, "request to the loopback service failed: " + why);
        });
        // Unbuffered, as asyncio's transports write straight to the socket: a buffered
        // QTcpSocket reserves a 32 KiB write buffer for a request of a few bytes (5,000
        // requests in flight held 160 MB of them). What the kernel does not take at once is
        // still kept and sent later.
        socket->connectToHost(QHostAddress(QHostAddress::LocalHost), m_ctx.env.port, QIODevice::ReadWrite | QIODevice::Unbuffered);
    }

    void finish(int task, TaskStatus status)
    {
        InFlight* f = inFlight(task);
        if (!f)
            return;
        m_freeLanes.push(f->lane);
        *f = InFlight{};
        m_laneOf[static_cast<std::size_t>(task)] = -1;
        --m_inFlightCount;
        m_ctx.recorder.setTaskStatus(task, status);
        // Only go round the loop again when there is a task to start or the run is over.
        if (m_nextTask < m_ctx.config.tasks || m_inFlightCount == 0)
            QMetaObject::invokeMethod(this, [this] { launchMore(); }, Qt::QueuedConnection);
    }

    void abortAll()
    {
        if (m_stopping)
            return;
        m_stopping = true;
        for (auto& f : m_slots) {
            if (f.task < 0)
                continue;
            if (f.socket)
                f.socket->abort();
            m_ctx.recorder.setTaskStatus(f.task, TaskStatus::Cancelled);
            m_laneOf[static_cast<std::size_t>(f.task)] = -1;
            f = InFlight{};
        }
        m_inFlightCount = 0;
        m_ready.clear();
        m_sleeps = TimerHeap<SleepWait>();
        m_sleepTimer.stop();
        if (m_processPool)
            m_processPool->cancel();
        if (m_loop)
            m_loop->quit();
    }

    ModelContext& m_ctx;
    const int m_limit;
    TaskRunner m_loopRunner;
    TaskRunner m_interpreter; // asyncio's own code between callbacks (--loop-pass-us)
    const std::int64_t m_loopTid = platform::currentThreadId();
    std::unique_ptr<WorkerPool> m_cpuPool;
    std::unique_ptr<ProcessOffloadPool> m_processPool;
    std::unique_ptr<WorkerPool> m_filePool;
    std::vector<InFlight> m_slots;       // by lane
    std::vector<std::int32_t> m_laneOf;  // by task: its lane while in flight, else -1
    std::size_t m_inFlightCount = 0;
    std::shared_ptr<const std::vector<PhaseSpec>> m_lastPlan;
    std::unordered_map<int, std::string> m_gatherErrors; // a gather's first failure, by task
    // The lowest free lane goes to the next task: lanes given back (all below the next fresh
    // one) in a min-heap, and the lanes never used yet as a counter, so a million tasks
    // starting at once do not sift a million-entry heap each.
    std::priority_queue<int, std::vector<int>, std::greater<int>> m_freeLanes;
    int m_nextFreshLane = 0;
    // asyncio's ready queue: tasks to step when the loop comes round (one posted event drains
    // a batch instead of one event per task).
    std::deque<int> m_ready;
    bool m_readyPosted = false;
    // asyncio.sleep's timers: a heap of deadlines behind one Qt timer for the earliest.
    struct SleepWait {
        int task = -1;
        std::int16_t core = -1;
        std::int64_t t0 = 0;
    };
    TimerHeap<SleepWait> m_sleeps;
    QTimer m_sleepTimer;
    std::int64_t m_armedNs = -1; // the deadline m_sleepTimer is set for, -1: not armed
    int m_nextTask = 0;
    bool m_stopping = false;
    QEventLoop* m_loop = nullptr;
    std::int64_t m_lastBeatNs = 0;
    int m_gilLane = -1;       // the loop thread's own lane, under the GIL
    bool m_holdsGil = false;  // only touched on the loop thread
    bool m_tookSincePoll = false; // taken since the last poll the dispatcher announced (awake())
    std::int64_t m_blockedAtNs = -1; // when the loop last said it may block (aboutToBlock)
    bool m_afterSleep = false;       // the next take is the first since the loop slept
    bool m_readSelfPipe = false;  // this pass has drained the self-pipe (selfPipeRead())
    std::int64_t m_holdStartNs = -1; // the open stretch of the loop holding the lock, -1: none
    std::int64_t m_holdCpuNs = 0;
    std::int16_t m_holdCore = -1;
};

} // namespace

bool runEventLoop(ModelContext& ctx, std::string* error)
{
    if (!QCoreApplication::instance()) {
        if (error)
            *error = "the eventloop model needs a QCoreApplication (create one in main())";
        return false;
    }
    EventLoopRun run(ctx);
    run.exec();
    return true;
}

} // namespace ce
