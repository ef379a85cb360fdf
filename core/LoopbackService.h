#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace ce {

// A slow "web API" on 127.0.0.1: it reads a request (delay in microseconds, payload
// length, payload), waits the delay on a timer, then answers with a payload of the same
// length and closes. Boost.Asio on its own thread, so it runs outside whichever model is
// under test, and a single thread holds thousands of connections.
//
// Wire format, little endian: request  = u32 delay_us, u32 length, length bytes
//                             response = u32 length, length bytes
// What a client can make the service hold. Anyone on the machine can connect, so every
// resource a connection takes is bounded.
struct ServiceLimits {
    std::uint32_t maxDelayUs = 60'000'000;  // the longest wait a run can ask for (--wait-ms 60000)
    std::uint32_t maxPayload = 16u << 20;   // per request
    int maxConnections = 0;                 // open at once; 0: only the descriptor limit
    std::uint64_t maxBufferedBytes = 64ull << 20; // request bodies held at once, all connections
    std::chrono::milliseconds idleTimeout{10000}; // no byte from a client for this long: closed
};

class LoopbackService {
public:
    LoopbackService();
    ~LoopbackService();
    LoopbackService(const LoopbackService&) = delete;
    LoopbackService& operator=(const LoopbackService&) = delete;

    // Binds 127.0.0.1:port (0: any free port) and starts serving. On failure returns false
    // and says why in `error`.
    bool start(std::string* error, std::uint16_t port = 0, const ServiceLimits& limits = {});
    void stop();

    std::uint16_t port() const;
    std::int64_t threadId() const;      // the serving thread, so samplers can leave it out
    std::int64_t threadCpuNs() const;   // its CPU time, valid after stop()
    std::uint64_t served() const;
    int peakConnections() const;
    std::uint64_t refused() const;      // connections closed for breaking a limit

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

constexpr std::uint32_t kMaxNetPayload = 16u << 20;

} // namespace ce
