#include "FlowchartView.h"

#include "Theme.h"
#include "TimelineModel.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <vector>

namespace ce::ui {

FlowchartView::FlowchartView(QWidget* parent) : QWidget(parent)
{
    setMinimumSize(300, 420);
    setToolTip(tr("What am I waiting on? The tutorials' decision flowchart. After a run, the path taken "
                  "with this run's measured CPU share and concurrency is highlighted."));
}

void FlowchartView::setAdvice(const Advice& advice)
{
    m_advice = advice;
    m_hasAdvice = true;
    update();
}

void FlowchartView::clearAdvice()
{
    m_hasAdvice = false;
    update();
}

std::vector<std::string> FlowchartView::highlightedPath() const
{
    std::vector<std::string> ids;
    if (m_hasAdvice) {
        for (const auto& step : m_advice.path)
            ids.push_back(step.node);
    }
    return ids;
}

std::map<std::string, QRectF> FlowchartView::layout(const QRectF& area) const
{
    // Layers by distance from the start node; nodes of a layer side by side.
    const Flowchart& chart = decisionFlowchart();
    std::map<std::string, int> depth{{"start", 0}};
    for (int pass = 0; pass < 4; ++pass) {
        for (const auto& e : chart.edges) {
            if (depth.count(e.from) && !depth.count(e.to))
                depth[e.to] = depth[e.from] + 1;
        }
    }
    int layers = 0;
    for (const auto& [id, d] : depth)
        layers = std::max(layers, d + 1);
    std::map<std::string, QRectF> rects;
    const double rowH = area.height() / layers;
    for (int d = 0; d < layers; ++d) {
        std::vector<std::string> row;
        for (const auto& n : chart.nodes) { // chart order keeps siblings in edge order
            if (depth.count(n.id) && depth[n.id] == d)
                row.push_back(n.id);
        }
        // Under the middle of their parents, so that branches do not cross.
        std::map<std::string, double> parentX;
        for (const auto& id : row) {
            double sum = 0;
            int count = 0;
            for (const auto& e : chart.edges) {
                if (e.to == id && rects.count(e.from)) {
                    sum += rects[e.from].center().x();
                    ++count;
                }
            }
            parentX[id] = count > 0 ? sum / count : 0;
        }
        std::stable_sort(row.begin(), row.end(), [&](const std::string& a, const std::string& b) { return parentX[a] < parentX[b]; });
        const double colW = area.width() / std::max<std::size_t>(1, row.size());
        for (std::size_t i = 0; i < row.size(); ++i) {
            const double w = std::min(colW - 8, 240.0);
            const double h = std::min(rowH * 0.42, 70.0);
            rects[row[i]] = QRectF(area.left() + colW * (double(i) + 0.5) - w / 2, area.top() + rowH * d + 6, w, h);
        }
    }
    return rects;
}

void FlowchartView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const Theme& theme = currentTheme();
    p.fillRect(rect(), theme.background);
    const Flowchart& chart = decisionFlowchart();
    QFont font = p.font();
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    const QRectF area = QRectF(rect()).adjusted(6, 28, -6, -8);
    p.setFont(font);
    p.setPen(theme.foreground);
    p.drawText(QRectF(6, 4, width() - 12, 22), Qt::AlignLeft | Qt::AlignVCenter, tr("Which model fits? (decision flowchart)"));
    const auto rects = layout(area);
    const auto path = highlightedPath();
    auto onPath = [&](const std::string& id) { return std::find(path.begin(), path.end(), id) != path.end(); };
    const QColor accent = StatePalette::color(State::Cpu);

    // Edges first, labelled with the answer; on the path, with the measured reason.
    for (const auto& e : chart.edges) {
        if (!rects.count(e.from) || !rects.count(e.to))
            continue;
        const QRectF a = rects.at(e.from), b = rects.at(e.to);
        const bool taken = onPath(e.from) && onPath(e.to);
        p.setPen(QPen(taken ? accent : theme.muted, taken ? 3 : 1.2));
        const QPointF from(a.center().x(), a.bottom()), to(b.center().x(), b.top());
        p.drawLine(from, to);
        // Label near the child end, where sibling edges are a column apart.
        const QPointF mid = from + (to - from) * 0.62;
        p.setFont(small);
        p.setPen(taken ? (theme.isDark ? accent.lighter(150) : accent.darker(130)) : theme.muted);
        QString label = QString::fromStdString(e.label);
        if (taken) {
            for (const auto& step : m_advice.path) {
                if (step.node == e.from && !step.reason.empty())
                    label += QStringLiteral("\n") + QString::fromStdString(step.reason);
            }
        }
        const double w = std::max(80.0, b.width() + 8);
        const QRectF box(mid.x() - w / 2, mid.y() - 10, w, std::max(20.0, b.top() - mid.y() + 6));
        p.setPen(Qt::NoPen);
        QColor veil = theme.background;
        veil.setAlpha(230);
        p.setBrush(veil);
        const QRectF textBox = p.boundingRect(box, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, label);
        p.drawRect(textBox.adjusted(-2, 0, 2, 0));
        p.setPen(taken ? (theme.isDark ? accent.lighter(150) : accent.darker(130)) : theme.muted);
        p.drawText(box, Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, label);
    }
    // Then the nodes: questions as boxes, answers as rounded pills.
    for (const auto& n : chart.nodes) {
        if (!rects.count(n.id))
            continue;
        const QRectF r = rects.at(n.id);
        const bool lit = onPath(n.id);
        const bool answer = n.kind == FlowNode::Kind::Answer;
        const bool recommended = lit && answer;
        p.setPen(QPen(lit ? accent : theme.muted, recommended ? 3 : 1.5));
        p.setBrush(recommended ? accent : lit ? (theme.isDark ? QColor(20, 60, 90) : QColor(220, 235, 247)) : theme.panel);
        p.drawRoundedRect(r, answer ? r.height() / 2 : 6, answer ? r.height() / 2 : 6);
        p.setPen(recommended ? QColor(Qt::white) : theme.foreground);
        p.setFont(small);
        p.drawText(r.adjusted(6, 2, -6, -2), Qt::AlignCenter | Qt::TextWordWrap, QString::fromStdString(n.label));
    }
}

} // namespace ce::ui
