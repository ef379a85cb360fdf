#include "Platform.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#endif
#if defined(__linux__)
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#if defined(__APPLE__)
#include <pthread.h>
#endif

namespace ce::platform {

std::int64_t monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int currentCpu()
{
#if defined(__linux__)
    return sched_getcpu();
#elif defined(_WIN32)
    return static_cast<int>(GetCurrentProcessorNumber());
#else
    return -1; // macOS offers no supported call for this
#endif
}

std::int64_t currentThreadId()
{
#if defined(__linux__)
    return static_cast<std::int64_t>(syscall(SYS_gettid));
#elif defined(_WIN32)
    return static_cast<std::int64_t>(GetCurrentThreadId());
#elif defined(__APPLE__)
    std::uint64_t tid = 0;
    pthread_threadid_np(nullptr, &tid);
    return static_cast<std::int64_t>(tid);
#else
    return 0;
#endif
}

std::int64_t currentProcessId()
{
#if defined(_WIN32)
    return static_cast<std::int64_t>(GetCurrentProcessId());
#else
    return static_cast<std::int64_t>(getpid());
#endif
}

#if defined(_WIN32)
namespace {
std::int64_t fileTimeNs(const FILETIME& ft)
{
    ULARGE_INTEGER v;
    v.LowPart = ft.dwLowDateTime;
    v.HighPart = ft.dwHighDateTime;
    return static_cast<std::int64_t>(v.QuadPart) * 100;
}
} // namespace
#else
namespace {
std::int64_t clockNs(clockid_t id)
{
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
} // namespace
#endif

std::int64_t threadCpuNs()
{
#if defined(_WIN32)
    FILETIME c, e, k, u;
    GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u);
    return fileTimeNs(k) + fileTimeNs(u);
#else
    return clockNs(CLOCK_THREAD_CPUTIME_ID);
#endif
}

std::int64_t processCpuNs()
{
#if defined(_WIN32)
    FILETIME c, e, k, u;
    GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
    return fileTimeNs(k) + fileTimeNs(u);
#else
    return clockNs(CLOCK_PROCESS_CPUTIME_ID);
#endif
}

std::int64_t reapedChildrenCpuNs()
{
#if defined(_WIN32)
    return 0; // the process model adds each child's times itself on Windows
#else
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    auto tv = [](const timeval& t) { return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_usec * 1000; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
#endif
}

#if !defined(_WIN32)
namespace {

// The core a process (a zombie, here) last ran on: field 39 of /proc/<pid>/stat, counted
// after the ')' that closes its name. -1 where there is no /proc.
int lastCoreOf(pid_t pid)
{
#if defined(__linux__)
    char path[64];
    char buffer[1024];
    std::size_t length = 0;
    std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
    if (!readSmallFile(path, buffer, sizeof buffer, &length))
        return -1;
    return statProcessor(buffer);
#else
    (void)pid;
    return -1;
#endif
}

} // namespace

std::int64_t reapChild(std::int64_t pid, bool noHang, ChildEnd* end)
{
    // Wait without reaping first: until the reap, the zombie's /proc entry still says where it
    // ran. Then reap it with wait4, whose rusage is this child's alone.
    siginfo_t info{};
    info.si_pid = 0; // WNOHANG with nothing ended leaves it as it was
    const idtype_t type = pid > 0 ? P_PID : P_ALL;
    if (::waitid(type, pid > 0 ? static_cast<id_t>(pid) : 0, &info, WEXITED | WNOWAIT | (noHang ? WNOHANG : 0)) != 0)
        return -1;
    if (info.si_pid == 0)
        return 0;
    const pid_t ended = info.si_pid;
    end->lastCore = lastCoreOf(ended);
    rusage ru{};
    int status = 0;
    pid_t reaped = 0;
    while ((reaped = ::wait4(ended, &status, 0, &ru)) < 0 && errno == EINTR) {
    }
    if (reaped != ended)
        return -1;
    auto ns = [](const timeval& t) { return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + static_cast<std::int64_t>(t.tv_usec) * 1000; };
    end->status = status;
    end->cpuNs = ns(ru.ru_utime) + ns(ru.ru_stime);
    return ended;
}
#endif

std::int64_t raiseFileLimit()
{
#if defined(_WIN32)
    return 8192;
#else
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit want = rl;
#if defined(__APPLE__)
        if (want.rlim_max == RLIM_INFINITY || want.rlim_max > 24576)
            want.rlim_max = 24576; // OPEN_MAX caps what setrlimit accepts
        want.rlim_cur = want.rlim_max;
        want.rlim_max = rl.rlim_max;
#else
        want.rlim_cur = rl.rlim_max;
#endif
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    return static_cast<std::int64_t>(rl.rlim_cur);
#endif
}

std::int64_t openFileCount()
{
#if defined(__linux__) || defined(__APPLE__)
    std::error_code ec;
    std::int64_t n = 0;
    for (std::filesystem::directory_iterator it(
#if defined(__linux__)
             "/proc/self/fd",
#else
             "/dev/fd",
#endif
             ec),
         end;
         !ec && it != end; it.increment(ec))
        ++n;
    return ec ? -1 : std::max<std::int64_t>(0, n - 1); // the listing's own descriptor
#else
    return -1;
#endif
}

std::uint64_t memoryBudgetBytes()
{
#if defined(_WIN32)
    MEMORYSTATUSEX m{};
    m.dwLength = sizeof m;
    return GlobalMemoryStatusEx(&m) ? m.ullTotalPhys / 2 : 0;
#else
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    std::uint64_t budget = pages > 0 && pageSize > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize) / 2 : 0;
    rlimit as{};
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
        budget = budget == 0 ? as.rlim_cur / 2 : std::min<std::uint64_t>(budget, as.rlim_cur / 2);
    return budget;
#endif
}

void blockBrokenPipeSignal()
{
#if !defined(_WIN32)
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
#endif
}

void dieWithParent()
{
#if defined(__linux__)
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

void setBinaryStdio()
{
#if defined(_WIN32)
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
#endif
}

bool syncFile(int fd)
{
#if defined(_WIN32)
    return _commit(fd) == 0;
#elif defined(__APPLE__)
    return fsync(fd) == 0;
#else
    return fdatasync(fd) == 0;
#endif
}

#if defined(__linux__)
bool readSmallFile(const char* path, char* buffer, std::size_t size, std::size_t* length)
{
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    std::size_t used = 0;
    for (;;) {
        const ssize_t n = ::read(fd, buffer + used, size - 1 - used);
        if (n <= 0)
            break;
        used += static_cast<std::size_t>(n);
        if (used >= size - 1)
            break;
    }
    ::close(fd);
    buffer[used] = '\0';
    *length = used;
    return used > 0;
}

int statProcessor(const char* statText)
{
    const char* p = std::strrchr(statText, ')');
    int field = 2;
    while (p && *p && field < 39) {
        if (*p == ' ')
            ++field;
        ++p;
    }
    return p && field == 39 ? std::atoi(p) : -1;
}
#endif

} // namespace ce::platform
