#pragma once

#include "ce/Engine.h"
#include "ce/record/Recording.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace ce::ui {

// Owns the engine's current run for the window. Pulls a snapshot about 30 times a second
// (the GUI thread never waits on the engine) and numbers its runs: a snapshot of an older
// run is never delivered after a newer one started.
class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;

    // Starts a run; false with one sentence in `error` if it cannot start.
    bool start(const RunConfig& config, QString* error);
    // Starts recording a real program (Linux); the same snapshots and signals as a run.
    bool startRecording(const Recording::Options& options, QString* error);
    void cancel();
    bool isRunning() const;
    int job() const { return m_job; }

Q_SIGNALS:
    void snapshotAvailable(int job, const ce::RunSnapshot& snapshot);
    void finished(int job, const ce::RunSnapshot& snapshot);

private:
    void poll();

    std::unique_ptr<Run> m_run;
    std::unique_ptr<Recording> m_recording; // instead of m_run while a program is recorded
    QTimer m_timer;
    int m_job = 0;
};

} // namespace ce::ui
