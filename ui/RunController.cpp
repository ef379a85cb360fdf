#include "RunController.h"

#include <unordered_map>

namespace ce::ui {

namespace {
bool ended(TaskStatus s) { return s == TaskStatus::Done || s == TaskStatus::Failed || s == TaskStatus::Cancelled; }
} // namespace

RunController::RunController(QObject* parent) : QObject(parent)
{
    m_timer.setInterval(33);
    connect(&m_timer, &QTimer::timeout, this, &RunController::poll);
}

RunController::~RunController() = default; // ~Run cancels and joins

bool RunController::start(const RunConfig& config, QString* error)
{
    if (isRunning()) {
        if (error)
            *error = QStringLiteral("a run is already going: cancel it first");
        return false;
    }
    auto run = std::make_unique<Run>(config);
    std::string why;
    if (!run->start(&why)) {
        if (error)
            *error = QString::fromStdString(why);
        return false;
    }
    m_run = std::move(run);
    m_recording.reset();
    m_cursor = SnapshotCursor{};
    m_live = RunSnapshot{};
    m_finished = 0;
    m_timer.start();
    return true;
}

bool RunController::startRecording(const Recording::Options& options, QString* error)
{
    if (isRunning()) {
        if (error)
            *error = QStringLiteral("a run is already going: cancel it first");
        return false;
    }
    auto recording = std::make_unique<Recording>();
    std::string why;
    if (!recording->start(options, &why)) {
        if (error)
            *error = QString::fromStdString(why);
        return false;
    }
    m_recording = std::move(recording);
    m_run.reset();
    m_cursor = SnapshotCursor{};
    m_live = RunSnapshot{};
    m_finished = 0;
    m_timer.start();
    return true;
}

void RunController::cancel()
{
    if (m_run)
        m_run->cancel();
    if (m_recording)
        m_recording->cancel();
}

bool RunController::isRunning() const { return (m_run && !m_run->isFinished()) || (m_recording && !m_recording->isFinished()); }

void RunController::poll()
{
    if (!m_run && !m_recording)
        return;
    const bool done = m_run ? m_run->isFinished() : m_recording->isFinished();
    // Copies only what is new since the last frame; the workers (or the sampler) never wait
    // for it. A recorded program keeps no cursor: its frames are whole snapshots.
    const RunDelta delta = m_run ? m_run->snapshotSince(m_cursor) : wholeDelta(m_recording->snapshot());
    if (delta.restart) {
        applyDelta(m_live, delta);
        m_finished = 0;
        for (const auto& t : m_live.tasks)
            m_finished += ended(t.status) ? 1 : 0;
    } else {
        // What each changed task was before this frame (a task may change twice in one).
        std::unordered_map<std::int32_t, TaskStatus> before;
        for (const auto& [task, status] : delta.statuses) {
            const auto i = static_cast<std::size_t>(task);
            before.try_emplace(task, i < m_live.tasks.size() ? m_live.tasks[i].status : TaskStatus::Pending);
        }
        applyDelta(m_live, delta);
        for (const auto& [task, was] : before) {
            const auto i = static_cast<std::size_t>(task);
            const bool now = i < m_live.tasks.size() && ended(m_live.tasks[i].status);
            m_finished += (now ? 1 : 0) - (ended(was) ? 1 : 0);
        }
    }
    if (done)
        m_timer.stop(); // before anyone hears of it: a slot may start the next run
    Q_EMIT deltaAvailable(delta, m_live);
    Q_EMIT snapshotAvailable(m_live);
    if (done) {
        // The final snapshot as the run keeps it (phases grouped by lane), once. A copy: a slot
        // that starts the next run resets m_live.
        const RunSnapshot last = m_run ? m_run->snapshot() : m_live;
        Q_EMIT finished(last);
    }
}

} // namespace ce::ui
