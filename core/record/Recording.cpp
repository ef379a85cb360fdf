#include "ce/record/Recording.h"

#include "ce/RunSummary.h"

#include "platform/CpuCounters.h"
#include "platform/Platform.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#if defined(__linux__)
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace ce {

#if defined(__linux__)

namespace {


// One thread as /proc shows it at one instant.
struct ThreadRead {
    std::int64_t pid = 0, tid = 0, ppid = 0;
    char letter = '?';
    int core = -1;
    std::int64_t execNs = 0;  // schedstat 1: time on a core
    std::int64_t delayNs = 0; // schedstat 2: time runnable on a run queue, waiting for a core
    std::string comm;
};

bool readThread(std::int64_t pid, std::int64_t tid, ThreadRead& out)
{
    char path[96];
    char buf[1024];
    std::size_t len = 0;
    std::snprintf(path, sizeof path, "/proc/%lld/task/%lld/stat", static_cast<long long>(pid), static_cast<long long>(tid));
    if (!platform::readSmallFile(path, buf, sizeof buf, &len))
        return false;
    const char* open = std::strchr(buf, '(');
    const char* close = std::strrchr(buf, ')');
    if (!open || !close || close < open || close[1] == '\0')
        return false;
    out.pid = pid;
    out.tid = tid;
    out.comm.assign(open + 1, close);
    // Fields after the name: 3 state, 4 ppid, ... 39 processor.
    const char* p = close + 2;
    out.letter = *p;
    int field = 3;
    while (*p && field < 39) {
        while (*p && *p != ' ')
            ++p;
        while (*p == ' ')
            ++p;
        ++field;
        if (field == 4)
            out.ppid = std::strtoll(p, nullptr, 10);
    }
    out.core = field == 39 ? static_cast<int>(std::strtol(p, nullptr, 10)) : -1;
    std::snprintf(path, sizeof path, "/proc/%lld/task/%lld/schedstat", static_cast<long long>(pid), static_cast<long long>(tid));
    if (!platform::readSmallFile(path, buf, sizeof buf, &len))
        return false;
    char* q = nullptr;
    out.execNs = std::strtoll(buf, &q, 10);
    out.delayNs = std::strtoll(q, nullptr, 10);
    return true;
}

std::vector<std::int64_t> listNumbers(const char* path)
{
    std::vector<std::int64_t> out;
    DIR* dir = ::opendir(path);
    if (!dir)
        return out;
    while (const dirent* e = ::readdir(dir)) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
            out.push_back(std::strtoll(e->d_name, nullptr, 10));
    }
    ::closedir(dir);
    return out;
}

// Children of one thread (Linux 3.5+, CONFIG_PROC_CHILDREN).
void readChildren(std::int64_t pid, std::int64_t tid, std::vector<std::int64_t>& out)
{
    char path[96];
    char buf[4096];
    std::size_t len = 0;
    std::snprintf(path, sizeof path, "/proc/%lld/task/%lld/children", static_cast<long long>(pid), static_cast<long long>(tid));
    if (!platform::readSmallFile(path, buf, sizeof buf, &len))
        return;
    char* p = buf;
    while (*p) {
        char* end = nullptr;
        const long long v = std::strtoll(p, &end, 10);
        if (end == p)
            break;
        out.push_back(v);
        p = end;
    }
}

// utime + stime + cutime + cstime of a process (a zombie still has them), in seconds.
double processCpuSeconds(std::int64_t pid)
{
    char path[64];
    char buf[1024];
    std::size_t len = 0;
    std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
    if (!platform::readSmallFile(path, buf, sizeof buf, &len))
        return -1;
    const char* close = std::strrchr(buf, ')');
    if (!close)
        return -1;
    const char* p = close + 2;
    double ticks = 0;
    for (int field = 3; *p && field <= 17; ++field) {
        if (field >= 14)
            ticks += std::strtod(p, nullptr);
        while (*p && *p != ' ')
            ++p;
        while (*p == ' ')
            ++p;
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A process's start time (stat field 22, clock ticks since boot), 0 when it is gone; with
// its state letter.
std::uint64_t startTimeOf(std::int64_t pid, char* state = nullptr)
{
    char path[64];
    char buf[1024];
    std::size_t len = 0;
    std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
    if (!platform::readSmallFile(path, buf, sizeof buf, &len))
        return 0;
    const char* p = std::strrchr(buf, ')');
    if (!p || !p[1])
        return 0;
    p += 2;
    if (state)
        *state = *p;
    for (int field = 3; *p && field < 22; ++field) {
        while (*p && *p != ' ')
            ++p;
        while (*p == ' ')
            ++p;
    }
    return std::strtoull(p, nullptr, 10);
}

std::string findInPath(const std::string& name)
{
    const char* env = std::getenv("PATH");
    std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    std::string firstFound;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find(':', start), path.size());
        std::string dir = path.substr(start, end - start);
        if (dir.empty())
            dir = ".";
        const std::string candidate = dir + "/" + name;
        struct stat st{};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            if (::access(candidate.c_str(), X_OK) == 0)
                return candidate;
            if (firstFound.empty())
                firstFound = candidate;
        }
        start = end + 1;
    }
    return firstFound; // exists but not executable: the caller says so
}

} // namespace

struct Recording::Impl {
    Options options;
    std::string exe;
    std::int64_t t0 = 0;
    pid_t root = -1;
    std::thread sampler;
    std::atomic<bool> cancelRequested{false};
    std::atomic<bool> finished{false};

    mutable std::mutex mutex; // guards what snapshot() copies
    std::condition_variable cv;
    std::vector<std::vector<PhaseRecord>> lanePhases;
    RecordInfo info;
    std::vector<CoreSample> coreSamples;
    RunStatus status = RunStatus::Running;
    std::vector<std::string> errors;
    std::int64_t lastSampleNs = 0; // since t0
    std::int64_t totalCpuNs = 0;
    // The program's cumulative CPU time at every sample: kept out of snapshots (the window
    // takes 30 a second), for checks against the OS.
    std::vector<std::pair<std::int64_t, std::int64_t>> cpuSeries;
    std::string machine;
    int cores = 0;

    // Only the sampler thread touches these.
    struct Tracked {
        int lane = -1;
        std::int64_t execNs = 0;
        std::int64_t delayNs = 0;
        std::int64_t seenAt = 0;
        bool alive = true;
    };
    std::unordered_map<std::int64_t, Tracked> tracked; // by tid
    // Every process of the program seen, with its start time (stat field 22): a pid may be
    // reused once the process is gone, and only the same process may ever be signalled.
    std::unordered_map<std::int64_t, std::uint64_t> knownPids;
    std::unique_ptr<platform::CpuCounters> counters;
    std::vector<platform::CoreTicks> lastCores;
    std::vector<double> coreRunNs;
    std::int64_t lastCoreNs = 0;
    bool haveChildrenFiles = true;
    std::size_t trackedThreads = 0;
    std::int64_t sampleIndex = 0;
    struct Window {
        std::int64_t cpu = 0;
        std::unordered_set<std::int64_t> tids; // threads that got CPU time in the window
    };
    std::unordered_map<std::int64_t, Window> windowPerPid;

    void loop();
    void sampleOnce(std::int64_t nowNs, std::int64_t prevNs);
    std::vector<std::int64_t> processTree();
    void stopTree();
    void reapRoot(int options);
    bool anyAlive();
    static bool sameProcessAlive(std::int64_t pid, std::uint64_t startTime);
    bool rootReaped = false;
};

std::vector<std::int64_t> Recording::Impl::processTree()
{
    // Once reaped, the program's pid may be someone else's: start from our own children.
    std::vector<std::int64_t> pids;
    if (!rootReaped)
        pids.push_back(root);
    std::unordered_set<std::int64_t> seen{root};
    if (haveChildrenFiles) {
        for (std::size_t i = 0; i < pids.size(); ++i) {
            char path[64];
            std::snprintf(path, sizeof path, "/proc/%lld/task", static_cast<long long>(pids[i]));
            std::vector<std::int64_t> children;
            // Every thread's children file costs one more read per thread: with many threads,
            // read them all every fourth sample and the main thread's every time.
            const bool allThreads = trackedThreads <= 32 || sampleIndex % 4 == 0;
            if (allThreads) {
                for (const std::int64_t tid : listNumbers(path))
                    readChildren(pids[i], tid, children);
            } else {
                readChildren(pids[i], pids[i], children);
            }
            for (const std::int64_t c : children) {
                if (seen.insert(c).second)
                    pids.push_back(c);
            }
        }
        // Orphans of the program's tree come to us (we are a child subreaper): every other
        // child of ours is the program's while a recording goes on.
        std::vector<std::int64_t> ours;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%lld/task", static_cast<long long>(::getpid()));
        for (const std::int64_t tid : listNumbers(path))
            readChildren(::getpid(), tid, ours);
        for (const std::int64_t c : ours) {
            if (c != root && seen.insert(c).second) {
                pids.push_back(c);
                // and their descendants
                for (std::size_t i = pids.size() - 1; i < pids.size(); ++i) {
                    std::snprintf(path, sizeof path, "/proc/%lld/task", static_cast<long long>(pids[i]));
                    std::vector<std::int64_t> children;
                    for (const std::int64_t tid : listNumbers(path))
                        readChildren(pids[i], tid, children);
                    for (const std::int64_t g : children) {
                        if (seen.insert(g).second)
                            pids.push_back(g);
                    }
                }
            }
        }
        return pids;
    }
    // No children files: scan every process's parent.
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> byParent;
    for (const std::int64_t pid : listNumbers("/proc")) {
        ThreadRead t;
        if (readThread(pid, pid, t))
            byParent[t.ppid].push_back(pid);
    }
    for (std::size_t i = 0; i < pids.size(); ++i) {
        for (const std::int64_t c : byParent[pids[i]]) {
            if (seen.insert(c).second)
                pids.push_back(c);
        }
    }
    return pids;
}

void Recording::Impl::sampleOnce(std::int64_t nowNs, std::int64_t prevNs)
{
    const std::vector<std::int64_t> pids = processTree();
    struct Update {
        ThreadRead read;
        std::int64_t de = 0, dw = 0;
        bool isNew = false;
    };
    std::vector<Update> updates;
    std::unordered_set<std::int64_t> present;
    for (const std::int64_t pid : pids) {
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%lld/task", static_cast<long long>(pid));
        for (const std::int64_t tid : listNumbers(path)) {
            Update u;
            if (!readThread(pid, tid, u.read))
                continue;
            if (u.read.letter == 'Z' || u.read.letter == 'X')
                continue; // exited: its lane closes at the last sample that saw it alive
            if (knownPids.find(pid) == knownPids.end())
                knownPids.emplace(pid, startTimeOf(pid));
            present.insert(tid);
            auto [it, inserted] = tracked.try_emplace(tid);
            // A thread first seen now started after the previous sample: all its CPU time
            // and run delay belong to this interval.
            u.isNew = inserted;
            u.de = std::max<std::int64_t>(0, u.read.execNs - it->second.execNs);
            u.dw = std::max<std::int64_t>(0, u.read.delayNs - it->second.delayNs);
            it->second.execNs = u.read.execNs;
            it->second.delayNs = u.read.delayNs;
            it->second.seenAt = nowNs;
            updates.push_back(std::move(u));
        }
    }
    const std::int64_t dt = std::max<std::int64_t>(1, nowNs - prevNs);
    if (coreRunNs.empty())
        coreRunNs.assign(static_cast<std::size_t>(std::max(1, cores)), 0.0);

    std::lock_guard lock(mutex);
    int running = 0;
    int wanting = 0; // running or runnable: wanted a core
    std::unordered_set<std::int64_t> busyPids;
    for (auto& u : updates) {
        if (u.de > 0) {
            auto& w = windowPerPid[u.read.pid];
            w.cpu += u.de;
            w.tids.insert(u.read.tid);
        }
        Tracked& t = tracked[u.read.tid];
        if (u.isNew) {
            t.lane = static_cast<int>(lanePhases.size());
            lanePhases.emplace_back();
            RecordedLane lane;
            lane.pid = u.read.pid;
            lane.tid = u.read.tid;
            lane.name = u.read.comm;
            ThreadRead main;
            if (u.read.tid == u.read.pid) {
                lane.process = u.read.comm;
                lane.ppid = u.read.ppid;
            } else if (readThread(u.read.pid, u.read.pid, main)) {
                lane.process = main.comm;
                lane.ppid = main.ppid;
            }
            lane.firstNs = prevNs;
            info.lanes.push_back(std::move(lane));
        }
        RecordedLane& lane = info.lanes[static_cast<std::size_t>(t.lane)];
        lane.lastNs = nowNs;
        lane.cpuNs += u.de;
        lane.runnableNs += u.dw;
        // The kernel adds run-queue delay when the thread gets a core, in one piece, so
        // blocked time is only right over a lifetime, not per interval.
        lane.blockedNs = std::max<std::int64_t>(0, lane.lastNs - lane.firstNs - lane.cpuNs - lane.runnableNs);
        lane.name = u.read.comm; // threads name themselves after they start; processes exec
        if (u.read.tid == u.read.pid)
            lane.process = u.read.comm;
        totalCpuNs += u.de;

        // The state the kernel reports at the sample (stat's letter); R, which means "on a
        // core or in the run queue", is running when the thread had at least half the
        // interval's CPU time, or some CPU time and no wait in the run queue; else runnable.
        // Not the state that took most of the interval: a running thread's CPU time only
        // moves at a scheduler tick (4 ms here), too coarse to split 5 ms finely.
        State s;
        switch (u.read.letter) {
        case 'R': s = u.de > 0 && (2 * u.de >= dt || u.dw == 0) ? State::Cpu : State::Runnable; break;
        case 'D': s = State::DiskWait; break;
        case 'T':
        case 't': s = State::Stopped; break;
        default: s = State::Sleeping; break;
        }
        if (s == State::Cpu || s == State::Runnable)
            ++wanting;
        if (s == State::Cpu) {
            ++running;
            busyPids.insert(u.read.pid);
        } else if (s == State::Runnable) {
            info.runnableS += double(dt) / 1e9;
        } else if (s == State::Sleeping) {
            info.sleepingS += double(dt) / 1e9;
        } else if (s == State::DiskWait) {
            info.diskWaitS += double(dt) / 1e9;
        }
        if (u.read.core >= 0 && static_cast<std::size_t>(u.read.core) < coreRunNs.size())
            coreRunNs[static_cast<std::size_t>(u.read.core)] += double(u.de);

        auto& phases = lanePhases[static_cast<std::size_t>(t.lane)];
        if (!phases.empty() && phases.back().state == s && phases.back().endNs == prevNs) {
            phases.back().endNs = nowNs;
            phases.back().cpuNs += u.de;
        } else {
            PhaseRecord p;
            p.startNs = prevNs;
            p.endNs = nowNs;
            p.osId = u.read.tid;
            p.task = -1;
            p.lane = t.lane;
            p.cpu = static_cast<std::int16_t>(u.read.core);
            p.state = s;
            p.cpuNs = u.de;
            phases.push_back(p);
        }
    }
    auto addBusy = [&](BusyAtOnce& b, int k) {
        if (static_cast<std::size_t>(k) >= b.at.size())
            b.at.resize(static_cast<std::size_t>(k) + 1, 0.0);
        b.at[static_cast<std::size_t>(k)] += double(dt) / 1e9;
        b.max = std::max(b.max, k);
    };
    addBusy(info.busyThreads, running);
    if (wanting > 0)
        info.wantedCpuS += double(dt) / 1e9;
    addBusy(info.busyProcesses, static_cast<int>(busyPids.size()));
    info.processes = static_cast<int>(knownPids.size());
    cpuSeries.emplace_back(nowNs, totalCpuNs);
    if (info.samples == 0)
        info.firstSampleNs = nowNs;
    info.lastSampleNs = nowNs;
    trackedThreads = updates.size();
    ++sampleIndex;
    ++info.samples;
    lastSampleNs = nowNs;

    // Per-core utilisation over a longer interval: /proc/stat counts 10 ms ticks.
    if (nowNs - lastCoreNs >= static_cast<std::int64_t>(options.coreSampleMs * 1e6)) {
        std::vector<platform::CoreTicks> now;
        if (counters->readCores(now) && now.size() == lastCores.size()) {
            const double interval = double(std::max<std::int64_t>(1, nowNs - lastCoreNs));
            for (std::size_t i = 0; i < now.size(); ++i) {
                const std::uint64_t busy = now[i].busy - lastCores[i].busy;
                const std::uint64_t total = now[i].total - lastCores[i].total;
                const double runPct = i < coreRunNs.size() ? std::clamp(100.0 * coreRunNs[i] / interval, 0.0, 100.0) : 0.0;
                double totalPct = total > 0 ? 100.0 * double(busy) / double(total) : 0.0;
                totalPct = std::clamp(std::max(totalPct, runPct), 0.0, 100.0);
                coreSamples.push_back(CoreSample{nowNs, static_cast<std::int32_t>(i), static_cast<float>(totalPct), static_cast<float>(runPct)});
            }
        }
        lastCores = now;
        std::fill(coreRunNs.begin(), coreRunNs.end(), 0.0);
        const double window = double(std::max<std::int64_t>(1, nowNs - lastCoreNs));
        for (const auto& [pid, w] : windowPerPid) {
            auto it = std::find_if(info.processList.begin(), info.processList.end(), [&, p = pid](const RecordedProcess& x) { return x.pid == p; });
            if (it == info.processList.end()) {
                info.processList.push_back(RecordedProcess{pid, 0, 0, 0});
                it = info.processList.end() - 1;
            }
            const double used = double(w.cpu) / window;
            it->maxCores = std::max(it->maxCores, used);
            if (w.tids.size() >= 2) {
                it->sharedS += window / 1e9;
                if (used > 1.3)
                    it->parallelS += window / 1e9;
            }
        }
        windowPerPid.clear();
        lastCoreNs = nowNs;
    }
}

void Recording::Impl::reapRoot(int options)
{
    if (rootReaped)
        return;
    int st = 0;
    if (::waitpid(root, &st, options) == root) {
        rootReaped = true;
        std::lock_guard lock(mutex);
        info.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        info.exitSignal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
}

bool Recording::Impl::sameProcessAlive(std::int64_t pid, std::uint64_t startTime)
{
    char state = '?';
    return startTimeOf(pid, &state) == startTime && state != 'Z' && state != 'X';
}

bool Recording::Impl::anyAlive()
{
    reapRoot(WNOHANG);
    if (!rootReaped)
        return true;
    // A process born and ended between two samples was never seen alive: its zombie, passed
    // to us when its parent ended, is ours to reap all the same.
    for (const std::int64_t pid : processTree()) {
        if (knownPids.find(pid) == knownPids.end())
            knownPids.emplace(pid, startTimeOf(pid));
    }
    bool alive = false;
    for (const auto& [pid, start] : knownPids) {
        char state = '?';
        if (startTimeOf(pid, &state) != start)
            continue; // gone (its pid may belong to someone else now)
        if (state == 'Z' || state == 'X') {
            // A zombie is gone once reaped. One whose parent is still the program's is
            // reparented to us when that parent ends, and must be reaped then: were we to
            // leave it, it would pass to whoever is a subreaper above us when we exit.
            if (::waitpid(static_cast<pid_t>(pid), nullptr, WNOHANG) != static_cast<pid_t>(pid))
                alive = true;
        } else {
            alive = true;
        }
    }
    return alive;
}

void Recording::Impl::stopTree()
{
    // Everything of the program still there (the same processes: pids get reused), and its
    // process group while the group can only be the program's.
    auto signalAll = [&](int sig) {
        {
            for (const std::int64_t pid : processTree()) {
                if (knownPids.find(pid) == knownPids.end())
                    knownPids.emplace(pid, startTimeOf(pid));
            }
        }
        for (const auto& [pid, start] : knownPids) {
            if (pid == root && rootReaped)
                continue;
            if (sameProcessAlive(pid, start))
                ::kill(static_cast<pid_t>(pid), sig);
        }
    };
    if (!anyAlive())
        return;
    signalAll(SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (anyAlive() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!anyAlive())
        return;
    signalAll(SIGKILL);
    reapRoot(0); // SIGKILLed: returns at once
    const auto hardDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (anyAlive() && std::chrono::steady_clock::now() < hardDeadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void Recording::Impl::loop()
{
    const auto asked = std::chrono::nanoseconds(static_cast<std::int64_t>(options.sampleMs * 1e6));
    auto interval = asked;
    const std::int64_t cpu0 = platform::threadCpuNs();
    std::int64_t prev = 0;
    // A first look at once, so that even a program shorter than one interval has its lanes.
    {
        const std::int64_t now = platform::monotonicNs() - t0;
        sampleOnce(now, prev);
        prev = now;
    }
    auto next = std::chrono::steady_clock::now() + interval;
    bool exited = false;
    while (true) {
        {
            std::unique_lock lock(mutex);
            cv.wait_until(lock, next, [&] { return cancelRequested.load(); });
        }
        if (cancelRequested.load())
            break;
        siginfo_t si{};
        exited = ::waitid(P_PID, static_cast<id_t>(root), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == root;
        const std::int64_t now = platform::monotonicNs() - t0;
        const std::int64_t c0 = platform::threadCpuNs();
        sampleOnce(now, prev);
        const std::int64_t sampleCost = platform::threadCpuNs() - c0;
        prev = now;
        if (exited)
            break;
        // Keep the sampler within 10 % of one core: a program with hundreds of threads is
        // sampled less often (every sample carries its own time), down to 10 Hz.
        const auto needed = std::chrono::nanoseconds(sampleCost * 10);
        interval = std::clamp(std::max(asked, needed), asked, std::max(asked, std::chrono::nanoseconds(100000000)));
        next += interval;
        const auto wall = std::chrono::steady_clock::now();
        if (next < wall) // fell behind (machine busy): skip, don't burst
            next = wall + interval;
    }
    const std::int64_t cost = platform::threadCpuNs() - cpu0;
    if (exited) {
        const double osCpu = processCpuSeconds(root); // the zombie keeps its totals until reaped
        reapRoot(0);
        std::lock_guard lock(mutex);
        info.osCpuS = osCpu;
    }
    {
        std::lock_guard lock(mutex);
        info.samplerCpuS = double(cost) / 1e9;
        info.sampleMsMeasured = info.samples > 1 ? double(info.lastSampleNs - info.firstSampleNs) / 1e6 / double(info.samples - 1) : options.sampleMs;
    }
    // Nothing of the program may outlive the recording: descendants it left running (and,
    // on cancel, the program itself) are stopped and reaped.
    stopTree();
    {
        std::lock_guard lock(mutex);
        status = cancelRequested.load() && !exited ? RunStatus::Cancelled
               : info.exitCode == 0             ? RunStatus::Completed
                                                : RunStatus::Failed;
        if (status == RunStatus::Failed)
            errors.push_back(info.exitSignal ? "the program was ended by signal " + std::to_string(info.exitSignal)
                                             : "the program exited with status " + std::to_string(info.exitCode));
    }
    {
        std::lock_guard lock(mutex); // waitFor() checks it under the lock: no lost wake-up
        finished.store(true);
    }
    cv.notify_all();
}

Recording::Recording() : d(std::make_unique<Impl>()) {}

Recording::~Recording()
{
    cancel();
    if (d->sampler.joinable())
        d->sampler.join();
}

bool Recording::supported() { return true; }
std::string Recording::unsupportedReason() { return {}; }

std::string Recording::checkCommand(const std::vector<std::string>& command, std::string* resolved)
{
    if (command.empty() || command.front().empty())
        return "record: no program given (usage: concurrency-explorer record [options] -- PROGRAM ARGS...)";
    const std::string& name = command.front();
    std::string path = name.find('/') == std::string::npos ? findInPath(name) : name;
    if (path.empty())
        return "record: no program named '" + name + "' in PATH";
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0)
        return "record: '" + name + "' does not exist";
    if (S_ISDIR(st.st_mode))
        return "record: '" + name + "' is a folder, not a program";
    if (::access(path.c_str(), X_OK) != 0)
        return "record: '" + name + "' is not executable (chmod +x, or run it through its interpreter, e.g. python3 " + name + ")";
    if (resolved)
        *resolved = path;
    return {};
}

bool Recording::start(const Options& options, std::string* error)
{
    auto fail = [&](const std::string& why) {
        if (error)
            *error = why;
        return false;
    };
    if (d->sampler.joinable())
        return fail("record: a recording is already going");
    if (!(options.sampleMs >= 1.0 && options.sampleMs <= 1000.0))
        return fail("record: --sample-ms must be from 1 to 1000 milliseconds");
    std::string exe;
    const std::string problem = checkCommand(options.command, &exe);
    if (!problem.empty())
        return fail(problem);
    d->options = options;
    d->options.coreSampleMs = std::max(options.coreSampleMs, options.sampleMs);
    d->exe = exe;
    d->counters = platform::CpuCounters::create();
    d->machine = d->counters->machineDescription();
    d->counters->readCores(d->lastCores);
    d->cores = static_cast<int>(std::max<std::size_t>(1, d->lastCores.size()));
    {
        char path[96];
        std::snprintf(path, sizeof path, "/proc/%d/task/%d/children", ::getpid(), ::getpid());
        d->haveChildrenFiles = ::access(path, R_OK) == 0;
    }
    // Orphans of the program (a daemonised grandchild) come to us instead of to init, so
    // they are found, stopped and reaped.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);

    std::vector<char*> argv;
    for (const auto& a : options.command)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int errPipe[2];
    if (::pipe2(errPipe, O_CLOEXEC) != 0)
        return fail(std::string("record: cannot create a pipe: ") + std::strerror(errno));
    d->t0 = platform::monotonicNs();
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(errPipe[0]);
        ::close(errPipe[1]);
        return fail(std::string("record: cannot start a process: ") + std::strerror(errno));
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec. It stays in our process group, so
        // that it keeps the terminal (it may read stdin) and Ctrl+C reaches it as it would
        // without us; killed if we die.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT})
            ::signal(sig, SIG_DFL);
        ::execv(exe.c_str(), argv.data());
        const int e = errno;
        (void)!::write(errPipe[1], &e, sizeof e);
        ::_exit(127);
    }
    ::close(errPipe[1]);
    int childErrno = 0;
    ssize_t n;
    do {
        n = ::read(errPipe[0], &childErrno, sizeof childErrno);
    } while (n < 0 && errno == EINTR);
    ::close(errPipe[0]);
    if (n == static_cast<ssize_t>(sizeof childErrno)) {
        ::waitpid(pid, nullptr, 0);
        return fail("record: cannot run '" + options.command.front() + "': " + std::strerror(childErrno));
    }
    d->root = pid;
    d->info.active = true;
    d->info.command = options.command;
    d->info.rootPid = pid;
    d->info.sampleMsRequested = options.sampleMs;
    d->lastCoreNs = 0;
    d->sampler = std::thread([this] { d->loop(); });
    return true;
}

void Recording::cancel()
{
    {
        std::lock_guard lock(d->mutex);
        d->cancelRequested.store(true);
    }
    d->cv.notify_all();
}

#else // not Linux

struct Recording::Impl {
    std::thread sampler; // never started
};

Recording::Recording() : d(std::make_unique<Impl>()) {}
Recording::~Recording() = default;
bool Recording::supported() { return false; }
std::string Recording::unsupportedReason()
{
    return "record: recording a program is not available on this system yet (Linux only, for now)";
}
std::string Recording::checkCommand(const std::vector<std::string>& command, std::string* resolved)
{
    (void)command;
    (void)resolved;
    return unsupportedReason();
}
bool Recording::start(const Options& options, std::string* error)
{
    (void)options;
    if (error)
        *error = unsupportedReason();
    return false;
}
void Recording::cancel() {}
bool Recording::isFinished() const { return true; }
bool Recording::waitFor(std::chrono::milliseconds) { return true; }
RunSnapshot Recording::snapshot() const { return {}; }
std::vector<std::pair<std::int64_t, std::int64_t>> Recording::cpuSeries() const { return {}; }
std::int64_t Recording::rootPid() const { return 0; }
std::int64_t Recording::startNs() const { return 0; }

#endif

#if defined(__linux__)

bool Recording::isFinished() const { return d->finished.load(); }

bool Recording::waitFor(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(d->mutex);
    return d->cv.wait_for(lock, timeout, [&] { return d->finished.load(); });
}

std::int64_t Recording::rootPid() const { return d->info.rootPid; }
std::int64_t Recording::startNs() const { return d->t0; }

std::vector<std::pair<std::int64_t, std::int64_t>> Recording::cpuSeries() const
{
    std::lock_guard lock(d->mutex);
    return d->cpuSeries;
}

RunSnapshot Recording::snapshot() const
{
    RunSnapshot r;
    std::lock_guard lock(d->mutex);
    r.config.tasks = 0;
    r.config.workers = 0;
    r.config.sampleMs = d->options.coreSampleMs;
    r.status = d->status;
    r.elapsedNs = d->finished.load() || d->status != RunStatus::Running ? d->lastSampleNs : platform::monotonicNs() - d->t0;
    r.lanes = static_cast<int>(d->lanePhases.size());
    // Lanes grouped by process (processes in the order they appeared, threads likewise), so
    // a process's threads sit together on the timeline.
    std::vector<int> order(d->lanePhases.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = static_cast<int>(i);
    {
        std::unordered_map<std::int64_t, std::size_t> firstOfPid;
        for (std::size_t i = 0; i < d->info.lanes.size(); ++i)
            firstOfPid.try_emplace(d->info.lanes[i].pid, i);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return firstOfPid[d->info.lanes[static_cast<std::size_t>(a)].pid] < firstOfPid[d->info.lanes[static_cast<std::size_t>(b)].pid];
        });
    }
    std::vector<int> newIndex(order.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        newIndex[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
    for (const int old : order) {
        for (PhaseRecord p : d->lanePhases[static_cast<std::size_t>(old)]) {
            p.lane = newIndex[static_cast<std::size_t>(old)];
            r.phases.push_back(p);
        }
    }
    r.coreSamples = d->coreSamples;
    r.errors = d->errors;
    r.runShareMeasured = true;
    r.machine = d->machine;
    r.record = d->info;
    for (std::size_t i = 0; i < order.size(); ++i)
        r.record.lanes[i] = d->info.lanes[static_cast<std::size_t>(order[i])];
    Summary& s = r.summary;
    s.makespanS = double(d->lastSampleNs) / 1e9;
    s.cpuTimeS = double(d->totalCpuNs) / 1e9;
    s.cpuWorkS = s.cpuTimeS;
    s.meanBusyCores = s.makespanS > 0 ? s.cpuTimeS / s.makespanS : 0;
    s.cores = d->cores;
    s.boundS = s.cpuTimeS / std::max(1, d->cores);
    s.longestTaskS = s.makespanS;
    s.ioWaitS = d->info.diskWaitS;
    auto mean = [](BusyAtOnce& b) {
        double total = 0, weighted = 0;
        for (std::size_t k = 0; k < b.at.size(); ++k) {
            total += b.at[k];
            weighted += b.at[k] * double(k);
        }
        b.mean = total > 0 ? weighted / total : 0;
    };
    mean(r.record.busyThreads);
    mean(r.record.busyProcesses);
    return r;
}

#endif

namespace {
std::string fmt2(double v, int decimals = 2) { return fixed(v, decimals); }
} // namespace

RecordVerdict judgeRecording(const RunSnapshot& run)
{
    RecordVerdict v;
    const RecordInfo& rec = run.record;
    const Summary& s = run.summary;
    WorkloadMeasure& m = v.measure;
    // The share of the wall time in which the program wanted a core (a thread running or
    // runnable): on a busy machine its CPU time alone would understate a CPU-bound program.
    m.cpuShare = s.makespanS > 0 ? std::min(1.0, rec.wantedCpuS / s.makespanS) : 0.0;
    m.source = "a thread of it was running or runnable for " + fmt2(rec.wantedCpuS, 3) + " s of its " + fmt2(s.makespanS, 3) + " s";

    // Threads alive at once (a lane is alive from its first to its last sample).
    std::vector<std::pair<std::int64_t, int>> edges;
    for (const auto& l : rec.lanes) {
        edges.emplace_back(l.firstNs, 1);
        edges.emplace_back(l.lastNs, -1);
    }
    std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : a.second < b.second; });
    int alive = 0, maxAlive = 0;
    for (const auto& e : edges) {
        alive += e.second;
        maxAlive = std::max(maxAlive, alive);
    }
    m.concurrency = std::max(1, maxAlive);

    // Serialised threads: a process with two or more threads that each computed for a real
    // share of the time, whose CPU time over their common lifetime stays near one core.
    std::unordered_map<std::int64_t, std::vector<const RecordedLane*>> byPid;
    for (const auto& l : rec.lanes)
        byPid[l.pid].push_back(&l);
    bool serialised = false;
    std::string serialisedWhy;
    std::vector<std::string> contention;
    for (const auto& [pid, lanes] : byPid) {
        // A thread that wanted a core (ran, or waited in the run queue) for a third of its life.
        std::vector<const RecordedLane*> computing;
        for (const auto* l : lanes) {
            const double life = double(l->lastNs - l->firstNs) / 1e9;
            if (life > 0.05 && double(l->cpuNs + l->runnableNs) / 1e9 > 0.3 * life)
                computing.push_back(l);
        }
        if (computing.size() < 2 || s.cores < 2)
            continue;
        std::int64_t from = 0, to = INT64_MAX, cpu = 0, wanted = 0, span = 0, blocked = 0, notRunning = 0;
        for (const auto* l : computing) {
            blocked += l->blockedNs;
            notRunning += std::max<std::int64_t>(0, l->lastNs - l->firstNs - l->cpuNs);
            from = std::max(from, l->firstNs);
            to = std::min(to, l->lastNs);
            cpu += l->cpuNs;
            wanted += l->cpuNs + l->runnableNs;
            span = std::max(span, l->lastNs - l->firstNs);
        }
        if (to <= from || span <= 0)
            continue;
        const double busy = double(cpu) / double(span);
        const double demand = double(wanted) / double(span);
        const std::string who = std::to_string(computing.size()) + " threads of process " + std::to_string(pid) + " (" + computing.front()->process + ")";
        // Threads that take turns on a lock both get CPU time within a window, but never
        // more than one core's worth together, and while one runs the other sleeps on the
        // lock. Threads held back only by a busy machine wait runnable, not asleep.
        const auto proc = std::find_if(rec.processList.begin(), rec.processList.end(), [&, p = pid](const RecordedProcess& x) { return x.pid == p; });
        const double blockedShare = notRunning > 0 ? double(blocked) / double(notRunning) : 0;
        if (proc != rec.processList.end() && proc->sharedS >= 0.1 && proc->parallelS < 0.1 * proc->sharedS && blockedShare >= 0.1) {
            serialised = true;
            serialisedWhy = who + " computed, yet in the " + fmt2(proc->sharedS) + " s of 50 ms windows where two or more of them ran they used more "
                          + "than 1.3 cores for only " + fmt2(proc->parallelS) + " s (at most " + fmt2(proc->maxCores) + " cores), and "
                          + fmt2(100 * blockedShare, 0) + " % of their time off a core they were asleep, not waiting for one: they took turns "
                          + "on a lock, as under an interpreter lock (CPython's GIL)";
        } else if (busy < 0.8 * demand) {
            contention.push_back(who + " wanted " + fmt2(demand) + " cores at once but got " + fmt2(busy) + ": the rest of the time they were "
                                 + "runnable, waiting for a core the machine's other work held");
        }
    }
    // A process that computed and runs CPython has its lock whether or not two of its
    // threads met it here (a process pool's workers compute one thread each).
    std::string python;
    for (const auto& l : rec.lanes) {
        const double life = double(l.lastNs - l.firstNs) / 1e9;
        if (l.process.rfind("python", 0) == 0 && life > 0.05 && double(l.cpuNs + l.runnableNs) / 1e9 > 0.3 * life) {
            python = "its computing threads run in CPython (process " + std::to_string(l.pid) + " is " + l.process
                   + "), whose threads share one interpreter lock";
            break;
        }
    }
    m.gil = serialised || !python.empty();
    v.advice = advise(m);
    for (auto& step : v.advice.path) {
        if (step.node == "cpu-gil")
            step.reason = serialised ? serialisedWhy : !python.empty() ? python : "no process had two or more computing threads held to one core, and none is CPython";
    }

    if (rec.lanes.empty() || s.makespanS < 0.05)
        v.findings.push_back("the program ran for " + fmt2(1000 * s.makespanS, 1) + " ms: too short for the figures below to say much "
                             "(one sample every " + fmt2(rec.sampleMsRequested, 1) + " ms)");
    v.findings.push_back("CPU share " + fmt2(100 * m.cpuShare, 0) + " %: " + m.source + "; CPU time " + fmt2(s.cpuTimeS, 3) + " s, "
                         + fmt2(s.meanBusyCores) + " busy cores on average, of " + std::to_string(s.cores));
    v.findings.push_back("threads running at once: at most " + std::to_string(rec.busyThreads.max) + ", on average " + fmt2(rec.busyThreads.mean)
                         + "; processes with a running thread at once: at most " + std::to_string(rec.busyProcesses.max) + ", on average "
                         + fmt2(rec.busyProcesses.mean));
    v.findings.push_back(std::to_string(rec.lanes.size()) + " threads in " + std::to_string(rec.processes) + " process"
                         + (rec.processes == 1 ? "" : "es") + ", at most " + std::to_string(maxAlive) + " alive at once; summed over threads: runnable "
                         + fmt2(rec.runnableS) + " s (ready, no core free), sleeping " + fmt2(rec.sleepingS) + " s, disk wait "
                         + fmt2(rec.diskWaitS) + " s");
    if (serialised)
        v.findings.push_back(serialisedWhy);
    v.findings.insert(v.findings.end(), contention.begin(), contention.end());
    if (rec.runnableS > 0.2 * std::max(1e-9, s.makespanS) && rec.busyThreads.max > 0)
        v.findings.push_back("threads waited " + fmt2(rec.runnableS) + " s for a free core: the machine was busy (other programs, or more "
                             "runnable threads than cores)");
    return v;
}

} // namespace ce
