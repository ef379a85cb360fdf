#include "TimelineGeometry.h"

#include <algorithm>
#include <cmath>

namespace ce::ui {

void LagSawtooth::add(const LagSample& sample)
{
    const double t = double(sample.timeNs) / 1e9;
    const double lagS = double(sample.lagMs) / 1e3;
    // A ramp that would start before the previous point overlaps it: draw that one as a point.
    if (sample.lagMs >= kMinRampMs && t - lagS > m_lastKey) {
        m_keys << t - lagS << t << t;
        m_values << 0 << sample.lagMs << 0;
    } else {
        m_keys << t;
        m_values << sample.lagMs;
    }
    m_lastKey = t;
    m_worstMs = std::max(m_worstMs, double(sample.lagMs));
}

std::optional<QRectF> PixelBars::place(QRectF bar)
{
    if (bar.width() < 1.0) {
        const double column = std::floor(bar.left());
        if (column == m_lastColumn)
            return std::nullopt;
        bar.setWidth(1.0);
        m_lastColumn = column;
    } else {
        m_lastColumn = std::floor(bar.right()); // the column this bar ends in is painted
    }
    return bar;
}

} // namespace ce::ui
