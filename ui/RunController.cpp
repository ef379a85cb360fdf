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
    ++m_job;
    m_timer.start();
    return true;
}

void RunController::cancel()
{
    if (m_run)
        m_run->cancel();
}

bool RunController::isRunning() const { return m_run && !m_run->isFinished(); }

void RunController::poll()
{
    if (!m_run)
        return;
    const bool done = m_run->isFinished();
    const RunSnapshot snapshot = m_run->snapshot(); // copies; the workers never wait for it
    Q_EMIT snapshotAvailable(m_job, snapshot);
    if (done) {
        m_timer.stop();
        Q_EMIT finished(m_job, snapshot);
    }
}

} // namespace ce::ui
