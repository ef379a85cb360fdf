#pragma once

#include "ce/Engine.h"
#include "ce/record/Recording.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace ce::ui {

// Owns the engine's current run for the window. Pulls a snapshot about 30 times a second
// (the GUI thread never waits on the engine). It holds one run at a time and polls only that
// one, on the GUI thread, so a snapshot of an older run cannot arrive after a newer started:
// no job numbers are needed to drop stale ones.
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
    // Tasks of the current run that have ended (done, failed or cancelled) as of the last
    // frame: kept up to date from each delta's status changes, not counted over all tasks.
    int finishedTasks() const { return m_finished; }

Q_SIGNALS:
    // Each live frame: first what is new (`delta`, with `live` already brought up to date by
    // it), then the whole live copy. Neither copies the run: a frame costs what is new.
    void deltaAvailable(const ce::RunDelta& delta, const ce::RunSnapshot& live);
    void snapshotAvailable(const ce::RunSnapshot& snapshot);
    void finished(const ce::RunSnapshot& snapshot);

private:
    void poll();

    std::unique_ptr<Run> m_run;
    std::unique_ptr<Recording> m_recording; // instead of m_run while a program is recorded
    QTimer m_timer;
    SnapshotCursor m_cursor; // what m_live holds of the current run
    RunSnapshot m_live;      // the current run so far, kept up to date delta by delta
    int m_finished = 0;      // of m_live's tasks
};

} // namespace ce::ui
