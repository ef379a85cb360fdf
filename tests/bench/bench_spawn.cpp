// Worker start cost, each start method side by side in one run (issue 9, item 2):
//  - posix_spawn + waitpid of a minimal program (the floor any spawned worker sits on);
//  - the lean worker program, spawned (--start-method spawn) and forked by the forkserver
//    (--start-method forkserver): start, its greeting, its input closed, its end reaped;
//  - the whole application in `worker` mode, as workers started before the lean program;
//  - CPython's multiprocessing with fork, forkserver and spawn (tests/bench/start_methods.py,
//    when python3 exists): Process(target=nothing).start() + join();
//  - the processes model itself, one new worker per task, per task and beyond the start.
// Repetitions are interleaved (A B C, A B C, ...) so a machine that slows down slows all
// alike; min and median are reported with the load average. Run with --smoke to check that
// it still works (tiny counts, no claims).
#include "BenchUtil.h"
#include "ce/Engine.h"
#include "ForkServer.h"
#include "WorkerProtocol.h"

#include <QCoreApplication>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#if !defined(_WIN32)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

using namespace ce;

namespace {

using Clock = std::chrono::steady_clock;

std::string loadAverage()
{
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    f >> a >> b >> c;
    return a.empty() ? std::string("unknown") : a + " " + b + " " + c;
}

struct Series {
    std::vector<double> ms; // mean per start of each repetition
    double min() const { return ms.empty() ? 0 : *std::min_element(ms.begin(), ms.end()); }
    double median() const
    {
        if (ms.empty())
            return 0;
        auto s = ms;
        std::sort(s.begin(), s.end());
        return s[s.size() / 2];
    }
};

#if !defined(_WIN32)
bool startMinimal()
{
    pid_t pid = 0;
    char* argv[] = {const_cast<char*>(CE_MINIMAL_CHILD), nullptr};
    if (::posix_spawn(&pid, CE_MINIMAL_CHILD, nullptr, nullptr, argv, environ) != 0)
        return false;
    int status = 0;
    return ::waitpid(pid, &status, 0) == pid;
}

// One worker: started by `server` (forkserver) or spawned from `program`, greeted, asked to
// leave (its input closes), and its end collected.
bool startWorker(const std::string& program, ForkServer* server)
{
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0)
        return false;
    for (int fd : {in[0], in[1], out[0], out[1]})
        ::fcntl(fd, F_SETFD, FD_CLOEXEC); // one thread here: no spawn can come in between
    std::int64_t pid = 0;
    int statusFd = -1;
    std::string error;
    const bool ok = server ? server->forkWorker(in[0], out[1], &pid, &statusFd, &error) : spawnWorkerProgram(program, in[0], out[1], &pid, &error);
    ::close(in[0]);
    ::close(out[1]);
    std::string hello;
    const bool greeted = ok && protocol::readFrame(out[0], hello, 64, std::chrono::seconds(30)).status == protocol::FrameStatus::Ok;
    ::close(in[1]);
    ::close(out[0]);
    if (!ok) {
        std::fprintf(stderr, "bench_spawn: %s\n", error.c_str());
        return false;
    }
    int status = 0;
    if (server) {
        bool gone = false;
        readForkedStatus(statusFd, std::chrono::seconds(30), &status, &gone);
        ::close(statusFd);
    } else {
        ::waitpid(static_cast<pid_t>(pid), &status, 0);
    }
    return greeted;
}
#endif

// The processes model with a new worker per task: milliseconds per task of the makespan.
double modelPerTaskMs(StartMethod method, int tasks)
{
    RunConfig c;
    c.model = Model::Processes;
    c.workers = 1;
    c.spawnPerTask = true;
    c.tasks = tasks;
    c.workload = WorkloadKind::Cpu;
    c.iterations = 1;
    c.startMethod = method;
    c.workerExecutable = CE_EXECUTABLE;
    std::string error;
    const RunSnapshot r = runToEnd(c, &error);
    if (r.status != RunStatus::Completed)
        std::fprintf(stderr, "bench_spawn: engine run failed: %s\n", error.c_str());
    // The run's makespan: the forkserver's own start is in it, the engine's set-up is not.
    return r.summary.makespanS * 1e3 / tasks;
}

template <typename F>
double perStartMs(int starts, F f)
{
    const auto t0 = Clock::now();
    for (int i = 0; i < starts; ++i)
        f();
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / starts;
}

std::map<std::string, Series> runPython(int reps, int starts)
{
    std::map<std::string, Series> out;
#if !defined(_WIN32)
    const std::string cmd = "python3 '" CE_BENCH_DIR "/start_methods.py' " + std::to_string(reps) + " " + std::to_string(starts) + " 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p)
        return out;
    char method[32];
    double mn = 0, med = 0;
    while (std::fscanf(p, "%31s %lf %lf", method, &mn, &med) == 3)
        out[method].ms = {mn, med, med}; // min, and the median twice: min() and median() read it back
    ::pclose(p);
#else
    (void)reps;
    (void)starts;
#endif
    return out;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = bench::smoke(argc, argv);
#if defined(_WIN32)
    std::puts("bench_spawn measures POSIX start methods; nothing to do on Windows");
    return 0;
#else
    ::signal(SIGPIPE, SIG_IGN);
    const int reps = smoke ? 1 : 7;
    const int starts = smoke ? 2 : 20;
    const int tasks = smoke ? 3 : 100;
    std::string error;
    const std::string lean = workerProgramBeside(CE_EXECUTABLE, &error);
    if (lean.empty()) {
        std::fprintf(stderr, "bench_spawn: %s\n", error.c_str());
        return 1;
    }
    ForkServer server;
    if (!server.start(lean, std::chrono::seconds(30), &error)) {
        std::fprintf(stderr, "bench_spawn: %s\n", error.c_str());
        return 1;
    }
    const std::string loadBefore = loadAverage();
    std::printf("Worker start: start, greeting, input closed, end collected; %d repetitions of %d starts, interleaved\n", reps, starts);
    std::printf("load average before: %s\n", loadBefore.c_str());

    std::vector<std::pair<std::string, std::function<bool()>>> kinds{
        {"posix_spawn of a minimal program", [] { return startMinimal(); }},
        {"worker, --start-method spawn", [&] { return startWorker(lean, nullptr); }},
        {"worker, --start-method forkserver", [&] { return startWorker(lean, &server); }},
        {"whole application in worker mode", [&] { return startWorker(CE_EXECUTABLE, nullptr); }},
    };
    std::map<std::string, Series> series;
    Series modelSpawn, modelFork;
    for (int r = 0; r < reps; ++r) {
        for (auto& [name, f] : kinds)
            series[name].ms.push_back(perStartMs(starts, f));
        modelSpawn.ms.push_back(modelPerTaskMs(StartMethod::Spawn, tasks));
        modelFork.ms.push_back(modelPerTaskMs(StartMethod::Forkserver, tasks));
    }
    // CPython after ours, in the same run (it interleaves its own methods the same way).
    std::map<std::string, Series> python = runPython(reps, starts);
    server.stop();
    std::printf("load average after:  %s\n\n", loadAverage().c_str());

    const double ref = python.count("fork") ? python["fork"].median() : 0;
    std::printf("%-40s %9s %9s %14s\n", "", "min ms", "median ms", "/ CPython fork");
    auto row = [&](const std::string& name, const Series& s) {
        if (ref > 0)
            std::printf("%-40s %9.3f %9.3f %13.2fx\n", name.c_str(), s.min(), s.median(), s.median() / ref);
        else
            std::printf("%-40s %9.3f %9.3f %14s\n", name.c_str(), s.min(), s.median(), "-");
    };
    for (auto& [name, f] : kinds)
        row(name, series[name]);
    for (const char* m : {"fork", "forkserver", "spawn"}) {
        if (python.count(m))
            row(std::string("CPython multiprocessing, ") + m, python[m]);
    }
    if (python.empty())
        std::puts("(no python3: CPython's start methods not measured)");
    std::printf("\nThe processes model, --spawn-per-task, 1 worker, %d tasks of one kernel unit, per task:\n", tasks);
    const double spawnStart = series["worker, --start-method spawn"].median();
    const double forkStart = series["worker, --start-method forkserver"].median();
    // Beyond the start: the model's per task less the bare start, min against min (the runs
    // the machine disturbed least) and median against median.
    const Series& spawnSeries = series["worker, --start-method spawn"];
    const Series& forkSeries = series["worker, --start-method forkserver"];
    std::printf("%-40s %9.3f %9.3f   beyond the start: %.3f ms (min), %.3f ms (median)\n", "--start-method spawn", modelSpawn.min(),
                modelSpawn.median(), modelSpawn.min() - spawnSeries.min(), modelSpawn.median() - spawnStart);
    std::printf("%-40s %9.3f %9.3f   beyond the start: %.3f ms (min), %.3f ms (median)\n", "--start-method forkserver", modelFork.min(),
                modelFork.median(), modelFork.min() - forkSeries.min(), modelFork.median() - forkStart);
    std::printf("\nminimal / lean spawn: %.2fx; whole application / lean spawn: %.1fx; forkserver / lean spawn: %.2fx\n",
                series["posix_spawn of a minimal program"].median() / spawnStart, series["whole application in worker mode"].median() / spawnStart,
                forkStart / spawnStart);
    return 0;
#endif
}
