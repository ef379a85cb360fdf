// The processes model: a pool of worker processes (the same executable in worker mode),
// started with Boost.Process, tasks and results crossing pipes. This is the only file that
// includes Boost.Process (its headers are slow and heavy to compile).
#include "ModelContext.h"
#include "TaskRunner.h"
#include "WorkerProtocol.h"
#include "platform/Platform.h"

#if !defined(_WIN32)
// fork() copies the parent's page tables, so spawning costs more as the parent grows;
// vfork does not (measured in tests/bench/bench_spawn.cpp).
#define BOOST_POSIX_HAS_VFORK 1
#endif
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/process.hpp>
#if !defined(_WIN32)
#include <boost/process/posix.hpp>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#endif

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace bp = boost::process;

namespace ce {
namespace {

// Children the controller may have to kill on cancel, by lane. A lane removes its child
// before reaping it, under the same mutex, so a kill never hits a recycled pid.
class ChildRegistry {
public:
    void add(int lane, bp::child::native_handle_t handle)
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
    std::map<int, bp::child::native_handle_t> m_children;
};

#if !defined(_WIN32)
std::string describeStatus(int status)
{
    if (WIFSIGNALED(status))
        return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with code " + std::to_string(WEXITSTATUS(status));
}
#endif

std::mutex& spawnMutex()
{
    static std::mutex m;
    return m;
}

class Lane {
public:
    Lane(ModelContext& ctx, ChildRegistry& registry, std::atomic<int>& next, int lane)
        : m_ctx(ctx), m_registry(registry), m_next(next), m_lane(lane)
    {
    }

    void run()
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
            if (!alive && !spawn(perTask ? task : -1)) {
                for (int t = task; t < task + count; ++t)
                    m_ctx.recorder.setTaskStatus(t, m_ctx.cancel.isCancelled() ? TaskStatus::Cancelled : TaskStatus::Failed);
                break;
            }
            alive = count == 1 ? runTask(task) : runBatch(task, count);
            if (perTask || !alive) {
                finishChild(alive);
                alive = false;
            }
            if (!alive && !perTask)
                break; // this pool worker died; the other lanes take the remaining tasks
        }
        if (alive)
            finishChild(true);
    }

private:
    std::int64_t now() const { return m_ctx.recorder.nowNs(); }

    bool spawn(int task)
    {
        const std::int64_t t0 = now();
        const auto core = static_cast<std::int16_t>(platform::currentCpu());
        try {
            // Pipes are created inheritable. If another lane spawned between our pipe() and
            // our spawn, its child would inherit our ends and our child would never see EOF
            // on stdin. So create and spawn under one lock, and close our ends on exec before
            // letting the next lane spawn. (vfork: the lock is held until the exec, not
            // during the worker's start-up.)
            std::lock_guard spawnLock(spawnMutex());
            m_toChild = std::make_unique<bp::opstream>();
            m_fromChild = std::make_unique<bp::ipstream>();
#if defined(_WIN32)
            m_child = std::make_unique<bp::child>(bp::exe = m_ctx.config.workerExecutable, bp::args = {"worker"},
                                                  bp::std_in < *m_toChild, bp::std_out > *m_fromChild);
#else
            m_child = std::make_unique<bp::child>(bp::exe = m_ctx.config.workerExecutable, bp::args = {"worker"},
                                                  bp::std_in < *m_toChild, bp::std_out > *m_fromChild, bp::posix::use_vfork);
            ::fcntl(m_toChild->pipe().native_sink(), F_SETFD, FD_CLOEXEC);
            ::fcntl(m_fromChild->pipe().native_source(), F_SETFD, FD_CLOEXEC);
#endif
        } catch (const std::exception& e) {
            m_ctx.recorder.addError("cannot start worker process " + m_ctx.config.workerExecutable + ": " + e.what());
            return false;
        }
        m_pid = m_child->id();
        m_registry.add(m_lane, m_child->native_handle());
        m_ctx.sampler.addProcess(m_pid);
        std::string frame;
        std::int64_t helloPid = 0;
        if (!readFrame(frame) || !protocol::decodeHello(frame, helloPid)) {
            finishChild(false);
            if (!m_ctx.cancel.isCancelled())
                m_ctx.recorder.addError("worker process " + std::to_string(m_pid) + " did not start: " + m_lastExit);
            return false;
        }
        m_ctx.recorder.lane(m_lane).add(PhaseRecord{t0, now(), m_pid, task, m_lane, core, State::Spawn});
        return true;
    }

    // Boost's pipe streams throw on a broken pipe (a worker that died): a failed frame is a
    // false here, never an exception through the lane thread.
    bool writeFrame(const std::string& frame)
    {
        try {
            const std::uint64_t n = frame.size();
            m_toChild->write(reinterpret_cast<const char*>(&n), sizeof n);
            m_toChild->write(frame.data(), static_cast<std::streamsize>(n));
            m_toChild->flush();
            return m_toChild->good();
        } catch (const std::exception&) {
            return false;
        }
    }

    bool readFrame(std::string& frame)
    {
        try {
            std::uint64_t n = 0;
            if (!m_fromChild->read(reinterpret_cast<char*>(&n), sizeof n) || n > protocol::kMaxFrame)
                return false;
            frame.resize(n);
            return n == 0 || static_cast<bool>(m_fromChild->read(frame.data(), static_cast<std::streamsize>(n)));
        } catch (const std::exception&) {
            return false;
        }
    }

    // Tasks per request: --chunksize, kept small enough for the batch's payload to fit a frame.
    int batchSize() const
    {
        const int chunk = effectiveChunksize(m_ctx.config);
        const std::uint64_t payload = std::max<std::uint64_t>(1, m_ctx.config.payloadBytes);
        return std::max(1, static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(chunk), protocol::kMaxBatchPayload / payload)));
    }

    protocol::Request makeRequest(int task) const
    {
        protocol::Request req;
        req.task = task;
        req.lane = m_lane;
        req.runStartNs = m_ctx.recorder.startNs();
        req.sentNs = now();
        req.kernel = m_ctx.config.kernel;
        req.io = m_ctx.env.io;
        req.gil = m_ctx.config.gil;
        req.crash = task == m_ctx.config.crashTask;
        req.switchIntervalMs = m_ctx.config.switchIntervalMs;
        req.sliceUnits = m_ctx.sizes.sliceUnits;
        req.port = m_ctx.env.port;
        req.netPayload = m_ctx.env.netPayload;
        req.fileBytes = m_ctx.env.fileBytes;
        req.tmpDir = m_ctx.env.tmpDir;
        req.phases = planTask(m_ctx.config, m_ctx.sizes, task);
        req.payload.assign(m_ctx.config.payloadBytes, 'p');
        return req;
    }

    // A chunk of `count` tasks in one round trip; returns whether the worker is still usable.
    bool runBatch(int first, int count)
    {
        auto& rec = m_ctx.recorder;
        std::vector<std::string> frames;
        frames.reserve(static_cast<std::size_t>(count));
        const std::int64_t sent = now();
        for (int t = first; t < first + count; ++t) {
            rec.setTaskStatus(t, TaskStatus::Running);
            protocol::Request req = makeRequest(t);
            req.sentNs = sent;
            frames.push_back(protocol::encode(req));
        }
        std::string frame;
        std::vector<std::string> replies;
        bool ok = writeFrame(protocol::encodeBatch(frames)) && readFrame(frame) && protocol::decodeBatch(frame, replies)
                  && replies.size() == static_cast<std::size_t>(count);
        std::vector<protocol::Reply> decoded(replies.size());
        for (std::size_t i = 0; ok && i < replies.size(); ++i)
            ok = protocol::decode(replies[i], decoded[i]) && decoded[i].task == first + static_cast<int>(i);
        if (!ok) {
            // As with Pool.map, a chunk is lost whole when its worker dies.
            for (int t = first; t < first + count; ++t)
                rec.setTaskStatus(t, m_ctx.cancel.isCancelled() ? TaskStatus::Cancelled : TaskStatus::Failed);
            if (!m_ctx.cancel.isCancelled()) {
                finishChild(false);
                rec.addError("worker process " + std::to_string(m_pid) + " " + m_lastExit + " while running tasks "
                             + std::to_string(first) + "-" + std::to_string(first + count - 1) + " (one chunk)");
            }
            return false;
        }
        auto& sink = rec.lane(m_lane);
        for (const auto& reply : decoded) {
            for (const auto& p : reply.phases)
                sink.add(p);
        }
        // Our side of the reply's transfer, once for the whole chunk.
        sink.add(PhaseRecord{decoded.back().replyStartNs, now(), platform::currentThreadId(), decoded.back().task, m_lane,
                             static_cast<std::int16_t>(platform::currentCpu()), State::Ipc});
        for (const auto& reply : decoded) {
            if (static_cast<TaskRunner::Outcome>(reply.outcome) == TaskRunner::Outcome::Done) {
                rec.setTaskStatus(reply.task, TaskStatus::Done);
            } else {
                rec.setTaskStatus(reply.task, TaskStatus::Failed);
                rec.addError("task " + std::to_string(reply.task) + ": " + reply.error);
            }
        }
        return true;
    }

    // Returns whether the worker is still usable afterwards.
    bool runTask(int task)
    {
        auto& rec = m_ctx.recorder;
        rec.setTaskStatus(task, TaskStatus::Running);
        protocol::Request req;
        req.task = task;
        req.lane = m_lane;
        req.runStartNs = rec.startNs();
        req.sentNs = now();
        req.kernel = m_ctx.config.kernel;
        req.io = m_ctx.env.io;
        req.gil = m_ctx.config.gil;
        req.crash = task == m_ctx.config.crashTask;
        req.switchIntervalMs = m_ctx.config.switchIntervalMs;
        req.sliceUnits = m_ctx.sizes.sliceUnits;
        req.port = m_ctx.env.port;
        req.netPayload = m_ctx.env.netPayload;
        req.fileBytes = m_ctx.env.fileBytes;
        req.tmpDir = m_ctx.env.tmpDir;
        req.phases = planTask(m_ctx.config, m_ctx.sizes, task);
        req.payload.assign(m_ctx.config.payloadBytes, 'p');

        std::string frame;
        protocol::Reply reply;
        const bool ok = writeFrame(protocol::encode(req)) && readFrame(frame) && protocol::decode(frame, reply) && reply.task == task;
        if (!ok) {
            if (m_ctx.cancel.isCancelled()) {
                rec.setTaskStatus(task, TaskStatus::Cancelled);
            } else {
                rec.setTaskStatus(task, TaskStatus::Failed);
                finishChild(false);
                rec.addError("worker process " + std::to_string(m_pid) + " " + m_lastExit + " while running task "
                             + std::to_string(task) + "; its other tasks went to the remaining workers");
            }
            return false;
        }
        // The worker's own phases (its side of the transfer, CPU, waits), then our side of
        // the reply's transfer.
        auto& sink = rec.lane(m_lane);
        for (const auto& p : reply.phases)
            sink.add(p);
        sink.add(PhaseRecord{reply.replyStartNs, now(), platform::currentThreadId(), task, m_lane,
                             static_cast<std::int16_t>(platform::currentCpu()), State::Ipc});
        const auto outcome = static_cast<TaskRunner::Outcome>(reply.outcome);
        if (outcome == TaskRunner::Outcome::Done) {
            rec.setTaskStatus(task, TaskStatus::Done);
        } else {
            rec.setTaskStatus(task, TaskStatus::Failed);
            rec.addError("task " + std::to_string(task) + ": " + reply.error);
        }
        return true;
    }

    // Ends the current child: politely (close its stdin and give it a moment) or not.
    void finishChild(bool polite)
    {
        if (!m_child)
            return;
        m_registry.remove(m_lane);
        const bool askFirst = polite && m_toChild && !m_ctx.cancel.isCancelled();
        // Close our ends first. Closing stdin is how a worker is asked to leave; and a stream
        // destroyed with unsent bytes would try to flush them into a dead worker and throw.
        if (m_toChild)
            m_toChild->pipe().close();
        if (m_fromChild)
            m_fromChild->pipe().close();
#if !defined(_WIN32)
        // Reap it ourselves: Boost 1.74's terminate() reaps without keeping the exit status,
        // and its wait_for is broken, so poll waitpid.
        const pid_t pid = static_cast<pid_t>(m_pid);
        int status = 0;
        pid_t reaped = 0;
        for (int i = 0; askFirst && i < 200 && (reaped = ::waitpid(pid, &status, WNOHANG)) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (reaped == 0) {
            if (askFirst)
                m_ctx.recorder.addError("worker process " + std::to_string(m_pid)
                                        + " did not exit within 2 s of its input closing and was killed");
            ::kill(pid, SIGKILL);
            while ((reaped = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
            }
        }
        m_lastExit = reaped == pid ? describeStatus(status) : "ended";
        m_child->detach(); // reaped already: its destructor must not touch the pid again
#else
        std::error_code ec;
        for (int i = 0; askFirst && i < 200 && m_child->running(ec); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (m_child->running(ec))
            m_child->terminate(ec);
        m_child->wait(ec);
        m_lastExit = "exited with code " + std::to_string(m_child->exit_code());
#endif
        m_ctx.sampler.removeProcess(m_pid);
        m_child.reset();
        m_toChild.reset();
        m_fromChild.reset();
    }

    ModelContext& m_ctx;
    ChildRegistry& m_registry;
    std::atomic<int>& m_next;
    const int m_lane;
    std::unique_ptr<bp::opstream> m_toChild;
    std::unique_ptr<bp::ipstream> m_fromChild;
    std::unique_ptr<bp::child> m_child;
    std::int64_t m_pid = 0;
    std::string m_lastExit = "ended";
};

} // namespace

void runProcesses(ModelContext& ctx)
{
    ChildRegistry registry;
    std::atomic<int> next{0};
    std::atomic<int> lanesLeft{laneCount(ctx.config)};
    std::vector<std::thread> threads;
    for (int lane = 0; lane < laneCount(ctx.config); ++lane) {
        const bool started = startThread(ctx, threads, "a worker process's lane thread", [&, lane] {
            Lane(ctx, registry, next, lane).run();
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
