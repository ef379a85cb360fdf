#pragma once

#include "Flowchart.h"
#include "RunData.h"

#include <vector>

#include <QMainWindow>

class QAction;
class QLabel;
class QProgressBar;
class QStackedWidget;

namespace ce::ui {

class CompareView;
class FlowchartView;
struct Theme;
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
    const std::vector<RunSnapshot>& lastComparison() const { return m_compareRuns; }
    CompareView* compareView() const { return m_compareView; }
    bool showingComparison() const;
    // The executable the processes model starts as its workers (default: this program).
    void setWorkerExecutable(const QString& path) { m_workerExecutable = path; }

public Q_SLOTS:
    void startRun();
    void startCompare();
    // Records a real program (a command line, e.g. "python3 my_job.py") with the same live
    // view; false with the problem in `error` when it cannot start.
    bool startRecording(const QStringList& command, QString* error);
    void recordDialog();
    void cancelRun();
    bool exportPng(const QString& path, QSize size, QString* error);
    // PNG, SVG or PDF by the file's extension: the run's timeline, or the comparison shown.
    bool exportFigure(const QString& path, QSize size, double scale, bool stamp, QString* error);
    // A picture of the whole window as it is (PNG, SVG or PDF by the extension).
    bool exportWindow(const QString& path, QString* error);
    void setTheme(const Theme& theme);
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
    // A finished or opened run: timeline, flowchart path, summary.
    void showResult(const RunSnapshot& run, const QString& preface);
    bool startNextCompareRun();
    void finishCompare();
    void setBusy(bool busy);
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
    QStackedWidget* m_stack = nullptr;
    CompareView* m_compareView = nullptr;
    QAction* m_compareAction = nullptr;
    QAction* m_recordAction = nullptr;
    bool m_comparing = false;
    std::vector<RunConfig> m_compareQueue;
    std::vector<RunSnapshot> m_compareRuns;
    Advice m_compareAdvice;
    bool m_compareHasAdvice = false;
};

} // namespace ce::ui
