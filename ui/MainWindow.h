#pragma once

#include "ce/Comparison.h"

#include "ce/Flowchart.h"
#include "ce/Prediction.h"
#include "ce/RunData.h"

#include <optional>
#include <vector>

#include <QMainWindow>
#include <QPointer>

class QAction;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QScrollArea;
class QSplitter;
class QStackedWidget;

namespace ce::ui {

class SweepWindow;

class CompareView;
class FlowchartView;
class ReplayBar;
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

    // Lecture mode.
    bool presenting() const { return m_presenting; }
    bool replaying() const;
    ReplayBar* replayBar() const { return m_replayBar; }
    QLabel* captionLabel() const { return m_caption; }
    QPlainTextEdit* codeView() const { return m_code; }
    QAction* presentAction() const { return m_presentAction; }
    QAction* escapeAction() const { return m_escapeAction; }
    // The guess for the next comparison (the dialog sets it when "Predict first" is on).
    void setNextPrediction(const Prediction& prediction) { m_prediction = prediction; }
    const PredictionResult& lastPredictionResult() const { return m_predictionResult; }
    // The Python the shown run's preset stands for (or the form's preset before a run).
    QString presetCode() const;

public Q_SLOTS:
    void startRun();
    void startCompare();
    // Records a real program (a command line, e.g. "python3 my_job.py") with the same live
    // view; false with the problem in `error` when it cannot start.
    bool startRecording(const QStringList& command, QString* error);
    void recordDialog();
    void cancelRun();
    void openSweep();
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
    // Figure and flowchart fill the screen, form and presets hide, text grows for a
    // projector (`fullScreen` false: stay in the window, e.g. for tests and screenshots).
    void setPresentation(bool on, bool fullScreen = true);
    // Esc: leaves presentation mode first; otherwise cancels the run.
    void escape();
    // Replays the shown run or comparison from the start; stopReplay() shows all again.
    bool startReplay(bool play = true);
    void stopReplay();
    void setShowCode(bool on);

Q_SIGNALS:
    void runFinished();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    // The form's config with this program as the worker, or nothing (the problem shown).
    std::optional<RunConfig> runnableConfig();
    QPointer<SweepWindow> m_sweep;
    void validateForm();
    void showProgress();
    void showDelta(const RunDelta& delta, const RunSnapshot& live);
    void showFinished(const RunSnapshot& snapshot);
    void exportDialog();
    void saveDialog();
    void openDialog();
    // A finished or opened run: timeline, flowchart path, summary.
    void showResult(const RunSnapshot& run, const QString& preface);
    bool startNextCompareRun();
    void finishCompare();
    void setBusy(bool busy);
    QString summaryHtml(const RunSnapshot& run) const;
    void showReplayPosition(double seconds);
    QString idlePlaceholder() const;
    int measuredRunIndex() const;
    bool askPrediction();
    void updateCode();
    void updateLectureActions();

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
    ComparisonSession m_session;          // the comparison being run
    std::vector<RunSnapshot> m_compareRuns;
    Advice m_compareAdvice;
    bool m_compareHasAdvice = false;
    QString m_compareVerdict;

    QScrollArea* m_formScroll = nullptr;
    QSplitter* m_splitter = nullptr;
    QByteArray m_splitterBeforePresenting;
    QByteArray m_geometryBeforePresenting;
    bool m_maximizedBeforePresenting = false;
    bool m_presenting = false;
    QAction* m_presentAction = nullptr;
    QAction* m_escapeAction = nullptr;
    QAction* m_replayAction = nullptr;
    QAction* m_codeAction = nullptr;
    QAction* m_contrastAction = nullptr;
    QAction* m_darkAction = nullptr;
    QAction* m_predictAction = nullptr;
    QList<QAction*> m_replayKeys;
    ReplayBar* m_replayBar = nullptr;
    QLabel* m_caption = nullptr;
    QString m_summaryBeforeReplay;
    QPlainTextEdit* m_code = nullptr;
    Prediction m_prediction;
    std::string m_codePreset; // whose code is shown: the preset chosen or shown last
    PredictionResult m_predictionResult;
};

} // namespace ce::ui
