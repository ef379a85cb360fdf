#include "ce/RunData.h"

#include <algorithm>

namespace ce {

std::string_view toString(RunStatus s)
{
    switch (s) {
    case RunStatus::Running: return "running";
    case RunStatus::Completed: return "completed";
    case RunStatus::Cancelled: return "cancelled";
    case RunStatus::Failed: return "failed";
    }
    return "unknown";
}

void widenTasks(std::vector<TaskRecord>& tasks, const std::vector<PhaseRecord>& phases)
{
    const auto taskCount = static_cast<std::int64_t>(tasks.size());
    for (const auto& p : phases) {
        if (p.task < 0 || p.task >= taskCount)
            continue;
        auto& t = tasks[static_cast<std::size_t>(p.task)];
        t.lane = p.lane;
        t.startNs = t.startNs < 0 ? p.startNs : std::min(t.startNs, p.startNs);
        t.endNs = std::max(t.endNs, p.endNs);
    }
}

void applyDelta(RunSnapshot& copy, const RunDelta& delta)
{
    if (delta.restart) {
        copy = delta.head;
    } else {
        // Everything but the vectors, which grow below.
        copy.config = delta.head.config;
        copy.status = delta.head.status;
        copy.elapsedNs = delta.head.elapsedNs;
        copy.lanes = delta.head.lanes;
        copy.summary = delta.head.summary;
        copy.runShareMeasured = delta.head.runShareMeasured;
        copy.machine = delta.head.machine;
        copy.record = delta.head.record;
    }
    if (static_cast<int>(copy.tasks.size()) < delta.taskCount) {
        const auto old = copy.tasks.size();
        copy.tasks.resize(static_cast<std::size_t>(delta.taskCount));
        for (std::size_t i = old; i < copy.tasks.size(); ++i)
            copy.tasks[i].id = static_cast<int>(i);
    }
    const auto taskCount = static_cast<std::int64_t>(copy.tasks.size());
    for (const auto& [task, status] : delta.statuses) {
        if (task >= 0 && task < taskCount)
            copy.tasks[static_cast<std::size_t>(task)].status = status;
    }
    copy.phases.insert(copy.phases.end(), delta.phases.begin(), delta.phases.end());
    widenTasks(copy.tasks, delta.phases);
    copy.coreSamples.insert(copy.coreSamples.end(), delta.coreSamples.begin(), delta.coreSamples.end());
    copy.lagSamples.insert(copy.lagSamples.end(), delta.lagSamples.begin(), delta.lagSamples.end());
    copy.errors.insert(copy.errors.end(), delta.errors.begin(), delta.errors.end());
}

RunSnapshot headOf(const RunSnapshot& s)
{
    RunSnapshot h;
    h.config = s.config;
    h.status = s.status;
    h.elapsedNs = s.elapsedNs;
    h.lanes = s.lanes;
    h.summary = s.summary;
    h.runShareMeasured = s.runShareMeasured;
    h.machine = s.machine;
    h.record = s.record;
    return h;
}

RunDelta wholeDelta(RunSnapshot snapshot)
{
    RunDelta d;
    d.restart = true;
    d.taskCount = static_cast<int>(snapshot.tasks.size());
    d.head = std::move(snapshot);
    return d;
}

} // namespace ce
