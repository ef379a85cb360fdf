#include "LoopbackService.h"

#include "platform/Platform.h"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>

#include <algorithm>
#include <array>
#include <thread>
#include <vector>

namespace ce {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::uint32_t readLe32(const unsigned char* p)
{
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}

void writeLe32(unsigned char* p, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<unsigned char>(v >> (8 * i));
}

} // namespace

struct LoopbackService::Impl {
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::thread thread;
    std::atomic<std::int64_t> tid{0};
    std::atomic<std::int64_t> cpuNs{0};
    std::atomic<std::uint64_t> served{0};
    std::atomic<int> open{0};
    std::atomic<int> peak{0};
    std::uint16_t port = 0;

    ServiceLimits limits;
    // Where request bodies are read before they are appended to their session's payload
    // (a 64 KiB chunk in each session made 5,000 connections cost 320 MB).
    std::array<unsigned char, 64 * 1024> chunk{};
    std::atomic<std::uint64_t> buffered{0};
    std::atomic<std::uint64_t> refusedCount{0};

    struct Session : std::enable_shared_from_this<Session> {
        Session(Impl& owner, tcp::socket s) : impl(owner), socket(std::move(s)), timer(owner.io), watchdog(owner.io) {}
        ~Session()
        {
            impl.buffered.fetch_sub(counted, std::memory_order_relaxed);
            impl.open.fetch_sub(1, std::memory_order_relaxed);
        }

        void start()
        {
            armWatchdog(impl.limits.idleTimeout);
            readHeader();
        }

        // Closes the connection when the client stays silent (or stops reading) too long.
        void armWatchdog(std::chrono::milliseconds after)
        {
            watchdog.expires_after(after);
            watchdog.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                if (!ec)
                    self->drop();
            });
        }

        void drop()
        {
            impl.refusedCount.fetch_add(1, std::memory_order_relaxed);
            boost::system::error_code ignored;
            socket.close(ignored);
            timer.cancel();
            watchdog.cancel();
        }

        void readHeader()
        {
            asio::async_read(socket, asio::buffer(header), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (ec) {
                    self->watchdog.cancel();
                    return;
                }
                self->length = readLe32(self->header.data() + 4);
                if (self->length > self->impl.limits.maxPayload || readLe32(self->header.data()) > self->impl.limits.maxDelayUs)
                    self->drop(); // not a request a run would send
                else
                    self->readBody();
            });
        }

        // The body arrives in chunks and is held only as it arrives: a client announcing
        // 16 MiB and sending nothing costs nothing.
        void readBody()
        {
            if (payload.size() >= length) {
                watchdog.cancel();
                return wait();
            }
            // Wait until there is something to read, then read it into the service's one
            // scratch chunk (one thread runs every handler, so they never share it at once):
            // a session holds no read buffer of its own while it waits.
            socket.async_wait(tcp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
                if (ec) {
                    self->watchdog.cancel();
                    return;
                }
                auto& chunk = self->impl.chunk;
                const std::size_t want = std::min<std::size_t>(chunk.size(), self->length - self->payload.size());
                const std::size_t n = self->socket.read_some(asio::buffer(chunk.data(), want), ec);
                if (ec == asio::error::would_block || ec == asio::error::try_again)
                    return self->readBody();
                if (ec) {
                    self->watchdog.cancel();
                    return;
                }
                const std::uint64_t now = self->impl.buffered.fetch_add(n, std::memory_order_relaxed) + n;
                self->counted += n;
                if (now > self->impl.limits.maxBufferedBytes) {
                    self->drop();
                    return;
                }
                self->payload.insert(self->payload.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
                self->armWatchdog(self->impl.limits.idleTimeout);
                self->readBody();
            });
        }

        void wait()
        {
            const std::uint32_t delayUs = readLe32(header.data());
            timer.expires_after(std::chrono::microseconds(delayUs));
            timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                if (!ec)
                    self->answer();
            });
        }

        void answer()
        {
            writeLe32(reply.data(), static_cast<std::uint32_t>(payload.size()));
            // A client that does not read its answer is closed too (a second per MiB allowed).
            armWatchdog(impl.limits.idleTimeout + std::chrono::milliseconds(payload.size() >> 10));
            const std::array<asio::const_buffer, 2> buffers{asio::buffer(reply), asio::buffer(payload)};
            asio::async_write(socket, buffers, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                self->watchdog.cancel();
                if (!ec)
                    self->impl.served.fetch_add(1, std::memory_order_relaxed);
                boost::system::error_code ignored;
                self->socket.shutdown(tcp::socket::shutdown_both, ignored);
            });
        }

        Impl& impl;
        tcp::socket socket;
        asio::steady_timer timer;
        asio::steady_timer watchdog;
        std::array<unsigned char, 8> header{};
        std::array<unsigned char, 4> reply{};
        std::uint32_t length = 0;
        std::uint64_t counted = 0; // bytes of this session in `buffered`
        std::vector<unsigned char> payload;
    };

    void accept()
    {
        acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted)
                return;
            if (!ec && limits.maxConnections > 0 && open.load(std::memory_order_relaxed) >= limits.maxConnections) {
                refusedCount.fetch_add(1, std::memory_order_relaxed);
                socket.close(ec); // full: the client sees the connection closed at once
            } else if (!ec) {
                socket.set_option(tcp::no_delay(true), ec);
                socket.non_blocking(true, ec); // a body is read once readable, without blocking
                const int now = open.fetch_add(1, std::memory_order_relaxed) + 1;
                int prev = peak.load(std::memory_order_relaxed);
                while (now > prev && !peak.compare_exchange_weak(prev, now)) {
                }
                std::make_shared<Session>(*this, std::move(socket))->start();
            }
            accept(); // keep accepting even after a failed accept (e.g. out of descriptors)
        });
    }
};

LoopbackService::LoopbackService() : d(std::make_unique<Impl>()) {}

LoopbackService::~LoopbackService() { stop(); }

bool LoopbackService::start(std::string* error, std::uint16_t port, const ServiceLimits& limits)
{
    d->limits = limits;
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
    d->acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        d->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
        d->acceptor.bind(endpoint, ec);
    if (!ec)
        d->acceptor.listen(65535, ec); // the kernel caps this at net.core.somaxconn
    if (ec) {
        if (error)
            *error = "cannot start the loopback service on 127.0.0.1:" + std::to_string(port) + ": " + ec.message();
        return false;
    }
    d->port = d->acceptor.local_endpoint().port();
    d->accept();
    d->thread = std::thread([impl = d.get()] {
        impl->tid.store(platform::currentThreadId());
        impl->io.run();
        impl->cpuNs.store(platform::threadCpuNs());
    });
    while (d->tid.load() == 0)
        std::this_thread::yield();
    return true;
}

void LoopbackService::stop()
{
    if (!d->thread.joinable())
        return;
    // Stop accepting, let connections in flight finish their write (bounded), then stop.
    auto deadline = std::make_shared<asio::steady_timer>(d->io);
    asio::post(d->io, [impl = d.get(), deadline] {
        boost::system::error_code ec;
        impl->acceptor.close(ec);
        deadline->expires_after(std::chrono::milliseconds(200));
        deadline->async_wait([impl](boost::system::error_code) { impl->io.stop(); });
        if (impl->open.load() == 0)
            impl->io.stop();
    });
    d->thread.join();
}

std::uint16_t LoopbackService::port() const { return d->port; }
std::int64_t LoopbackService::threadId() const { return d->tid.load(); }
std::int64_t LoopbackService::threadCpuNs() const { return d->cpuNs.load(); }
std::uint64_t LoopbackService::served() const { return d->served.load(); }
int LoopbackService::peakConnections() const { return d->peak.load(); }
std::uint64_t LoopbackService::refused() const { return d->refusedCount.load(); }

} // namespace ce
