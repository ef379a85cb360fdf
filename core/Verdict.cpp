#include "ce/Verdict.h"

#include "ce/RunSummary.h"

#include <cstdio>

namespace ce {
namespace {

std::string seconds(double s) { return fixed(s) + " s"; }

// Why the recommended run lost, first cause that applies. Each share is of the run's
// worker-time (makespan times workers), so it reads the same for 2 workers or 16.
// A quarter of the workers' time queued for the GIL: the lock, not the work, set the pace.
constexpr double kGilWaitShare = 0.25;
// A fifth of the time starting processes and moving data: tasks too small for processes.
constexpr double kSpawnIpcShare = 0.2;
// A loop stuck this long is visibly unresponsive (asyncio's debug mode warns from 100 ms;
// half of that already shows as a stutter in a UI or a slow request).
constexpr double kBlockedLoopMs = 50;

bool matchesRecommendation(Model run, Model recommended)
{
    // "Threads or TBB tasks" is one answer of the chart.
    if (recommended == Model::Tbb)
        return run == Model::Tbb || run == Model::Threads;
    return run == recommended;
}

std::string why(const RunSnapshot& rec, const RunSnapshot& fast)
{
    const Summary& s = rec.summary;
    const std::string name = describeModel(rec.config);
    const int workers = std::max(1, rec.lanes);
    if (s.gilWaitS > kGilWaitShare * s.makespanS * workers)
        return name + " waited " + seconds(s.gilWaitS) + " for the GIL in all";
    if ((s.spawnS + s.ipcS) / workers > kSpawnIpcShare * s.makespanS)
        return "starting worker processes and moving data cost " + name + " " + seconds(s.spawnS + s.ipcS)
             + " summed over its workers: the tasks are too small for processes";
    if (s.maxLoopLagMs > kBlockedLoopMs)
        return "CPU work blocked " + name + "'s loop for up to " + std::to_string(static_cast<int>(s.maxLoopLagMs)) + " ms";
    if (rec.config.model == Model::Threads && rec.config.workload != WorkloadKind::Cpu && !rec.config.spawnPerTask
        && rec.config.workers < rec.config.tasks)
        return name + " had " + std::to_string(rec.config.workers) + " threads for " + std::to_string(rec.config.tasks)
             + " tasks that wait; " + describeModel(fast.config) + " had more of them in flight";
    return "on a shared machine a difference this small can be noise: run it again to check";
}

} // namespace

Verdict judge(const std::vector<RunSnapshot>& runs, const Advice& advice, bool gil)
{
    Verdict v;
    // "Event loop, CPU parts offloaded to processes" is matched by such runs only.
    const bool toProcesses = !advice.path.empty() && advice.path.back().node == "eventloop-processes";
    // "Threads that compute outside the lock" is matched only by runs that release it.
    const bool needsRelease = !advice.path.empty() && advice.path.back().node == "threads-released";
    const auto matches = [&](const RunConfig& c) {
        return matchesRecommendation(c.model, advice.recommended)
            && (!toProcesses || (c.offload > 0 && c.offloadTo == OffloadTarget::Processes))
            && (!needsRelease || c.releasesGil);
    };
    for (int i = 0; i < static_cast<int>(runs.size()); ++i) {
        const RunSnapshot& r = runs[static_cast<std::size_t>(i)];
        if (r.status != RunStatus::Completed || (r.config.gil != gil && r.config.model != Model::Sequential))
            continue;
        if (v.fastest < 0 || r.summary.makespanS < runs[static_cast<std::size_t>(v.fastest)].summary.makespanS)
            v.fastest = i;
        if (matches(r.config)
            && (v.recommended < 0 || r.summary.makespanS < runs[static_cast<std::size_t>(v.recommended)].summary.makespanS))
            v.recommended = i;
    }
    const std::string recName = toProcesses ? std::string("eventloop with --offload-to processes") : std::string(toString(advice.recommended));
    if (v.fastest < 0) {
        v.text = "No run completed" + std::string(gil ? " with the GIL" : "") + ", so there is nothing to judge.";
        return v;
    }
    const RunSnapshot& fast = runs[static_cast<std::size_t>(v.fastest)];
    if (v.recommended < 0) {
        v.text = "The flowchart recommends " + recName + ", which this comparison did not run" + std::string(gil ? " with the GIL" : "")
               + "; the fastest here was " + describeModel(fast.config) + " (" + seconds(fast.summary.makespanS) + ").";
        return v;
    }
    const RunSnapshot& rec = runs[static_cast<std::size_t>(v.recommended)];
    v.recommendedWasFastest = rec.summary.makespanS <= fast.summary.makespanS * (1.0 + kSameSpeed);
    if (v.recommendedWasFastest) {
        v.text = "The flowchart's choice, " + describeModel(rec.config) + ", was the fastest here (" + seconds(rec.summary.makespanS)
               + (v.recommended == v.fastest ? ")." : ", within " + std::to_string(static_cast<int>(kSameSpeed * 100 + 0.5)) + "% of the fastest).");
    } else {
        v.text = "The flowchart's choice, " + describeModel(rec.config) + ", took " + seconds(rec.summary.makespanS) + "; "
               + describeModel(fast.config) + " took " + seconds(fast.summary.makespanS) + ". Why: " + why(rec, fast) + ".";
    }
    if (gil)
        v.text += " (Runs without the GIL were left out: under a GIL they are not an option.)";
    return v;
}

} // namespace ce
