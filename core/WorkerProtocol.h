#pragma once

#include "ce/RunData.h"
#include "TaskPlan.h"
#include "ce/Types.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

// Frames exchanged with a worker process over its stdin and stdout. Both ends are built from
// the same sources for the same machine (the application and its lean worker program,
// concurrency-explorer-worker), so numbers travel in native byte order. A frame is a u64
// length followed by that many bytes.
namespace ce::protocol {

constexpr std::uint32_t kHelloMagic = 0x31484543;    // "CEH1"
constexpr std::uint32_t kRequestMagic = 0x31514543;  // "CEQ1"
constexpr std::uint32_t kReplyMagic = 0x31524543;    // "CER1"
constexpr std::uint32_t kBatchMagic = 0x31424543;    // "CEB1": several requests or replies in one frame
constexpr std::uint64_t kMaxFrame = (64ull << 20) + (16ull << 20);
// What a reply may carry beyond the run's payload: its phases and error text. A longer frame
// is a protocol error (never an allocation of whatever length a worker claims).
constexpr std::uint64_t kFrameHeadroom = 16ull << 20;
// A batch (--chunksize) carries at most this much payload, so its frame stays below kMaxFrame.
constexpr std::uint64_t kMaxBatchPayload = 64ull << 20;

struct Request {
    std::int32_t task = 0;
    std::int32_t lane = 0;
    std::int64_t runStartNs = 0;   // the parent's run start on the shared monotonic clock
    std::int64_t sentNs = 0;       // when the parent started sending (relative)
    Kernel kernel = Kernel::Spin;
    IoKind io = IoKind::Sleep;
    bool gil = false;
    bool crash = false;
    double switchIntervalMs = 5.0;
    std::uint64_t sliceUnits = 1;
    std::uint16_t port = 0;
    std::uint32_t netPayload = 64;
    std::uint64_t fileBytes = 0;
    std::string tmpDir;
    std::vector<PhaseSpec> phases;
    std::string payload;
};

struct Reply {
    std::int32_t task = 0;
    std::uint8_t outcome = 0;      // TaskRunner::Outcome
    std::uint64_t checksum = 0;
    std::int64_t replyStartNs = 0; // when the worker started sending (relative)
    std::string error;
    std::vector<PhaseRecord> phases;
    std::string payload;
};

std::string encode(const Request& r);
std::string encode(const Reply& r);
std::string encodeHello(std::int64_t pid);
bool decode(const std::string& frame, Request& r);
bool decode(const std::string& frame, Reply& r);
bool decodeHello(const std::string& frame, std::int64_t& pid);
// Pool.map's chunks: encoded requests (or replies) sent as one frame, one round trip.
std::string encodeBatch(const std::vector<std::string>& frames);
bool isBatch(const std::string& frame);
bool decodeBatch(const std::string& frame, std::vector<std::string>& frames);

// Blocking frame I/O on C streams (the worker's side).
bool writeFrame(std::FILE* f, const std::string& frame);
bool readFrame(std::FILE* f, std::string& frame);

// The parent's side: frame I/O on a pipe end of its own (POSIX: a descriptor switched to
// non-blocking here; Windows: a HANDLE, blocking, no time limit). `silence` bounds how long no
// byte may move before giving up, so a stopped or hung worker cannot hold a lane forever.
enum class FrameStatus { Ok, Closed, TimedOut, TooLong, Failed };
struct FrameResult {
    FrameStatus status = FrameStatus::Ok;
    std::uint64_t announced = 0; // the length a frame claimed (for TooLong)
    int error = 0;               // errno for Failed
};
FrameResult writeFrame(std::intptr_t handle, const std::string& frame, std::chrono::milliseconds silence);
FrameResult readFrame(std::intptr_t handle, std::string& frame, std::uint64_t maxBytes, std::chrono::milliseconds silence);

// Testing aid, read by the worker from the environment variable CE_WORKER_FAULT as KIND@TASK:
// instead of answering task TASK it sends `garbage` (a frame that is no reply), announces a
// `huge` frame (80 MiB) and sends nothing more, goes `silent` (sleeps without answering), or
// `stop`s itself with SIGSTOP. `parent-oom` makes the parent's lane fail to allocate that
// task's request instead. Unset in normal use.
constexpr const char* kFaultVariable = "CE_WORKER_FAULT";
// Whether kFaultVariable asks for fault `kind` at task `task`.
bool faultRequested(const std::string& kind, int task);

} // namespace ce::protocol

namespace ce {
// The worker process's main loop: reads requests on stdin until it closes. Returns the exit code.
int runWorkerProcess();
} // namespace ce
