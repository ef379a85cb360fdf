#include "FlowchartLayout.h"

#include <QFontInfo>
#include <QFontMetricsF>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace ce::ui {

namespace {

QFont scaled(const QFont& font, double factor)
{
    QFont f = font;
    if (font.pixelSize() > 0)
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(font.pixelSize() * factor))));
    else
        f.setPointSizeF(std::max(1.0, font.pointSizeF() * factor));
    return f;
}

QSizeF textSize(const QFont& font, double width, const QString& text)
{
    const QFontMetricsF fm(font);
    const QRectF r = fm.boundingRect(QRectF(0, 0, std::max(1.0, width), 1e6), FlowchartLayout::kTextFlags, text);
    return r.size();
}

// Nodes in depth-first order from the start, with their depth and the edge that reached them.
struct Visit {
    const FlowNode* node;
    int depth;
    const FlowEdge* edge;
};

std::vector<Visit> preorder(const Flowchart& chart)
{
    std::vector<Visit> out;
    std::function<void(const std::string&, int, const FlowEdge*)> visit = [&](const std::string& id, int depth, const FlowEdge* via) {
        const FlowNode* n = chart.node(id);
        if (!n || std::any_of(out.begin(), out.end(), [&](const Visit& v) { return v.node == n; }))
            return;
        out.push_back({n, depth, via});
        for (const auto& e : chart.edges) {
            if (e.from == id)
                visit(e.to, depth + 1, &e);
        }
    };
    if (!chart.nodes.empty())
        visit(chart.nodes.front().id, 0, nullptr);
    return out;
}

FlowchartLayout layoutAt(const Flowchart& chart, const Advice* advice, int knownSteps, const QRectF& area, const QFont& font, double scale)
{
    FlowchartLayout l;
    l.fontScale = scale;
    l.boxFont = scaled(font, scale);
    l.labelFont = scaled(font, scale * 0.9);
    l.titleFont = l.boxFont;
    l.titleFont.setBold(true);
    const double line = QFontMetricsF(l.boxFont).height();
    const double padX = std::round(line * 0.45), padY = std::round(line * 0.3);
    l.padX = padX;
    l.padY = padY;
    const double gap = std::round(line * 0.45);
    const double maxWidth = line * 26; // a box wider than this reads as a banner
    const std::vector<Visit> order = preorder(chart);

    // Word wrap cannot break a word: each row needs room for its longest word. The indent
    // shrinks (down to a width where the trunks still clear the boxes) before a deep row's
    // word would stick out; if even that is too little, the fonts shrink (wordsFit = false).
    const QFontMetricsF boxMetrics(l.boxFont), labelMetrics(l.labelFont);
    auto widestWord = [](const QFontMetricsF& fm, const QString& text) {
        double w = 0;
        for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts))
            w = std::max(w, fm.horizontalAdvance(word));
        return std::ceil(w) + 1;
    };
    std::vector<double> need(order.size());
    double indent = std::round(line * 1.4);
    const double minIndent = std::round(line * 0.7);
    for (std::size_t i = 0; i < order.size(); ++i) {
        const Visit& v = order[i];
        need[i] = std::max({line * 4, widestWord(boxMetrics, QString::fromStdString(v.node->label)) + 2 * padX,
                            v.edge ? widestWord(labelMetrics, QString::fromStdString(v.edge->label)) : 0.0});
        if (v.depth > 0)
            indent = std::min(indent, std::floor((area.width() - need[i]) / v.depth));
    }
    indent = std::max(indent, minIndent);
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (order[i].depth * indent + need[i] > area.width() + 0.5)
            l.wordsFit = false;
    }

    // The path's steps known so far: which edges carry their measured reason.
    std::map<std::pair<std::string, std::string>, std::string> reasons;
    if (advice) {
        const int known = knownSteps < 0 ? static_cast<int>(advice->path.size()) : std::min<int>(knownSteps, advice->path.size());
        for (int i = 0; i + 1 < known; ++i)
            reasons[{advice->path[static_cast<std::size_t>(i)].node, advice->path[static_cast<std::size_t>(i) + 1].node}] =
                advice->path[static_cast<std::size_t>(i)].reason;
    }

    double y = area.top();
    l.title = QStringLiteral("Which model fits? (decision flowchart)");
    const QSizeF t = textSize(l.titleFont, area.width(), l.title);
    l.titleRect = QRectF(area.left(), y, std::min(area.width(), t.width()), t.height());
    l.titleWrapWidth = area.width();
    y += t.height() + gap;

    for (std::size_t i = 0; i < order.size(); ++i) {
        const Visit& v = order[i];
        const double x = area.left() + v.depth * indent;
        const double w = std::max(need[i], std::min(area.right() - x, maxWidth));
        if (v.edge) {
            QString text = QString::fromStdString(v.edge->label);
            const auto r = reasons.find({v.edge->from, v.edge->to});
            if (r != reasons.end() && !r->second.empty())
                text += QStringLiteral(": ") + QString::fromStdString(r->second);
            const QSizeF s = textSize(l.labelFont, w, text);
            l.labels.push_back({v.edge->from, v.edge->to, QRectF(x, y, std::min(w, s.width()), s.height()), text, w});
            y += s.height() + gap * 0.4;
        }
        const QString text = QString::fromStdString(v.node->label);
        const QSizeF s = textSize(l.boxFont, w - 2 * padX, text);
        const bool answer = v.node->kind == FlowNode::Kind::Answer;
        const double boxW = answer ? std::min(w, s.width() + 2 * padX + line) : w; // pills hug their text
        l.boxes.push_back({v.node->id, QRectF(x, y, boxW, s.height() + 2 * padY), text, answer});
        y += s.height() + 2 * padY + gap;
    }
    // Lines: from the parent's trunk (half an indent right of its left edge) down to the
    // child's middle, then across into it.
    for (const Visit& v : order) {
        if (!v.edge)
            continue;
        const auto* parent = l.box(v.edge->from);
        const auto* child = l.box(v.edge->to);
        if (!parent || !child)
            continue;
        const double trunk = parent->rect.left() + indent / 2;
        const double mid = child->rect.center().y();
        l.edges.push_back({v.edge->from, v.edge->to, {QPointF(trunk, parent->rect.bottom()), QPointF(trunk, mid), QPointF(child->rect.left(), mid)}});
    }
    l.bottom = y - gap;
    l.fits = l.bottom <= area.bottom() + 0.5;
    return l;
}

} // namespace

FlowchartLayout FlowchartLayout::compute(const Flowchart& chart, const Advice* advice, int knownSteps, const QRectF& area, const QFont& font)
{
    FlowchartLayout l;
    // Projector-sized text (labels of 18 px or more) never shrinks below 18 px: it scrolls.
    const double labelPx = QFontInfo(font).pixelSize() * 0.9;
    const double minScale = labelPx >= 18 ? std::max(kMinFontScale, 18.0 / labelPx) : kMinFontScale;
    for (double scale = 1.0; scale >= minScale - 1e-9; scale -= 0.05) {
        l = layoutAt(chart, advice, knownSteps, area, font, scale);
        if (l.fits && l.wordsFit)
            break;
    }
    return l;
}

const FlowchartLayout::Box* FlowchartLayout::box(const std::string& id) const
{
    for (const auto& b : boxes) {
        if (b.id == id)
            return &b;
    }
    return nullptr;
}

std::vector<QRectF> FlowchartLayout::lineRects(double penWidth) const
{
    std::vector<QRectF> out;
    const double h = penWidth / 2;
    for (const auto& e : edges) {
        for (std::size_t i = 0; i + 1 < e.points.size(); ++i) {
            const QPointF a = e.points[i], b = e.points[i + 1];
            out.push_back(QRectF(QPointF(std::min(a.x(), b.x()) - h, std::min(a.y(), b.y()) - h),
                                 QPointF(std::max(a.x(), b.x()) + h, std::max(a.y(), b.y()) + h)));
        }
    }
    return out;
}

} // namespace ce::ui
