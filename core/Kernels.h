#pragma once

#include "ce/Types.h"

#include <atomic>
#include <cstdint>

namespace ce {

// CPU kernels. Work is counted in units of a few microseconds each, so a CPU phase can be
// run in slices (for the GIL's switch requests and for cancellation) and sized by
// calibration. Each returns a checksum so the compiler cannot drop the work.
struct KernelInfo {
    Kernel kernel;          // its name is toString(kernel): Types.cpp holds the one list
    const char* unit; // what one unit of work is
};
const KernelInfo& kernelInfo(Kernel k);

// CPython's eval breaker. The interpreter looks at it every few bytecodes (each backward jump
// and call: tens of nanoseconds apart) and, when another thread has asked for the GIL, hands
// the lock over there and then, inside the running loop. How soon the holder reacts decides
// who gets the lock: the thread that asked is still awake for the first microsecond or so,
// and wins it; a holder that reacts later finds it asleep, and a thread that queued on the
// lock earlier (an event loop back from select) is woken instead. So a kernel given a breaker
// polls it about every 0.1 us of work, and calls `handle` inline; the work then goes on where
// it was. Measured: reacting every 50 us let an event loop beat CPU-bound threads to the lock
// 3-4 times as often as in CPython (tests/reference, offload-threads).
struct EvalBreaker {
    const std::atomic<bool>* requested = nullptr;
    void (*handle)(void* context) = nullptr;
    void* context = nullptr;
    void poll() const
    {
        if (requested->load(std::memory_order_relaxed))
            handle(context);
    }
};

// Runs units [firstUnit, firstUnit + units) of the kernel. With a breaker, polls it as above.
std::uint64_t runKernel(Kernel k, std::uint64_t firstUnit, std::uint64_t units, const EvalBreaker* breaker = nullptr);

// Units per millisecond on one core of this machine, measured once per process (best of a
// few short timed runs, so a preempted run does not skew it). Thread-safe.
double unitsPerMs(Kernel k);
// Units for a CPU part of `ms` milliseconds (at least 1 when ms > 0).
std::uint64_t unitsForMs(Kernel k, double ms);

// SHA-256 of a buffer, exposed for tests of the sha256 kernel against known digests.
void sha256(const unsigned char* data, std::uint64_t size, unsigned char out[32]);

} // namespace ce
