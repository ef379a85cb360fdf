#include "TimelinePlot.h"
#include "TimelineCanvas.h"

#include "Palette.h"
#include "TimelineGeometry.h"

#include <QFontMetricsF>

#include <QFontInfo>
#include <QPaintEngine>
#include <QToolTip>
#include <QVBoxLayout>

#include <map>

#include <algorithm>
#include <array>
#include <cmath>

namespace ce::ui {

// The per-core grid as one image, scaled onto the axis rect (fast at any zoom and core count).
class CoreHeatmap : public QCPAbstractPlottable {
public:
    CoreHeatmap(QCPAxis* key, QCPAxis* value, const TimelineModel& model) : QCPAbstractPlottable(key, value), m_model(model) {}

    double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }
    QCPRange getKeyRange(bool& found, QCP::SignDomain) const override
    {
        found = m_model.cores() > 0;
        return QCPRange(0, m_model.coreImage().width() * m_model.sampleSeconds());
    }
    QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override
    {
        found = m_model.cores() > 0;
        return QCPRange(-0.5, m_model.cores() - 0.5);
    }

protected:
    void draw(QCPPainter* painter) override
    {
        if (m_model.cores() == 0)
            return;
        const QImage& image = m_model.coreImage();
        const QPointF a = coordsToPixels(0, -0.5);
        const QPointF b = coordsToPixels(image.width() * m_model.sampleSeconds(), m_model.cores() - 0.5);
        const QRectF target = QRectF(a, b).normalized();
        painter->setRenderHint(QPainter::SmoothPixmapTransform, false); // crisp cells when zoomed in
        const int columns = static_cast<int>(std::ceil(target.width()));
        if (columns > 0 && columns < image.width()) {
            // More samples than pixels: average them (area scaling) rather than let the
            // painter pick one sample per pixel and silently drop the others.
            if (m_scaled.width() != columns || m_scaledFrom != image.cacheKey()) {
                m_scaled = image.scaled(columns, image.height(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
                m_scaledFrom = image.cacheKey();
            }
            painter->drawImage(target, m_scaled);
        } else {
            painter->drawImage(target, image);
        }
    }
    void drawLegendIcon(QCPPainter*, const QRectF&) const override {}

private:
    const TimelineModel& m_model;
    QImage m_scaled;         // the grid averaged down to the drawn width
    qint64 m_scaledFrom = 0; // cacheKey of the grid it was made from
};

// Bars for phases: one row per lane, or (gil mode) one row with the lock's holders.
class PhaseLanes : public QCPAbstractPlottable {
public:
    PhaseLanes(QCPAxis* key, QCPAxis* value, const TimelineModel& model, bool gilMode)
        : QCPAbstractPlottable(key, value), m_model(model), m_gilMode(gilMode)
    {
    }

    double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }
    QCPRange getKeyRange(bool& found, QCP::SignDomain) const override
    {
        found = true;
        return QCPRange(0, std::max(1e-3, m_model.endSeconds()));
    }
    QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override
    {
        found = true;
        return QCPRange(-0.5, (m_gilMode ? 1 : std::max(1, m_model.lanes())) - 0.5);
    }

    static QColor holderColor(int lane)
    {
        // Blues, as the CPU state's: the track says who held the lock while computing.
        static const QColor colors[] = {QColor::fromRgb(okabeIto::blue), QColor::fromRgb(okabeIto::skyBlue), QColor(0, 79, 124), QColor(120, 160, 210)};
        return colors[lane % 4];
    }

protected:
    void draw(QCPPainter* painter) override
    {
        const QCPRange keys = keyAxis()->range();
        const QCPRange values = valueAxis()->range();
        painter->setPen(Qt::NoPen);
        const double half = 0.4;
        QCPAxis* key = keyAxis();
        // Phases far shorter than a pixel are most of a long run: a frame must not pay a
        // painter call for each. On a linear horizontal time axis, a lane becomes one row of
        // pixels: each column gets the state that covers most of it (any column a phase
        // touches is painted, so a short phase never vanishes), drawn with one call.
        // Vector figures (SVG, PDF) keep a rectangle per phase: they are drawn once, and a
        // row image would turn the lanes into pixels in a scalable file.
        const bool raster = painter->paintEngine() && painter->paintEngine()->type() == QPaintEngine::Raster;
        const bool fast = raster && key->scaleType() == QCPAxis::stLinear && key->orientation() == Qt::Horizontal;
        const double x0 = key->coordToPixel(0.0);
        const double perNs = (key->coordToPixel(1.0) - x0) / 1e9;
        const QRect area = key->axisRect()->rect();
        constexpr int kColours = kStateCount + 4; // the states, then the GIL holders' four
        std::array<QRgb, kColours> rgb{};
        for (int i = 0; i < kStateCount; ++i)
            rgb[static_cast<std::size_t>(i)] = StatePalette::color(static_cast<State>(i)).rgba();
        for (int i = 0; i < 4; ++i)
            rgb[static_cast<std::size_t>(kStateCount + i)] = holderColor(i).rgba();
        auto drawRun = [&](const std::vector<PhaseRecord>& phases, std::size_t first, std::size_t last, double row, bool byHolder) {
            if (!fast) {
                PixelBars bars;
                for (std::size_t i = first; i < last; ++i) {
                    const PhaseRecord& p = phases[i];
                    const QRectF r(coordsToPixels(double(p.startNs) / 1e9, row - half), coordsToPixels(double(p.endNs) / 1e9, row + half));
                    const auto placed = bars.place(r.normalized());
                    if (!placed)
                        continue;
                    painter->setBrush(byHolder ? holderColor(p.lane) : StatePalette::color(p.state));
                    painter->drawRect(*placed);
                }
                return;
            }
            const int width = std::max(1, area.width() + 1);
            if (m_row.width() != width)
                m_row = QImage(width, 1, QImage::Format_ARGB32_Premultiplied);
            m_cover.assign(static_cast<std::size_t>(width) * kColours, 0.f);
            int lo = width, hi = -1;
            for (std::size_t i = first; i < last; ++i) {
                const PhaseRecord& p = phases[i];
                double l = x0 + double(p.startNs) * perNs - area.left(), r = x0 + double(p.endNs) * perNs - area.left();
                if (r < l)
                    std::swap(l, r);
                l = std::max(l, 0.0);
                r = std::min(r, double(width));
                if (r < l)
                    continue;
                const int colour = byHolder ? kStateCount + p.lane % 4 : static_cast<int>(p.state);
                const int c0 = std::min(width - 1, static_cast<int>(l));
                const int c1 = std::min(width - 1, std::max(c0, static_cast<int>(std::ceil(r)) - 1));
                for (int c = c0; c <= c1; ++c) {
                    // Its share of the column; a phase of no width still marks the column.
                    const double share = std::max(1e-6, std::min(r, c + 1.0) - std::max(l, double(c)));
                    m_cover[static_cast<std::size_t>(c) * kColours + static_cast<std::size_t>(colour)] += static_cast<float>(share);
                }
                lo = std::min(lo, c0);
                hi = std::max(hi, c1);
            }
            if (hi < lo)
                return;
            m_row.fill(Qt::transparent);
            auto* pixels = reinterpret_cast<QRgb*>(m_row.scanLine(0));
            for (int c = lo; c <= hi; ++c) {
                const float* cover = &m_cover[static_cast<std::size_t>(c) * kColours];
                const auto best = std::max_element(cover, cover + kColours) - cover;
                if (cover[best] > 0.f)
                    pixels[c] = rgb[static_cast<std::size_t>(best)];
            }
            const double y0 = valueAxis()->coordToPixel(row - half), y1 = valueAxis()->coordToPixel(row + half);
            painter->setRenderHint(QPainter::SmoothPixmapTransform, false);
            painter->drawImage(QRectF(area.left(), std::min(y0, y1), width, std::abs(y1 - y0)), m_row);
        };
        if (m_gilMode) {
            const auto& holders = m_model.gilHolders();
            const auto t0 = static_cast<std::int64_t>(keys.lower * 1e9);
            const auto t1 = static_cast<std::int64_t>(keys.upper * 1e9);
            const auto first = std::partition_point(holders.begin(), holders.end(), [&](const PhaseRecord& p) { return p.endNs < t0; });
            const auto last = std::partition_point(first, holders.end(), [&](const PhaseRecord& p) { return p.startNs <= t1; });
            drawRun(holders, static_cast<std::size_t>(first - holders.begin()), static_cast<std::size_t>(last - holders.begin()), 0, true);
            return;
        }
        const int lo = std::max(0, static_cast<int>(std::floor(std::min(values.lower, values.upper))));
        const int hi = std::min(m_model.lanes() - 1, static_cast<int>(std::ceil(std::max(values.lower, values.upper))));
        for (int lane = lo; lane <= hi; ++lane) {
            const auto [first, last] = m_model.visible(lane, keys.lower, keys.upper);
            drawRun(m_model.lane(lane), first, last, lane, false);
        }
    }
    void drawLegendIcon(QCPPainter*, const QRectF&) const override {}

private:
    const TimelineModel& m_model;
    bool m_gilMode;
    QImage m_row;               // one lane's pixels, reused
    std::vector<float> m_cover; // per pixel column and colour: how much of the column it covers
};

// Replay: covers what lies after the playhead with the background and draws the playhead.
// On a layer above the plottables, so nothing recorded later shows through.
class PlayheadVeil : public QCPAbstractPlottable {
public:
    PlayheadVeil(QCPAxis* key, QCPAxis* value, const double& seconds, const QColor& background, const QColor& line, double width)
        : QCPAbstractPlottable(key, value), m_seconds(seconds), m_background(background), m_line(line), m_width(width)
    {
        setLayer(QStringLiteral("playhead"));
    }
    double selectTest(const QPointF&, bool, QVariant*) const override { return -1; }
    QCPRange getKeyRange(bool& found, QCP::SignDomain) const override
    {
        found = false;
        return {};
    }
    QCPRange getValueRange(bool& found, QCP::SignDomain, const QCPRange&) const override
    {
        found = false;
        return {};
    }

protected:
    void draw(QCPPainter* painter) override
    {
        if (m_seconds < 0)
            return;
        const QRect area = keyAxis()->axisRect()->rect();
        const double x = std::clamp(keyAxis()->coordToPixel(m_seconds), double(area.left()), double(area.right()) + 1);
        painter->fillRect(QRectF(QPointF(x, area.top() - 2), QPointF(area.right() + 1, area.bottom() + 1)), m_background);
        painter->setPen(QPen(m_line, m_width));
        painter->drawLine(QLineF(x, area.top(), x, area.bottom() + 1));
    }
    void drawLegendIcon(QCPPainter*, const QRectF&) const override {}

private:
    const double& m_seconds;
    QColor m_background;
    QColor m_line;
    double m_width;
};

TimelineCanvas::TimelineCanvas(QWidget* parent) : QCustomPlot(parent)
{
    addLayer(QStringLiteral("playhead"), layer(QStringLiteral("main")), QCustomPlot::limAbove);
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setNoAntialiasingOnDrag(true);
    setAutoAddPlottableToLegend(false); // our legend lists states, not every plottable
    connect(this, &QCustomPlot::mouseMove, this, &TimelineCanvas::showTooltip);
    // Row numbers never crowd each other: as many as fit the track's height in its font
    // (large type for a projector leaves room for fewer).
    connect(this, &QCustomPlot::beforeReplot, this, [this] {
        for (QCPAxisRect* r : {m_coresRect, m_lanesRect}) {
            if (!r || (r == m_coresRect && m_coreLines))
                continue;
            QCPAxis* axis = r->axis(QCPAxis::atLeft);
            const double line = QFontMetricsF(axis->tickLabelFont()).height();
            if (auto ticker = qSharedPointerDynamicCast<QCPAxisTickerFixed>(axis->ticker()))
                ticker->setTickCount(std::max(2, static_cast<int>(r->height() / line)));
        }
    });
    // The lag track is short (shorter still in a comparison, with projector-sized text): only
    // as many tick labels as fit its height, once it is known. With room for one or two, they
    // name the worst lag, the number a lecturer points at.
    connect(this, &QCustomPlot::afterLayout, this, [this] {
        if (!m_lagRect || !m_lag)
            return;
        QCPAxis* axis = m_lagRect->axis(QCPAxis::atLeft);
        const double labelHeight = QFontMetricsF(axis->tickLabelFont()).height();
        const int labels = std::clamp(1 + static_cast<int>(m_lagRect->height() / (1.5 * labelHeight)), 1, 5);
        axis->setSubTicks(false);
        if (labels <= 2) {
            QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
            if (labels == 2)
                ticker->addTick(0, QStringLiteral("0"));
            ticker->addTick(m_lagWorst, QString::number(m_lagWorst, 'f', 0));
            axis->setTicker(ticker);
        } else {
            QSharedPointer<QCPAxisTicker> ticker(new QCPAxisTicker);
            ticker->setTickCount(labels - 1);
            axis->setTicker(ticker);
        }
    });
    rebuildLayout();
}

QCPAxis* TimelineCanvas::timeAxis() const { return m_lanesRect->axis(QCPAxis::atBottom); }

void TimelineCanvas::rebuildLayout()
{
    const bool gil = m_model.hasGilTrack();
    const bool lag = m_model.hasLagTrack();
    const int key = (gil ? 1 : 0) | (lag ? 2 : 0) | (m_titleText.isEmpty() ? 0 : 4) | (m_footerText.isEmpty() ? 0 : 8)
                  | (m_legendVisible ? 16 : 0) | (m_coreLines ? 32 : 0) | (m_model.run().record.active ? 64 : 0);
    if (key == m_layoutKey)
        return;
    m_layoutKey = key;
    clearPlottables();
    plotLayout()->clear(); // deletes the axis rects and everything in them
    m_title = m_footer = nullptr;
    m_gilRect = m_lagRect = nullptr;
    m_gil = nullptr;
    m_lag = nullptr;
    m_margins = new QCPMarginGroup(this);

    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    int row = 0;
    if (!m_titleText.isEmpty()) {
        QFont big = font();
        big.setPointSizeF(big.pointSizeF() * m_titleScale);
        big.setBold(true);
        m_title = new QCPTextElement(this, m_titleText, big);
        m_title->setMargins(QMargins(0, 8, 0, 2));
        // A plot squeezed into a small multiple shrinks its rows by their stretch; the title
        // must keep a whole line of its font (it lost the tops of its letters).
        m_title->setMinimumSize(0, QFontMetrics(big).height() + 10);
        plotLayout()->addElement(row++, 0, m_title);
    }
    auto addRect = [&](const QString& label, int stretch) {
        auto* rect = new QCPAxisRect(this);
        rect->setMarginGroup(QCP::msLeft | QCP::msRight, m_margins);
        rect->setRangeDrag(Qt::Horizontal);
        rect->setRangeZoom(Qt::Horizontal);
        rect->axis(QCPAxis::atLeft)->setLabel(label);
        rect->axis(QCPAxis::atLeft)->setLabelFont(small);
        rect->axis(QCPAxis::atLeft)->setTickLabelFont(small);
        rect->axis(QCPAxis::atBottom)->setTickLabelFont(small);
        rect->axis(QCPAxis::atLeft)->grid()->setVisible(false);
        rect->axis(QCPAxis::atBottom)->grid()->setPen(QPen(QColor(225, 225, 225), 0, Qt::DotLine));
        plotLayout()->addElement(row, 0, rect);
        plotLayout()->setRowStretchFactor(row, stretch);
        ++row;
        return rect;
    };
    m_coresRect = addRect(m_coreLines ? QStringLiteral("cores\n(% busy)") : QStringLiteral("cores"), 2);
    // A recorded program's lanes are its threads (and those of its child processes).
    m_lanesRect = addRect(m_model.run().record.active ? QStringLiteral("threads") : QStringLiteral("workers"), 5);
    if (gil)
        m_gilRect = addRect(QStringLiteral("GIL"), 1);
    if (lag)
        m_lagRect = addRect(QStringLiteral("loop lag\n(ms)"), 2);

    // Categorical y axes: integer ticks, reversed so core 0 / lane 0 is on top.
    for (QCPAxisRect* r : {m_coresRect, m_lanesRect}) {
        if (r == m_coresRect && m_coreLines)
            continue; // percent, not categories
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        r->axis(QCPAxis::atLeft)->setTicker(ticker);
        r->axis(QCPAxis::atLeft)->setRangeReversed(true);
        r->axis(QCPAxis::atLeft)->setSubTicks(false);
    }
    if (m_gilRect) {
        m_gilRect->axis(QCPAxis::atLeft)->setTicks(false);
        m_gilRect->axis(QCPAxis::atLeft)->setRange(-0.6, 0.6);
    }
    // Only the lowest track shows time labels; all share the lanes' range.
    QCPAxisRect* bottom = m_lagRect ? m_lagRect : (m_gilRect ? m_gilRect : m_lanesRect);
    bottom->axis(QCPAxis::atBottom)->setLabel(QStringLiteral("time since the run started (s)"));
    bottom->axis(QCPAxis::atBottom)->setLabelFont(small);
    for (QCPAxisRect* r : {m_coresRect, m_lanesRect, m_gilRect, m_lagRect}) {
        if (!r)
            continue;
        if (r != bottom)
            r->axis(QCPAxis::atBottom)->setTickLabels(false);
        if (r != m_lanesRect) {
            connect(timeAxis(), qOverload<const QCPRange&>(&QCPAxis::rangeChanged), r->axis(QCPAxis::atBottom),
                    qOverload<const QCPRange&>(&QCPAxis::setRange));
            connect(r->axis(QCPAxis::atBottom), qOverload<const QCPRange&>(&QCPAxis::rangeChanged), timeAxis(),
                    qOverload<const QCPRange&>(&QCPAxis::setRange));
        }
    }

    m_heatmap = nullptr;
    m_coreGraphs.clear();
    if (!m_coreLines)
        m_heatmap = new CoreHeatmap(m_coresRect->axis(QCPAxis::atBottom), m_coresRect->axis(QCPAxis::atLeft), m_model);
    else
        m_coresRect->axis(QCPAxis::atLeft)->setRange(0, 105);
    m_lanes = new PhaseLanes(m_lanesRect->axis(QCPAxis::atBottom), m_lanesRect->axis(QCPAxis::atLeft), m_model, false);
    if (m_gilRect)
        m_gil = new PhaseLanes(m_gilRect->axis(QCPAxis::atBottom), m_gilRect->axis(QCPAxis::atLeft), m_model, true);
    if (m_lagRect) {
        m_lag = addGraph(m_lagRect->axis(QCPAxis::atBottom), m_lagRect->axis(QCPAxis::atLeft));
        m_lag->setPen(QPen(StatePalette::color(State::GilWait), 1.5 * lineScale()));
        QColor fill = StatePalette::color(State::GilWait);
        fill.setAlpha(60);
        m_lag->setBrush(fill);
        m_lag->setLineStyle(QCPGraph::lsLine);
    }

    m_veils.clear();
    // Black (white when dark): unlike any state's colour, so the playhead is never read as a phase.
    const QColor playheadColor = m_theme->foreground;
    for (QCPAxisRect* r : {m_coresRect, m_lanesRect, m_gilRect, m_lagRect}) {
        if (r)
            m_veils.push_back(new PlayheadVeil(r->axis(QCPAxis::atBottom), r->axis(QCPAxis::atLeft), m_playhead, m_theme->background,
                                               playheadColor, 2.5 * lineScale()));
    }

    m_legend = nullptr;
    if (m_legendVisible)
        addLegend(row++, small);

    if (!m_footerText.isEmpty()) {
        m_footer = new QCPTextElement(this, m_footerText, small);
        plotLayout()->addElement(row++, 0, m_footer);
    }
    styleCustomPlot(*this, *m_theme);
    if (lineScale() > 1) { // large type for a projector: axes to match
        for (QCPAxisRect* r : axisRects()) {
            for (QCPAxis* axis : {r->axis(QCPAxis::atBottom), r->axis(QCPAxis::atLeft)}) {
                axis->setBasePen(QPen(m_theme->foreground, lineScale()));
                axis->setTickPen(QPen(m_theme->foreground, lineScale()));
            }
        }
    }
    if (m_footer)
        m_footer->setTextColor(m_theme->muted);
}

void TimelineCanvas::setTheme(const Theme& theme)
{
    m_theme = &theme;
    m_model.setIdleColor(theme.idle.rgb());
    m_layoutKey = -1;
    setRun(RunSnapshot(m_model.run()));
}

void TimelineCanvas::addLegend(int row, const QFont& small)
{
    // Legend: the states, and the heatmap's two shades.
    m_legend = new QCPLegend;
    plotLayout()->addElement(row, 0, m_legend);
    plotLayout()->setRowStretchFactor(row, 0.001);
    m_legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_legend->setWrap(legendColumns());
    m_legend->setBorderPen(Qt::NoPen);
    m_legend->setFont(small);
    m_legend->setLayer(QStringLiteral("legend"));
    auto legendSwatch = [&](const QColor& color, const QString& text) {
        auto* bars = new QCPBars(m_lanesRect->axis(QCPAxis::atBottom), m_lanesRect->axis(QCPAxis::atLeft));
        bars->setBrush(color);
        bars->setPen(Qt::NoPen);
        bars->setName(text);
        bars->addToLegend(m_legend);
    };
    for (const LegendEntry& e : timelineLegend(m_model.run().record.active))
        legendSwatch(e.color, e.text);
}

void TimelineCanvas::setTitleScale(double scale)
{
    m_titleScale = scale;
    m_layoutKey = -1;
    setRun(RunSnapshot(m_model.run()));
}

void TimelineCanvas::setLegendVisible(bool visible)
{
    m_legendVisible = visible;
    m_layoutKey = -1;
    setRun(RunSnapshot(m_model.run()));
}

void TimelineCanvas::setCaption(const QString& title, const QString& footer)
{
    m_titleText = title;
    m_footerText = footer;
    m_layoutKey = -1;
    setRun(RunSnapshot(m_model.run()));
}

void TimelineCanvas::setCoreLines(bool lines)
{
    m_coreLines = lines;
    m_layoutKey = -1;
    setRun(RunSnapshot(m_model.run()));
}

void TimelineCanvas::setTimeRange(double seconds)
{
    m_fixedRange = seconds;
    if (seconds > 0)
        timeAxis()->setRange(0, seconds);
}

void TimelineCanvas::setRun(RunSnapshot snapshot)
{
    m_model.setRun(std::move(snapshot));
    refresh(nullptr);
}

void TimelineCanvas::applyDelta(const RunDelta& delta)
{
    m_model.applyDelta(delta);
    // A restart may change the tracks (GIL, lag): then the lag graph is drawn whole.
    refresh(delta.restart ? nullptr : &delta.lagSamples);
}

void TimelineCanvas::refresh(const std::vector<LagSample>* newLag)
{
    const RunSnapshot& run = m_model.run();
    const int layoutBefore = m_layoutKey;
    rebuildLayout();
    if (layoutBefore != m_layoutKey)
        newLag = nullptr; // new graphs: fill them from the whole run
    const int cores = std::max(1, m_model.cores());
    const int lanes = std::max(1, m_model.lanes());
    if (!m_coreLines)
        m_coresRect->axis(QCPAxis::atLeft)->setRange(-0.5, cores - 0.5);
    else
        fillCoreLines(run);
    m_lanesRect->axis(QCPAxis::atLeft)->setRange(-0.5, lanes - 0.5);
    // Past a few dozen rows, numbering every row is noise.
    for (auto [rect, n] : {std::pair{m_coresRect, cores}, std::pair{m_lanesRect, lanes}}) {
        if (rect == m_coresRect && m_coreLines)
            continue;
        auto ticker = qSharedPointerCast<QCPAxisTickerFixed>(rect->axis(QCPAxis::atLeft)->ticker());
        ticker->setTickStep(n <= 16 ? 1 : n <= 64 ? 4 : n <= 256 ? 16 : 64);
    }
    if (m_lag) {
        // A heartbeat that fired L ms late at time t means the loop could not run anything
        // from t - L to t: the lateness grows over that span (a sawtooth; LagSawtooth). Live
        // frames add only their new samples.
        if (!newLag)
            m_lagLine.clear();
        const auto before = m_lagLine.keys().size();
        for (const auto& l : newLag ? *newLag : run.lagSamples)
            m_lagLine.add(l);
        if (newLag)
            m_lag->addData(m_lagLine.keys().mid(before), m_lagLine.values().mid(before), true);
        else
            m_lag->setData(m_lagLine.keys(), m_lagLine.values(), true);
        m_lagWorst = m_lagLine.worstMs();
        m_lagRect->axis(QCPAxis::atLeft)->setRange(0, m_lagWorst * 1.1);
    }
    const bool idle = showingPlaceholder();
    for (QCPAxisRect* r : axisRects()) {
        r->axis(QCPAxis::atBottom)->setVisible(!idle);
        r->axis(QCPAxis::atLeft)->setVisible(!idle);
    }
    if (m_fixedRange > 0)
        timeAxis()->setRange(0, m_fixedRange);
    else if (m_followRun)
        timeAxis()->setRange(0, std::max(0.001, std::max(m_model.endSeconds(), double(run.elapsedNs) / 1e9)));
    replot(QCustomPlot::rpQueuedReplot);
}

void TimelineCanvas::fillCoreLines(const RunSnapshot& run)
{
    const int cores = m_model.cores();
    auto* keyAxis = m_coresRect->axis(QCPAxis::atBottom);
    auto* valueAxis = m_coresRect->axis(QCPAxis::atLeft);
    if (static_cast<int>(m_coreGraphs.size()) != cores + 1) {
        // One graph a core and the mean last: recreate when the core count changes.
        for (QCPGraph* g : m_coreGraphs)
            removeGraph(g);
        m_coreGraphs.clear();
        for (int i = 0; i <= cores; ++i) {
            auto* g = addGraph(keyAxis, valueAxis);
            g->setLineStyle(QCPGraph::lsStepRight);
            m_coreGraphs.push_back(g);
        }
    }
    std::vector<QVector<double>> keys(static_cast<std::size_t>(cores)), values(static_cast<std::size_t>(cores));
    std::map<std::int64_t, std::pair<double, int>> runShare; // time -> (sum of run %, cores)
    for (const auto& s : run.coreSamples) {
        if (s.core < 0 || s.core >= cores)
            continue;
        // A sample describes the interval that ends at its time.
        const double t = std::max(0.0, double(s.timeNs) / 1e9 - m_model.sampleSeconds());
        keys[static_cast<std::size_t>(s.core)].push_back(t);
        values[static_cast<std::size_t>(s.core)].push_back(s.totalPct);
        auto& r = runShare[s.timeNs];
        r.first += s.runPct;
        r.second += 1;
    }
    for (int c = 0; c < cores; ++c) {
        auto* g = m_coreGraphs[static_cast<std::size_t>(c)];
        // Greys of different depth: which core is which matters less than how busy they are.
        const int shade = 90 + (c * 97) % 110;
        g->setPen(QPen(QColor(shade, shade, shade), lineScale()));
        g->setData(keys[static_cast<std::size_t>(c)], values[static_cast<std::size_t>(c)], true);
    }
    QVector<double> rk, rv;
    for (const auto& [t, sum] : runShare) {
        rk.push_back(std::max(0.0, double(t) / 1e9 - m_model.sampleSeconds()));
        rv.push_back(sum.first / std::max(1, sum.second));
    }
    auto* mean = m_coreGraphs.back();
    mean->setPen(QPen(QColor::fromRgb(kCoreThisRun), 2.5 * lineScale())); // the grid's colour for this run
    mean->setName(QStringLiteral("this run, mean over cores"));
    mean->setData(rk, rv, true);
    if (m_legend && !m_legend->hasItemWithPlottable(mean))
        mean->addToLegend(m_legend);
}

double TimelineCanvas::lineScale() const { return std::max(1.0, QFontInfo(font()).pixelSize() / 14.0) * m_theme->lineScale; }

void TimelineCanvas::setPlayhead(double seconds)
{
    if (seconds == m_playhead)
        return;
    m_playhead = seconds;
    replot(QCustomPlot::rpQueuedReplot);
}

void TimelineCanvas::setPlaceholder(const QString& text)
{
    m_placeholder = text;
    setRun(RunSnapshot(m_model.run()));
    update();
}

bool TimelineCanvas::showingPlaceholder() const
{
    const RunSnapshot& r = m_model.run();
    return !m_placeholder.isEmpty() && r.phases.empty() && r.coreSamples.empty() && r.elapsedNs == 0;
}

void TimelineCanvas::paintEvent(QPaintEvent* event)
{
    QCustomPlot::paintEvent(event);
    if (!showingPlaceholder())
        return;
    // Before the first run: say what to do, large, where the tracks will be.
    QPainter p(this);
    QFont big = font();
    big.setPointSizeF(font().pointSizeF() * 1.5);
    p.setFont(big);
    p.setPen(m_theme->muted);
    const QRect area = rect().adjusted(width() / 10, height() / 10, -width() / 10, -height() / 4);
    p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
}

int TimelineCanvas::legendColumns() const
{
    // As many columns as fit: an entry needs about 16 characters of the legend's font.
    const int entry = std::max(1, QFontInfo(font()).pixelSize() * 16);
    return std::clamp(width() / entry, 1, 4);
}

void TimelineCanvas::resizeEvent(QResizeEvent* event)
{
    QCustomPlot::resizeEvent(event);
    if (m_legend && m_legend->wrap() != legendColumns()) {
        m_legend->setWrap(legendColumns());
        m_legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true); // re-flow the entries into the new columns
        replot(QCustomPlot::rpQueuedReplot);
    }
}

void TimelineCanvas::changeEvent(QEvent* event)
{
    QCustomPlot::changeEvent(event);
    if (event->type() == QEvent::FontChange) {
        m_layoutKey = -1; // fonts of axes and legend are set when the layout is built
        setRun(RunSnapshot(m_model.run()));
    }
}

void TimelineCanvas::mousePressEvent(QMouseEvent* event)
{
    if (m_playhead >= 0 && event->button() == Qt::LeftButton && axisRectAt(event->position())) {
        Q_EMIT scrubbed(std::max(0.0, timeAxis()->pixelToCoord(event->position().x())));
        event->accept();
        return;
    }
    QCustomPlot::mousePressEvent(event);
}

void TimelineCanvas::mouseMoveEvent(QMouseEvent* event)
{
    if (m_playhead >= 0 && (event->buttons() & Qt::LeftButton)) {
        Q_EMIT scrubbed(std::max(0.0, timeAxis()->pixelToCoord(event->position().x())));
        event->accept();
        return;
    }
    QCustomPlot::mouseMoveEvent(event);
}

void TimelineCanvas::keyPressEvent(QKeyEvent* event)
{
    QCPRange r = timeAxis()->range();
    const double span = r.size();
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        r = QCPRange(r.center() - span * 0.35, r.center() + span * 0.35);
        break;
    case Qt::Key_Minus:
        r = QCPRange(r.center() - span * 0.7, r.center() + span * 0.7);
        break;
    case Qt::Key_Left:
        r = QCPRange(r.lower - span * 0.1, r.upper - span * 0.1);
        break;
    case Qt::Key_Right:
        r = QCPRange(r.lower + span * 0.1, r.upper + span * 0.1);
        break;
    case Qt::Key_Home:
        m_followRun = true;
        r = QCPRange(0, std::max(0.001, m_model.endSeconds()));
        break;
    default:
        QCustomPlot::keyPressEvent(event);
        return;
    }
    if (event->key() != Qt::Key_Home)
        m_followRun = false;
    timeAxis()->setRange(r);
    replot(QCustomPlot::rpQueuedReplot);
}

void TimelineCanvas::showTooltip(QMouseEvent* event)
{
    if (event->buttons() != Qt::NoButton) {
        m_followRun = false; // the user is dragging: stop following the live run
        return;
    }
    const QPointF pos = event->position();
    QCPAxisRect* rect = axisRectAt(pos);
    QString text;
    if (rect && !(m_playhead >= 0 && rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x()) > m_playhead)) {
        const double t = rect->axis(QCPAxis::atBottom)->pixelToCoord(pos.x());
        const double y = rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y());
        const int row = static_cast<int>(std::lround(y));
        if (rect == m_lanesRect) {
            if (const auto p = m_model.phaseAt(row, t))
                text = TimelineModel::describe(*p);
        } else if (rect == m_coresRect && !m_coreLines) {
            if (const auto c = m_model.coreAt(row, t))
                text = QStringLiteral("core %1 at %2 s\nbusy %3 %, this run %4 %")
                           .arg(row).arg(t, 0, 'f', 2).arg(double(c->first), 0, 'f', 0).arg(double(c->second), 0, 'f', 0);
        } else if (rect == m_gilRect) {
            for (const auto& p : m_model.gilHolders()) {
                if (double(p.startNs) / 1e9 <= t && t <= double(p.endNs) / 1e9) {
                    text = QStringLiteral("lane %1 holds the GIL (emulated)\n").arg(p.lane) + TimelineModel::describe(p);
                    break;
                }
            }
        } else if (rect == m_lagRect) {
            text = QStringLiteral("event loop lag at %1 s").arg(t, 0, 'f', 2);
        }
    }
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

} // namespace ce::ui

// TimelinePlot: the canvas filling a plain widget, so that its header needs no QCustomPlot.
namespace ce::ui {

TimelinePlot::TimelinePlot(QWidget* parent) : QWidget(parent), m_canvas(new TimelineCanvas(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_canvas);
    setFocusProxy(m_canvas);
    connect(m_canvas, &TimelineCanvas::scrubbed, this, &TimelinePlot::scrubbed);
}

TimelinePlot::~TimelinePlot() = default;

QCustomPlot* TimelinePlot::plot() const { return m_canvas; }
void TimelinePlot::replot() { m_canvas->replot(QCustomPlot::rpQueuedReplot); }
void TimelinePlot::setRun(RunSnapshot run) { m_canvas->setRun(std::move(run)); }
void TimelinePlot::applyDelta(const RunDelta& delta) { m_canvas->applyDelta(delta); }
const TimelineModel& TimelinePlot::model() const { return m_canvas->model(); }
void TimelinePlot::setTimeRange(double seconds) { m_canvas->setTimeRange(seconds); }
void TimelinePlot::setCaption(const QString& title, const QString& footer) { m_canvas->setCaption(title, footer); }
void TimelinePlot::setTitleScale(double scale) { m_canvas->setTitleScale(scale); }
void TimelinePlot::setLegendVisible(bool visible) { m_canvas->setLegendVisible(visible); }
void TimelinePlot::setCoreLines(bool lines) { m_canvas->setCoreLines(lines); }
void TimelinePlot::setTheme(const Theme& theme) { m_canvas->setTheme(theme); }
bool TimelinePlot::coreLines() const { return m_canvas->coreLines(); }
void TimelinePlot::setPlayhead(double seconds) { m_canvas->setPlayhead(seconds); }
double TimelinePlot::playhead() const { return m_canvas->playhead(); }
void TimelinePlot::setPlaceholder(const QString& text) { m_canvas->setPlaceholder(text); }
bool TimelinePlot::showingPlaceholder() const { return m_canvas->showingPlaceholder(); }
double TimelinePlot::lineScale() const { return m_canvas->lineScale(); }

} // namespace ce::ui

// The canvas's moc output includes TimelineCanvas.h and so qcustomplot.h: compiled here, with
// this file's -UQT_NO_FOREACH, instead of in ce_ui's shared mocs_compilation.cpp.
#include "moc_TimelineCanvas.cpp"
