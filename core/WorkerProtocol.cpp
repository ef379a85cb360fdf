#include "WorkerProtocol.h"

#include "CancelToken.h"
#include "Gil.h"
#include "Recorder.h"
#include "TaskRunner.h"
#include "platform/Platform.h"

#include <cstring>
#include <memory>
#include <type_traits>

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

} // namespace ce::protocol

namespace ce {

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
        TaskRunner runner(rc);
        reply.task = req.task;
        reply.outcome = static_cast<std::uint8_t>(runner.runTask(req.task, req.lane, req.phases, sink, &reply.error));
        reply.checksum = runner.checksum();
        reply.phases = std::move(sink.phases);
        reply.payload = std::move(req.payload); // results of the same size travel back
    };

    std::string frame;
    while (protocol::readFrame(stdin, frame)) {
        std::vector<std::string> frames;
        const bool batch = protocol::isBatch(frame);
        if (batch ? !protocol::decodeBatch(frame, frames) : (frames.push_back(std::move(frame)), false)) {
            std::fputs("concurrency-explorer worker: malformed batch from the parent\n", stderr);
            return 2;
        }
        std::vector<protocol::Request> requests(frames.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            if (!protocol::decode(frames[i], requests[i])) {
                std::fputs("concurrency-explorer worker: malformed request from the parent\n", stderr);
                return 2;
            }
            frames[i].clear();
        }
        if (requests.empty())
            continue;
        const std::int64_t received = platform::monotonicNs() - requests.front().runStartNs;
        std::vector<protocol::Reply> replies(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i)
            serve(requests[i], received, i == 0, replies[i]);
        const std::int64_t replyStart = platform::monotonicNs() - requests.front().runStartNs;
        std::vector<std::string> out;
        for (auto& reply : replies) {
            reply.replyStartNs = replyStart;
            out.push_back(protocol::encode(reply));
        }
        if (!protocol::writeFrame(stdout, batch ? protocol::encodeBatch(out) : out.front()))
            return 1;
    }
    return 0;
}

} // namespace ce
