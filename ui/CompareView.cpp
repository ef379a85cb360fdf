#include "CompareView.h"

#include "FigureExport.h"
#include "Palette.h"
#include "Theme.h"
#include "TimelinePlot.h"

#include <QEvent>
#include <qcustomplot.h>
#include <QFontInfo>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>

namespace ce::ui {

CompareView::CompareView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_header = new QLabel;
    m_header->setWordWrap(true);
    m_header->setMargin(6);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_header);
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* inner = new QWidget;
    m_list = new QVBoxLayout(inner);
    m_list->setContentsMargins(0, 0, 0, 0);
    m_list->addStretch(1);
    scroll->setWidget(inner);
    layout->addWidget(scroll, 1);
    m_speedups = new QCustomPlot;
    m_speedups->setMinimumHeight(150);
    m_speedups->setVisible(false);
    layout->addWidget(m_speedups);
}

void CompareView::clear()
{
    for (auto* p : m_plots)
        p->deleteLater();
    m_plots.clear();
    m_lengths.clear();
    m_runs.clear();
    m_titleState.clear();
    m_intro.clear();
    m_advice.clear();
    m_verdict.clear();
    m_prediction.clear();
    m_playhead = -1;
    m_hasSpeedups = false;
    m_speedups->setVisible(false);
    m_header->setText(tr("Comparing: the models run one after another…") + legendHtml());
}

void CompareView::setTheme(const Theme& theme)
{
    for (auto* p : m_plots)
        p->setTheme(theme);
    styleCustomPlot(*m_speedups, theme);
    m_speedups->replot(QCustomPlot::rpQueuedReplot);
}

QString CompareView::headerText() const { return m_header->text(); }

QString CompareView::legendHtml()
{
    QString html = QStringLiteral("<br>");
    auto swatch = [&](const QColor& c, const QString& text) {
        html += QStringLiteral("<span style='color:%1'>&#9632;</span>&nbsp;%2&nbsp;&nbsp; ").arg(c.name(), text.toHtmlEscaped());
    };
    for (const LegendEntry& e : timelineLegend(false))
        swatch(e.color, e.text);
    return html;
}

void CompareView::alignTime()
{
    const double longest = m_lengths.empty() ? 0.001 : *std::max_element(m_lengths.begin(), m_lengths.end());
    for (auto* p : m_plots)
        p->setTimeRange(std::max(0.001, longest));
}

TimelinePlot* CompareView::plotFor(int index, const RunSnapshot& run)
{
    while (static_cast<int>(m_plots.size()) <= index) {
        auto* plot = new TimelinePlot;
        plot->setTheme(currentTheme());
        // Tall enough for its tracks at any font size (presentation mode uses large type).
        plot->setMinimumHeight(std::max(240, QFontInfo(font()).pixelSize() * 15));
        plot->setLegendVisible(false); // one legend for all, in the header
        plot->setTitleScale(1.1);
        connect(plot, &TimelinePlot::scrubbed, this, &CompareView::scrubbed);
        plot->setMinimumWidth(300); // narrow windows squeeze the tracks rather than scroll sideways
        m_list->insertWidget(m_list->count() - 1, plot);
        m_plots.push_back(plot);
        m_lengths.push_back(0);
    }
    TimelinePlot* plot = m_plots[static_cast<std::size_t>(index)];
    QString title = QString::fromStdString(describeModel(run.config));
    if (run.status != RunStatus::Running)
        title += QStringLiteral(" — makespan %1 s").arg(run.summary.makespanS, 0, 'f', 3);
    plot->setCaption(title, {});
    plot->setPlayhead(-1);
    if (static_cast<int>(m_titleState.size()) <= index)
        m_titleState.resize(static_cast<std::size_t>(index) + 1, 1);
    m_titleState[static_cast<std::size_t>(index)] = 1;
    m_lengths[static_cast<std::size_t>(index)] = double(run.elapsedNs) / 1e9;
    return plot;
}

void CompareView::applyDelta(int index, const RunDelta& delta, const RunSnapshot& live)
{
    TimelinePlot* plot = plotFor(index, live);
    plot->applyDelta(delta);
    alignTime();
    for (auto* p : m_plots)
        p->replot();
}

void CompareView::showRun(int index, const RunSnapshot& run)
{
    TimelinePlot* plot = plotFor(index, run);
    plot->setRun(run);
    alignTime();
    for (auto* p : m_plots)
        p->replot();
}

void CompareView::finish(const std::vector<RunSnapshot>& runs, const Advice* advice, const QString& verdict)
{
    for (std::size_t i = 0; i < runs.size(); ++i)
        showRun(static_cast<int>(i), runs[i]);
    m_runs = runs;
    m_intro.clear();
    if (!runs.empty())
        m_intro = QStringLiteral("<b>%1</b><br>").arg(QString::fromStdString(describeWorkload(runs.front().config)).toHtmlEscaped());
    m_advice.clear();
    if (advice)
        m_advice = QString::fromStdString(advice->summary).toHtmlEscaped() + QStringLiteral("<br>");
    if (!verdict.isEmpty())
        m_verdict = verdict;
    m_playhead = -1;
    m_verdictShown = true;
    updateHeader();
    const bool speedups = std::any_of(runs.begin(), runs.end(), [](const RunSnapshot& r) { return r.summary.speedup > 0; });
    m_hasSpeedups = speedups;
    m_speedups->setVisible(speedups);
    if (speedups) {
        m_speedups->setMinimumHeight(std::max(150, 26 * static_cast<int>(runs.size()) + 60));
        fillSpeedupPlot(*m_speedups, runs, advice);
        styleCustomPlot(*m_speedups, currentTheme());
        fitSpeedupFonts();
    }
}

} // namespace ce::ui

namespace ce::ui {

void CompareView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        for (auto* p : m_plots)
            p->setMinimumHeight(std::max(240, QFontInfo(font()).pixelSize() * 15));
        fitSpeedupFonts();
    }
}

void CompareView::fitSpeedupFonts()
{
    // The chart's text follows the widget's font (large when presenting), a little smaller.
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.9);
    for (QCPAxis* axis : m_speedups->xAxis->axisRect()->axes()) {
        axis->setTickLabelFont(small);
        axis->setLabelFont(small);
    }
    // The caption under the bars (two lines, see fillSpeedupPlot).
    auto* layout = m_speedups->plotLayout();
    if (auto* caption = layout->hasElement(1, 0) ? qobject_cast<QCPTextElement*>(layout->element(1, 0)) : nullptr)
        caption->setFont(small);
    const int line = QFontInfo(small).pixelSize();
    m_speedups->setMinimumHeight(std::max(150, static_cast<int>(m_runs.size()) * line * 2 + 5 * line));
    m_speedups->replot(QCustomPlot::rpQueuedReplot);
}

void CompareView::updateHeader()
{
    QString html = m_intro;
    if (m_verdictShown) {
        html += m_advice + m_verdict.toHtmlEscaped();
        if (!m_prediction.isEmpty())
            html += QStringLiteral("<br><b>%1</b>").arg(m_prediction.toHtmlEscaped());
    } else {
        html += tr("Replaying… the verdict comes at the end.");
    }
    m_header->setText(html + legendHtml());
}

void CompareView::setPrediction(const QString& text)
{
    m_prediction = text;
    updateHeader();
}

QString CompareView::title(int index, bool withMakespan) const
{
    const RunSnapshot& run = m_runs[static_cast<std::size_t>(index)];
    QString t = QString::fromStdString(describeModel(run.config));
    if (withMakespan)
        t += QStringLiteral(" — makespan %1 s").arg(run.summary.makespanS, 0, 'f', 3);
    return t;
}

void CompareView::setPlayhead(double seconds)
{
    if (m_runs.size() != m_plots.size())
        return; // only finished comparisons replay
    m_playhead = seconds;
    const double end = m_lengths.empty() ? 0 : *std::max_element(m_lengths.begin(), m_lengths.end());
    const bool done = seconds < 0 || seconds >= end;
    m_titleState.resize(m_plots.size(), 1);
    for (std::size_t i = 0; i < m_plots.size(); ++i) {
        m_plots[i]->setPlayhead(seconds);
        // A run's makespan shows once the playhead has passed its end (the captions are
        // only rebuilt when that changes: rebuilding a plot is not free).
        const int state = (seconds < 0 || seconds >= m_lengths[i]) ? 1 : 0;
        if (state != m_titleState[i]) {
            m_titleState[i] = state;
            m_plots[i]->setCaption(title(static_cast<int>(i), state == 1), {});
        }
    }
    m_speedups->setVisible(m_hasSpeedups && done);
    if (done != m_verdictShown) {
        m_verdictShown = done;
        updateHeader();
    }
}

} // namespace ce::ui
