// MainWindow's lecture mode: presentation, replay, the code beside the figure, the
// audience's guess. A file of its own so that the window's run and export logic stays short.
#include "MainWindow.h"

#include "CompareView.h"
#include "FlowchartView.h"
#include "ce/Presets.h"
#include "ReplayBar.h"
#include "RunController.h"
#include "RunForm.h"
#include "Theme.h"
#include "TimelinePlot.h"

#include <QAction>
#include <QApplication>
#include <QButtonGroup>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScreen>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ce::ui {

// --- Lecture mode -----------------------------------------------------------------------

bool MainWindow::replaying() const { return !m_replayBar->isHidden(); }

int MainWindow::measuredRunIndex() const
{
    return std::max(0, ce::measuredRunIndex(m_compareRuns)); // the run the advice was measured on
}

void MainWindow::updateLectureActions()
{
    const bool busy = m_controller->isRunning() || m_comparing;
    const bool something = showingComparison() ? !m_compareRuns.empty() : m_last.elapsedNs > 0;
    m_replayAction->setEnabled(!busy && something);
}

bool MainWindow::startReplay(bool play)
{
    if (m_controller->isRunning() || m_comparing)
        return false;
    std::vector<RunSnapshot> runs;
    Advice advice;
    int measured = 0;
    if (showingComparison()) {
        if (m_compareRuns.empty())
            return false;
        runs = m_compareRuns;
        if (m_compareHasAdvice)
            advice = m_compareAdvice;
        measured = measuredRunIndex();
    } else {
        if (m_last.elapsedNs <= 0)
            return false;
        runs = {m_last};
        if (m_flowchart->advice())
            advice = *m_flowchart->advice();
    }
    std::vector<Caption> captions;
    if (const auto preset = findPreset(runs.front().config.preset))
        captions = preset->captions;
    m_caption->setVisible(!captions.empty());
    m_replayBar->setVisible(true);
    for (QAction* a : m_replayKeys)
        a->setEnabled(true);
    {
        const QSignalBlocker block(m_replayAction);
        m_replayAction->setChecked(true);
    }
    m_summaryBeforeReplay = m_summary->text();
    m_replayBar->start(Replay(std::move(runs), std::move(advice), std::move(captions), measured), play);
    return true;
}

void MainWindow::stopReplay()
{
    if (!replaying())
        return;
    if (m_replayBar->replay().playing())
        m_replayBar->togglePlaying();
    m_replayBar->setVisible(false);
    m_caption->setVisible(false);
    for (QAction* a : m_replayKeys)
        a->setEnabled(false);
    {
        const QSignalBlocker block(m_replayAction);
        m_replayAction->setChecked(false);
    }
    m_timeline->setPlayhead(-1);
    m_compareView->setPlayhead(-1);
    m_flowchart->setKnownSteps(-1);
    m_summary->setText(m_summaryBeforeReplay);
}

void MainWindow::showReplayPosition(double seconds)
{
    if (!replaying())
        return;
    const Replay& r = m_replayBar->replay();
    if (showingComparison()) {
        m_compareView->setPlayhead(seconds);
    } else {
        m_timeline->setPlayhead(seconds);
        // The run's figures would tell the end: until the playhead gets there, only progress.
        const RunSnapshot& run = r.runs().front();
        m_summary->setText(r.atEnd() ? m_summaryBeforeReplay
                                     : tr("Replaying %1 under %2: %3 of %4 tasks done at %5 s")
                                           .arg(QString::fromStdString(describeWorkload(run.config)).toHtmlEscaped(),
                                                QString::fromStdString(describeModel(run.config)).toHtmlEscaped())
                                           .arg(r.tasksDone(0, seconds))
                                           .arg(run.config.tasks)
                                           .arg(seconds, 0, 'f', 2));
    }
    m_flowchart->setKnownSteps(r.knownSteps(seconds));
    const int c = r.captionAt(seconds);
    QFont larger = font(); // the caption is the one message of the moment: larger than the rest
    larger.setPointSizeF(larger.pointSizeF() * 1.15);
    m_caption->setFont(larger);
    // A style sheet does not follow the palette: give it the theme's colours.
    const Theme& theme = currentTheme();
    m_caption->setStyleSheet(QStringLiteral("padding: 4px 10px; color: %1;").arg(theme.foreground.name()));
    // Room for two lines from the start, so the figure does not jump when a caption comes.
    m_caption->setMinimumHeight(2 * m_caption->fontMetrics().lineSpacing() + 10);
    m_caption->setText(c >= 0 ? QString::fromStdString(r.captions()[static_cast<std::size_t>(c)].text) : QString());
}

void MainWindow::escape()
{
    if (m_presenting)
        setPresentation(false);
    else if (m_controller->isRunning())
        cancelRun();
    else
        stopReplay();
}

void MainWindow::setPresentation(bool on, bool fullScreen)
{
    if (on == m_presenting)
        return;
    m_presenting = on;
    {
        const QSignalBlocker block(m_presentAction);
        m_presentAction->setChecked(on);
    }
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (on) {
        m_splitterBeforePresenting = m_splitter->saveState();
        m_maximizedBeforePresenting = isMaximized();
        m_formScroll->hide();
        statusBar()->hide();
        // Text for the back of the room: 24 px on a 1080-line screen, in proportion on others
        // (the smallest text drawn, axis ticks and flowchart labels, is 0.9 of it).
        const double screenHeight = screen() ? screen()->geometry().height() : 1080.0;
        const double px = std::max(20.0, std::round(24.0 * screenHeight / 1080.0));
        QFont big = QApplication::font();
        big.setPointSizeF(px * 72.0 / logicalDpiY());
        setFont(big);
        // 20 px at 1080 lines (a 59-character line fits), never under 18 px.
        mono.setPointSizeF(std::max(18.0, px * 20.0 / 24.0) * 72.0 / logicalDpiY());
        if (fullScreen) {
            m_geometryBeforePresenting = saveGeometry();
            if (screen())
                setGeometry(screen()->geometry()); // also where no window manager handles full screen
            showFullScreen();
        }
    } else {
        setFont(QFont()); // the application's again
        m_formScroll->show();
        statusBar()->show();
        if (!m_geometryBeforePresenting.isEmpty()) {
            if (m_maximizedBeforePresenting)
                showMaximized();
            else
                showNormal();
            restoreGeometry(m_geometryBeforePresenting);
            m_geometryBeforePresenting.clear();
        }
        m_splitter->restoreState(m_splitterBeforePresenting);
    }
    m_code->setFont(mono);
    setShowCode(m_codeAction->isChecked());
    // The form is hidden while presenting: the idle figure must not send the eye to it.
    const auto preset = findPreset(m_form->presetName().toStdString());
    m_timeline->setPlaceholder(on ? (preset ? tr("Press Run (Ctrl+R) to run “%1”, or Compare (Ctrl+K) to race its models.")
                                                  .arg(QString::fromStdString(preset->title))
                                            : tr("Press Run (Ctrl+R) to run the workload, or Compare (Ctrl+K) to race the models."))
                                  : idlePlaceholder());
}

QString MainWindow::idlePlaceholder() const
{
    return tr("Choose a preset on the left, then press Run (Ctrl+R): every core and every worker will "
              "show here as the run goes.\nCompare (Ctrl+K) races the models; Open (Ctrl+O) shows a saved run.");
}

void MainWindow::setShowCode(bool on)
{
    {
        const QSignalBlocker block(m_codeAction);
        m_codeAction->setChecked(on);
    }
    m_code->setVisible(on);
    updateCode();
    if (m_presenting) {
        // The figure takes most of the width; the code gets what its longest line needs
        // (at most 40 %), the flowchart about a fifth.
        const int w = std::max(800, m_splitter->width());
        if (on) {
            int longest = 0;
            const QFontMetrics fm(m_code->font());
            for (const QString& line : m_code->toPlainText().split(QLatin1Char('\n')))
                longest = std::max(longest, fm.horizontalAdvance(line));
            const int code = std::min(w * 40 / 100, longest + 2 * fm.averageCharWidth() + 30);
            const int flow = w * 22 / 100;
            m_splitter->setSizes({0, w - code - flow, code, flow});
        } else
            m_splitter->setSizes({0, w * 64 / 100, 0, w * 36 / 100});
    }
}

QString MainWindow::presetCode() const
{
    const auto preset = findPreset(m_codePreset);
    if (!preset)
        return tr("# Not a preset: there is no code to show.\n# Choose a preset to see the Python it stands for.");
    if (preset->code.empty())
        return tr("# The preset %1 carries no code yet.").arg(QString::fromStdString(preset->name));
    return QStringLiteral("# %1\n\n").arg(QString::fromStdString(preset->title)) + QString::fromStdString(preset->code);
}

void MainWindow::updateCode()
{
    if (m_code && !m_code->isHidden() && m_code->toPlainText() != presetCode())
        m_code->setPlainText(presetCode());
}

bool MainWindow::askPrediction()
{
    QDialog dialog(this);
    dialog.setFont(font());
    dialog.setWindowTitle(tr("Predict, then reveal"));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("<b>Which will be fastest?</b> Ask the room before the runs.")));
    auto* group = new QButtonGroup(&dialog);
    for (std::size_t i = 0; i < m_session.configs().size(); ++i) {
        auto* b = new QRadioButton(QString::fromStdString(describeModel(withDefaults(m_session.configs()[i]))));
        group->addButton(b, static_cast<int>(i));
        layout->addWidget(b);
        if (i == 0)
            b->setChecked(true);
    }
    auto* speedup = new QDoubleSpinBox;
    speedup->setRange(0, 1000);
    speedup->setDecimals(1);
    speedup->setSingleStep(0.5);
    speedup->setSuffix(QStringLiteral("x"));
    speedup->setSpecialValueText(tr("no guess"));
    speedup->setToolTip(tr("How many times faster than the first run (optional)"));
    auto* row = new QFormLayout;
    row->addRow(tr("Speedup against the first run"), speedup);
    layout->addLayout(row);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Compare"));
    auto* skip = buttons->addButton(tr("No guess"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    bool skipped = false;
    connect(skip, &QPushButton::clicked, &dialog, [&skipped] { skipped = true; });
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    m_prediction = Prediction{};
    if (!skipped && group->checkedId() >= 0) {
        m_prediction.choice = group->checkedId();
        m_prediction.label = describeModel(withDefaults(m_session.configs()[static_cast<std::size_t>(m_prediction.choice)]));
        m_prediction.speedup = speedup->value();
    }
    return true;
}

} // namespace ce::ui
