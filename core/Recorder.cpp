#include "Recorder.h"

#include "platform/Platform.h"

#include <algorithm>

namespace ce {

Recorder::Recorder(int lanes, int tasks, std::int64_t startNs)
    : m_startNs(startNs)
    , m_taskCount(tasks)
    , m_status(new std::atomic<std::uint8_t>[static_cast<std::size_t>(tasks)])
    , m_statusVersion(new std::atomic<std::uint32_t>[static_cast<std::size_t>((tasks + kStatusBlock - 1) / kStatusBlock)])
{
    for (int b = 0; b < (tasks + kStatusBlock - 1) / kStatusBlock; ++b)
        m_statusVersion[static_cast<std::size_t>(b)].store(0, std::memory_order_relaxed);
    m_lanes.reserve(static_cast<std::size_t>(lanes));
    for (int i = 0; i < lanes; ++i)
        m_lanes.push_back(std::make_unique<LaneBuffer>());
    for (int i = 0; i < tasks; ++i)
        m_status[static_cast<std::size_t>(i)].store(static_cast<std::uint8_t>(TaskStatus::Pending), std::memory_order_relaxed);
}

void Recorder::prefault(int lanes, int tasks)
{
    // A task records a few phases (its CPU parts, waits, GIL waits): room for four each, on
    // average, per lane. The pool's cap bounds what this takes for the largest runs.
    constexpr int kPhasesPerTask = 4;
    const std::int64_t perLane = std::max<std::int64_t>(16, std::int64_t(kPhasesPerTask) * tasks / std::max(1, lanes));
    AppendBuffer<PhaseRecord>::prefault(static_cast<std::size_t>(std::max(0, lanes)), static_cast<std::size_t>(perLane));
}

std::int64_t Recorder::nowNs() const { return platform::monotonicNs() - m_startNs; }

void Recorder::setTaskStatus(int task, TaskStatus status)
{
    if (task < 0 || task >= m_taskCount)
        return;
    const auto old = static_cast<TaskStatus>(m_status[static_cast<std::size_t>(task)].exchange(static_cast<std::uint8_t>(status)));
    // After the status: a delta that read the old version reads the block again next time.
    m_statusVersion[static_cast<std::size_t>(task / kStatusBlock)].fetch_add(1, std::memory_order_release);
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

namespace {
bool isFinished(TaskStatus s) { return s == TaskStatus::Done || s == TaskStatus::Failed || s == TaskStatus::Cancelled; }
} // namespace

void Recorder::deltaSince(SnapshotCursor& cursor, RunDelta& delta) const
{
    const auto tasks = static_cast<std::size_t>(m_taskCount);
    const std::size_t blocks = (tasks + kStatusBlock - 1) / kStatusBlock;
    if (cursor.statuses.size() != tasks || cursor.lanePhases.size() != m_lanes.size()) {
        cursor.statuses.assign(tasks, TaskStatus::Pending);
        // Version 0 is never current once a task of the block changed; an untouched block
        // is all pending, which is what the cursor starts with.
        cursor.statusBlocks.assign(blocks, 0);
        cursor.lanePhases.assign(m_lanes.size(), 0);
        cursor.recheck.clear();
        cursor.lagSamples = cursor.errors = 0;
    }
    delta.taskCount = m_taskCount;
    delta.head.lanes = lanes();

    // Statuses first, then the lanes: a worker records a task's phases before it marks the
    // task finished (the status store releases them), so every task read as finished has all
    // its phases in the lanes read after. A task read as pending may have started since: its
    // phases are held back (see below), so statuses and lanes describe one instant.
    std::vector<std::pair<std::int32_t, TaskStatus>> changed; // (task, status given before)
    auto read = [&](std::size_t i) {
        const TaskStatus now = taskStatus(static_cast<int>(i));
        if (now != cursor.statuses[i]) {
            changed.emplace_back(static_cast<std::int32_t>(i), cursor.statuses[i]);
            cursor.statuses[i] = now;
        }
    };
    std::vector<std::int32_t> recheck;
    recheck.swap(cursor.recheck);
    for (const std::int32_t t : recheck)
        read(static_cast<std::size_t>(t));
    for (std::size_t b = 0; b < blocks; ++b) {
        // The version before the statuses: a change after this read bumps it again.
        const std::uint32_t v = m_statusVersion[b].load(std::memory_order_acquire);
        if (v == cursor.statusBlocks[b])
            continue;
        cursor.statusBlocks[b] = v;
        const std::size_t last = std::min(tasks, (b + 1) * kStatusBlock);
        for (std::size_t i = b * kStatusBlock; i < last; ++i)
            read(i);
    }

    // Sizes once, then one reservation: linear in the phases however many lanes there are.
    std::vector<std::size_t> sizes(m_lanes.size());
    std::size_t total = 0;
    for (std::size_t l = 0; l < m_lanes.size(); ++l) {
        sizes[l] = m_lanes[l]->buffer.size();
        total += sizes[l] - std::min(sizes[l], cursor.lanePhases[l]);
    }
    delta.phases.reserve(delta.phases.size() + total);
    const auto pending = [&](const PhaseRecord& p) {
        return p.task >= 0 && p.task < m_taskCount && cursor.statuses[static_cast<std::size_t>(p.task)] == TaskStatus::Pending;
    };
    for (std::size_t l = 0; l < m_lanes.size(); ++l) {
        const auto& buffer = m_lanes[l]->buffer;
        const std::size_t from = cursor.lanePhases[l];
        if (sizes[l] <= from)
            continue;
        const std::size_t first = delta.phases.size();
        buffer.copyRange(delta.phases, from, sizes[l]);
        // A phase of a task read as pending was recorded after the statuses were read: the
        // lane is given up to it, the rest next time (a lane stays a prefix of itself). A
        // task read as finished whose phases lie in that rest is given as running for now.
        const auto begin = delta.phases.begin() + static_cast<std::ptrdiff_t>(first);
        const auto cut = std::find_if(begin, delta.phases.end(), pending);
        for (auto it = cut; it != delta.phases.end(); ++it) {
            if (it->task < 0 || it->task >= m_taskCount)
                continue;
            auto& given = cursor.statuses[static_cast<std::size_t>(it->task)];
            if (isFinished(given)) {
                given = TaskStatus::Running;
                cursor.recheck.push_back(it->task);
            }
        }
        cursor.lanePhases[l] = from + static_cast<std::size_t>(cut - begin);
        delta.phases.erase(cut, delta.phases.end());
    }
    std::sort(cursor.recheck.begin(), cursor.recheck.end());
    cursor.recheck.erase(std::unique(cursor.recheck.begin(), cursor.recheck.end()), cursor.recheck.end());
    for (const auto& [task, before] : changed) {
        const TaskStatus now = cursor.statuses[static_cast<std::size_t>(task)];
        if (now != before)
            delta.statuses.emplace_back(task, now);
    }

    cursor.lagSamples = m_lag.copyTo(delta.lagSamples, cursor.lagSamples);
    std::lock_guard lock(m_errorMutex);
    if (cursor.errors < m_errors.size())
        delta.errors.insert(delta.errors.end(), m_errors.begin() + static_cast<std::ptrdiff_t>(cursor.errors), m_errors.end());
    cursor.errors = m_errors.size();
}

void Recorder::snapshotInto(RunSnapshot& out) const
{
    SnapshotCursor cursor;
    RunDelta delta;
    // Into `out`'s own vectors: a snapshot taken again into the same copy reuses its memory.
    delta.phases = std::move(out.phases);
    delta.phases.clear();
    delta.lagSamples = std::move(out.lagSamples);
    delta.lagSamples.clear();
    deltaSince(cursor, delta);
    out.lanes = delta.head.lanes;
    out.tasks.assign(static_cast<std::size_t>(m_taskCount), TaskRecord{});
    for (int i = 0; i < m_taskCount; ++i)
        out.tasks[static_cast<std::size_t>(i)].id = i;
    for (const auto& [task, status] : delta.statuses)
        out.tasks[static_cast<std::size_t>(task)].status = status;
    widenTasks(out.tasks, delta.phases);
    out.phases = std::move(delta.phases);
    out.lagSamples = std::move(delta.lagSamples);
    out.errors = std::move(delta.errors);
}

} // namespace ce
