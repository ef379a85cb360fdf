#include "FlowchartView.h"

#include "Theme.h"
#include "TimelineModel.h"

#include <QEvent>
#include <QFontInfo>
#include <QPainter>
#include <QPainterPath>
#include <QResizeEvent>

#include <cmath>

#include <algorithm>
#include <vector>

namespace ce::ui {

namespace {
constexpr double kMargin = 8;
}

FlowchartView::FlowchartView(QWidget* parent) : QWidget(parent)
{
    setToolTip(tr("What am I waiting on? The tutorials' decision flowchart. After a run, the path taken "
                  "with this run's measured CPU share and concurrency is highlighted."));
}

void FlowchartView::setAdvice(const Advice& advice)
{
    m_advice = advice;
    m_hasAdvice = true;
    updateHeight();
    update();
}

void FlowchartView::clearAdvice()
{
    m_hasAdvice = false;
    updateHeight();
    update();
}

void FlowchartView::setKnownSteps(int steps)
{
    if (steps == m_knownSteps)
        return;
    m_knownSteps = steps;
    updateHeight();
    update();
}

std::vector<std::string> FlowchartView::highlightedPath() const
{
    std::vector<std::string> ids;
    if (m_hasAdvice) {
        const std::size_t known = m_knownSteps < 0 ? m_advice.path.size() : std::min<std::size_t>(m_advice.path.size(), m_knownSteps);
        for (std::size_t i = 0; i < known; ++i)
            ids.push_back(m_advice.path[i].node);
    }
    return ids;
}

double FlowchartView::lineScale() const { return std::max(1.0, QFontInfo(font()).pixelSize() / 14.0); }

FlowchartLayout FlowchartView::currentLayout() const
{
    const QRectF area = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kMargin);
    return FlowchartLayout::compute(decisionFlowchart(), m_hasAdvice ? &m_advice : nullptr, m_knownSteps, area, font());
}

void FlowchartView::updateHeight()
{
    // Too little room even with smaller fonts: grow, and let the scroll area around us scroll.
    const FlowchartLayout l = FlowchartLayout::compute(decisionFlowchart(), m_hasAdvice ? &m_advice : nullptr, m_knownSteps,
                                                       QRectF(kMargin, kMargin, width() - 2 * kMargin, 1e6), font());
    const int needed = static_cast<int>(std::ceil(l.bottom + kMargin));
    const FlowchartLayout here = currentLayout();
    setMinimumHeight(here.fits ? 0 : needed);
}

void FlowchartView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    updateHeight();
}

void FlowchartView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange)
        updateHeight();
}

void FlowchartView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const Theme& theme = currentTheme();
    p.fillRect(rect(), theme.background);
    const FlowchartLayout l = currentLayout();
    const auto path = highlightedPath();
    auto onPath = [&](const std::string& id) { return std::find(path.begin(), path.end(), id) != path.end(); };
    const QColor accent = theme.accent.isValid() ? theme.accent : StatePalette::color(State::Cpu);
    const QColor accentText = theme.isDark ? accent.lighter(150) : accent.darker(130);
    const double ls = lineScale() * theme.lineScale;

    p.setFont(l.titleFont);
    p.setPen(theme.foreground);
    p.drawText(QRectF(l.titleRect.topLeft(), QSizeF(l.titleWrapWidth, l.titleRect.height() + 2)), FlowchartLayout::kTextFlags, l.title);

    // Lines: the untaken ones first, so the taken path is drawn over the trunks they share.
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& e : l.edges) {
            const bool taken = onPath(e.from) && onPath(e.to);
            if (taken != (pass == 1))
                continue;
            p.setPen(QPen(taken ? accent : theme.muted, (taken ? 3.0 : 1.3) * ls, Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin));
            p.setBrush(Qt::NoBrush);
            QPainterPath line;
            line.moveTo(e.points.front());
            for (std::size_t i = 1; i < e.points.size(); ++i)
                line.lineTo(e.points[i]);
            p.drawPath(line);
        }
    }
    p.setFont(l.labelFont);
    for (const auto& label : l.labels) {
        const bool taken = onPath(label.from) && onPath(label.to);
        p.setPen(taken ? accentText : theme.muted);
        p.drawText(QRectF(label.rect.topLeft(), QSizeF(label.wrapWidth, label.rect.height() + 2)), FlowchartLayout::kTextFlags, label.text);
    }
    // Questions as boxes, answers as rounded pills; the recommended answer filled.
    p.setFont(l.boxFont);
    for (const auto& b : l.boxes) {
        const bool lit = onPath(b.id);
        const bool recommended = lit && b.answer;
        const QRectF r = b.rect;
        p.setPen(QPen(lit ? accent : theme.muted, (recommended ? 3 : 1.5) * ls));
        p.setBrush(recommended ? accent : lit ? (theme.isDark ? QColor(20, 60, 90) : QColor(220, 235, 247)) : theme.panel);
        const double radius = b.answer ? std::min(r.height() / 2, 18.0) : 6;
        p.drawRoundedRect(r, radius, radius);
        p.setPen(recommended ? QColor(Qt::white) : theme.foreground);
        p.drawText(r.adjusted(l.padX, l.padY, -l.padX, -l.padY), FlowchartLayout::kTextFlags, b.text);
    }
}

} // namespace ce::ui
