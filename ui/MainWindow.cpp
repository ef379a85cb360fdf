#include "MainWindow.h"

#include "Palette.h"
#include "ce/RunSummary.h"

#include "ce/Comparison.h"
#include "CompareView.h"
#include "ce/Export.h"
#include "ce/Presets.h"
#include "ce/RunFile.h"
#include "ce/Verdict.h"
#include "FigureExport.h"
#include "FlowchartView.h"
#include "RunController.h"
#include "ReplayBar.h"
#include "ce/Options.h"
#include "RunForm.h"
#include "SweepWindow.h"
#include "Theme.h"
#include "TimelinePlot.h"

#include "ce/record/Recording.h"
#include <QAction>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QDir>
#include <QInputDialog>
#include <QLineEdit>
#include <QProcess>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QFileInfo>
#include <QPainter>
#include <QSaveFile>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace ce::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Concurrency Explorer"));
    m_controller = new RunController(this);

    m_form = new RunForm;
    auto* formScroll = new QScrollArea;
    formScroll->setWidget(m_form);
    formScroll->setWidgetResizable(true);
    formScroll->setMinimumWidth(330);
    m_formScroll = formScroll;

    m_timeline = new TimelinePlot;
    m_timeline->setMinimumSize(500, 360);
    m_timeline->setPlaceholder(idlePlaceholder());
    m_summary = new QLabel(tr("Choose a preset or set the options, then Run (Ctrl+R)."));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setMargin(6);
    auto* centre = new QWidget;
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->addWidget(m_timeline, 1);
    centreLayout->addWidget(m_summary);

    m_flowchart = new FlowchartView;
    // A narrow, short flowchart grows taller than its room rather than overlap: it scrolls.
    auto* flowchartScroll = new QScrollArea;
    flowchartScroll->setWidget(m_flowchart);
    flowchartScroll->setWidgetResizable(true);
    flowchartScroll->setFrameShape(QFrame::NoFrame);
    flowchartScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    flowchartScroll->setMinimumWidth(280);

    m_compareView = new CompareView;
    m_stack = new QStackedWidget;
    m_stack->addWidget(centre);
    m_stack->addWidget(m_compareView);

    // Under the figure, for a replay: the preset's caption for this moment and the controls.
    m_caption = new QLabel;
    m_caption->setObjectName(QStringLiteral("replayCaption"));
    m_caption->setWordWrap(true);
    m_caption->setVisible(false);
    m_caption->setToolTip(tr("The preset's note for this moment of the replay"));
    m_caption->setStyleSheet(QStringLiteral("padding: 4px 10px;"));
    m_replayBar = new ReplayBar;
    m_replayBar->setVisible(false);
    auto* figure = new QWidget;
    auto* figureLayout = new QVBoxLayout(figure);
    figureLayout->setContentsMargins(0, 0, 0, 0);
    figureLayout->setSpacing(2);
    figureLayout->addWidget(m_stack, 1);
    figureLayout->addWidget(m_caption);
    figureLayout->addWidget(m_replayBar);

    // The Python the preset stands for, beside the figure.
    m_code = new QPlainTextEdit;
    m_code->setReadOnly(true);
    m_code->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_code->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_code->setToolTip(tr("The Python this preset stands for, as the tutorials write it"));
    m_code->setVisible(false);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(formScroll);
    splitter->addWidget(figure);
    splitter->addWidget(m_code);
    splitter->addWidget(flowchartScroll);
    splitter->setStretchFactor(1, 1);
    m_splitter = splitter;
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    setCentralWidget(splitter);

    auto* toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName(QStringLiteral("runToolbar"));
    m_runAction = toolbar->addAction(tr("Run"), this, &MainWindow::startRun);
    m_runAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)});
    m_runAction->setToolTip(tr("Run the workload under the model (Ctrl+R)"));
    m_compareAction = toolbar->addAction(tr("Compare"), this, &MainWindow::startCompare);
    m_compareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_compareAction->setToolTip(tr("Run the workload under every model, with and without the emulated GIL (or the preset's own "
                                   "list), and compare them on one time scale (Ctrl+K)"));
    m_recordAction = toolbar->addAction(tr("Record a program…"), this, &MainWindow::recordDialog);
    m_recordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_recordAction->setToolTip(Recording::supported()
                                   ? tr("Run a program of yours (e.g. python3 my_job.py) and record every thread of it and of its "
                                        "child processes from the OS, live, until it exits or you cancel (Ctrl+Shift+R)")
                                   : QString::fromStdString(Recording::unsupportedReason()));
    m_recordAction->setEnabled(Recording::supported());
    m_cancelAction = toolbar->addAction(tr("Cancel"), this, &MainWindow::cancelRun);
    // Esc is shared with presentation mode (it leaves that first): see escape().
    m_cancelAction->setToolTip(tr("Stop the run; what was recorded is kept (Esc; when presenting, Esc first leaves presentation mode)"));
    m_cancelAction->setEnabled(false);
    auto* sweep = toolbar->addAction(tr("Sweep…"), this, &MainWindow::openSweep);
    sweep->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    sweep->setToolTip(tr("Run the form's workload over a list of worker counts, per model: how far each goes, with refused "
                         "points and their reasons (Ctrl+Shift+W)"));
    toolbar->addSeparator();
    m_exportAction = toolbar->addAction(tr("Export…"), this, &MainWindow::exportDialog);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportAction->setToolTip(tr("Save the timeline or comparison as PNG, SVG or PDF, stamped with the parameters and the machine (Ctrl+E)"));
    m_exportAction->setEnabled(false);
    toolbar->addSeparator();
    auto* open = toolbar->addAction(tr("Open…"), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Show a run or comparison saved earlier, here or on another machine, without running it (Ctrl+O)"));
    m_saveAction = toolbar->addAction(tr("Save…"), this, &MainWindow::saveDialog);
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setToolTip(tr("Save the run, or the comparison shown, as JSON, to open it again later (Ctrl+S)"));
    m_saveAction->setEnabled(false);
    toolbar->addSeparator();
    auto* lines = toolbar->addAction(tr("Cores as lines"));
    lines->setCheckable(true);
    lines->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    lines->setToolTip(tr("Show the cores as lines of percent busy instead of a heatmap row each (Ctrl+L)"));
    lines->setChecked(QSettings().value(QStringLiteral("view/coreLines"), false).toBool());
    m_timeline->setCoreLines(lines->isChecked());
    connect(lines, &QAction::toggled, this, [this](bool on) {
        m_timeline->setCoreLines(on);
        QSettings().setValue(QStringLiteral("view/coreLines"), on);
    });
    auto* dark = toolbar->addAction(tr("Dark"));
    dark->setCheckable(true);
    dark->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    dark->setToolTip(tr("Dark theme for the window and its plots; exported figures stay light for slides (Ctrl+Shift+D)"));
    auto* contrast = toolbar->addAction(tr("Contrast"));
    contrast->setCheckable(true);
    contrast->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H));
    contrast->setToolTip(tr("High-contrast theme for projectors: black on white, darker grid, thicker lines (Ctrl+Shift+H)"));
    m_darkAction = dark;
    m_contrastAction = contrast;
    auto themeChanged = [this](QAction* changed, bool on) {
        if (on) { // one theme at a time
            QAction* other = changed == m_darkAction ? m_contrastAction : m_darkAction;
            const QSignalBlocker block(other);
            other->setChecked(false);
        }
        setTheme(m_contrastAction->isChecked() ? Theme::highContrast() : m_darkAction->isChecked() ? Theme::dark() : Theme::light());
    };
    connect(dark, &QAction::toggled, this, [themeChanged, dark](bool on) { themeChanged(dark, on); });
    connect(contrast, &QAction::toggled, this, [themeChanged, contrast](bool on) { themeChanged(contrast, on); });
    const QString savedTheme = QSettings().value(QStringLiteral("view/theme")).toString();
    dark->setChecked(savedTheme == QStringLiteral("dark"));
    contrast->setChecked(savedTheme == QStringLiteral("contrast"));

    // Lecture mode.
    auto* lecture = addToolBar(tr("Lecture"));
    lecture->setObjectName(QStringLiteral("lectureToolbar"));
    m_presentAction = lecture->addAction(tr("Present"));
    m_presentAction->setCheckable(true);
    m_presentAction->setShortcut(QKeySequence(Qt::Key_F11));
    m_presentAction->setToolTip(tr("Presentation mode: the figure and the flowchart fill the screen in large type; Esc or F11 leaves (F11)"));
    connect(m_presentAction, &QAction::toggled, this, [this](bool on) { setPresentation(on); });
    m_replayAction = lecture->addAction(tr("Replay"));
    m_replayAction->setCheckable(true);
    m_replayAction->setShortcut(QKeySequence(Qt::Key_F8));
    m_replayAction->setToolTip(tr("Replay the run or comparison shown, with a playhead: Space plays and pauses, comma and period "
                                  "step, [ and ] change the speed, drag the slider to scrub (F8)"));
    m_replayAction->setEnabled(false);
    connect(m_replayAction, &QAction::triggered, this, [this](bool on) {
        if (on)
            startReplay();
        else
            stopReplay();
    });
    m_codeAction = lecture->addAction(tr("Code"));
    m_codeAction->setCheckable(true);
    m_codeAction->setShortcut(QKeySequence(Qt::Key_F9));
    m_codeAction->setToolTip(tr("Show the Python this preset stands for beside the figure (F9)"));
    connect(m_codeAction, &QAction::toggled, this, &MainWindow::setShowCode);
    m_predictAction = lecture->addAction(tr("Predict first"));
    m_predictAction->setCheckable(true);
    m_predictAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_predictAction->setToolTip(tr("Before a comparison, enter the audience's guess (fastest model, speedup); the result shows it "
                                   "against the measurement (Ctrl+Shift+P)"));
    m_predictAction->setChecked(QSettings().value(QStringLiteral("lecture/predict"), false).toBool());
    connect(m_predictAction, &QAction::toggled, this, [](bool on) { QSettings().setValue(QStringLiteral("lecture/predict"), on); });
    m_escapeAction = new QAction(tr("Leave presentation or cancel"), this);
    m_escapeAction->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(m_escapeAction, &QAction::triggered, this, &MainWindow::escape);
    addAction(m_escapeAction);
    // Replay keys, active only while a replay is shown (Space and the arrows keep their
    // usual meaning otherwise).
    auto replayKey = [this](const QKeySequence& key, auto slot) {
        auto* a = new QAction(this);
        a->setShortcut(key);
        a->setEnabled(false);
        connect(a, &QAction::triggered, m_replayBar, slot);
        addAction(a);
        m_replayKeys << a;
    };
    replayKey(QKeySequence(Qt::Key_Space), &ReplayBar::togglePlaying);
    replayKey(QKeySequence(Qt::Key_Period), &ReplayBar::stepForward);
    replayKey(QKeySequence(Qt::Key_Comma), &ReplayBar::stepBack);
    replayKey(QKeySequence(Qt::Key_BracketRight), &ReplayBar::faster);
    replayKey(QKeySequence(Qt::Key_BracketLeft), &ReplayBar::slower);
    connect(m_replayBar, &ReplayBar::positionChanged, this, &MainWindow::showReplayPosition);
    connect(m_replayBar, &ReplayBar::closeRequested, this, &MainWindow::stopReplay);
    auto scrub = [this](double seconds) {
        if (m_replayBar->replay().playing())
            m_replayBar->togglePlaying(); // the hand on the playhead takes over
        m_replayBar->seek(seconds);
    };
    connect(m_timeline, &TimelinePlot::scrubbed, this, scrub);
    connect(m_compareView, &CompareView::scrubbed, this, scrub);
    auto* quit = new QAction(tr("Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    addAction(quit);

    m_problem = new QLabel;
    m_problem->setStyleSheet(QStringLiteral("color: %1;").arg(QColor::fromRgb(kErrorText).name()));
    m_progress = new QProgressBar;
    m_progress->setMaximumWidth(260);
    m_progress->setFormat(tr("%v / %m tasks"));
    m_progress->setVisible(false);
    statusBar()->addWidget(m_problem, 1);
    statusBar()->addPermanentWidget(m_progress);

    connect(m_form, &RunForm::changed, this, &MainWindow::validateForm);
    connect(m_form, &RunForm::changed, this, [this] {
        if (!m_form->presetName().isEmpty())
            m_codePreset = m_form->presetName().toStdString();
        updateCode();
    });
    // The timeline and the small multiples take live frames as deltas.
    connect(m_controller, &RunController::deltaAvailable, this, [this](const RunDelta& delta, const RunSnapshot& live) { showDelta(delta, live); });
    connect(m_controller, &RunController::snapshotAvailable, this, [this] { showProgress(); });
    connect(m_controller, &RunController::finished, this, &MainWindow::showFinished);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    m_form->selectPreset(settings.value(QStringLiteral("lastPreset"), QStringLiteral("gil-cpu-threads")).toString());
    validateForm();
    m_codePreset = m_form->presetName().toStdString();
    updateCode();
}

MainWindow::~MainWindow() = default;

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_controller->cancel();
    if (m_presenting)
        setPresentation(false, false); // remember the window as it is outside presentation mode
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    if (auto* splitter = findChild<QSplitter*>(QStringLiteral("mainSplitter")))
        settings.setValue(QStringLiteral("window/splitter"), splitter->saveState());
    if (!m_form->presetName().isEmpty())
        settings.setValue(QStringLiteral("lastPreset"), m_form->presetName());
    event->accept();
}

void MainWindow::validateForm()
{
    QString problem;
    const bool ok = m_form->config(&problem).has_value();
    m_problem->setText(ok ? QString() : problem);
    m_runAction->setEnabled(ok && !m_controller->isRunning() && !m_comparing);
    if (m_recordAction)
        m_recordAction->setEnabled(Recording::supported() && !m_controller->isRunning() && !m_comparing);
    m_compareAction->setEnabled(ok && !m_controller->isRunning() && !m_comparing);
}

bool MainWindow::showingComparison() const { return m_stack->currentWidget() == m_compareView; }

void MainWindow::setBusy(bool busy)
{
    m_runAction->setEnabled(!busy);
    m_compareAction->setEnabled(!busy);
    m_cancelAction->setEnabled(busy);
    m_progress->setVisible(busy);
    if (!busy)
        validateForm();
    updateLectureActions();
}

void MainWindow::startCompare()
{
    QString problem;
    const auto config = m_form->config(&problem);
    if (!config || m_controller->isRunning()) {
        m_problem->setText(config ? tr("a run is going") : problem);
        return;
    }
    ComparisonRequest request;
    request.base = *config;
    const auto preset = m_form->presetName().isEmpty() ? std::nullopt : findPreset(m_form->presetName().toStdString());
    if (preset && !preset->compare.empty())
        request.overrides = preset->compare; // the preset's own lesson
    else
        request.withAndWithoutGil = true;   // every model, with and without the GIL
    std::string why;
    std::vector<RunConfig> configs = comparisonConfigs(request, &why);
    if (configs.empty()) {
        m_problem->setText(QString::fromStdString(why));
        return;
    }
    m_session = ComparisonSession(std::move(configs));
    if (m_predictAction->isChecked() && !askPrediction())
        return; // the audience's guess was cancelled: no comparison
    stopReplay();
    m_compareRuns.clear();
    m_compareHasAdvice = false;
    m_compareVerdict.clear();
    m_comparing = true;
    m_compareView->clear();
    if (m_prediction.valid()) {
        QString guess = tr("Guess: %1").arg(QString::fromStdString(m_prediction.label));
        if (m_prediction.speedup > 0)
            guess += tr(", %1x faster").arg(m_prediction.speedup);
        m_compareView->setPrediction(guess + tr(". The runs will tell."));
    }
    m_stack->setCurrentWidget(m_compareView);
    m_flowchart->clearAdvice();
    setBusy(true);
    if (!startNextCompareRun())
        finishCompare();
}

bool MainWindow::startNextCompareRun()
{
    const RunConfig* next = m_session.next();
    if (!next)
        return false;
    RunConfig c = *next;
    c.workerExecutable = (m_workerExecutable.isEmpty() ? QCoreApplication::applicationFilePath() : m_workerExecutable).toStdString();
    QString problem;
    if (!m_controller->start(c, &problem)) {
        m_problem->setText(problem);
        return false;
    }
    m_progress->setRange(0, c.tasks);
    m_progress->setValue(0);
    statusBar()->showMessage(tr("Comparison: run %1 of %2, %3").arg(m_session.position() + 1).arg(m_session.size()).arg(QString::fromStdString(describeModel(withDefaults(c)))));
    return true;
}

void MainWindow::finishCompare()
{
    m_comparing = false;
    m_compareRuns = std::move(m_session.runs());
    m_session = ComparisonSession();
    setBusy(false);
    if (m_compareRuns.empty())
        return;
    const ComparisonConclusion conclusion = concludeComparison(m_compareRuns);
    m_compareAdvice = conclusion.advice;
    m_compareHasAdvice = true;
    m_compareVerdict = QString::fromStdString(conclusion.verdict.text);
    m_compareView->finish(m_compareRuns, &m_compareAdvice, m_compareVerdict);
    m_predictionResult = PredictionResult{};
    if (m_prediction.valid()) {
        m_predictionResult = judgePrediction(m_compareRuns, m_prediction);
        m_compareView->setPrediction(QString::fromStdString(m_predictionResult.text));
    } else {
        m_compareView->setPrediction(QString());
    }
    m_prediction = Prediction{}; // a guess is for one comparison
    m_flowchart->setAdvice(m_compareAdvice);
    m_exportAction->setEnabled(true);
    m_saveAction->setEnabled(true);
    statusBar()->clearMessage();
    if (!m_compareRuns.front().config.preset.empty())
        m_codePreset = m_compareRuns.front().config.preset;
    updateLectureActions();
    updateCode();
    Q_EMIT runFinished();
}

std::optional<RunConfig> MainWindow::runnableConfig()
{
    QString problem;
    auto config = m_form->config(&problem);
    if (!config) {
        m_problem->setText(problem);
        return std::nullopt;
    }
    config->workerExecutable = (m_workerExecutable.isEmpty() ? QCoreApplication::applicationFilePath() : m_workerExecutable).toStdString();
    return config;
}

void MainWindow::startRun()
{
    if (m_comparing)
        return;
    auto config = runnableConfig();
    if (!config)
        return;
    QString problem;
    stopReplay();
    if (!m_controller->start(*config, &problem)) {
        m_problem->setText(problem);
        return;
    }
    m_flowchart->clearAdvice();
    m_problem->clear();
    m_stack->setCurrentIndex(0);
    setBusy(true);
    m_progress->setRange(0, config->tasks);
    m_progress->setValue(0);
    m_summary->setText(tr("Running %1 under %2…")
                           .arg(QString::fromStdString(describeWorkload(*config)), QString::fromStdString(describeModel(withDefaults(*config)))));
}

void MainWindow::recordDialog()
{
    if (m_comparing || m_controller->isRunning())
        return;
    if (!Recording::supported()) {
        QMessageBox::information(this, tr("Record a program"), QString::fromStdString(Recording::unsupportedReason()));
        return;
    }
    QSettings settings;
    QString command = settings.value(QStringLiteral("record/command"), QStringLiteral("python3 my_job.py")).toString();
    for (;;) {
        bool ok = false;
        command = QInputDialog::getText(this, tr("Record a program"),
                                        tr("Command line to run and record until it exits (Esc in the window stops it, keeping what "
                                           "was recorded).\nIt runs in %1.")
                                            .arg(QDir::currentPath()),
                                        QLineEdit::Normal, command, &ok);
        if (!ok)
            return;
        QString problem;
        if (startRecording(QProcess::splitCommand(command), &problem)) {
            settings.setValue(QStringLiteral("record/command"), command);
            return;
        }
        QMessageBox::warning(this, tr("Record a program"), problem);
    }
}

bool MainWindow::startRecording(const QStringList& command, QString* error)
{
    Recording::Options options;
    for (const QString& a : command)
        options.command.push_back(a.toStdString());
    QString problem;
    if (!m_controller->startRecording(options, &problem)) {
        m_problem->setText(problem);
        if (error)
            *error = problem;
        return false;
    }
    m_flowchart->clearAdvice();
    m_problem->clear();
    m_stack->setCurrentIndex(0);
    setBusy(true);
    m_progress->setRange(0, 0); // no tasks to count: a busy indicator
    m_summary->setText(tr("Recording %1… (Esc stops it)").arg(command.join(QLatin1Char(' ')).toHtmlEscaped()));
    return true;
}

void MainWindow::cancelRun()
{
    if (!m_controller->isRunning())
        return;
    m_session.cancel(); // no further comparison runs
    m_controller->cancel();
    m_summary->setText(tr("Cancelling: joining threads and reaping worker processes…"));
}

void MainWindow::showProgress()
{
    m_progress->setValue(m_controller->finishedTasks());
}

void MainWindow::showDelta(const RunDelta& delta, const RunSnapshot& live)
{
    if (m_comparing)
        m_compareView->applyDelta(m_session.position(), delta, live);
    else
        m_timeline->applyDelta(delta);
}

void MainWindow::showFinished(const RunSnapshot& snapshot)
{
    if (m_comparing) {
        m_compareView->showRun(m_session.position(), snapshot);
        m_session.record(snapshot);
        if (!startNextCompareRun())
            finishCompare();
        return;
    }
    setBusy(false);
    showResult(snapshot, QString());
    Q_EMIT runFinished();
}

QString MainWindow::summaryHtml(const RunSnapshot& r) const
{
    // The CLI's lines (core/RunSummary): what ran (or was recorded) and its status on the
    // first line, the figures' brief forms (as a figure's footer has them) on the second.
    const std::vector<SummaryLine> lines = summaryLines(r);
    auto text = [&](std::size_t i) { return QString::fromStdString(lines[i].text).toHtmlEscaped(); };
    QString html = r.record.active ? tr("Recorded <b>%1</b> — <b>%2</b><br>").arg(text(0), text(1))
                                   : QStringLiteral("<b>%1</b> — %2 — <b>%3</b><br>").arg(text(0), text(1), text(2));
    QStringList figures;
    for (std::size_t i = r.record.active ? 2 : 3; i < lines.size(); ++i) {
        if (!lines[i].brief.empty())
            figures << QString::fromStdString(lines[i].brief).toHtmlEscaped();
    }
    QString joined = figures.join(QStringLiteral(" · "));
    if (!joined.isEmpty())
        joined[0] = joined[0].toUpper();
    html += joined;
    // A run where every task failed can carry thousands: a label of them all would take seconds to lay out.
    constexpr std::size_t kShownErrors = 10;
    for (std::size_t i = 0; i < std::min(r.errors.size(), kShownErrors); ++i)
        html += QStringLiteral("<br><span style='color:%1'>%2</span>").arg(QColor::fromRgb(kErrorText).name(), QString::fromStdString(r.errors[i]).toHtmlEscaped());
    if (r.errors.size() > kShownErrors)
        html += tr("<br>… and %1 more errors (all of them are in the saved JSON)").arg(r.errors.size() - kShownErrors);
    return html;
}

bool MainWindow::exportPng(const QString& path, QSize size, QString* error)
{
    return exportFigure(path, size, devicePixelRatioF(), true, error);
}

// The same rule as the command line's outputs: never replace a FIFO, a device or a folder.
static bool outputPathIsUsable(const QString& path, QString* error)
{
    const std::string problem = checkWritable(path);
    if (!problem.empty() && error)
        *error = QString::fromStdString(problem);
    return problem.empty();
}

bool MainWindow::exportFigure(const QString& path, QSize size, double scale, bool stamp, QString* error)
{
    if (!outputPathIsUsable(path, error))
        return false;
    FigureOptions options;
    options.size = size;
    options.scale = scale;
    options.stamp = stamp;
    std::string why;
    const bool ok = showingComparison() ? saveFigure(path, m_compareRuns, m_compareHasAdvice ? &m_compareAdvice : nullptr, options, &why)
                                        : saveFigure(path, {m_last}, nullptr, options, &why);
    if (!ok && error)
        *error = QString::fromStdString(why);
    return ok;
}

void MainWindow::setTheme(const Theme& theme)
{
    applyTheme(theme);
    m_timeline->setTheme(theme);
    m_compareView->setTheme(theme);
    m_flowchart->update();
    QSettings().setValue(QStringLiteral("view/theme"), theme.name);
    if (!m_compareRuns.empty() && !m_comparing)
        m_compareView->finish(m_compareRuns, m_compareHasAdvice ? &m_compareAdvice : nullptr, m_compareVerdict);
    if (replaying())
        showReplayPosition(m_replayBar->replay().position()); // redrawn: hide the future again
}

bool MainWindow::exportWindow(const QString& path, QString* error)
{
    if (!outputPathIsUsable(path, error))
        return false;
    const QString format = QFileInfo(path).suffix().toLower();
    QSaveFile file(path);
    bool ok = file.open(QIODevice::WriteOnly);
    if (ok && format == QStringLiteral("png")) {
        ok = grab().toImage().save(&file, "PNG"); // device pixels: sharp on high-DPI screens
    } else if (ok && (format == QStringLiteral("svg") || format == QStringLiteral("pdf"))) {
        paintVector(file, format, size(), [this](QPainter& painter) { render(&painter); });
    } else if (ok) {
        if (error)
            *error = tr("cannot write %1: the name must end in .png, .svg or .pdf").arg(path);
        return false;
    }
    if (!ok || !file.commit()) {
        if (error)
            *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool MainWindow::saveRun(const QString& path, QString* error)
{
    if (!outputPathIsUsable(path, error))
        return false;
    std::string why;
    const bool ok = showingComparison() && !m_compareRuns.empty() && !m_comparing
                        ? writeCompareJson(path, m_compareRuns, m_compareHasAdvice ? &m_compareAdvice : nullptr, &why)
                        : writeRunJson(path, m_last, &why);
    if (!ok) {
        if (error)
            *error = QString::fromStdString(why);
        return false;
    }
    return true;
}

bool MainWindow::openRun(const QString& path, QString* error)
{
    if (m_controller->isRunning()) {
        if (error)
            *error = tr("a run is going: cancel it before opening another");
        return false;
    }
    // Checked in core (RunFile.h): a file that fails changes nothing on screen.
    RunFile file;
    std::string why;
    if (!readRunFile(path, file, &why) || file.runs.empty()) {
        if (error)
            *error = why.empty() ? tr("%1 holds no run").arg(path) : QString::fromStdString(why);
        return false;
    }
    stopReplay();
    // The form beside the picture describes it: the preset the file was recorded from, if any.
    if (!file.runs.front().config.preset.empty())
        m_form->selectPreset(QString::fromStdString(file.runs.front().config.preset));
    if (file.comparison) {
        // The advice saved with the comparison is shown as it was, and judged again here.
        m_compareRuns = std::move(file.runs);
        m_compareHasAdvice = file.advice.has_value();
        m_compareAdvice = file.advice.value_or(Advice{});
        m_session = ComparisonSession();
        m_prediction = Prediction{};
        m_compareView->clear();
        m_stack->setCurrentWidget(m_compareView);
        m_compareVerdict.clear();
        if (m_compareHasAdvice) {
            m_compareVerdict = QString::fromStdString(judge(m_compareRuns, m_compareAdvice, comparisonUnderGil(m_compareRuns)).text);
            m_flowchart->setAdvice(m_compareAdvice);
        } else {
            m_flowchart->clearAdvice();
        }
        m_compareView->finish(m_compareRuns, m_compareHasAdvice ? &m_compareAdvice : nullptr, m_compareVerdict);
        m_exportAction->setEnabled(true);
        m_saveAction->setEnabled(true);
        updateLectureActions();
        statusBar()->showMessage(tr("%1: a comparison of %2 runs, recorded on %3").arg(path).arg(m_compareRuns.size())
                                     .arg(QString::fromStdString(m_compareRuns.front().machine)), 8000);
        Q_EMIT runFinished();
        return true;
    }
    m_stack->setCurrentIndex(0);
    showResult(file.runs.front(), tr("Recorded on %1<br>").arg(QString::fromStdString(file.runs.front().machine).toHtmlEscaped()));
    return true;
}

void MainWindow::showResult(const RunSnapshot& run, const QString& preface)
{
    m_last = run;
    m_timeline->setRun(run);
    m_exportAction->setEnabled(true);
    m_saveAction->setEnabled(true);
    if (run.record.active) {
        const RecordVerdict verdict = judgeRecording(run);
        m_flowchart->setAdvice(verdict.advice);
        QString findings;
        for (const auto& f : verdict.findings)
            findings += QStringLiteral("<br>· ") + QString::fromStdString(f).toHtmlEscaped();
        m_summary->setText(preface + summaryHtml(run) + findings + QStringLiteral("<br>") + QString::fromStdString(verdict.advice.summary).toHtmlEscaped());
        return;
    }
    WorkloadMeasure m = measureFromRun(run);
    m.concurrency = run.config.tasks;
    m.gil = run.config.gil;
    if (run.summary.tasksDone > 0)
        m_flowchart->setAdvice(advise(m));
    else
        m_flowchart->clearAdvice();
    m_summary->setText(preface + summaryHtml(run));
    if (!run.config.preset.empty())
        m_codePreset = run.config.preset;
    updateLectureActions();
    updateCode();
}

void MainWindow::saveDialog()
{
    const bool comparison = showingComparison() && !m_compareRuns.empty();
    const QString path = QFileDialog::getSaveFileName(this, comparison ? tr("Save the comparison") : tr("Save the run"),
                                                      comparison ? QStringLiteral("comparison.json") : QStringLiteral("run.json"),
                                                      tr("Runs and comparisons (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!saveRun(path, &error))
        QMessageBox::warning(this, tr("Save failed"), error);
    else
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::openDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a run or comparison"), QString(),
                                                      tr("Runs and comparisons (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!openRun(path, &error))
        QMessageBox::warning(this, tr("Cannot open the run"), error);
}

void MainWindow::exportDialog()
{
    QSettings settings;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Export the figure"));
    auto* form = new QFormLayout(&dialog);
    auto* width = new QSpinBox;
    auto* height = new QSpinBox;
    for (QSpinBox* box : {width, height})
        box->setRange(minFigureSide(), maxFigureSide()); // --size's bounds, from the option table
    width->setValue(settings.value(QStringLiteral("export/width"), 1600).toInt());
    height->setValue(settings.value(QStringLiteral("export/height"), showingComparison() ? 1200 : 900).toInt());
    width->setToolTip(tr("Width in pixels (PNG) or points (SVG, PDF)"));
    auto* scale = new QComboBox;
    scale->addItems({QStringLiteral("1x"), QStringLiteral("2x (sharp on high-DPI screens and projectors)"), QStringLiteral("3x")});
    scale->setCurrentIndex(settings.value(QStringLiteral("export/scale"), 1).toInt());
    scale->setToolTip(tr("Device pixels per pixel, for PNG"));
    auto* what = new QComboBox;
    what->addItems({showingComparison() ? tr("The comparison") : tr("The timeline"), tr("The whole window, as it is on screen")});
    what->setToolTip(tr("A figure drawn for a slide at the size below, or a picture of this window"));
    auto* stamp = new QCheckBox(tr("Title, parameters and machine on the figure"));
    stamp->setChecked(settings.value(QStringLiteral("export/stamp"), true).toBool());
    form->addRow(tr("What"), what);
    form->addRow(tr("Width"), width);
    form->addRow(tr("Height"), height);
    form->addRow(tr("Scale"), scale);
    form->addRow(stamp);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    settings.setValue(QStringLiteral("export/width"), width->value());
    settings.setValue(QStringLiteral("export/height"), height->value());
    settings.setValue(QStringLiteral("export/scale"), scale->currentIndex());
    settings.setValue(QStringLiteral("export/stamp"), stamp->isChecked());
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the figure"),
                                                      showingComparison() ? QStringLiteral("comparison.png") : QStringLiteral("timeline.png"),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
    if (path.isEmpty())
        return;
    QString error;
    const bool ok = what->currentIndex() == 1 ? exportWindow(path, &error)
                                              : exportFigure(path, QSize(width->value(), height->value()), scale->currentIndex() + 1,
                                                             stamp->isChecked(), &error);
    if (!ok)
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::openSweep()
{
    const auto config = runnableConfig();
    if (!config)
        return;
    QString models = QStringLiteral("threads,eventloop");
    QString workers = QStringLiteral("1,10,100,1000");
    if (const auto preset = findPreset(m_form->presetName().toStdString()); preset && !preset->sweepModels.empty()) {
        models = QString::fromStdString(preset->sweepModels);
        workers = QString::fromStdString(preset->sweepWorkers);
    }
    if (m_sweep)
        m_sweep->close();
    m_sweep = new SweepWindow(*config, models, workers, this);
    m_sweep->setAttribute(Qt::WA_DeleteOnClose);
    m_sweep->show();
}

} // namespace ce::ui
