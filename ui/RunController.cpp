#include "RunController.h"

namespace ce::ui {

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
    // copies; the workers (or the sampler) never wait for it
    const RunSnapshot snapshot = m_run ? m_run->snapshot() : m_recording->snapshot();
    if (done)
        m_timer.stop(); // before anyone hears of it: a slot may start the next run
    Q_EMIT snapshotAvailable(snapshot);
    if (done)
        Q_EMIT finished(snapshot);
}

} // namespace ce::ui
