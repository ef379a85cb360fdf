#include "CompareView.h"

#include "FigureExport.h"
#include "Theme.h"
#include "TimelinePlot.h"

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
    m_speedups->setVisible(false);
    m_header->setText(tr("Comparing: the models run one after another…") + legendHtml());
}

QString CompareView::legendHtml()
{
    QString html = QStringLiteral("<br>");
    auto swatch = [&](const QColor& c, const QString& text) {
        html += QStringLiteral("<span style='color:%1'>&#9632;</span>&nbsp;%2&nbsp;&nbsp; ").arg(c.name(), text.toHtmlEscaped());
    };
    for (State s : StatePalette::drawOrder()) {
        if (StatePalette::inLegend(s, false))
            swatch(StatePalette::color(s), StatePalette::label(s));
    }
    swatch(TimelineModel::blend(100, 100), tr("core: this run"));
    swatch(TimelineModel::blend(100, 0), tr("core: other processes"));
    return html;
}

void CompareView::alignTime()
{
    const double longest = m_lengths.empty() ? 0.001 : *std::max_element(m_lengths.begin(), m_lengths.end());
    for (auto* p : m_plots)
        p->setTimeRange(std::max(0.001, longest));
}

void CompareView::showRun(int index, const RunSnapshot& run)
{
    while (static_cast<int>(m_plots.size()) <= index) {
        auto* plot = new TimelinePlot;
        plot->setTheme(currentTheme());
        plot->setMinimumHeight(240);
        plot->setLegendVisible(false); // one legend for all, in the header
        m_list->insertWidget(m_list->count() - 1, plot);
        m_plots.push_back(plot);
        m_lengths.push_back(0);
    }
    TimelinePlot* plot = m_plots[static_cast<std::size_t>(index)];
    QString title = QString::fromStdString(describeModel(run.config));
    if (run.status != RunStatus::Running)
        title += QStringLiteral(" — makespan %1 s").arg(run.summary.makespanS, 0, 'f', 3);
    plot->setCaption(title, {});
    m_lengths[static_cast<std::size_t>(index)] = double(run.elapsedNs) / 1e9;
    plot->setRun(run);
    alignTime();
    for (auto* p : m_plots)
        p->replot(QCustomPlot::rpQueuedReplot);
}

void CompareView::finish(const std::vector<RunSnapshot>& runs, const Advice* advice, const QString& verdict)
{
    for (std::size_t i = 0; i < runs.size(); ++i)
        showRun(static_cast<int>(i), runs[i]);
    QString header;
    if (!runs.empty())
        header = QStringLiteral("<b>%1</b><br>").arg(QString::fromStdString(describeWorkload(runs.front().config)).toHtmlEscaped());
    if (advice)
        header += QString::fromStdString(advice->summary).toHtmlEscaped() + QStringLiteral("<br>");
    header += verdict.toHtmlEscaped();
    m_header->setText(header + legendHtml());
    const bool speedups = std::any_of(runs.begin(), runs.end(), [](const RunSnapshot& r) { return r.summary.speedup > 0; });
    m_speedups->setVisible(speedups);
    if (speedups) {
        m_speedups->setMinimumHeight(std::max(150, 26 * static_cast<int>(runs.size()) + 60));
        fillSpeedupPlot(*m_speedups, runs, advice);
        styleCustomPlot(*m_speedups, currentTheme());
    }
}

} // namespace ce::ui
