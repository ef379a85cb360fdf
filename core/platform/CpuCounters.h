#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// The OS's per-core counters, behind one interface. No Qt in these files, so that each
// platform's implementation compiles on its own (the test suite compiles the Windows one
// with a cross compiler).
namespace ce::platform {

struct CoreTicks {
    std::uint64_t busy = 0;  // any unit, as long as busy and total share it
    std::uint64_t total = 0;
};

struct ThreadTime {
    std::int64_t tid = 0;
    std::int64_t cpuNs = 0;  // cumulative CPU time of the thread
    int core = -1;           // the core it last ran on
};

class CpuCounters {
public:
    virtual ~CpuCounters() = default;

    // Cumulative busy and total time of every logical core, in core order.
    virtual bool readCores(std::vector<CoreTicks>& out) = 0;
    // Cumulative CPU time and last core of every thread of the given processes. Returns
    // false where the OS cannot tell a thread's core (then a run's share is not split by core),
    // which is what this default does.
    virtual bool readThreads(const std::vector<std::int64_t>& pids, std::vector<ThreadTime>& out)
    {
        (void)pids;
        out.clear();
        return false;
    }
    // "CPU model, N logical cores, OS release".
    virtual std::string machineDescription() = 0;

    static std::unique_ptr<CpuCounters> create();
};

} // namespace ce::platform
