#include "Waits.h"

#include "CancelToken.h"
#include "LoopbackService.h"
#include "platform/Platform.h"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace ce {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string encodeNetRequest(double delayMs, std::uint32_t payload)
{
    std::string out(8 + payload, '\0');
    const auto delayUs = static_cast<std::uint32_t>(std::llround(std::max(0.0, delayMs) * 1000.0));
    for (int i = 0; i < 4; ++i) {
        out[static_cast<std::size_t>(i)] = static_cast<char>(delayUs >> (8 * i));
        out[static_cast<std::size_t>(4 + i)] = static_cast<char>(payload >> (8 * i));
    }
    for (std::uint32_t i = 0; i < payload; ++i)
        out[8 + i] = static_cast<char>('a' + i % 26);
    return out;
}

namespace {

WaitOutcome netRequest(const WaitEnv& env, double ms, CancelToken& cancel, std::string* error)
{
    thread_local asio::io_context io{1};
    io.restart();
    tcp::socket socket(io);
    const std::string request = encodeNetRequest(ms, env.netPayload);
    std::array<unsigned char, 4> lengthBytes{};
    std::vector<unsigned char> reply;
    boost::system::error_code failure;
    bool finished = false;

    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), env.port);
    socket.async_connect(endpoint, [&](boost::system::error_code ec) {
        if (ec) {
            failure = ec;
            finished = true;
            return;
        }
        socket.set_option(tcp::no_delay(true), ec);
        asio::async_write(socket, asio::buffer(request), [&](boost::system::error_code ec2, std::size_t) {
            if (ec2) {
                failure = ec2;
                finished = true;
                return;
            }
            asio::async_read(socket, asio::buffer(lengthBytes), [&](boost::system::error_code ec3, std::size_t) {
                if (ec3) {
                    failure = ec3;
                    finished = true;
                    return;
                }
                const std::uint32_t n = std::uint32_t(lengthBytes[0]) | (std::uint32_t(lengthBytes[1]) << 8)
                                      | (std::uint32_t(lengthBytes[2]) << 16) | (std::uint32_t(lengthBytes[3]) << 24);
                reply.resize(n);
                asio::async_read(socket, asio::buffer(reply), [&](boost::system::error_code ec4, std::size_t) {
                    failure = ec4;
                    finished = true;
                });
            });
        });
    });

    bool cancelled = false;
    while (!finished) {
        io.run_one_for(std::chrono::milliseconds(20));
        if (!finished && cancel.isCancelled() && !cancelled) {
            cancelled = true;
            boost::system::error_code ignored;
            socket.close(ignored); // completes the pending operation with operation_aborted
        }
    }
    io.run(); // drain whatever the close left queued
    if (cancelled)
        return WaitOutcome::Cancelled;
    if (failure) {
        if (error)
            *error = "request to the loopback service on port " + std::to_string(env.port) + " failed: " + failure.message();
        return WaitOutcome::Failed;
    }
    return WaitOutcome::Done;
}

} // namespace

WaitOutcome fileRoundTrip(const WaitEnv& env, std::string* error)
{
    static std::atomic<std::uint64_t> counter{0};
    const std::filesystem::path path = std::filesystem::path(env.tmpDir)
        / ("ce-" + std::to_string(platform::currentProcessId()) + "-" + std::to_string(counter.fetch_add(1)) + ".tmp");
    std::vector<char> data(env.fileBytes, 'x');
    auto fail = [&](const char* what) {
        if (error)
            *error = std::string(what) + " " + path.string() + " failed";
        std::error_code ec;
        std::filesystem::remove(path, ec);
        return WaitOutcome::Failed;
    };
    std::FILE* f = std::fopen(path.string().c_str(), "wb");
    if (!f)
        return fail("creating");
    const bool wrote = std::fwrite(data.data(), 1, data.size(), f) == data.size() && std::fflush(f) == 0
                    && platform::syncFile(fileno(f));
    std::fclose(f);
    if (!wrote)
        return fail("writing");
    f = std::fopen(path.string().c_str(), "rb");
    if (!f)
        return fail("reopening");
    const bool read = std::fread(data.data(), 1, data.size(), f) == data.size();
    std::fclose(f);
    if (!read)
        return fail("reading back");
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return WaitOutcome::Done;
}

WaitOutcome blockingWait(const WaitEnv& env, double ms, CancelToken& cancel, std::string* error)
{
    if (cancel.isCancelled())
        return WaitOutcome::Cancelled;
    switch (env.io) {
    case IoKind::Sleep:
        return cancel.sleepFor(std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6))) ? WaitOutcome::Done : WaitOutcome::Cancelled;
    case IoKind::File:
        return fileRoundTrip(env, error);
    case IoKind::Net:
        return netRequest(env, ms, cancel, error);
    }
    return WaitOutcome::Failed;
}

} // namespace ce
