#pragma once

#include <cstddef>
#include <cstdint>

// Small OS queries used on hot paths. Qt-free, one implementation file per OS family.
namespace ce::platform {

// Monotonic clock shared by every process on the machine, in ns.
std::int64_t monotonicNs();
// The core the calling thread runs on now, or -1 where the OS cannot tell.
int currentCpu();
// OS thread id of the caller (Linux tid, Windows thread id, macOS thread id).
std::int64_t currentThreadId();
std::int64_t currentProcessId();
// CPU time consumed so far, in ns.
std::int64_t threadCpuNs();
std::int64_t processCpuNs();
// CPU time of children that have been waited for.
std::int64_t reapedChildrenCpuNs();
// Raise the open-file limit as far as allowed; returns the soft limit now in force.
std::int64_t raiseFileLimit();
// Descriptors this process has open now (Linux, macOS), or -1 where the OS cannot tell.
std::int64_t openFileCount();
// Memory a run may plan to use: half the physical memory, and at most half the address
// space limit when one is set. In bytes; 0 when unknown.
std::uint64_t memoryBudgetBytes();
// Writing to a pipe whose reader died must fail with EPIPE, not kill the process with
// SIGPIPE. Blocks SIGPIPE for the calling thread only (POSIX; the signal is thread-directed),
// leaving the program's own disposition alone.
void blockBrokenPipeSignal();
// Ask the OS to kill the calling process when its parent dies (Linux); no-op elsewhere.
void dieWithParent();
// Put the standard streams in binary mode (Windows); no-op elsewhere.
void setBinaryStdio();
// Flush file contents to the device.
bool syncFile(int fd);

#if defined(__linux__)
// Reads a small /proc file with plain syscalls (no streams: samplers call it many times a
// second) into `buffer`, NUL-terminated. False when it cannot be opened or is empty.
bool readSmallFile(const char* path, char* buffer, std::size_t size, std::size_t* length);
#endif

} // namespace ce::platform
