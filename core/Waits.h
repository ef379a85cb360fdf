#pragma once

#include "ce/Types.h"

#include <cstdint>
#include <string>

namespace ce {

class CancelToken;

// What a wait phase needs to know about its surroundings.
struct WaitEnv {
    IoKind io = IoKind::Sleep;
    std::uint16_t port = 0;        // loopback service (net)
    std::string tmpDir;            // where file waits write (file)
    std::uint64_t fileBytes = 64 * 1024;
    std::uint32_t netPayload = 64; // bytes each way per request
};

enum class WaitOutcome { Done, Cancelled, Failed };

// Performs one blocking wait on the calling thread: a sleep, a file round trip (write, sync,
// read back, remove), or a request to the loopback service. Returns early when cancelled.
WaitOutcome blockingWait(const WaitEnv& env, double ms, CancelToken& cancel, std::string* error);

// The file round trip on its own (also used by the event loop's executor).
WaitOutcome fileRoundTrip(const WaitEnv& env, std::string* error);

// Encodes a request for the loopback service.
std::string encodeNetRequest(double delayMs, std::uint32_t payload);

} // namespace ce
