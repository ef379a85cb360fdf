#include "TaskPlan.h"

#include "Kernels.h"

#include <algorithm>

namespace ce {
namespace {
// A CPU part runs in slices of about 50 us: between slices it checks for cancel (and a test's
// crash hook). The emulated GIL's drop request is looked at far more often, inside the kernel
// (EvalBreaker in Kernels.h): who wins the lock depends on how soon its holder reacts.
constexpr double kSliceMs = 0.05;
} // namespace

WorkSizes computeWorkSizes(const RunConfig& c)
{
    WorkSizes s;
    const bool needsCpu = c.workload != WorkloadKind::Io && c.workload != WorkloadKind::Counter;
    if (needsCpu) {
        s.cpuUnits = c.iterations > 0 ? c.iterations : unitsForMs(c.kernel, c.taskMs);
        s.sliceUnits = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(unitsPerMs(c.kernel) * kSliceMs));
    }
    // Calibrated here, before the run's clock starts, as the CPU parts are.
    if (c.model == Model::EventLoop && c.gil && c.loopPassUs > 0)
        s.loopPassUnits = unitsForMs(Kernel::Spin, c.loopPassUs / 1000.0);
    return s;
}

std::vector<PhaseSpec> planTask(const RunConfig& c, const WorkSizes& sizes, int task)
{
    std::vector<PhaseSpec> phases;
    const PhaseSpec cpu{PhaseSpec::Kind::Cpu, sizes.cpuUnits, 0};
    const PhaseSpec wait{PhaseSpec::Kind::Wait, 0, c.waitMs};
    switch (c.workload) {
    case WorkloadKind::Cpu:
        phases.push_back(cpu);
        break;
    case WorkloadKind::Io:
        phases.assign(static_cast<std::size_t>(c.rounds), wait);
        break;
    case WorkloadKind::Mixed:
        for (int r = 0; r < c.rounds; ++r) {
            phases.push_back(cpu);
            phases.push_back(wait);
        }
        break;
    case WorkloadKind::Convoy:
        // Task 0 is the CPU hog; every other task is an I/O loop of short waits.
        if (task == 0)
            phases.push_back(cpu);
        else
            phases.assign(static_cast<std::size_t>(c.rounds), wait);
        break;
    case WorkloadKind::Counter:
        // One CPU part of read-modify-write steps on the shared value (TaskRunner::count).
        phases.push_back(PhaseSpec{PhaseSpec::Kind::Cpu, counterSteps(c), 0});
        break;
    }
    phases.erase(std::remove_if(phases.begin(), phases.end(),
                                [](const PhaseSpec& p) { return p.kind == PhaseSpec::Kind::Cpu && p.units == 0; }),
                 phases.end());
    return phases;
}

} // namespace ce
