#include "WorkerProtocol.h"

#include "CancelToken.h"
#include "Gil.h"
#include "Recorder.h"
#include "TaskRunner.h"
#include "platform/Platform.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <type_traits>
#include <utility>

#if defined(_WIN32)
#include <windows.h>
#else
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#endif

namespace ce::protocol {
namespace {

class Writer {
public:
    template <typename T>
    void put(const T& v)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        m_out.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void putString(const std::string& s)
    {
        put<std::uint64_t>(s.size());
        m_out.append(s);
    }
    std::string take() { return std::move(m_out); }

private:
    std::string m_out;
};

class Reader {
public:
    explicit Reader(const std::string& in) : m_in(in) {}
    template <typename T>
    bool get(T& v)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        if (m_pos + sizeof v > m_in.size())
            return false;
        std::memcpy(&v, m_in.data() + m_pos, sizeof v);
        m_pos += sizeof v;
        return true;
    }
    bool getString(std::string& s)
    {
        std::uint64_t n = 0;
        if (!get(n) || n > m_in.size() - m_pos)
            return false;
        s.assign(m_in.data() + m_pos, n);
        m_pos += n;
        return true;
    }
    bool atEnd() const { return m_pos == m_in.size(); }

private:
    const std::string& m_in;
    std::size_t m_pos = 0;
};

} // namespace

std::string encode(const Request& r)
{
    Writer w;
    w.put(kRequestMagic);
    w.put(r.task);
    w.put(r.lane);
    w.put(r.runStartNs);
    w.put(r.sentNs);
    w.put(r.kernel);
    w.put(r.io);
    w.put(r.gil);
    w.put(r.crash);
    w.put(r.switchIntervalMs);
    w.put(r.sliceUnits);
    w.put(r.port);
    w.put(r.netPayload);
    w.put(r.fileBytes);
    w.putString(r.tmpDir);
    w.put<std::uint64_t>(r.phases.size());
    for (const auto& p : r.phases) {
        w.put(p.kind);
        w.put(p.units);
        w.put(p.ms);
    }
    w.putString(r.payload);
    return w.take();
}

bool decode(const std::string& frame, Request& r)
{
    Reader in(frame);
    std::uint32_t magic = 0;
    std::uint64_t count = 0;
    if (!in.get(magic) || magic != kRequestMagic)
        return false;
    bool ok = in.get(r.task) && in.get(r.lane) && in.get(r.runStartNs) && in.get(r.sentNs) && in.get(r.kernel) && in.get(r.io)
           && in.get(r.gil) && in.get(r.crash) && in.get(r.switchIntervalMs) && in.get(r.sliceUnits) && in.get(r.port)
           && in.get(r.netPayload) && in.get(r.fileBytes) && in.getString(r.tmpDir) && in.get(count) && count <= 1000000;
    if (!ok)
        return false;
    r.phases.resize(count);
    for (auto& p : r.phases) {
        if (!in.get(p.kind) || !in.get(p.units) || !in.get(p.ms))
            return false;
    }
    return in.getString(r.payload) && in.atEnd() && static_cast<std::size_t>(r.kernel) < 5 && static_cast<std::size_t>(r.io) < 3;
}

std::string encode(const Reply& r)
{
    Writer w;
    w.put(kReplyMagic);
    w.put(r.task);
    w.put(r.outcome);
    w.put(r.checksum);
    w.put(r.replyStartNs);
    w.putString(r.error);
    w.put<std::uint64_t>(r.phases.size());
    for (const auto& p : r.phases)
        w.put(p);
    w.putString(r.payload);
    return w.take();
}

bool decode(const std::string& frame, Reply& r)
{
    Reader in(frame);
    std::uint32_t magic = 0;
    std::uint64_t count = 0;
    if (!in.get(magic) || magic != kReplyMagic)
        return false;
    if (!(in.get(r.task) && in.get(r.outcome) && in.get(r.checksum) && in.get(r.replyStartNs) && in.getString(r.error)
          && in.get(count) && count <= 10000000))
        return false;
    r.phases.resize(count);
    for (auto& p : r.phases) {
        if (!in.get(p))
            return false;
    }
    return in.getString(r.payload) && in.atEnd();
}

std::string encodeHello(std::int64_t pid)
{
    Writer w;
    w.put(kHelloMagic);
    w.put(pid);
    return w.take();
}

bool decodeHello(const std::string& frame, std::int64_t& pid)
{
    Reader in(frame);
    std::uint32_t magic = 0;
    return in.get(magic) && magic == kHelloMagic && in.get(pid) && in.atEnd();
}

std::string encodeBatch(const std::vector<std::string>& frames)
{
    Writer w;
    w.put(kBatchMagic);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(frames.size()));
    for (const auto& f : frames)
        w.putString(f);
    return w.take();
}

bool isBatch(const std::string& frame)
{
    std::uint32_t magic = 0;
    return frame.size() >= sizeof magic && (std::memcpy(&magic, frame.data(), sizeof magic), magic == kBatchMagic);
}

bool decodeBatch(const std::string& frame, std::vector<std::string>& frames)
{
    Reader in(frame);
    std::uint32_t magic = 0, n = 0;
    if (!in.get(magic) || magic != kBatchMagic || !in.get(n) || n > 1000000)
        return false;
    frames.assign(n, {});
    for (auto& f : frames) {
        if (!in.getString(f))
            return false;
    }
    return in.atEnd();
}

bool writeFrame(std::FILE* f, const std::string& frame)
{
    const std::uint64_t n = frame.size();
    return std::fwrite(&n, sizeof n, 1, f) == 1 && (n == 0 || std::fwrite(frame.data(), 1, n, f) == n) && std::fflush(f) == 0;
}

bool readFrame(std::FILE* f, std::string& frame)
{
    std::uint64_t n = 0;
    if (std::fread(&n, sizeof n, 1, f) != 1 || n > kMaxFrame)
        return false;
    frame.resize(n);
    return n == 0 || std::fread(frame.data(), 1, n, f) == n;
}

namespace {

#if !defined(_WIN32)
using Clock = std::chrono::steady_clock;

// Waits until `fd` is ready for `events`, or `silence` passed since `lastProgress`.
// Returns false on timeout. A parent resumed after a stop polls once more before giving up.
bool waitReady(int fd, short events, Clock::time_point lastProgress, std::chrono::milliseconds silence, int& error)
{
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(lastProgress + silence - Clock::now());
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000)));
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR) {
            error = errno;
            return true; // let the read or write report it
        }
        if (n == 0 && left.count() <= 0)
            return false;
    }
}

FrameResult transfer(int fd, char* data, std::size_t size, bool reading, Clock::time_point& lastProgress, std::chrono::milliseconds silence)
{
    std::size_t done = 0;
    while (done < size) {
        int error = 0;
        if (!waitReady(fd, reading ? POLLIN : POLLOUT, lastProgress, silence, error))
            return {FrameStatus::TimedOut, 0, 0};
        const ssize_t n = reading ? ::read(fd, data + done, size - done) : ::write(fd, data + done, size - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            lastProgress = Clock::now();
        } else if (n == 0 && reading) {
            return {FrameStatus::Closed, 0, 0};
        } else if (errno == EPIPE) {
            return {FrameStatus::Closed, 0, 0};
        } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            return {FrameStatus::Failed, 0, errno};
        }
    }
    return {};
}

void makeNonBlocking(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
#else
FrameResult transfer(HANDLE h, char* data, std::size_t size, bool reading)
{
    std::size_t done = 0;
    while (done < size) {
        DWORD n = 0;
        const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(size - done, 1u << 20));
        const BOOL ok = reading ? ReadFile(h, data + done, chunk, &n, nullptr) : WriteFile(h, data + done, chunk, &n, nullptr);
        if (!ok || n == 0)
            return {FrameStatus::Closed, 0, 0};
        done += n;
    }
    return {};
}
#endif

} // namespace

FrameResult writeFrame(std::intptr_t handle, const std::string& frame, std::chrono::milliseconds silence)
{
    std::uint64_t n = frame.size();
#if !defined(_WIN32)
    const int fd = static_cast<int>(handle);
    makeNonBlocking(fd);
    auto last = Clock::now();
    FrameResult r = transfer(fd, reinterpret_cast<char*>(&n), sizeof n, false, last, silence);
    if (r.status == FrameStatus::Ok)
        r = transfer(fd, const_cast<char*>(frame.data()), frame.size(), false, last, silence);
    return r;
#else
    (void)silence;
    const auto h = reinterpret_cast<HANDLE>(handle);
    FrameResult r = transfer(h, reinterpret_cast<char*>(&n), sizeof n, false);
    return r.status == FrameStatus::Ok ? transfer(h, const_cast<char*>(frame.data()), frame.size(), false) : r;
#endif
}

FrameResult readFrame(std::intptr_t handle, std::string& frame, std::uint64_t maxBytes, std::chrono::milliseconds silence)
{
    std::uint64_t n = 0;
#if !defined(_WIN32)
    const int fd = static_cast<int>(handle);
    makeNonBlocking(fd);
    auto last = Clock::now();
    FrameResult r = transfer(fd, reinterpret_cast<char*>(&n), sizeof n, true, last, silence);
#else
    (void)silence;
    const auto h = reinterpret_cast<HANDLE>(handle);
    FrameResult r = transfer(h, reinterpret_cast<char*>(&n), sizeof n, true);
#endif
    if (r.status != FrameStatus::Ok)
        return r;
    if (n > maxBytes)
        return {FrameStatus::TooLong, n, 0};
    frame.resize(n); // may throw std::bad_alloc: bounded by what the run itself sends
#if !defined(_WIN32)
    return transfer(fd, frame.data(), n, true, last, silence);
#else
    return transfer(h, frame.data(), n, true);
#endif
}

bool faultRequested(const std::string& kind, int task)
{
    const char* v = std::getenv(kFaultVariable);
    if (!v)
        return false;
    const std::string s(v);
    const auto at = s.find('@');
    return at != std::string::npos && s.compare(0, at, kind) == 0 && at == kind.size() && std::atoi(s.c_str() + at + 1) == task;
}

} // namespace ce::protocol

namespace ce {
namespace {

enum class Fault { None, Garbage, Huge, Silent, Stop };

// The worker's testing aid (see kFaultVariable).
Fault faultFor(int task)
{
    for (const auto& [name, fault] : {std::pair{"garbage", Fault::Garbage}, std::pair{"huge", Fault::Huge}, std::pair{"silent", Fault::Silent},
                                      std::pair{"stop", Fault::Stop}}) {
        if (protocol::faultRequested(name, task))
            return fault;
    }
    return Fault::None;
}

// Returns false when the worker should end (with exit code 1).
bool actOnFault(Fault f)
{
    switch (f) {
    case Fault::None:
        return true;
    case Fault::Garbage:
        return protocol::writeFrame(stdout, std::string("this is not a reply frame"));
    case Fault::Huge: {
        const std::uint64_t n = 80ull << 20;
        std::fwrite(&n, sizeof n, 1, stdout);
        std::fflush(stdout);
        break;
    }
    case Fault::Stop:
#if !defined(_WIN32)
        ::raise(SIGSTOP);
#endif
        break;
    case Fault::Silent:
        break;
    }
    for (;;)
        std::this_thread::sleep_for(std::chrono::seconds(1)); // until the parent kills us
}

} // namespace

int runWorkerProcess()
{
    platform::dieWithParent();
    platform::setBinaryStdio();
    if (!protocol::writeFrame(stdout, protocol::encodeHello(platform::currentProcessId())))
        return 1;

    CancelToken neverCancelled; // the parent ends a worker by closing its stdin or killing it
    std::unique_ptr<Gil> gil;   // this process's own interpreter lock
    // One request: run it and fill its reply. In a batch only the first records the transfer
    // in (it covers the whole batch), so the lane never shows two things at once.
    auto serve = [&](protocol::Request& req, std::int64_t received, bool recordTransfer, protocol::Reply& reply) {
        if (req.gil && !gil)
            gil = std::make_unique<Gil>(std::chrono::nanoseconds(static_cast<std::int64_t>(req.switchIntervalMs * 1e6)));

        WaitEnv env;
        env.io = req.io;
        env.port = req.port;
        env.tmpDir = req.tmpDir;
        env.fileBytes = req.fileBytes;
        env.netPayload = req.netPayload;
        TaskRunner::Context rc;
        rc.kernel = req.kernel;
        rc.sizes.sliceUnits = req.sliceUnits;
        rc.env = &env;
        rc.gil = req.gil ? gil.get() : nullptr;
        rc.cancel = &neverCancelled;
        rc.runStartNs = req.runStartNs;
        rc.osId = platform::currentProcessId();
        rc.crashTask = req.crash ? req.task : -1;

        VectorSink sink;
        // Receiving and unpacking the task and its payload: the worker side of the transfer.
        if (recordTransfer)
            sink.add(PhaseRecord{req.sentNs, received, rc.osId, req.task, req.lane, static_cast<std::int16_t>(platform::currentCpu()), State::Ipc});
        reply.task = req.task;
        try {
            TaskRunner runner(rc);
            reply.outcome = static_cast<std::uint8_t>(runner.runTask(req.task, req.lane, req.phases, sink, &reply.error));
            reply.checksum = runner.checksum();
            reply.phases = std::move(sink.phases);
            reply.payload = std::move(req.payload); // results of the same size travel back
        } catch (const std::exception& e) {
            // No exception ends a worker unexplained: the task fails with its reason.
            reply = protocol::Reply{};
            reply.task = req.task;
            reply.outcome = static_cast<std::uint8_t>(TaskRunner::Outcome::Failed);
            reply.error = std::string("the worker process failed: ") + e.what();
        }
    };

    std::string frame;
    for (;;) {
        std::vector<protocol::Request> requests;
        bool batch = false;
        try {
            if (!protocol::readFrame(stdin, frame))
                break;
            std::vector<std::string> frames;
            batch = protocol::isBatch(frame);
            if (batch ? !protocol::decodeBatch(frame, frames) : (frames.push_back(std::move(frame)), false)) {
                std::fputs("concurrency-explorer worker: malformed batch from the parent\n", stderr);
                return 2;
            }
            frame = std::string();
            requests.resize(frames.size());
            for (std::size_t i = 0; i < frames.size(); ++i) {
                if (!protocol::decode(frames[i], requests[i])) {
                    std::fputs("concurrency-explorer worker: malformed request from the parent\n", stderr);
                    return 2;
                }
                frames[i] = std::string();
            }
        } catch (const std::bad_alloc&) {
            std::fputs("concurrency-explorer worker: out of memory reading a request\n", stderr);
            return 3;
        }
        if (requests.empty())
            continue;
        for (const auto& req : requests) {
            if (!actOnFault(faultFor(req.task)))
                return 1;
        }
        const std::int64_t received = platform::monotonicNs() - requests.front().runStartNs;
        std::vector<protocol::Reply> replies(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i)
            serve(requests[i], received, i == 0, replies[i]);
        const std::int64_t replyStart = platform::monotonicNs() - requests.front().runStartNs;
        try {
            std::vector<std::string> out;
            for (auto& reply : replies) {
                reply.replyStartNs = replyStart;
                out.push_back(protocol::encode(reply));
            }
            if (!protocol::writeFrame(stdout, batch ? protocol::encodeBatch(out) : out.front()))
                return 1;
        } catch (const std::bad_alloc&) {
            std::fputs("concurrency-explorer worker: out of memory writing a reply\n", stderr);
            return 3;
        }
    }
    return 0;
}

} // namespace ce
