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
#if !defined(_WIN32)
// How a child process ended, as told at its reap: its wait status, its CPU time (user plus
// system, from wait4's rusage: its own and that of children it reaped; -1 when unknown) and
// the core it last ran on (read from /proc while it was a zombie, just before the reap; -1
// where the OS cannot tell). The sampler needs the last two for a worker that lived between
// two samples.
struct ChildEnd {
    int status = 0;
    std::int64_t cpuNs = -1;
    int lastCore = -1;
};
// Reaps child `pid` (or any child when `pid` is -1) once it has ended, filling `end`. With
// `noHang`, returns 0 at once when none has ended yet. Returns the pid reaped, or -1 with
// errno set (EINTR: call again; ECHILD: no such child).
std::int64_t reapChild(std::int64_t pid, bool noHang, ChildEnd* end);
#endif
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
// The core a thread or process last ran on, from the text of its /proc/.../stat: field 39
// (processor), counted after the ')' that closes its name. -1 when the text has none.
int statProcessor(const char* statText);
#endif

} // namespace ce::platform
