#include "MainWindow.h"

#include "Comparison.h"
#include "CompareView.h"
#include "Export.h"
#include "Presets.h"
#include "Verdict.h"
#include "FigureExport.h"
#include "FlowchartView.h"
#include "RunController.h"
#include "RunForm.h"
#include "Theme.h"
#include "TimelinePlot.h"

#include "record/Recording.h"
#include <QAction>
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

    m_timeline = new TimelinePlot;
    m_timeline->setMinimumSize(500, 360);
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

    m_compareView = new CompareView;
    m_stack = new QStackedWidget;
    m_stack->addWidget(centre);
    m_stack->addWidget(m_compareView);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(formScroll);
    splitter->addWidget(m_stack);
    splitter->addWidget(m_flowchart);
    splitter->setStretchFactor(1, 1);
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
    m_cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancelAction->setToolTip(tr("Stop the run; what was recorded is kept (Esc)"));
    m_cancelAction->setEnabled(false);
    toolbar->addSeparator();
    m_exportAction = toolbar->addAction(tr("Export…"), this, &MainWindow::exportDialog);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportAction->setToolTip(tr("Save the timeline or comparison as PNG, SVG or PDF, stamped with the parameters and the machine (Ctrl+E)"));
    m_exportAction->setEnabled(false);
    toolbar->addSeparator();
    auto* open = toolbar->addAction(tr("Open run…"), this, &MainWindow::openDialog);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Show a run saved earlier, here or on another machine, without running it (Ctrl+O)"));
    m_saveAction = toolbar->addAction(tr("Save run…"), this, &MainWindow::saveDialog);
    m_saveAction->setShortcut(QKeySequence::Save);
    m_saveAction->setToolTip(tr("Save the run as JSON, to open it again later (Ctrl+S)"));
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
    connect(dark, &QAction::toggled, this, [this](bool on) { setTheme(on ? Theme::dark() : Theme::light()); });
    dark->setChecked(QSettings().value(QStringLiteral("view/theme")).toString() == QStringLiteral("dark"));
    auto* quit = new QAction(tr("Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
    addAction(quit);

    m_problem = new QLabel;
    m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_progress = new QProgressBar;
    m_progress->setMaximumWidth(260);
    m_progress->setFormat(tr("%v / %m tasks"));
    m_progress->setVisible(false);
    statusBar()->addWidget(m_problem, 1);
    statusBar()->addPermanentWidget(m_progress);

    connect(m_form, &RunForm::changed, this, &MainWindow::validateForm);
    connect(m_controller, &RunController::snapshotAvailable, this, &MainWindow::showSnapshot);
    connect(m_controller, &RunController::finished, this, &MainWindow::showFinished);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    m_form->selectPreset(settings.value(QStringLiteral("lastPreset"), QStringLiteral("gil-cpu-threads")).toString());
    validateForm();
}

MainWindow::~MainWindow() = default;

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_controller->cancel();
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
    m_compareQueue = comparisonConfigs(request, &why);
    if (m_compareQueue.empty()) {
        m_problem->setText(QString::fromStdString(why));
        return;
    }
    m_compareRuns.clear();
    m_compareHasAdvice = false;
    m_comparing = true;
    m_compareView->clear();
    m_stack->setCurrentWidget(m_compareView);
    m_flowchart->clearAdvice();
    setBusy(true);
    if (!startNextCompareRun())
        finishCompare();
}

bool MainWindow::startNextCompareRun()
{
    const std::size_t i = m_compareRuns.size();
    if (i >= m_compareQueue.size())
        return false;
    RunConfig c = m_compareQueue[i];
    c.workerExecutable = (m_workerExecutable.isEmpty() ? QCoreApplication::applicationFilePath() : m_workerExecutable).toStdString();
    QString problem;
    if (!m_controller->start(c, &problem)) {
        m_problem->setText(problem);
        return false;
    }
    m_progress->setRange(0, c.tasks);
    m_progress->setValue(0);
    statusBar()->showMessage(tr("Comparison: run %1 of %2, %3").arg(i + 1).arg(m_compareQueue.size()).arg(QString::fromStdString(describeModel(withDefaults(c)))));
    return true;
}

void MainWindow::finishCompare()
{
    m_comparing = false;
    setBusy(false);
    if (m_compareRuns.empty())
        return;
    applyBaselines(m_compareRuns);
    // The workload's CPU share, measured where it is least disturbed: the sequential run.
    const RunSnapshot* measured = &m_compareRuns.front();
    for (const auto& r : m_compareRuns) {
        if (r.config.model == Model::Sequential && r.status == RunStatus::Completed)
            measured = &r;
    }
    WorkloadMeasure m = measureFromRun(*measured);
    m.concurrency = measured->config.tasks;
    const bool gil = std::any_of(m_compareRuns.begin(), m_compareRuns.end(), [](const RunSnapshot& r) { return r.config.gil; });
    m.gil = gil;
    m_compareAdvice = advise(m);
    m_compareHasAdvice = true;
    const Verdict verdict = judge(m_compareRuns, m_compareAdvice, gil);
    m_compareView->finish(m_compareRuns, &m_compareAdvice, QString::fromStdString(verdict.text));
    m_flowchart->setAdvice(m_compareAdvice);
    m_exportAction->setEnabled(true);
    statusBar()->clearMessage();
    Q_EMIT runFinished();
}

void MainWindow::startRun()
{
    if (m_comparing)
        return;
    QString problem;
    auto config = m_form->config(&problem);
    if (!config) {
        m_problem->setText(problem);
        return;
    }
    config->workerExecutable = (m_workerExecutable.isEmpty() ? QCoreApplication::applicationFilePath() : m_workerExecutable).toStdString();
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
    m_compareQueue.resize(m_compareRuns.size() + 1); // no further comparison runs
    m_controller->cancel();
    m_summary->setText(tr("Cancelling: joining threads and reaping worker processes…"));
}

void MainWindow::showSnapshot(int job, const RunSnapshot& snapshot)
{
    if (job != m_controller->job())
        return; // an older run: drop it
    if (m_comparing)
        m_compareView->showRun(static_cast<int>(m_compareRuns.size()), snapshot);
    else
        m_timeline->setRun(snapshot);
    int finished = 0;
    for (const auto& t : snapshot.tasks)
        finished += (t.status == TaskStatus::Done || t.status == TaskStatus::Failed || t.status == TaskStatus::Cancelled) ? 1 : 0;
    m_progress->setValue(finished);
}

void MainWindow::showFinished(int job, const RunSnapshot& snapshot)
{
    if (job != m_controller->job())
        return;
    if (m_comparing) {
        m_compareRuns.push_back(snapshot);
        m_compareView->showRun(static_cast<int>(m_compareRuns.size()) - 1, snapshot);
        if (snapshot.status == RunStatus::Cancelled || !startNextCompareRun())
            finishCompare();
        return;
    }
    setBusy(false);
    showResult(snapshot, QString());
    Q_EMIT runFinished();
}

QString MainWindow::summaryHtml(const RunSnapshot& r) const
{
    const Summary& s = r.summary;
    if (r.record.active) {
        QStringList command;
        for (const auto& c : r.record.command)
            command << QString::fromStdString(c);
        QString html = tr("Recorded <b>%1</b> — <b>%2</b>").arg(command.join(QLatin1Char(' ')).toHtmlEscaped(), QString::fromUtf8(toString(r.status).data()));
        if (r.record.exitCode >= 0)
            html += tr(", exit status %1").arg(r.record.exitCode);
        html += tr("<br>Wall time <b>%1 s</b> · CPU time %2 s · busy cores <b>%3</b> of %4 · %5 thread(s) in %6 process(es) · sampled every %7 ms "
                   "(sampler: %8 % of one core)")
                    .arg(s.makespanS, 0, 'f', 3).arg(s.cpuTimeS, 0, 'f', 3).arg(s.meanBusyCores, 0, 'f', 2).arg(s.cores)
                    .arg(r.record.lanes.size()).arg(r.record.processes).arg(r.record.sampleMsMeasured, 0, 'f', 1)
                    .arg(s.makespanS > 0 ? 100.0 * r.record.samplerCpuS / s.makespanS : 0.0, 0, 'f', 1);
        for (const auto& e : r.errors)
            html += QStringLiteral("<br><span style='color:#b00020'>%1</span>").arg(QString::fromStdString(e).toHtmlEscaped());
        return html;
    }
    QString html = QStringLiteral("<b>%1</b> — %2 — <b>%3</b>, %4/%5 tasks done<br>")
                       .arg(QString::fromStdString(describeWorkload(r.config)).toHtmlEscaped(),
                            QString::fromStdString(describeModel(r.config)).toHtmlEscaped(), QString::fromUtf8(toString(r.status).data()))
                       .arg(s.tasksDone)
                       .arg(r.config.tasks);
    html += tr("Makespan <b>%1 s</b> (physical bound %2 s) · mean latency %3 s · CPU time %4 s · busy cores %5")
                .arg(s.makespanS, 0, 'f', 3).arg(s.boundS, 0, 'f', 3).arg(s.meanLatencyS, 0, 'f', 3).arg(s.cpuTimeS, 0, 'f', 3)
                .arg(s.meanBusyCores, 0, 'f', 2);
    if (r.config.gil)
        html += tr("<br>GIL (emulated: C++ has none): waited %1 s, %2 hand-overs").arg(s.gilWaitS, 0, 'f', 3).arg(s.gilSwitches);
    if (r.config.model == Model::Processes)
        html += tr("<br>Processes: spawn %1 s, transfer %2 s (summed over workers)").arg(s.spawnS, 0, 'f', 3).arg(s.ipcS, 0, 'f', 3);
    if (r.config.model == Model::EventLoop)
        html += tr("<br>Event loop: worst lag %1 ms").arg(s.maxLoopLagMs, 0, 'f', 1);
    for (const auto& e : r.errors)
        html += QStringLiteral("<br><span style='color:#b00020'>%1</span>").arg(QString::fromStdString(e).toHtmlEscaped());
    return html;
}

bool MainWindow::exportPng(const QString& path, QSize size, QString* error)
{
    return exportFigure(path, size, devicePixelRatioF(), true, error);
}

bool MainWindow::exportFigure(const QString& path, QSize size, double scale, bool stamp, QString* error)
{
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
    m_flowchart->update();
    QSettings().setValue(QStringLiteral("view/theme"), theme.name);
    if (!m_compareRuns.empty() && !m_comparing)
        m_compareView->finish(m_compareRuns, m_compareHasAdvice ? &m_compareAdvice : nullptr, QString());
}

bool MainWindow::exportWindow(const QString& path, QString* error)
{
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
    std::string why;
    if (!writeRunJson(path, m_last, &why)) {
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
    std::vector<RunSnapshot> runs;
    std::string why;
    if (!readRunsJson(path, runs, &why) || runs.empty()) {
        if (error)
            *error = why.empty() ? tr("%1 holds no run").arg(path) : QString::fromStdString(why);
        return false;
    }
    m_stack->setCurrentIndex(0);
    showResult(runs.front(), tr("Recorded on %1<br>").arg(QString::fromStdString(runs.front().machine).toHtmlEscaped()));
    if (runs.size() > 1)
        statusBar()->showMessage(tr("%1 is a comparison of %2 runs: showing the first").arg(path).arg(runs.size()), 8000);
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
}

void MainWindow::saveDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save the run"), QStringLiteral("run.json"), tr("Runs (*.json)"));
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
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a run"), QString(), tr("Runs (*.json);;All files (*)"));
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
        box->setRange(kMinFigureSide, kMaxFigureSide);
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

} // namespace ce::ui
