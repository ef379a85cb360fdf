#pragma once

#include "ce/RunData.h"

#include <QRectF>
#include <QVector>

#include <optional>

namespace ce::ui {

// Geometry of the timeline's tracks, kept out of the painting code so it can be tested as a
// table (as TimelineModel is): the loop-lag line and the merging of sub-pixel phase bars.

// The event loop's lag as a line. A heartbeat that fired L ms late at time t means the loop
// could not run anything from t - L to t: the line climbs from 0 at t - L to L at t and drops
// back (a sawtooth), instead of a spike at the moment the lateness was measured. Samples are
// added in time order, so a live run can append only its new ones.
class LagSawtooth {
public:
    // Below this the lateness is the timer's own jitter (Qt and the OS wake a timer a
    // millisecond or so late): drawn as a ramp, it would read as a stall that never happened.
    static constexpr double kMinRampMs = 2.0;

    void add(const LagSample& sample);
    void clear() { *this = LagSawtooth(); }

    const QVector<double>& keys() const { return m_keys; }     // seconds
    const QVector<double>& values() const { return m_values; } // ms late
    // The worst lag so far, at least 1 ms (the axis needs a range).
    double worstMs() const { return m_worstMs; }

private:
    QVector<double> m_keys;
    QVector<double> m_values;
    double m_lastKey = 0;
    double m_worstMs = 1;
};

// Bars of one row in pixel space, left to right. A phase narrower than a pixel still gets a
// one-pixel bar, but only the first one in its pixel column: a lane of a million tiny phases
// draws at most one bar per column, and the tooltip and zooming in tell the rest.
class PixelBars {
public:
    // The rectangle to draw for `bar` (normalised, pixels), or nothing when its column is
    // already painted.
    std::optional<QRectF> place(QRectF bar);

private:
    double m_lastColumn = -1e9; // the pixel column the previous bar ended in
};

} // namespace ce::ui
