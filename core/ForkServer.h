#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

// How worker processes start (--start-method), as Python's multiprocessing offers them:
//  - spawn: a fresh process runs the lean worker executable (posix_spawn, a vfork and an exec);
//  - forkserver: one lean, single-threaded server process (the worker executable in server
//    mode) is started first; each worker is a fork of it, already loaded and initialised.
// There is no `fork` of the parent itself: the parent runs many threads (Qt, TBB, samplers,
// lanes), and a forked copy inherits only the forking thread, with any lock another thread
// held at that moment locked forever (the reason CPython 3.14 left fork as its default).
//
// Nothing here uses Qt: the worker executable links it without Qt (core/CMakeLists.txt).
namespace ce {

#if !defined(_WIN32)

// The parent's handle on a running forkserver. Thread-safe: lanes ask for workers at once,
// and one request is in flight at a time (the server is single-threaded anyway).
class ForkServer {
public:
    ForkServer() = default;
    ~ForkServer() { stop(); }
    ForkServer(const ForkServer&) = delete;
    ForkServer& operator=(const ForkServer&) = delete;

    // Starts `workerExe forkserver` in a process group of its own and waits for its greeting
    // (at most `limit`). False with one sentence in *error.
    bool start(const std::string& workerExe, std::chrono::milliseconds limit, std::string* error);
    bool running() const { return m_pid > 0; }
    std::int64_t pid() const { return m_pid; }

    // A new worker whose stdin and stdout are `childIn` and `childOut` (the parent keeps and
    // closes its copies). On success *pid is the worker's and *statusFd a descriptor that
    // becomes readable with the worker's end (its wait status, CPU time and last core: see
    // readForkedStatus) once the server has reaped it,
    // or at EOF when the server is gone.
    bool forkWorker(int childIn, int childOut, std::int64_t* pid, int* statusFd, std::string* error);

    // Kills the server and every worker it forked (they share its process group): the last
    // resort of stop() for a server that does not leave.
    void killAll();
    // Closes the server's socket (it kills and reaps its workers, then exits), reaps it, and
    // kills it if it does not leave within a moment.
    void stop();

private:
    std::mutex m_mutex;
    int m_socket = -1;
    std::atomic<std::int64_t> m_pid{0}; // read by killAll() from another thread
};

// Starts `exe worker` (a spawned worker) with stdin and stdout on `childIn` and `childOut`, in a
// process group of its own, with posix_spawn (a vfork and an exec: its cost does not grow with
// the parent's size). The parent keeps and closes its copies.
bool spawnWorkerProgram(const std::string& exe, int childIn, int childOut, std::int64_t* pid, std::string* error);

// Reads a worker's wait status from a forkserver's status descriptor within `limit`: true
// with *status when it arrived, false on timeout; *gone when the server closed it without one.
// The server reaps the worker, so it also reports what only the reaper learns: the worker's
// CPU time (*cpuNs, -1 when unknown) and the core it last ran on (*lastCore, -1 when unknown).
bool readForkedStatus(int statusFd, std::chrono::milliseconds limit, int* status, bool* gone, std::int64_t* cpuNs = nullptr,
                      int* lastCore = nullptr);

#endif

// The worker executable's server mode (`concurrency-explorer-worker forkserver`): serves fork
// requests on standard input (a Unix socket) until it closes. Returns the exit code.
int runForkServer();

// The lean worker program next to `executable` (the application itself, or a path that already
// names the worker program). Empty with one sentence in *error when it is not there.
std::string workerProgramBeside(const std::string& executable, std::string* error);

} // namespace ce
