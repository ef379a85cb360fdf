// The processes model: a pool of worker processes (the lean worker program, started with
// posix_spawn or forked by a forkserver; Boost.Process on Windows), tasks and results crossing
// pipes. This is the only file that includes Boost.Process (its headers are slow and heavy to
// compile), and only on Windows.
#include "ForkServer.h"
#include "Kernels.h"
#include "models/ProcessModel.h"

#include "ModelContext.h"
#include "TaskRunner.h"
#include "WorkerProtocol.h"
#include "platform/Platform.h"

#if defined(_WIN32)
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#else
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(_WIN32)
namespace bp = boost::process;
#endif

namespace ce {
namespace {

// Children the controller may have to kill on cancel, by lane. A lane removes its child
// before reaping it, under the same mutex, so a kill never hits a recycled pid.
#if defined(_WIN32)
using ChildHandle = bp::child::native_handle_t;
#else
using ChildHandle = pid_t;
#endif

class ChildRegistry {
public:
    void add(int lane, ChildHandle handle)
    {
        std::lock_guard lock(m_mutex);
        m_children[lane] = handle;
    }
    void remove(int lane)
    {
        std::lock_guard lock(m_mutex);
        m_children.erase(lane);
    }
    void killAll()
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [lane, handle] : m_children) {
#if defined(_WIN32)
            TerminateProcess(handle, 1);
#else
            ::kill(handle, SIGKILL);
#endif
        }
    }

private:
    std::mutex m_mutex;
    std::map<int, ChildHandle> m_children;
};

#if !defined(_WIN32)
std::string describeStatus(int status)
{
    if (WIFSIGNALED(status))
        return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with code " + std::to_string(WEXITSTATUS(status));
}

// Signals a terminal or a service manager sends to a whole process group.
bool isGroupStopSignal(int status)
{
    return WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP);
}
#endif

// Whether a worker that just ended (its exit `status`, known when `reaped`) was ended by a
// cancel. A signal sent to the whole process group (a terminal's Ctrl+C reaches the parent
// too) may end the worker a moment before the parent's handler has turned it into a cancel:
// wait for that briefly. A worker has a group of its own, but only from the instant
// posix_spawn moves it there: a group signal sent just before stays pending in it and ends it
// before its program runs (with --spawn-per-task, often enough to matter).
bool endedByCancel(CancelToken& cancel, bool reaped, int status)
{
    if (cancel.isCancelled())
        return true;
#if !defined(_WIN32)
    if (reaped && isGroupStopSignal(status))
        return !cancel.sleepFor(std::chrono::seconds(1));
#else
    (void)reaped;
    (void)status;
#endif
    return false;
}

[[maybe_unused]] std::mutex& spawnMutex()
{
    static std::mutex m;
    return m;
}

std::string seconds(double ms)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
    return buf;
}

// A worker's greeting is its pid and a tag: anything longer is not a greeting.
constexpr std::uint64_t kHelloBytes = 64;

#if defined(_WIN32)
// A pipe end as protocol::readFrame/writeFrame take it.
template <typename H>
std::intptr_t pipeHandle(H h)
{
    if constexpr (std::is_pointer_v<H>)
        return reinterpret_cast<std::intptr_t>(h); // a Windows HANDLE
    else
        return static_cast<std::intptr_t>(h);      // a POSIX descriptor
}
#endif

// How a run starts its workers: the lean worker program, and the forkserver when
// --start-method forkserver (started once per run, before the first worker).
struct Launcher {
    std::string program;
#if !defined(_WIN32)
    ForkServer* server = nullptr;
#endif
};

// One worker process and its two pipes, started and reaped alike by a lane of the processes
// model and by the event loop's process pool. The callers keep the registry, the sampler and
// the protocol; this keeps the start and the reap, which must not differ between them.
class WorkerProcess {
public:
    WorkerProcess() = default;
    ~WorkerProcess() { reap(false); }
    WorkerProcess(const WorkerProcess&) = delete;
    WorkerProcess& operator=(const WorkerProcess&) = delete;

    struct Exit {
        bool reaped = false;         // the exit status below is the child's (POSIX)
        int status = 0;
        bool ignoredRequest = false; // asked to leave, it did not within the grace, and was killed
        std::string text = "ended";  // "exited with code 0", "was killed by signal 9"
        std::int64_t cpuNs = -1;     // its CPU time as its reaper learnt it; -1 when unknown
        int lastCore = -1;           // the core it last ran on; -1 when unknown
    };

#if !defined(_WIN32)
    // Starts a worker with stdin and stdout on fresh pipes; false with one sentence.
    bool start(const Launcher& launcher, std::string* error)
    {
        // Every descriptor is close-on-exec from birth, so a worker started by another lane
        // at the same moment inherits none of ours (its stdin would never see EOF); the
        // worker's own ends become its 0 and 1 by dup2, which clears the flag there.
        int in[2], out[2];
        if (!makePipe(in)) {
            *error = std::string("cannot start a worker process: no pipe (") + std::strerror(errno) + ")";
            return false;
        }
        if (!makePipe(out)) {
            *error = std::string("cannot start a worker process: no pipe (") + std::strerror(errno) + ")";
            ::close(in[0]);
            ::close(in[1]);
            return false;
        }
        std::int64_t pid = 0;
        int statusFd = -1;
        const bool started = launcher.server ? launcher.server->forkWorker(in[0], out[1], &pid, &statusFd, error)
                                             : spawnWorkerProgram(launcher.program, in[0], out[1], &pid, error);
        ::close(in[0]);
        ::close(out[1]);
        if (!started) {
            ::close(in[1]);
            ::close(out[0]);
            return false;
        }
        m_toChild = in[1];
        m_fromChild = out[0];
        m_pid = pid;
        m_statusFd = statusFd;
        return true;
    }

    bool running() const { return m_pid > 0; }
    std::int64_t pid() const { return m_pid; }
    ChildHandle handle() const { return static_cast<pid_t>(m_pid); }
    std::intptr_t toChild() const { return m_toChild; }
    std::intptr_t fromChild() const { return m_fromChild; }

    // Closes its pipes (closing stdin is how a worker is asked to leave), gives it
    // kLeaveGrace when `askFirst`, kills it if it is still there, and reaps it (a spawned
    // worker here; a forked one is reaped by its server, which sends us the status).
    Exit reap(bool askFirst)
    {
        Exit exit;
        if (m_pid <= 0)
            return exit;
        closeFd(m_toChild);
        closeFd(m_fromChild);
        const pid_t pid = static_cast<pid_t>(m_pid);
        int status = 0;
        bool ended = false;
        if (m_statusFd >= 0) {
            bool gone = false;
            ended = askFirst && readForkedStatus(m_statusFd, kLeaveGrace, &status, &gone, &exit.cpuNs, &exit.lastCore);
            if (!ended) {
                exit.ignoredRequest = askFirst;
                // Not reaped yet (no status came), so the pid is still this worker's.
                if (!readForkedStatus(m_statusFd, std::chrono::milliseconds(0), &status, &gone, &exit.cpuNs, &exit.lastCore))
                    ::kill(pid, SIGKILL);
                ended = readForkedStatus(m_statusFd, kKilledGrace, &status, &gone, &exit.cpuNs, &exit.lastCore);
            }
            exit.reaped = ended && !gone;
            closeFd(m_statusFd);
        } else {
            // Wait for the exit itself where the OS can say when it happens (Linux: a pidfd
            // becomes readable); elsewhere poll waitpid finely at first (a worker leaves within
            // a millisecond of its input closing), then more coarsely. A 10 ms sleep per poll
            // cost every task of --spawn-per-task 10 ms.
            // The reap also tells its CPU time and last core (platform::reapChild): a worker that
            // lived between two of the sampler's looks is otherwise never counted as the run's.
            platform::ChildEnd end;
            std::int64_t reaped = 0;
            if (askFirst && waitForExit(pid, kLeaveGrace))
                reaped = platform::reapChild(pid, true, &end);
            auto pause = std::chrono::microseconds(20);
            for (auto waited = std::chrono::microseconds(0); askFirst && reaped == 0 && waited < kLeaveGrace && (reaped = platform::reapChild(pid, true, &end)) == 0;
                 waited += pause, pause = std::min(pause * 2, std::chrono::microseconds(kReapPoll)))
                std::this_thread::sleep_for(pause);
            if (reaped == 0 || !askFirst) {
                exit.ignoredRequest = askFirst;
                ::kill(pid, SIGKILL);
                while ((reaped = platform::reapChild(pid, false, &end)) < 0 && errno == EINTR) {
                }
            }
            exit.reaped = reaped == pid;
            status = end.status;
            exit.cpuNs = exit.reaped ? end.cpuNs : -1;
            exit.lastCore = exit.reaped ? end.lastCore : -1;
        }
        exit.status = status;
        exit.text = exit.reaped ? describeStatus(status) : "ended";
        m_pid = 0;
        return exit;
    }

private:
    static bool makePipe(int fds[2])
    {
#if defined(__linux__)
        return ::pipe2(fds, O_CLOEXEC) == 0;
#else
        // No pipe2: the flag is set right after, under the lock every start takes here.
        std::lock_guard lock(spawnMutex());
        if (::pipe(fds) != 0)
            return false;
        ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        return true;
#endif
    }
    static void closeFd(int& fd)
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
    // Whether `pid` (our child) ended within `limit`, learnt from a pidfd (Linux 5.3 and
    // later); false when it did not, or the OS cannot tell (then the caller polls).
    static bool waitForExit(pid_t pid, std::chrono::milliseconds limit)
    {
#if defined(__linux__) && defined(SYS_pidfd_open)
        const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (fd < 0)
            return false;
        pollfd p{fd, POLLIN, 0};
        int n = 0;
        while ((n = ::poll(&p, 1, static_cast<int>(limit.count()))) < 0 && errno == EINTR) {
        }
        ::close(fd);
        return n > 0;
#else
        (void)pid;
        (void)limit;
        return false;
#endif
    }

    // How long a worker asked to leave may take, how long a killed one may take to be
    // reported by its forkserver, and the longest pause between two looks.
    static constexpr std::chrono::milliseconds kLeaveGrace{2000};
    static constexpr std::chrono::milliseconds kKilledGrace{10000};
    static constexpr std::chrono::milliseconds kReapPoll{10};

    int m_toChild = -1;
    int m_fromChild = -1;
    int m_statusFd = -1; // forked workers: where the forkserver reports the exit
    std::int64_t m_pid = 0;
#else
    bool start(const Launcher& launcher, std::string* error)
    {
        const std::string& exe = launcher.program;
        try {
            // Pipes are created inheritable. If another worker was spawned between our pipe()
            // and our spawn, it would inherit our ends and our child would never see EOF on
            // stdin. So create and spawn under one lock.
            std::lock_guard spawnLock(spawnMutex());
            m_toChild = std::make_unique<bp::pipe>();
            m_fromChild = std::make_unique<bp::pipe>();
            m_child = std::make_unique<bp::child>(bp::exe = exe, bp::args = {"worker"}, bp::std_in < *m_toChild, bp::std_out > *m_fromChild);
        } catch (const std::exception& e) {
            m_toChild.reset();
            m_fromChild.reset();
            m_child.reset();
            *error = "cannot start worker process " + exe + ": " + e.what();
            return false;
        }
        m_pid = m_child->id();
        return true;
    }

    bool running() const { return m_child != nullptr; }
    std::int64_t pid() const { return m_pid; }
    ChildHandle handle() const { return m_child->native_handle(); }
    std::intptr_t toChild() const { return pipeHandle(m_toChild->native_sink()); }
    std::intptr_t fromChild() const { return pipeHandle(m_fromChild->native_source()); }

    Exit reap(bool askFirst)
    {
        Exit exit;
        if (!m_child)
            return exit;
        if (m_toChild)
            m_toChild->close();
        if (m_fromChild)
            m_fromChild->close();
        const auto polls = kLeaveGrace / kReapPoll;
        std::error_code ec;
        for (int i = 0; askFirst && i < polls && m_child->running(ec); ++i)
            std::this_thread::sleep_for(kReapPoll);
        if (m_child->running(ec)) {
            exit.ignoredRequest = askFirst;
            m_child->terminate(ec);
        }
        m_child->wait(ec);
        exit.text = "exited with code " + std::to_string(m_child->exit_code());
        m_child.reset();
        m_toChild.reset();
        m_fromChild.reset();
        return exit;
    }

private:
    static constexpr std::chrono::milliseconds kLeaveGrace{2000};
    static constexpr std::chrono::milliseconds kReapPoll{10};

    std::unique_ptr<bp::pipe> m_toChild;
    std::unique_ptr<bp::pipe> m_fromChild;
    std::unique_ptr<bp::child> m_child;
    std::int64_t m_pid = 0;
#endif
};

// How long a worker may stay silent, and how long a frame may be: fixed for a run.
struct Deadlines {
    double msPerUnit = 0;      // of the run's kernel, as calibrated in the parent
    double contention = 1;     // lanes per core: a CPU part may take that much longer
    double graceMs = 5000;     // --worker-timeout-s
    std::uint64_t maxReply = protocol::kFrameHeadroom;

    static Deadlines forRun(const RunConfig& c)
    {
        Deadlines d;
        if (c.workload != WorkloadKind::Io)
            d.msPerUnit = 1.0 / std::max(1e-9, unitsPerMs(c.kernel));
        const double cores = std::max(1u, std::thread::hardware_concurrency());
        d.contention = std::max(1.0, laneCount(c) / cores);
        d.graceMs = c.workerTimeoutS * 1000.0;
        d.maxReply = c.payloadBytes + protocol::kFrameHeadroom;
        return d;
    }
    // A shared machine (the tests run beside two spinning processes) can stretch any part
    // this many times over before a worker counts as hung.
    static constexpr double kBusyMachineFactor = 3;
    // A net or file wait is its --wait-ms plus the round trip itself: a connect, an fsync on a
    // slow disk. A second covers it with room; a sleep needs nothing more.
    static constexpr double kIoOverheadMs = 1000;
    // The slowest pipe we allow for: 20 MB/s (20e3 bytes per ms), far below any real pipe.
    static constexpr double kSlowPipeBytesPerMs = 20e3;
    // Loading the executable and its libraries on a busy machine, cold caches included.
    static constexpr double kStartMs = 10000;

    // What a task can take at worst, kBusyMachineFactor times over, plus the grace.
    std::chrono::milliseconds forTask(const RunConfig& c, const std::vector<PhaseSpec>& phases) const
    {
        double ms = 0;
        for (const auto& p : phases)
            ms += p.kind == PhaseSpec::Kind::Cpu ? p.units * msPerUnit * contention : p.ms + (c.io == IoKind::Sleep ? 0 : kIoOverheadMs);
        ms += 2.0 * static_cast<double>(c.payloadBytes) / kSlowPipeBytesPerMs; // there and back
        return std::chrono::milliseconds(static_cast<std::int64_t>(kBusyMachineFactor * ms + graceMs));
    }
    // A worker's start-up.
    std::chrono::milliseconds forStart() const { return std::chrono::milliseconds(static_cast<std::int64_t>(kStartMs + graceMs)); }
};

// How a worker's start went; its owner ends a worker that did not greet, in its own words.
enum class WorkerStart { Ok, NotStarted, NoGreeting, BadGreeting, Closed };

// Starts a worker (a lane's or the offload pool's) and reads its hello within `limit`. It is
// registered under `slot` and sampled from the moment it exists, so a cancel can kill it while
// it loads. Unless NotStarted (then `error` says why), the worker is running: the caller ends it.
WorkerStart startWorker(WorkerProcess& process, const Launcher& launcher, ChildRegistry& registry, int slot, CoreSampler& sampler,
                        std::chrono::milliseconds limit, std::string* error)
{
    if (!process.start(launcher, error))
        return WorkerStart::NotStarted;
    registry.add(slot, process.handle());
    sampler.addProcess(process.pid());
    std::string frame;
    std::int64_t helloPid = 0;
    const auto r = protocol::readFrame(process.fromChild(), frame, kHelloBytes, limit);
    if (r.status == protocol::FrameStatus::Ok && protocol::decodeHello(frame, helloPid))
        return WorkerStart::Ok;
    if (r.status == protocol::FrameStatus::TimedOut)
        return WorkerStart::NoGreeting;
    if (r.status == protocol::FrameStatus::Closed)
        return WorkerStart::Closed;
    return WorkerStart::BadGreeting;
}

// A request for `task` of `lane` with the run's settings (kernel, I/O, GIL, sizes), sent now;
// the caller adds the phases and what else is its own (the crash flag, a payload).
protocol::Request requestFor(const ModelContext& ctx, int task, int lane)
{
    protocol::Request req;
    req.task = task;
    req.lane = lane;
    req.runStartNs = ctx.recorder.startNs();
    req.sentNs = ctx.recorder.nowNs();
    req.kernel = ctx.config.kernel;
    req.io = ctx.env.io;
    req.gil = ctx.config.gil; // the worker's own lock: nobody else in its process wants it
    req.switchIntervalMs = ctx.config.switchIntervalMs;
    req.sliceUnits = ctx.sizes.sliceUnits;
    req.port = ctx.env.port;
    req.netPayload = ctx.env.netPayload;
    req.fileBytes = ctx.env.fileBytes;
    req.tmpDir = ctx.env.tmpDir;
    return req;
}

// Why a worker that did not greet within `limit` was killed.
std::string noGreetingReason(std::chrono::milliseconds limit)
{
    return "stopped responding (no greeting within " + seconds(static_cast<double>(limit.count())) + " of its start), and was killed";
}

class Lane {
public:
    Lane(ModelContext& ctx, ChildRegistry& registry, std::atomic<int>& next, const Deadlines& deadlines, const Launcher& launcher, int lane)
        : m_ctx(ctx), m_registry(registry), m_next(next), m_deadlines(deadlines), m_launcher(launcher), m_lane(lane)
    {
        for (int t = 0; t < ctx.config.tasks && m_parentOomTask < 0 && std::getenv(protocol::kFaultVariable); ++t) {
            if (protocol::faultRequested("parent-oom", t))
                m_parentOomTask = t;
        }
    }

    // No exception leaves a lane: whatever escapes fails the task at hand with its reason.
    void run()
    {
        try {
            loop();
        } catch (const std::exception& e) {
            abandon(std::string("the lane stopped: ") + e.what());
        }
    }

private:
    void loop()
    {
        platform::blockBrokenPipeSignal(); // a dead worker's pipe gives EPIPE, not SIGPIPE
        const bool perTask = m_ctx.config.spawnPerTask;
        bool alive = false;
        for (;;) {
            if (m_ctx.cancel.isCancelled())
                break;
            // --chunksize: Pool.map hands a worker that many tasks in one request.
            const int chunk = perTask ? 1 : batchSize();
            const int task = m_next.fetch_add(chunk, std::memory_order_relaxed);
            if (task >= m_ctx.config.tasks)
                break;
            const int count = std::min(chunk, m_ctx.config.tasks - task);
            m_task = task;
            m_taskCount = count;
            if (!alive && !spawn(perTask ? task : -1)) {
                for (int t = task; t < task + count; ++t)
                    m_ctx.recorder.setTaskStatus(t, m_ctx.cancel.isCancelled() ? TaskStatus::Cancelled : TaskStatus::Failed);
                break;
            }
            alive = runTasks(task, count);
            m_task = -1;
            if (perTask && alive)
                finishChild(true);
            if (perTask)
                alive = false;
            // A pool worker that died was reaped in runTasks; the next task gets a new one.
        }
        if (alive)
            finishChild(true);
    }

    // The last resort of run(): fail the task at hand, and end the worker.
    void abandon(const std::string& why) noexcept
    {
        try {
            if (m_process.running())
                killWorker(why);
            for (int t = m_task; t >= 0 && t < m_task + m_taskCount; ++t) {
                m_ctx.recorder.setTaskStatus(t, m_ctx.cancel.isCancelled() ? TaskStatus::Cancelled : TaskStatus::Failed);
                if (!m_ctx.cancel.isCancelled())
                    m_ctx.recorder.addError("task " + std::to_string(t) + ": " + why);
            }
        } catch (...) {
            // Nothing is left to report with: the run ends with this task unfinished.
        }
    }

    std::int64_t now() const { return m_ctx.recorder.nowNs(); }
    std::intptr_t toChild() const { return m_process.toChild(); }
    std::intptr_t fromChild() const { return m_process.fromChild(); }
    std::string who() const { return "worker process " + std::to_string(m_pid); }

    bool spawn(int task)
    {
        const std::int64_t t0 = now();
        const auto core = static_cast<std::int16_t>(platform::currentCpu());
        m_killReason.clear();
        std::string error;
        const WorkerStart started = startWorker(m_process, m_launcher, m_registry, m_lane, m_ctx.sampler, m_deadlines.forStart(), &error);
        if (started == WorkerStart::NotStarted) {
            if (!m_ctx.cancel.isCancelled())
                m_ctx.recorder.addError(error);
            return false;
        }
        m_pid = m_process.pid();
        if (started != WorkerStart::Ok) {
            if (started == WorkerStart::NoGreeting)
                killWorker(noGreetingReason(m_deadlines.forStart()));
            else if (started == WorkerStart::BadGreeting)
                killWorker("sent something else than its greeting (a protocol error), and was killed");
            else
                finishChild(false);
            // A group signal can end a worker while it starts too (see endedByCancel).
            if (!wasCancelled())
                m_ctx.recorder.addError(who() + " did not start: " + m_lastExit);
            return false;
        }
        m_ctx.recorder.lane(m_lane).add(PhaseRecord{t0, now(), m_pid, task, m_lane, core, State::Spawn});
        return true;
    }

    protocol::Request request(int task) const
    {
        protocol::Request req = requestFor(m_ctx, task, m_lane);
        req.crash = task == m_ctx.config.crashTask;
        req.phases = planTask(m_ctx.config, m_ctx.sizes, task);
        return req;
    }

    // Tasks per request: --chunksize, kept small enough for the batch's payload to fit a frame.
    int batchSize() const
    {
        const int chunk = effectiveChunksize(m_ctx.config);
        const std::uint64_t payload = std::max<std::uint64_t>(1, m_ctx.config.payloadBytes);
        return std::max(1, static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(chunk), protocol::kMaxBatchPayload / payload)));
    }

    // Sends tasks first .. first + count - 1 (one request, or a batch of them: --chunksize)
    // and reads the reply. Returns "" when the replies arrived; else why not, with the worker
    // already ended (killed by us when the fault was its answer or silence).
    std::string exchange(int first, int count, std::vector<protocol::Reply>& replies)
    {
        std::chrono::milliseconds limit{0};
        std::string frame;
        try {
            // The request's payload is moved into its encoded frame, freed once sent.
            std::vector<std::string> frames;
            for (int t = first; t < first + count; ++t) {
                protocol::Request req = request(t);
                limit += m_deadlines.forTask(m_ctx.config, req.phases);
                if (m_parentOomTask == t)
                    throw std::bad_alloc(); // the tests' stand-in for a parent out of memory
                req.payload.assign(m_ctx.config.payloadBytes, 'p');
                frames.push_back(protocol::encode(req));
            }
            // One grace for the whole chunk, not one per task.
            limit -= std::chrono::milliseconds(static_cast<std::int64_t>((count - 1) * m_deadlines.graceMs));
            frame = count == 1 ? std::move(frames.front()) : protocol::encodeBatch(frames);
        } catch (const std::bad_alloc&) {
            killWorker("could not be sent its task: the parent ran out of memory building the request (payload "
                       + std::to_string(m_ctx.config.payloadBytes) + " bytes)");
            return m_lastExit;
        }
        const std::uint64_t maxReply = m_deadlines.maxReply + static_cast<std::uint64_t>(count - 1) * m_ctx.config.payloadBytes;
        auto r = protocol::writeFrame(toChild(), frame, limit);
        frame = std::string();
        if (r.status == protocol::FrameStatus::Ok) {
            try {
                r = protocol::readFrame(fromChild(), frame, maxReply, limit);
            } catch (const std::bad_alloc&) {
                killWorker("could not be heard: the parent ran out of memory for the reply");
                return m_lastExit;
            }
        }
        switch (r.status) {
        case protocol::FrameStatus::Ok:
            if (decodeReplies(frame, first, count, replies))
                return {};
            killWorker("sent a malformed reply (a protocol error)");
            break;
        case protocol::FrameStatus::TimedOut:
            killWorker("stopped responding (silent for " + seconds(limit.count()) + ", more than the task can take plus --worker-timeout-s "
                       + seconds(m_deadlines.graceMs) + ")");
            break;
        case protocol::FrameStatus::TooLong:
            killWorker("announced a frame of " + std::to_string(r.announced) + " bytes, more than this run's replies can hold ("
                       + std::to_string(maxReply) + "): a protocol error");
            break;
        case protocol::FrameStatus::Failed:
            killWorker(std::string("could not be reached (") + std::strerror(r.error) + ")");
            break;
        case protocol::FrameStatus::Closed:
            finishChild(false);
            break;
        }
        return m_lastExit;
    }

    static bool decodeReplies(const std::string& frame, int first, int count, std::vector<protocol::Reply>& replies)
    {
        replies.assign(static_cast<std::size_t>(count), protocol::Reply{});
        if (count == 1)
            return protocol::decode(frame, replies.front()) && replies.front().task == first;
        std::vector<std::string> parts;
        if (!protocol::decodeBatch(frame, parts) || parts.size() != static_cast<std::size_t>(count))
            return false;
        for (int i = 0; i < count; ++i) {
            auto& reply = replies[static_cast<std::size_t>(i)];
            if (!protocol::decode(parts[static_cast<std::size_t>(i)], reply) || reply.task != first + i)
                return false;
        }
        return true;
    }

    // Runs a task, or a chunk of them in one round trip (as with Pool.map, a chunk is lost
    // whole when its worker dies). Returns whether the worker is still usable afterwards.
    bool runTasks(int first, int count)
    {
        auto& rec = m_ctx.recorder;
        for (int t = first; t < first + count; ++t)
            rec.setTaskStatus(t, TaskStatus::Running);
        std::vector<protocol::Reply> replies;
        const std::string failure = exchange(first, count, replies);
        if (!failure.empty()) {
            const bool cancelled = wasCancelled();
            for (int t = first; t < first + count; ++t)
                rec.setTaskStatus(t, cancelled ? TaskStatus::Cancelled : TaskStatus::Failed);
            if (!cancelled) {
                const std::string what = count == 1 ? "task " + std::to_string(first)
                                                    : "tasks " + std::to_string(first) + "-" + std::to_string(first + count - 1) + " (one chunk)";
                rec.addError(who() + " " + failure + " while running " + what + (m_killedByUs ? ", and was killed" : "")
                             + (m_ctx.config.spawnPerTask ? std::string() : std::string("; a new worker takes its place")));
            }
            return false;
        }
        // The worker's own phases (its side of the transfer, CPU, waits), then our side of
        // the reply's transfer, once for the whole chunk.
        auto& sink = rec.lane(m_lane);
        for (const auto& reply : replies) {
            for (const auto& p : reply.phases)
                sink.add(p);
        }
        sink.add(PhaseRecord{replies.back().replyStartNs, now(), platform::currentThreadId(), replies.back().task, m_lane,
                             static_cast<std::int16_t>(platform::currentCpu()), State::Ipc});
        for (const auto& reply : replies) {
            if (static_cast<TaskRunner::Outcome>(reply.outcome) == TaskRunner::Outcome::Done) {
                rec.setTaskStatus(reply.task, TaskStatus::Done);
            } else {
                rec.setTaskStatus(reply.task, TaskStatus::Failed);
                rec.addError("task " + std::to_string(reply.task) + ": " + reply.error);
            }
        }
        return true;
    }

    bool wasCancelled() { return endedByCancel(m_ctx.cancel, m_reaped, m_status); }

    // Ends the worker because of something it did (or did not do): the reason replaces the
    // "killed by signal 9" the exit status would tell.
    void killWorker(const std::string& reason)
    {
        m_killReason = reason;
        finishChild(false);
    }

    // Ends the current child: politely (close its stdin and give it a moment) or not.
    void finishChild(bool polite)
    {
        if (!m_process.running())
            return;
        m_registry.remove(m_lane);
        const bool askFirst = polite && !m_ctx.cancel.isCancelled();
        const WorkerProcess::Exit exit = m_process.reap(askFirst);
        if (exit.ignoredRequest)
            m_ctx.recorder.addError(who() + " did not exit within 2 s of its input closing and was killed");
        m_reaped = exit.reaped;
        m_status = exit.status;
        m_killedByUs = !m_killReason.empty();
        m_lastExit = m_killedByUs ? m_killReason : exit.text;
        m_killReason.clear();
        m_ctx.sampler.processEnded(m_pid, exit.cpuNs, exit.lastCore);
    }

    ModelContext& m_ctx;
    ChildRegistry& m_registry;
    std::atomic<int>& m_next;
    const Deadlines& m_deadlines;
    const Launcher& m_launcher;
    const int m_lane;
    WorkerProcess m_process;
    std::int64_t m_pid = 0;
    int m_task = -1;                 // the first task in hand, for abandon()
    int m_taskCount = 1;             // how many from m_task (a chunk)
    int m_parentOomTask = -1;        // testing aid (kFaultVariable "parent-oom@N")
    std::string m_killReason;        // set while we end a worker for a fault of its own
    std::string m_lastExit = "ended";
    bool m_killedByUs = false;       // the last worker was ended for m_killReason
    bool m_reaped = false;
    int m_status = 0;
};

// Finds the worker program and, for --start-method forkserver, starts the server: once per
// run, on the run's own thread (a server that asks to die with its parent dies with the
// thread that started it, on Linux), before the first worker is asked for.
class RunLauncher {
public:
    RunLauncher() = default;
    RunLauncher(const RunLauncher&) = delete;
    RunLauncher& operator=(const RunLauncher&) = delete;
    ~RunLauncher()
    {
#if !defined(_WIN32)
        // The server works for the run (it forks every worker): sampled while it lives.
        if (m_sampler && m_server.pid() > 0)
            m_sampler->removeProcess(m_server.pid());
#endif
    }

    bool prepare(ModelContext& ctx, const Deadlines& deadlines, std::string* error)
    {
        m_launcher.program = workerProgramBeside(ctx.config.workerExecutable, error);
        if (m_launcher.program.empty())
            return false;
        if (ctx.config.startMethod != StartMethod::Forkserver)
            return true;
#if defined(_WIN32)
        (void)deadlines;
        *error = "--start-method forkserver needs fork(), which Windows does not have";
        return false;
#else
        m_serverStartNs = ctx.recorder.nowNs();
        if (!m_server.start(m_launcher.program, deadlines.forStart(), error))
            return false;
        m_serverReadyNs = ctx.recorder.nowNs();
        m_launcher.server = &m_server;
        m_sampler = &ctx.sampler;
        m_sampler->addProcess(m_server.pid());
        return true;
#endif
    }
    const Launcher& launcher() const { return m_launcher; }
    // The server's own start, for the first lane to draw (a lane has one writer: its thread).
    std::int64_t serverStartNs() const { return m_serverStartNs; }
    std::int64_t serverReadyNs() const { return m_serverReadyNs; }
    std::int64_t serverPid() const
    {
#if defined(_WIN32)
        return 0;
#else
        return m_server.pid();
#endif
    }
private:
    Launcher m_launcher;
#if !defined(_WIN32)
    ForkServer m_server; // declared after the launcher that points to it; stopped first
#endif
    std::int64_t m_serverStartNs = -1;
    std::int64_t m_serverReadyNs = -1;
    CoreSampler* m_sampler = nullptr; // set once the server runs
};

// Every task of a run that could not start a single worker fails, with the reason once.
void failAllTasks(ModelContext& ctx, const std::string& why)
{
    if (!ctx.cancel.isCancelled())
        ctx.recorder.addError(why);
    for (int t = 0; t < ctx.config.tasks; ++t)
        ctx.recorder.setTaskStatus(t, ctx.cancel.isCancelled() ? TaskStatus::Cancelled : TaskStatus::Failed);
}

} // namespace

void runProcesses(ModelContext& ctx)
{
    ChildRegistry registry;
    std::atomic<int> next{0};
    const Deadlines deadlines = Deadlines::forRun(ctx.config);
    RunLauncher starter;
    std::string error;
    if (!starter.prepare(ctx, deadlines, &error)) {
        failAllTasks(ctx, error);
        return;
    }
    std::atomic<int> lanesLeft{laneCount(ctx.config)};
    std::vector<std::thread> threads;
    for (int lane = 0; lane < laneCount(ctx.config); ++lane) {
        const bool started = startThread(ctx, threads, "a worker process's lane thread", [&, lane] {
            if (lane == 0 && starter.serverStartNs() >= 0) {
                ctx.recorder.lane(0).add(PhaseRecord{starter.serverStartNs(), starter.serverReadyNs(), starter.serverPid(), -1, 0,
                                                     static_cast<std::int16_t>(platform::currentCpu()), State::Spawn});
            }
            Lane(ctx, registry, next, deadlines, starter.launcher(), lane).run();
            lanesLeft.fetch_sub(1);
        });
        if (!started) {
            lanesLeft.fetch_sub(laneCount(ctx.config) - lane);
            break;
        }
    }
    // The lanes block on pipes; only killing their children unblocks them on cancel. Keep
    // killing until every lane has left: a lane may have spawned just before it saw the cancel.
    while (lanesLeft.load() > 0) {
        if (!ctx.cancel.sleepFor(std::chrono::milliseconds(20))) {
            registry.killAll();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    for (auto& t : threads)
        t.join();
}

} // namespace ce

// ---------------------------------------------------------------------------------------
// The event loop's process pool (--offload-to processes). Kept apart from the lanes above:
// a worker here serves CPU parts handed over by the loop, and its phases go back to the loop
// thread (the lane's only writer) instead of into the recorder.
#include "ProcessOffload.h"

#include <condition_variable>
#include <deque>
#include <functional>

namespace ce {
namespace {

// Identifies a pool thread to the parent's GIL, as a PyThreadState does.
thread_local char t_poolThreadState;

// One worker process: spawn (and wait for its hello), one request/reply at a time, reap.
// Frames go through the same deadline-bound protocol::readFrame/writeFrame as the lanes',
// so a hung worker is killed after the deadline instead of hanging the run.
class WorkerChild {
public:
    WorkerChild(ModelContext& ctx, ChildRegistry& registry, const Deadlines& deadlines, const Launcher& launcher, int slot)
        : m_ctx(ctx), m_registry(registry), m_deadlines(deadlines), m_launcher(launcher), m_slot(slot)
    {
    }
    ~WorkerChild() { finish(false); }
    WorkerChild(const WorkerChild&) = delete;
    WorkerChild& operator=(const WorkerChild&) = delete;

    bool alive() const { return m_process.running(); }
    std::int64_t pid() const { return m_pid; }
    const std::string& lastExit() const { return m_lastExit; }

    bool spawn(std::string* error)
    {
        const WorkerStart started = startWorker(m_process, m_launcher, m_registry, m_slot, m_ctx.sampler, m_deadlines.forStart(), error);
        if (started == WorkerStart::NotStarted)
            return false;
        m_pid = m_process.pid();
        if (started != WorkerStart::Ok) {
            finish(false);
            if (started == WorkerStart::NoGreeting)
                m_lastExit = noGreetingReason(m_deadlines.forStart());
            else if (started == WorkerStart::Closed && endedByCancel(m_ctx.cancel, m_reaped, m_status))
                return false; // no error: the run was cancelled (the caller's part is cancelled)
            *error = "worker process " + std::to_string(m_pid) + " did not start: " + m_lastExit;
            return false;
        }
        return true;
    }

    // One request out, one reply in within `limit` of silence (the caller encodes and
    // decodes, under its lock if any). False when the worker ended, hung or broke the protocol.
    bool exchange(const std::string& request, std::string& reply, std::chrono::milliseconds limit)
    {
        auto r = protocol::writeFrame(toChild(), request, limit);
        if (r.status == protocol::FrameStatus::Ok)
            r = protocol::readFrame(fromChild(), reply, m_deadlines.maxReply, limit);
        if (r.status == protocol::FrameStatus::TimedOut) {
            finish(false);
            m_lastExit = "stopped responding (silent for " + seconds(limit.count()) + ", more than the CPU part can take plus --worker-timeout-s "
                       + seconds(m_deadlines.graceMs) + "), and was killed";
        }
        return r.status == protocol::FrameStatus::Ok;
    }

    // Politely (close its input, give it 2 s) or not (kill); then reap.
    void finish(bool polite)
    {
        if (!m_process.running())
            return;
        m_registry.remove(m_slot);
        const WorkerProcess::Exit exit = m_process.reap(polite);
        m_lastExit = exit.text;
        m_reaped = exit.reaped;
        m_status = exit.status;
        m_ctx.sampler.processEnded(m_pid, exit.cpuNs, exit.lastCore);
    }

private:
    std::intptr_t toChild() const { return m_process.toChild(); }
    std::intptr_t fromChild() const { return m_process.fromChild(); }

    ModelContext& m_ctx;
    ChildRegistry& m_registry;
    const Deadlines& m_deadlines;
    const Launcher& m_launcher;
    const int m_slot;
    WorkerProcess m_process;
    std::int64_t m_pid = 0;
    std::string m_lastExit = "ended";
    bool m_reaped = false; // the last worker's exit status below is known
    int m_status = 0;
};

} // namespace

struct ProcessOffloadPool::Impl {
    struct Job {
        int task = 0;
        int lane = 0;
        std::uint64_t units = 0;
        std::function<void(Result)> done;
    };

    ModelContext& ctx;
    ChildRegistry registry;
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Job> jobs;
    bool stopping = false;
    std::atomic<bool> cancelled{false};
    std::atomic<int> serving{0};
    std::vector<std::thread> threads;

    bool isCancelled() const { return cancelled.load() || ctx.cancel.isCancelled(); }

    const Deadlines deadlines;
    RunLauncher starter;
    std::string starterError; // why no worker can start (each part then fails with it)

    explicit Impl(ModelContext& c) : ctx(c), deadlines(Deadlines::forRun(c.config))
    {
        if (!starter.prepare(ctx, deadlines, &starterError) && starterError.empty())
            starterError = "cannot start worker processes";
    }

    void serve(int slot)
    {
        platform::blockBrokenPipeSignal();
        RunThreadScope scope(ctx.sampler);
        struct Leave {
            std::atomic<int>& n;
            ~Leave() { n.fetch_sub(1); }
        } leave{serving};
        WorkerChild child(ctx, registry, deadlines, starter.launcher(), slot);
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mutex);
                cv.wait(lock, [this] { return stopping || !jobs.empty(); });
                if (jobs.empty())
                    break;
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            job.done(run(child, job));
        }
        child.finish(!isCancelled());
    }

    Result run(WorkerChild& child, const Job& job)
    {
        Result r;
        auto& rec = ctx.recorder;
        if (isCancelled())
            return r;
        if (!child.alive() && !starterError.empty()) {
            r.error = starterError;
            return r;
        }
        if (!child.alive()) {
            const std::int64_t t0 = rec.nowNs();
            const auto core = static_cast<std::int16_t>(platform::currentCpu());
            if (!child.spawn(&r.error))
                return r;
            r.phases.push_back(PhaseRecord{t0, rec.nowNs(), child.pid(), job.task, job.lane, core, State::Spawn});
            if (isCancelled())
                return r;
        }
        // ProcessPoolExecutor's threads in the parent are Python threads: the call is pickled
        // (the feeder thread) and the result unpickled (the management thread) under the
        // parent's GIL, which the loop's thread also needs. The pipe I/O releases it.
        const std::int64_t osId = platform::currentThreadId();
        auto takeGil = [&](std::vector<PhaseRecord>& into) {
            if (!ctx.gil)
                return;
            const std::int64_t t0 = rec.nowNs();
            const auto core = static_cast<std::int16_t>(platform::currentCpu());
            if (ctx.gil->take(&t_poolThreadState))
                into.push_back(PhaseRecord{t0, rec.nowNs(), osId, job.task, job.lane, core, State::GilWait});
        };
        auto dropGil = [&] {
            if (ctx.gil)
                ctx.gil->drop(&t_poolThreadState);
        };
        takeGil(r.phases);
        protocol::Request req = requestFor(ctx, job.task, job.lane);
        req.phases = {PhaseSpec{PhaseSpec::Kind::Cpu, job.units, 0}};
        req.payload.assign(ctx.config.payloadBytes, 'p');
        const std::string out = protocol::encode(req);
        dropGil();
        std::string in;
        const bool exchanged = child.exchange(out, in, deadlines.forTask(ctx.config, req.phases));
        const std::int64_t receivedNs = rec.nowNs();
        protocol::Reply reply;
        std::vector<PhaseRecord> afterReply;
        bool ok = false;
        if (exchanged) {
            takeGil(afterReply);
            ok = protocol::decode(in, reply) && reply.task == req.task;
            dropGil();
        }
        if (!ok) {
            child.finish(false);
            if (!isCancelled())
                r.error = "worker process " + std::to_string(child.pid()) + " " + child.lastExit() + " while running a CPU part of task "
                        + std::to_string(job.task);
            return r;
        }
        // The worker's phases (its side of the transfer, the CPU part), our side of the reply's
        // transfer, and any wait for the lock to unpickle the result.
        r.phases.insert(r.phases.end(), reply.phases.begin(), reply.phases.end());
        r.phases.push_back(PhaseRecord{reply.replyStartNs, receivedNs, osId, job.task, job.lane,
                                       static_cast<std::int16_t>(platform::currentCpu()), State::Ipc});
        r.phases.insert(r.phases.end(), afterReply.begin(), afterReply.end());
        r.ok = static_cast<TaskRunner::Outcome>(reply.outcome) == TaskRunner::Outcome::Done;
        if (!r.ok)
            r.error = "task " + std::to_string(job.task) + ": " + reply.error;
        return r;
    }
};

ProcessOffloadPool::ProcessOffloadPool(ModelContext& ctx, int workers) : d(std::make_unique<Impl>(ctx))
{
    try {
        for (int slot = 0; slot < workers; ++slot) {
            d->serving.fetch_add(1);
            try {
                d->threads.emplace_back([this, slot] { d->serve(slot); });
            } catch (...) {
                d->serving.fetch_sub(1);
                throw;
            }
        }
    } catch (...) {
        cancel();
        {
            std::lock_guard lock(d->mutex);
            d->stopping = true;
        }
        d->cv.notify_all();
        for (auto& t : d->threads)
            t.join();
        throw;
    }
}

ProcessOffloadPool::~ProcessOffloadPool()
{
    {
        std::lock_guard lock(d->mutex);
        d->stopping = true;
    }
    d->cv.notify_all();
    // Threads block on pipes: on cancel only killing their workers unblocks them, and one may
    // have spawned just after a kill. Keep killing until every thread has left.
    while (d->serving.load() > 0) {
        if (d->isCancelled())
            d->registry.killAll();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (auto& t : d->threads)
        t.join();
}

void ProcessOffloadPool::submit(int task, int lane, std::uint64_t units, std::function<void(Result)> done)
{
    {
        std::lock_guard lock(d->mutex);
        d->jobs.push_back(Impl::Job{task, lane, units, std::move(done)});
    }
    d->cv.notify_one();
}

void ProcessOffloadPool::cancel()
{
    d->cancelled.store(true);
    // A worker may be spawning right now: kill what is registered, and again shortly.
    d->registry.killAll();
}

} // namespace ce
