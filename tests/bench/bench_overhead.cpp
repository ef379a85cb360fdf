// Per-task overhead of each model against the raw primitive it wraps, measured side by side.
// Tasks do one kernel unit (about a microsecond), so what is left is the model's own cost:
// starting work, queueing, recording, sampling. Median of several repetitions.
#include "BenchUtil.h"
#include "ce/Engine.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <thread>

#if !defined(_WIN32)
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

using namespace ce;

namespace {

double engineSeconds(Model model, int tasks, int workers, bool spawnPerTask)
{
    RunConfig c;
    c.model = model;
    c.tasks = tasks;
    c.workers = workers;
    c.spawnPerTask = spawnPerTask;
    c.workload = WorkloadKind::Cpu;
    c.iterations = 1;
    c.workerExecutable = CE_EXECUTABLE;
    std::string error;
    const RunSnapshot r = runToEnd(c, &error);
    if (r.status != RunStatus::Completed)
        std::fprintf(stderr, "engine run failed: %s\n", error.c_str());
    return r.summary.makespanS;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = bench::smoke(argc, argv);
    const int reps = smoke ? 1 : 5;
    const int n = smoke ? 50 : 2000;
    const int procs = smoke ? 3 : 40;
    std::printf("Per-task cost: engine model vs the raw primitive (median of %d runs, %u cores)\n", reps, std::thread::hardware_concurrency());
    std::printf("%-46s %10s %10s      %s\n", "", "engine", "raw", "engine/raw");

    {
        const double e = bench::median(reps, [&] { engineSeconds(Model::Threads, n, 1, true); });
        const double r = bench::median(reps, [&] {
            std::vector<std::thread> ts;
            ts.reserve(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i)
                ts.emplace_back([] {});
            for (auto& t : ts)
                t.join();
        });
        bench::row("threads --spawn-per-task vs std::thread", e / n, r / n, "us/task", 1e6);
    }
    {
        const double e = bench::median(reps, [&] { engineSeconds(Model::Threads, n * 5, 2, false); });
        const double r = bench::median(reps, [&] {
            std::atomic<int> next{0};
            std::vector<std::thread> ts;
            for (int w = 0; w < 2; ++w)
                ts.emplace_back([&] {
                    while (next.fetch_add(1) < n * 5) {
                    }
                });
            for (auto& t : ts)
                t.join();
        });
        bench::row("threads pool x2 vs 2 threads + atomic queue", e / (n * 5), r / (n * 5), "us/task", 1e6);
    }
    {
        const double e = bench::median(reps, [&] { engineSeconds(Model::Tbb, n * 5, 2, false); });
        const double r = bench::median(reps, [&] {
            tbb::task_arena arena(2);
            // One TBB task per body, as the engine runs them.
            arena.execute([&] {
                tbb::parallel_for(tbb::blocked_range<int>(0, n * 5, 1), [](const tbb::blocked_range<int>&) {}, tbb::simple_partitioner());
            });
        });
        bench::row("tbb x2 vs tbb::parallel_for", e / (n * 5), r / (n * 5), "us/task", 1e6);
    }
    {
        const double e = bench::median(reps, [&] { engineSeconds(Model::EventLoop, n * 5, 0, false); });
        const double r = bench::median(reps, [&] {
            QEventLoop loop;
            int left = n * 5;
            for (int i = 0; i < n * 5; ++i)
                QMetaObject::invokeMethod(&loop, [&] { if (--left == 0) loop.quit(); }, Qt::QueuedConnection);
            loop.exec();
        });
        bench::row("eventloop vs posted Qt events", e / (n * 5), r / (n * 5), "us/task", 1e6);
    }
#if !defined(_WIN32)
    {
        const double e = bench::median(reps, [&] { engineSeconds(Model::Processes, procs, 1, true); });
        const double r = bench::median(reps, [&] {
            for (int i = 0; i < procs; ++i) {
                posix_spawn_file_actions_t fa;
                posix_spawn_file_actions_init(&fa);
                posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
                posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
                // The program the processes model starts: the lean worker beside the application.
                char* args[] = {const_cast<char*>(CE_WORKER_EXECUTABLE), const_cast<char*>("worker"), nullptr};
                pid_t pid = 0;
                posix_spawn(&pid, CE_WORKER_EXECUTABLE, &fa, nullptr, args, environ);
                posix_spawn_file_actions_destroy(&fa);
                int status = 0;
                waitpid(pid, &status, 0);
            }
        });
        bench::row("processes --spawn-per-task vs posix_spawn", e / procs, r / procs, "ms/task", 1e3);
    }
#endif
    std::printf("(engine: makespan of a run of tasks of one kernel unit, recording and sampling included;\n"
                " raw: the bare primitive with an empty body; the processes row starts the worker program (concurrency-explorer-worker) both ways)\n");
    return 0;
}
