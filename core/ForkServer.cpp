#include "ForkServer.h"

#include "WorkerProtocol.h"
#include "platform/Platform.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#if !defined(_WIN32)
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

namespace ce {

std::string workerProgramBeside(const std::string& executable, std::string* error)
{
#if defined(_WIN32)
    const char* name = "concurrency-explorer-worker.exe";
#else
    const char* name = "concurrency-explorer-worker";
#endif
    namespace fs = std::filesystem;
    const fs::path given(executable);
    // Tests and the benchmark may name the worker program itself.
    const fs::path path = given.filename().string().rfind("concurrency-explorer-worker", 0) == 0 ? given : given.parent_path() / name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        *error = "the worker program " + path.string() + " is missing (it is built and installed next to concurrency-explorer; reinstall it)";
        return {};
    }
    return path.string();
}

#if !defined(_WIN32)
namespace {

using Clock = std::chrono::steady_clock;

std::string sysError(const std::string& what, int error)
{
    return what + ": " + std::strerror(error);
}

// Waits until `fd` is readable, at most `limit`. False on timeout.
bool waitReadable(int fd, std::chrono::milliseconds limit)
{
    const auto end = Clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
        pollfd p{fd, POLLIN, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left, 0, 1000)));
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return true; // let the read report it
        if (n == 0 && left <= 0)
            return false;
    }
}

// Reads exactly `size` bytes (blocking, EINTR-safe). False at EOF or on an error.
bool readAll(int fd, void* data, std::size_t size)
{
    auto* p = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = ::read(fd, p, size);
        if (n > 0) {
            p += n;
            size -= static_cast<std::size_t>(n);
        } else if (n == 0 || errno != EINTR) {
            return false;
        }
    }
    return true;
}

bool writeAll(int fd, const void* data, std::size_t size)
{
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n > 0) {
            p += n;
            size -= static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EINTR) {
            return false;
        }
    }
    return true;
}

void closeFd(int& fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// Starts `exe mode` with stdin and stdout on the given descriptors, in a process group of its
// own: a terminal's Ctrl+C (sent to the foreground group) then reaches only the parent, which
// cancels and ends its workers itself.
bool spawnProgram(const std::string& exe, const char* mode, int in, int out, pid_t* pid, std::string* error)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, in, 0);
    if (out >= 0)
        posix_spawn_file_actions_adddup2(&actions, out, 1);
    else
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD})
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char* argv[] = {const_cast<char*>(exe.c_str()), const_cast<char*>(mode), nullptr};
    const int rc = ::posix_spawn(pid, exe.c_str(), &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        *error = sysError("cannot start " + exe, rc);
        return false;
    }
    return true;
}

void setCloseOnExec(int fd)
{
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

// A pipe whose ends are close-on-exec from birth where the OS allows (Linux): a worker
// spawned by another thread at that moment inherits neither.
bool closeOnExecPipe(int fds[2])
{
#if defined(__linux__)
    return ::pipe2(fds, O_CLOEXEC) == 0;
#else
    if (::pipe(fds) != 0)
        return false;
    setCloseOnExec(fds[0]);
    setCloseOnExec(fds[1]);
    return true;
#endif
}

// A fork request on the wire: one byte of data, and the three descriptors (the worker's
// stdin, stdout, and where the server writes its wait status) as SCM_RIGHTS. The client
// fills it to send, the server hands it to recvmsg; both see the same layout.
struct FdMessage {
    static constexpr int kFds = 3;
    char byte = 0;
    iovec iov{};
    alignas(cmsghdr) char control[CMSG_SPACE(kFds * sizeof(int))] = {};
    msghdr msg{};

    explicit FdMessage(char b) : byte(b), iov{&byte, 1}
    {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    // msg points into this object: it stays where it was built.
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

// What the server writes on a worker's status descriptor when it has reaped it: one write of
// 16 bytes (below PIPE_BUF: it arrives whole). Both ends are built from this source.
struct ForkedEnd {
    std::int32_t status = 0;
    std::int32_t lastCore = -1;
    std::int64_t cpuNs = -1;
};

} // namespace

bool spawnWorkerProgram(const std::string& exe, int childIn, int childOut, std::int64_t* pid, std::string* error)
{
    pid_t p = 0;
    if (!spawnProgram(exe, "worker", childIn, childOut, &p, error))
        return false;
    *pid = p;
    return true;
}

bool ForkServer::start(const std::string& workerExe, std::chrono::milliseconds limit, std::string* error)
{
    int fds[2];
#if defined(SOCK_CLOEXEC)
    const int type = SOCK_STREAM | SOCK_CLOEXEC;
#else
    const int type = SOCK_STREAM;
#endif
    if (::socketpair(AF_UNIX, type, 0, fds) != 0) {
        *error = sysError("cannot start the forkserver (socketpair)", errno);
        return false;
    }
    setCloseOnExec(fds[0]);
    setCloseOnExec(fds[1]);
    pid_t pid = 0;
    const bool spawned = spawnProgram(workerExe, "forkserver", fds[1], -1, &pid, error);
    ::close(fds[1]);
    if (!spawned) {
        ::close(fds[0]);
        *error = "cannot start the forkserver: " + *error;
        return false;
    }
    m_socket = fds[0];
    m_pid = pid;
    std::int64_t hello = 0;
    if (!waitReadable(m_socket, limit) || !readAll(m_socket, &hello, sizeof hello) || hello != pid) {
        *error = "the forkserver (process " + std::to_string(pid) + ") did not start";
        stop();
        return false;
    }
    return true;
}

bool ForkServer::forkWorker(int childIn, int childOut, std::int64_t* pid, int* statusFd, std::string* error)
{
    std::lock_guard lock(m_mutex);
    if (m_socket < 0) {
        *error = "the forkserver is not running";
        return false;
    }
    int status[2];
    if (!closeOnExecPipe(status)) {
        *error = sysError("cannot ask the forkserver for a worker (pipe)", errno);
        return false;
    }
    FdMessage request('F');
    cmsghdr* c = CMSG_FIRSTHDR(&request.msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(FdMessage::kFds * sizeof(int));
    const int passed[FdMessage::kFds] = {childIn, childOut, status[1]};
    std::memcpy(CMSG_DATA(c), passed, sizeof passed);
    ssize_t sent = 0;
#if defined(MSG_NOSIGNAL)
    const int flags = MSG_NOSIGNAL; // a dead server is an error here, not a SIGPIPE
#else
    const int flags = 0;            // macOS: the callers' threads block SIGPIPE
#endif
    while ((sent = ::sendmsg(m_socket, &request.msg, flags)) < 0 && errno == EINTR) {
    }
    ::close(status[1]);
    std::int64_t answer = 0;
    // A server that cannot fork within a few seconds is stopped or broken: give up on it.
    if (sent != 1 || !waitReadable(m_socket, std::chrono::seconds(10)) || !readAll(m_socket, &answer, sizeof answer) || answer <= 0) {
        ::close(status[0]);
        *error = answer < 0 ? sysError("the forkserver could not fork a worker", static_cast<int>(-answer))
                            : "the forkserver (process " + std::to_string(m_pid) + ") stopped answering";
        return false;
    }
    *pid = answer;
    *statusFd = status[0];
    return true;
}

void ForkServer::killAll()
{
    const std::int64_t pid = m_pid;
    if (pid > 0)
        ::kill(-static_cast<pid_t>(pid), SIGKILL);
}

void ForkServer::stop()
{
    // A cancelled run kills its workers one by one and lets the server reap them: killing
    // the server first would leave its forks to whoever adopts orphans.
    std::lock_guard lock(m_mutex);
    if (m_pid <= 0)
        return;
    closeFd(m_socket); // the server sees EOF: it kills and reaps its workers, then exits
    const auto pid = static_cast<pid_t>(m_pid);
    int status = 0;
    pid_t reaped = 0;
    // It leaves within microseconds; poll briefly and finely, then insist.
    for (int i = 0; i < 2000 && (reaped = ::waitpid(pid, &status, WNOHANG)) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::microseconds(i < 100 ? 50 : 1000));
    if (reaped == 0) {
        killAll(); // stopped or hung: the server and its forks at once (one process group)
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    m_pid = 0;
}

bool readForkedStatus(int statusFd, std::chrono::milliseconds limit, int* status, bool* gone, std::int64_t* cpuNs, int* lastCore)
{
    *gone = false;
    if (!waitReadable(statusFd, limit))
        return false;
    ForkedEnd end;
    if (!readAll(statusFd, &end, sizeof end)) {
        *gone = true;
        return true;
    }
    *status = end.status;
    if (cpuNs)
        *cpuNs = end.cpuNs;
    if (lastCore)
        *lastCore = end.lastCore;
    return true;
}

// ---------------------------------------------------------------------------------------
// The server side. Single-threaded: a fork copies one thread, and here there is only one.
namespace {

int g_childSignalled = -1; // write end of the self-pipe SIGCHLD wakes the loop with

void onChild(int)
{
    const int saved = errno;
    const char byte = 'c';
    [[maybe_unused]] const ssize_t n = ::write(g_childSignalled, &byte, 1);
    errno = saved;
}

// Receives one fork request: the three descriptors. 0 at EOF, -1 on a malformed message.
int receiveRequest(int sock, int fds[3])
{
    FdMessage request(0);
    ssize_t n = 0;
#if defined(MSG_CMSG_CLOEXEC)
    const int flags = MSG_CMSG_CLOEXEC;
#else
    const int flags = 0;
#endif
    while ((n = ::recvmsg(sock, &request.msg, flags)) < 0 && errno == EINTR) {
    }
    if (n <= 0)
        return 0;
    cmsghdr* c = CMSG_FIRSTHDR(&request.msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(FdMessage::kFds * sizeof(int)))
        return -1;
    std::memcpy(fds, CMSG_DATA(c), FdMessage::kFds * sizeof(int));
    return 1;
}

} // namespace

int runForkServer()
{
    // A parent that dies closes its end of the socket: at EOF the server kills and reaps its
    // forks, then leaves. (No PR_SET_PDEATHSIG here: its SIGKILL would leave the forks
    // unreaped, to whoever adopts orphans. The forks themselves die with the server.)
    const int sock = 0;
    int selfPipe[2];
    if (!closeOnExecPipe(selfPipe))
        return 1;
    for (int fd : selfPipe)
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    g_childSignalled = selfPipe[1];
    struct sigaction sa{};
    sa.sa_handler = onChild;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    ::sigaction(SIGCHLD, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    std::map<pid_t, int> children; // pid -> where its end (ForkedEnd) goes
    auto reapEnded = [&](bool noHang) {
        // The parent cannot see a fork of ours end: its CPU time and last core come from here.
        platform::ChildEnd ended;
        std::int64_t pid = 0;
        while ((pid = platform::reapChild(-1, noHang, &ended)) > 0 || (pid < 0 && errno == EINTR)) {
            if (pid < 0)
                continue;
            const auto it = children.find(static_cast<pid_t>(pid));
            if (it == children.end())
                continue;
            ForkedEnd end;
            end.status = ended.status;
            end.lastCore = ended.lastCore;
            end.cpuNs = ended.cpuNs;
            writeAll(it->second, &end, sizeof end);
            ::close(it->second);
            children.erase(it);
        }
    };

    const std::int64_t me = ::getpid();
    if (!writeAll(sock, &me, sizeof me))
        return 1;
    for (;;) {
        pollfd p[2] = {{sock, POLLIN, 0}, {selfPipe[0], POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents & POLLIN) {
            char drain[64];
            while (::read(selfPipe[0], drain, sizeof drain) > 0) {
            }
            reapEnded(true);
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        int fds[3] = {-1, -1, -1};
        const int got = receiveRequest(sock, fds);
        if (got <= 0)
            break; // the parent closed the socket (or broke the protocol): the run is over
        const pid_t pid = ::fork();
        if (pid == 0) {
            // The worker: only its own descriptors stay open.
            ::signal(SIGCHLD, SIG_DFL);
            ::signal(SIGPIPE, SIG_DFL);
            for (const auto& [other, statusFd] : children)
                ::close(statusFd);
            ::close(selfPipe[0]);
            ::close(selfPipe[1]);
            ::close(fds[2]);
            ::dup2(fds[0], 0);
            ::dup2(fds[1], 1);
            ::close(fds[0]);
            ::close(fds[1]);
            const int rc = runWorkerProcess();
            std::fflush(stdout);
            ::_exit(rc);
        }
        ::close(fds[0]);
        ::close(fds[1]);
        const std::int64_t answer = pid > 0 ? static_cast<std::int64_t>(pid) : -static_cast<std::int64_t>(errno);
        if (pid > 0)
            children[pid] = fds[2];
        else
            ::close(fds[2]);
        if (!writeAll(sock, &answer, sizeof answer))
            break;
    }
    // The run is over (or its parent is gone): no worker outlives the server.
    for (const auto& [pid, statusFd] : children)
        ::kill(pid, SIGKILL);
    ::signal(SIGCHLD, SIG_DFL);
    while (!children.empty()) {
        const std::size_t before = children.size();
        reapEnded(false);
        if (children.size() == before)
            break; // ECHILD: nothing left to wait for
    }
    return 0;
}

#else

int runForkServer()
{
    std::fputs("concurrency-explorer-worker: the forkserver needs fork(), which Windows does not have\n", stderr);
    return 2;
}

#endif

} // namespace ce
