#pragma once

// Checks of what must hold for any recorded run, whatever the machine's speed or load.
// Each returns an empty string when the invariant holds, else what broke it.

#include "ce/RunData.h"

#include <QString>

#include <algorithm>
#include <map>
#include <vector>

namespace ce::test {

inline QString phaseText(const PhaseRecord& p)
{
    return QStringLiteral("task %1 lane %2 %3 [%4, %5] ns").arg(p.task).arg(p.lane).arg(QString::fromUtf8(toString(p.state).data())).arg(p.startNs).arg(p.endNs);
}

// Every task ran exactly once: it is done, and all its CPU and wait phases sit on one lane.
inline QString everyTaskRanOnce(const RunSnapshot& r)
{
    if (static_cast<int>(r.tasks.size()) != r.config.tasks)
        return QStringLiteral("%1 task records for %2 tasks").arg(r.tasks.size()).arg(r.config.tasks);
    std::map<int, int> laneOf;
    for (const auto& p : r.phases) {
        if (p.task < 0)
            continue;
        if (p.task >= r.config.tasks)
            return QStringLiteral("phase of unknown task: ") + phaseText(p);
        const auto [it, inserted] = laneOf.emplace(p.task, p.lane);
        if (!inserted && it->second != p.lane)
            return QStringLiteral("task %1 ran on lanes %2 and %3").arg(p.task).arg(it->second).arg(p.lane);
    }
    for (const auto& t : r.tasks) {
        if (t.status != TaskStatus::Done)
            return QStringLiteral("task %1 is %2").arg(t.id).arg(QString::fromUtf8(toString(t.status).data()));
    }
    return {};
}

// Phases have end >= start and lie within the run.
inline QString phasesWithinRun(const RunSnapshot& r)
{
    for (const auto& p : r.phases) {
        if (p.startNs < 0 || p.endNs < p.startNs || p.endNs > r.elapsedNs)
            return QStringLiteral("phase outside the run (elapsed %1 ns): ").arg(r.elapsedNs) + phaseText(p);
        if (p.lane < 0 || p.lane >= r.lanes)
            return QStringLiteral("phase on a lane that does not exist: ") + phaseText(p);
    }
    return {};
}

// A lane never does two things at once.
inline QString lanesNeverOverlap(const RunSnapshot& r)
{
    std::map<int, std::vector<PhaseRecord>> byLane;
    for (const auto& p : r.phases)
        byLane[p.lane].push_back(p);
    for (auto& [lane, phases] : byLane) {
        std::sort(phases.begin(), phases.end(), [](const auto& a, const auto& b) { return a.startNs < b.startNs; });
        for (std::size_t i = 1; i < phases.size(); ++i) {
            if (phases[i].startNs < phases[i - 1].endNs)
                return QStringLiteral("overlap on lane %1: ").arg(lane) + phaseText(phases[i - 1]) + QStringLiteral(" and ") + phaseText(phases[i]);
        }
    }
    return {};
}

// No two CPU phases of one group overlap. groupOf maps a phase to its group (e.g. a process).
template <typename GroupOf>
inline QString cpuNeverOverlaps(const RunSnapshot& r, GroupOf groupOf)
{
    std::map<long long, std::vector<PhaseRecord>> groups;
    for (const auto& p : r.phases) {
        if (p.state == State::Cpu)
            groups[groupOf(p)].push_back(p);
    }
    for (auto& [g, phases] : groups) {
        std::sort(phases.begin(), phases.end(), [](const auto& a, const auto& b) { return a.startNs < b.startNs; });
        for (std::size_t i = 1; i < phases.size(); ++i) {
            if (phases[i].startNs < phases[i - 1].endNs)
                return QStringLiteral("CPU phases overlap: ") + phaseText(phases[i - 1]) + QStringLiteral(" and ") + phaseText(phases[i]);
        }
    }
    return {};
}

inline QString cpuNeverOverlaps(const RunSnapshot& r)
{
    return cpuNeverOverlaps(r, [](const PhaseRecord&) { return 0LL; });
}

inline QString allInvariants(const RunSnapshot& r)
{
    for (const QString& e : {everyTaskRanOnce(r), phasesWithinRun(r), lanesNeverOverlap(r)}) {
        if (!e.isEmpty())
            return e;
    }
    return {};
}

} // namespace ce::test
