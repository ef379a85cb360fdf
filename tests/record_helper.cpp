// A program with a known number of threads and processes, for tst_record: the main process
// runs --threads threads in all (its main thread included) and starts --children child
// processes of --child-threads threads each. Every thread sleeps (or, with --spin, computes)
// until --seconds have passed or it is killed. When every thread of every process exists,
// it creates the file given by --ready.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

std::atomic<bool> g_stop{false};

void work(bool spin, double seconds)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    volatile unsigned long sink = 0;
    while (!g_stop.load() && std::chrono::steady_clock::now() < end) {
        if (spin) {
            for (int i = 0; i < 100000; ++i)
                sink = sink + static_cast<unsigned long>(i) * i;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

// Starts `count - 1` threads beside the caller, then works on the caller too.
void runThreads(int count, bool spin, double seconds, int readyFd)
{
    std::vector<std::thread> threads;
    for (int i = 1; i < count; ++i)
        threads.emplace_back(work, spin, seconds);
    if (readyFd >= 0) {
        (void)!::write(readyFd, "x", 1);
        ::close(readyFd);
    }
    work(spin, seconds);
    g_stop.store(true);
    for (auto& t : threads)
        t.join();
}

} // namespace

int main(int argc, char** argv)
{
    int threads = 1, children = 0, childThreads = 1;
    bool spin = false;
    double seconds = 60;
    std::string ready;
    for (int i = 1; i + 1 < argc || (i < argc && std::strcmp(argv[i], "--spin") == 0); ++i) {
        const std::string a = argv[i];
        if (a == "--spin")
            spin = true;
        else if (a == "--threads")
            threads = std::atoi(argv[++i]);
        else if (a == "--children")
            children = std::atoi(argv[++i]);
        else if (a == "--child-threads")
            childThreads = std::atoi(argv[++i]);
        else if (a == "--seconds")
            seconds = std::atof(argv[++i]);
        else if (a == "--ready")
            ready = argv[++i];
    }
    // Children first: fork copies only the calling thread.
    std::vector<int> readyPipes;
    std::vector<pid_t> pids;
    for (int c = 0; c < children; ++c) {
        int fds[2];
        if (::pipe(fds) != 0)
            return 1;
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::close(fds[0]);
            runThreads(childThreads, spin, seconds, fds[1]);
            ::_exit(0);
        }
        ::close(fds[1]);
        readyPipes.push_back(fds[0]);
        pids.push_back(pid);
    }
    // The main thread is one of `threads`: it waits for the children's threads, starts its
    // own, says it is ready, and then works like the others.
    for (int fd : readyPipes) { // each child writes once all its threads exist
        char c;
        (void)!::read(fd, &c, 1);
        ::close(fd);
    }
    std::vector<std::thread> workers;
    for (int i = 1; i < threads; ++i)
        workers.emplace_back(work, spin, seconds);
    if (!ready.empty()) {
        const int fd = ::open(ready.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            ::close(fd);
    }
    work(spin, seconds);
    g_stop.store(true);
    for (auto& t : workers)
        t.join();
    for (pid_t pid : pids)
        ::waitpid(pid, nullptr, 0);
    return 0;
}
