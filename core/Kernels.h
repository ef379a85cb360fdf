#pragma once

#include "ce/Types.h"

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

// Runs units [firstUnit, firstUnit + units) of the kernel.
std::uint64_t runKernel(Kernel k, std::uint64_t firstUnit, std::uint64_t units);

// Units per millisecond on one core of this machine, measured once per process (best of a
// few short timed runs, so a preempted run does not skew it). Thread-safe.
double unitsPerMs(Kernel k);
// Units for a CPU part of `ms` milliseconds (at least 1 when ms > 0).
std::uint64_t unitsForMs(Kernel k, double ms);

// SHA-256 of a buffer, exposed for tests of the sha256 kernel against known digests.
void sha256(const unsigned char* data, std::uint64_t size, unsigned char out[32]);

} // namespace ce
