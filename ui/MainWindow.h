#pragma once

#include "RunData.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QProgressBar;

namespace ce::ui {

class FlowchartView;
class RunController;
class RunForm;
class TimelinePlot;

// The window: presets and the run form on the left, the run's timelines in the middle, the
// decision flowchart on the right, the run's summary below. The GUI only draws what the
// engine recorded: every figure comes from a snapshot.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    RunForm* form() const { return m_form; }
    TimelinePlot* timeline() const { return m_timeline; }
    FlowchartView* flowchart() const { return m_flowchart; }
    RunController* controller() const { return m_controller; }
    const RunSnapshot& lastRun() const { return m_last; }
    // The executable the processes model starts as its workers (default: this program).
    void setWorkerExecutable(const QString& path) { m_workerExecutable = path; }

public Q_SLOTS:
    void startRun();
    void cancelRun();
    bool exportPng(const QString& path, QSize size, QString* error);
    // Saves the last run as the engine's JSON; opens one (or a comparison's first run)
    // without running it. On failure nothing changes and `error` says why.
    bool saveRun(const QString& path, QString* error);
    bool openRun(const QString& path, QString* error);

Q_SIGNALS:
    void runFinished();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void validateForm();
    void showSnapshot(int job, const RunSnapshot& snapshot);
    void showFinished(int job, const RunSnapshot& snapshot);
    void exportDialog();
    void saveDialog();
    void openDialog();
    void showLoaded(const RunSnapshot& run);
    QString summaryHtml(const RunSnapshot& run) const;

    RunForm* m_form = nullptr;
    TimelinePlot* m_timeline = nullptr;
    FlowchartView* m_flowchart = nullptr;
    RunController* m_controller = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_problem = nullptr;
    QProgressBar* m_progress = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_saveAction = nullptr;
    RunSnapshot m_last;
    QString m_workerExecutable;
};

} // namespace ce::ui
