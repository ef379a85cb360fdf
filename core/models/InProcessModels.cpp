// The models that run whole tasks on threads of this process: sequential, threads, tbb.
#include "models/InProcessModels.h"

#include "ModelContext.h"
#include "TaskRunner.h"
#include "platform/Platform.h"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_scheduler_observer.h>

#include <algorithm>
#include <new>
#include <atomic>
#include <thread>
#include <vector>

namespace ce {

namespace {

// Runs one task on the calling thread as lane `lane`, and settles its status.
void runOne(ModelContext& ctx, TaskRunner& runner, int task, int lane)
{
    ctx.recorder.setTaskStatus(task, TaskStatus::Running);
    std::string error;
    const auto outcome = runner.runTask(task, lane, planTask(ctx.config, ctx.sizes, task), ctx.recorder.lane(lane), &error);
    switch (outcome) {
    case TaskRunner::Outcome::Done:
        ctx.recorder.setTaskStatus(task, TaskStatus::Done);
        break;
    case TaskRunner::Outcome::Cancelled:
        ctx.recorder.setTaskStatus(task, TaskStatus::Cancelled);
        break;
    case TaskRunner::Outcome::Failed:
        ctx.recorder.setTaskStatus(task, TaskStatus::Failed);
        ctx.recorder.addError("task " + std::to_string(task) + ": " + error);
        break;
    }
}

} // namespace

void runSequential(ModelContext& ctx)
{
    TaskRunner runner(runnerContext(ctx));
    for (int task = 0; task < ctx.config.tasks && !ctx.cancel.isCancelled(); ++task)
        runOne(ctx, runner, task, 0);
}

void runThreads(ModelContext& ctx)
{
    std::vector<std::thread> threads;
    if (ctx.config.spawnPerTask) {
        // threading.Thread per item: every task gets its own thread, all started at once.
        threads.reserve(static_cast<std::size_t>(ctx.config.tasks));
        for (int task = 0; task < ctx.config.tasks; ++task) {
            const bool started = startThread(ctx, threads, "a thread per task", [&ctx, task] {
                if (ctx.cancel.isCancelled())
                    return;
                TaskRunner runner(runnerContext(ctx));
                runOne(ctx, runner, task, task);
            });
            if (!started)
                break;
        }
    } else {
        // ThreadPoolExecutor.map: all tasks are submitted at once to a queue that N threads
        // drain. The batch is fixed, so the queue is an atomic cursor.
        const int lanes = laneCount(ctx.config);
        auto next = std::make_shared<std::atomic<int>>(0);
        threads.reserve(static_cast<std::size_t>(lanes));
        for (int lane = 0; lane < lanes; ++lane) {
            const bool started = startThread(ctx, threads, "the pool's threads", [&ctx, next, lane] {
                TaskRunner runner(runnerContext(ctx));
                for (;;) {
                    if (ctx.cancel.isCancelled())
                        return;
                    // --chunksize: a worker takes that many tasks from the queue at a time.
                    const int chunk = effectiveChunksize(ctx.config);
                    const int first = next->fetch_add(chunk, std::memory_order_relaxed);
                    if (first >= ctx.config.tasks)
                        return;
                    for (int task = first; task < std::min(first + chunk, ctx.config.tasks) && !ctx.cancel.isCancelled(); ++task)
                        runOne(ctx, runner, task, lane);
                }
            });
            if (!started)
                break;
        }
    }
    for (auto& t : threads)
        t.join();
}

namespace {
// TBB's workers are TBB's threads, not started by the run: they count as the run's from
// when they enter its arena to when they leave it (a worker may have served others before).
class ArenaThreads final : public tbb::task_scheduler_observer {
public:
    ArenaThreads(tbb::task_arena& arena, CoreSampler& sampler) : tbb::task_scheduler_observer(arena), m_sampler(sampler)
    {
        observe(true);
    }
    ~ArenaThreads() override { observe(false); }
    void on_scheduler_entry(bool) override { m_sampler.enterRunThread(platform::currentThreadId(), platform::threadCpuNs()); }
    void on_scheduler_exit(bool) override { m_sampler.leaveRunThread(platform::currentThreadId(), platform::threadCpuNs(), platform::currentCpu()); }

private:
    CoreSampler& m_sampler;
};
} // namespace

void runTbb(ModelContext& ctx)
{
    const int workers = ctx.config.workers;
    // Holding a handle lets us join TBB's worker threads at the end, so a run leaves no
    // threads behind (TBB otherwise keeps its pool alive for the life of the process).
    tbb::task_scheduler_handle handle{tbb::attach{}};
    // Without this, TBB caps an arena at the machine's cores whatever it is asked for. It
    // stays in force until the workers are joined below: were it gone first, workers that
    // the arena had woken but that had not joined it yet stayed asleep, and finalize() spun
    // waiting for them for ever (oneTBB 2021.8: every run of two or more workers in a
    // process allowed one CPU, as under taskset -c 0 or in a one-CPU container).
    tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(workers));
    {
        tbb::task_arena arena(workers);
        arena.initialize();
        ArenaThreads arenaThreads(arena, ctx.sampler);
        arena.execute([&] {
            tbb::parallel_for(
                tbb::blocked_range<int>(0, ctx.config.tasks, static_cast<std::size_t>(effectiveChunksize(ctx.config))),
                [&](const tbb::blocked_range<int>& range) {
                    // A blocking wait in here blocks this TBB worker: that is the lesson, not a bug.
                    const int lane = std::clamp(tbb::this_task_arena::current_thread_index(), 0, workers - 1);
                    TaskRunner runner(runnerContext(ctx));
                    for (int task = range.begin(); task != range.end(); ++task) {
                        if (ctx.cancel.isCancelled())
                            return;
                        runOne(ctx, runner, task, lane);
                    }
                },
                tbb::simple_partitioner());
        });
        // Workers still in the arena are idle now: take their CPU time before they are joined.
        ctx.sampler.settleRunThreads();
    }
    // Fails (harmlessly) if another part of the process is using TBB at the same time.
    (void)tbb::finalize(handle, std::nothrow);
}

} // namespace ce
