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

namespace {
// Everything of a snapshot but its vectors (phases, tasks, samples, errors): the one list of
// those fields, for headOf and applyDelta.
void copyHead(RunSnapshot& to, const RunSnapshot& from)
{
    to.config = from.config;
    to.status = from.status;
    to.elapsedNs = from.elapsedNs;
    to.lanes = from.lanes;
    to.summary = from.summary;
    to.runShareMeasured = from.runShareMeasured;
    to.machine = from.machine;
    to.record = from.record;
}
} // namespace

void applyDelta(RunSnapshot& copy, const RunDelta& delta)
{
    if (delta.restart)
        copy = delta.head;
    else
        copyHead(copy, delta.head); // the vectors grow below
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
    copyHead(h, s);
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
