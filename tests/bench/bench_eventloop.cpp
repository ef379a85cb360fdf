// The event loop at scale, against CPython's asyncio measured in the same run (issue 9):
//  1. N concurrent 1 s sleeps (default 100,000): makespan, whole process with --json, peak memory,
//     our CLI against tests/bench/asyncio_sleeps.py, alternating, several repetitions;
//  2. 1,000,000 sleeps (--million): makespan and peak memory, the same two programs;
//  3. a loop round trip (one byte echoed by the loop thread) with 10,000 idle connections
//     against 10, on our loop dispatcher and on Qt's default one (and asyncio_idle.py).
// The python side is skipped when python3 is missing. Figures are medians (min in brackets).
//
//   build/default/tests/bench/bench_eventloop [--reps N] [--tasks N] [--million] [--no-python] [--smoke]
#include "BenchUtil.h"
#include "LoopDispatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifdef Q_OS_LINUX
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

namespace {

#ifdef Q_OS_LINUX
struct Figures {
    std::vector<double> wall, makespan, peakMiB;
};

double med(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
double mn(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

// Runs argv as a child with stdout into `outFile`; returns wall seconds and the child's peak RSS.
bool runProcess(const std::vector<std::string>& argv, const std::string& outFile, double& wallS, double& peakMiB)
{
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return false;
    int status = 0;
    rusage ru{};
    if (wait4(pid, &status, 0, &ru) != pid)
        return false;
    wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    peakMiB = double(ru.ru_maxrss) / 1024.0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// "makespan_s=1.234" (asyncio script), the JSON's "makespan_s":1.234, or the explorer's
// printed "Makespan:  1.234 s".
double findMakespan(const std::string& text)
{
    for (const char* label : {"makespan_s", "Makespan:"}) {
        const auto at = text.find(label);
        if (at == std::string::npos)
            continue;
        std::size_t i = at + std::strlen(label);
        while (i < text.size() && (text[i] == '"' || text[i] == ':' || text[i] == '=' || text[i] == ' '))
            ++i;
        return std::atof(text.c_str() + i);
    }
    return 0;
}

std::string findPython()
{
    for (const char* p : {"/usr/bin/python3", "/usr/local/bin/python3"})
        if (access(p, X_OK) == 0)
            return p;
    return {};
}

void sleeps(int tasks, int reps, const std::string& python, bool withJson)
{
    const std::string tmp = "/tmp/bench_eventloop_" + std::to_string(getpid());
    Figures ours, theirs;
    std::vector<double> ratio;
    for (int r = 0; r < reps; ++r) {
        double wall = 0, peak = 0;
        std::vector<std::string> cmd{CE_EXECUTABLE, "run", "--model", "eventloop", "--workload", "io", "--io", "sleep",
                                     "--tasks", std::to_string(tasks), "--workers", "0", "--wait-ms", "1000"};
        if (withJson)
            cmd.insert(cmd.end(), {"--json", tmp + "-ours.json"});
        if (!runProcess(cmd, tmp + "-ours.txt", wall, peak)) {
            std::printf("our run failed: see %s-ours.txt\n", tmp.c_str());
            return;
        }
        ours.wall.push_back(wall);
        ours.peakMiB.push_back(peak);
        ours.makespan.push_back(findMakespan(slurp(tmp + "-ours.txt")));
        if (!python.empty()) {
            std::vector<std::string> py{python, CE_SOURCE_DIR "/tests/bench/asyncio_sleeps.py", std::to_string(tasks), "1.0"};
            if (withJson)
                py.insert(py.end(), {"--json", tmp + "-asyncio.json"});
            double pwall = 0, ppeak = 0;
            if (runProcess(py, tmp + "-asyncio.txt", pwall, ppeak)) {
                theirs.wall.push_back(pwall);
                theirs.peakMiB.push_back(ppeak);
                theirs.makespan.push_back(findMakespan(slurp(tmp + "-asyncio.txt")));
                ratio.push_back(wall / pwall);
            }
        }
    }
    for (const char* suffix : {"-ours.json", "-ours.txt", "-asyncio.json", "-asyncio.txt"})
        std::remove((tmp + suffix).c_str());
    std::printf("\n%d concurrent 1 s sleeps on one loop%s, %d repetitions, median [min]\n", tasks, withJson ? ", --json" : "", reps);
    std::printf("%-28s %16s %16s %16s\n", "", "makespan s", "whole process s", "peak MiB");
    std::printf("%-28s %9.3f [%.3f] %9.3f [%.3f] %9.0f [%.0f]\n", "explorer", med(ours.makespan), mn(ours.makespan), med(ours.wall),
                mn(ours.wall), med(ours.peakMiB), mn(ours.peakMiB));
    if (!theirs.wall.empty()) {
        std::printf("%-28s %9.3f [%.3f] %9.3f [%.3f] %9.0f [%.0f]\n", "asyncio (CPython)", med(theirs.makespan), mn(theirs.makespan),
                    med(theirs.wall), mn(theirs.wall), med(theirs.peakMiB), mn(theirs.peakMiB));
        std::printf("whole process explorer/asyncio, pair by pair: median %.2fx [min %.2fx]\n", med(ratio), mn(ratio));
    }
}

// The loop thread echoes one byte on a socket pair; this thread measures the round trip,
// while the loop also watches `idle` connected TCP sockets whose far ends (in a child
// process) never send.
struct IdleResult {
    double medianUs = 0, minUs = 0;
    bool ok = false;
};

IdleResult roundTrip(int idle, int rounds, bool ourDispatcher)
{
    IdleResult out;
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 4096) != 0
        || ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        return out;
    int stop[2];
    if (::pipe2(stop, O_CLOEXEC) != 0)
        return out;
    const pid_t child = ::fork();
    if (child == 0) {
        // The far ends: accept and hold until the parent closes the pipe.
        ::close(stop[1]);
        ::fcntl(listener, F_SETFL, O_NONBLOCK);
        std::vector<int> held;
        for (;;) {
            const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (c >= 0) {
                held.push_back(c);
                continue;
            }
            char b;
            ::fcntl(stop[0], F_SETFL, O_NONBLOCK);
            if (::read(stop[0], &b, 1) == 0)
                ::_exit(0);
            ::usleep(500);
        }
    }
    ::close(stop[0]);
    ::close(listener);
    std::vector<int> conns;
    for (int i = 0; i < idle; ++i) {
        const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            std::printf("  could not open idle connection %d: %s\n", i, std::strerror(errno));
            break;
        }
        ::fcntl(s, F_SETFL, O_NONBLOCK);
        conns.push_back(s);
    }
    int pair[2];
    if (static_cast<int>(conns.size()) == idle && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0) {
        ::fcntl(pair[0], F_SETFL, O_NONBLOCK);
        QThread thread;
        if (ourDispatcher)
            thread.setEventDispatcher(ce::createLoopDispatcher());
        thread.start();
        QObject context;
        context.moveToThread(&thread);
        QMetaObject::invokeMethod(&context, [&] {
            for (int s : conns)
                new QSocketNotifier(s, QSocketNotifier::Read, &context);
            auto* echo = new QSocketNotifier(pair[0], QSocketNotifier::Read, &context);
            QObject::connect(echo, &QSocketNotifier::activated, &context, [&] {
                char b[16];
                const auto n = ::read(pair[0], b, sizeof b);
                if (n > 0)
                    (void)!::write(pair[0], b, static_cast<std::size_t>(n));
            });
        }, Qt::BlockingQueuedConnection);
        std::vector<double> us;
        for (int i = 0; i < rounds; ++i) {
            char b = 'x';
            const auto t0 = std::chrono::steady_clock::now();
            if (::write(pair[1], &b, 1) != 1 || ::read(pair[1], &b, 1) != 1)
                break;
            us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        }
        QMetaObject::invokeMethod(&context, [&] {
            for (auto* n : context.findChildren<QSocketNotifier*>())
                delete n;
        }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
        ::close(pair[0]);
        ::close(pair[1]);
        out.ok = static_cast<int>(us.size()) == rounds;
        out.medianUs = med(us);
        out.minUs = mn(us);
    }
    for (int s : conns)
        ::close(s);
    ::close(stop[1]);
    ::waitpid(child, nullptr, 0);
    return out;
}

void idleConnections(int many, int rounds, int reps, const std::string& python)
{
    std::printf("\nLoop round trip (one byte echoed by the loop thread), %d rounds, median of %d repetitions' medians [min]\n", rounds, reps);
    std::printf("%-28s %18s %18s %10s\n", "", "10 idle, us", (std::to_string(many) + " idle, us").c_str(), "ratio");
    auto line = [&](const char* who, auto measure) {
        std::vector<double> few, lots, ratios;
        for (int r = 0; r < reps; ++r) {
            const double a = measure(10), b = measure(many);
            if (a <= 0 || b <= 0)
                return;
            few.push_back(a);
            lots.push_back(b);
            ratios.push_back(b / a);
        }
        std::printf("%-28s %11.1f [%.1f] %11.1f [%.1f] %9.2fx\n", who, med(few), mn(few), med(lots), mn(lots), med(ratios));
    };
    line("explorer, loop dispatcher", [&](int n) { const auto r = roundTrip(n, rounds, true); return r.ok ? r.medianUs : -1.0; });
    line("explorer, Qt's dispatcher", [&](int n) { const auto r = roundTrip(n, rounds, false); return r.ok ? r.medianUs : -1.0; });
    if (!python.empty()) {
        const std::string tmp = "/tmp/bench_eventloop_idle_" + std::to_string(getpid()) + ".txt";
        line("asyncio (CPython)", [&](int n) {
            double wall = 0, peak = 0;
            if (!runProcess({python, CE_SOURCE_DIR "/tests/bench/asyncio_idle.py", std::to_string(n), std::to_string(rounds)}, tmp, wall, peak))
                return -1.0;
            const std::string text = slurp(tmp);
            const auto at = text.find("median_us=");
            return at == std::string::npos ? -1.0 : std::atof(text.c_str() + at + 10);
        });
        std::remove(tmp.c_str());
    }
}
#endif

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const bool smoke = bench::smoke(argc, argv);
    int reps = smoke ? 1 : 3;
    int tasks = smoke ? 2000 : 100000;
    bool million = false, python = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--reps" && i + 1 < argc)
            reps = std::max(1, std::atoi(argv[++i]));
        else if (a == "--tasks" && i + 1 < argc)
            tasks = std::max(1, std::atoi(argv[++i]));
        else if (a == "--million")
            million = true;
        else if (a == "--no-python")
            python = false;
    }
#ifdef Q_OS_LINUX
    // Enough descriptors for 10,000 idle connections where the hard limit allows.
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    const int many = static_cast<int>(std::min<rlim_t>(10000, rl.rlim_cur > 200 ? rl.rlim_cur - 200 : 10));
    const std::string py = python ? findPython() : std::string();
    if (python && py.empty())
        std::printf("python3 not found: the asyncio side is skipped\n");
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) > 0)
        std::printf("load average at start: %.2f %.2f %.2f (%u cores)\n", load[0], load[1], load[2], std::thread::hardware_concurrency());
    sleeps(tasks, reps, py, false);
    sleeps(tasks, reps, py, true);
    if (million && !smoke)
        sleeps(1000000, std::max(1, reps / 2), py, false);
    idleConnections(smoke ? 100 : many, smoke ? 200 : 2000, reps, py);
#else
    (void)reps;
    (void)tasks;
    (void)million;
    (void)python;
    std::printf("bench_eventloop measures the Linux loop dispatcher; nothing to measure here\n");
#endif
    return 0;
}
