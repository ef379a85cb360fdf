#pragma once

#include "ce/RunConfig.h"

#include <cstdint>
#include <vector>

namespace ce {

// One step of a task: CPU work of `units` kernel units, or a wait of `ms` milliseconds.
struct PhaseSpec {
    enum class Kind : std::uint8_t { Cpu, Wait } kind = Kind::Cpu;
    std::uint64_t units = 0;
    double ms = 0;
};

// Sizes that are calibrated once in the parent and handed to every worker (a worker process
// never calibrates, so all processes run the same amount of work).
struct WorkSizes {
    std::uint64_t cpuUnits = 0;    // one CPU part
    std::uint64_t sliceUnits = 1;  // about 50 us of work: cancel's granularity (the GIL's is finer: EvalBreaker)
    std::uint64_t loopPassUnits = 0; // eventloop under --gil: the interpreter's work in a pass after a sleep (spin units)
};

WorkSizes computeWorkSizes(const RunConfig& config);

// The phases of task `task` of the configured workload.
std::vector<PhaseSpec> planTask(const RunConfig& config, const WorkSizes& sizes, int task);

} // namespace ce
