#include "Recorder.h"

#include "platform/Platform.h"

#include <algorithm>

namespace ce {

Recorder::Recorder(int lanes, int tasks, std::int64_t startNs)
    : m_startNs(startNs)
    , m_taskCount(tasks)
    , m_status(new std::atomic<std::uint8_t>[static_cast<std::size_t>(tasks)])
{
    m_lanes.reserve(static_cast<std::size_t>(lanes));
    for (int i = 0; i < lanes; ++i)
        m_lanes.push_back(std::make_unique<LaneBuffer>());
    for (int i = 0; i < tasks; ++i)
        m_status[static_cast<std::size_t>(i)].store(static_cast<std::uint8_t>(TaskStatus::Pending), std::memory_order_relaxed);
}

std::int64_t Recorder::nowNs() const { return platform::monotonicNs() - m_startNs; }

void Recorder::setTaskStatus(int task, TaskStatus status)
{
    if (task < 0 || task >= m_taskCount)
        return;
    const auto old = static_cast<TaskStatus>(m_status[static_cast<std::size_t>(task)].exchange(static_cast<std::uint8_t>(status)));
    const auto finished = [](TaskStatus s) { return s == TaskStatus::Done || s == TaskStatus::Failed || s == TaskStatus::Cancelled; };
    if (finished(status) && !finished(old))
        m_finished.fetch_add(1, std::memory_order_relaxed);
}

TaskStatus Recorder::taskStatus(int task) const
{
    return static_cast<TaskStatus>(m_status[static_cast<std::size_t>(task)].load(std::memory_order_acquire));
}

void Recorder::addError(std::string message)
{
    std::lock_guard lock(m_errorMutex);
    m_errors.push_back(std::move(message));
}

void Recorder::snapshotInto(RunSnapshot& out) const
{
    // Statuses first, then the lanes: a worker records a task's phases before it marks the
    // task finished (the status store releases them), so every task read as finished has all
    // its phases in the copy. Phases of tasks that started after the statuses were read are
    // left out, so no task read as pending shows work: statuses and lanes describe one instant.
    out.tasks.assign(static_cast<std::size_t>(m_taskCount), TaskRecord{});
    for (int i = 0; i < m_taskCount; ++i) {
        auto& t = out.tasks[static_cast<std::size_t>(i)];
        t.id = i;
        t.status = taskStatus(i);
    }
    out.lanes = lanes();
    out.phases.clear();
    for (const auto& lane : m_lanes)
        lane->buffer.copyTo(out.phases);
    out.phases.erase(std::remove_if(out.phases.begin(), out.phases.end(),
                                    [&](const PhaseRecord& p) {
                                        return p.task >= 0 && p.task < m_taskCount
                                            && out.tasks[static_cast<std::size_t>(p.task)].status == TaskStatus::Pending;
                                    }),
                     out.phases.end());
    out.lagSamples.clear();
    m_lag.copyTo(out.lagSamples);

    for (const auto& p : out.phases) {
        if (p.task < 0 || p.task >= m_taskCount)
            continue;
        auto& t = out.tasks[static_cast<std::size_t>(p.task)];
        t.lane = p.lane;
        t.startNs = t.startNs < 0 ? p.startNs : std::min(t.startNs, p.startNs);
        t.endNs = std::max(t.endNs, p.endNs);
    }
    std::lock_guard lock(m_errorMutex);
    out.errors = m_errors;
}

} // namespace ce
