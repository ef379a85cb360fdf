#pragma once

#include "Theme.h"
#include "TimelineModel.h"

#include <QWidget>

class QCustomPlot;

namespace ce::ui {

class TimelineCanvas;

// One run on one time axis: per-core utilisation (a heatmap row per core: this run's share
// in blue, other processes' in grey), the workers' lanes (each phase a bar coloured by
// state), who held the emulated GIL, and the event loop's lag. Zoom and pan with the mouse
// wheel and drag, or +/-, arrows and Home; all tracks move together. Hovering tells what
// is under the pointer. The drawing is a QCustomPlot (TimelineCanvas.h, private to ui/), so
// that this header, and whoever includes it, needs no qcustomplot.h.
class TimelinePlot : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePlot(QWidget* parent = nullptr);
    ~TimelinePlot() override;

    void setRun(RunSnapshot run);
    // A live frame: only what is new since the last (RunController::deltaAvailable).
    void applyDelta(const RunDelta& delta);
    const TimelineModel& model() const;

    // Fixes the time axis (seconds); by default it follows the run's length.
    void setTimeRange(double seconds);
    // Lines above and below the plot, for exported figures (empty: none).
    void setCaption(const QString& title, const QString& footer);
    // The title's size against the plot's font (small multiples use a smaller one).
    void setTitleScale(double scale);
    // The state legend under the tracks (off for small multiples that share one legend).
    void setLegendVisible(bool visible);
    // Cores as a heatmap row each (default: readable at any core count) or as lines of
    // percent busy, with this run's mean share over all cores drawn thick.
    void setCoreLines(bool lines);
    // Colours of axes, text and background (figures for export keep the light theme).
    void setTheme(const Theme& theme);
    bool coreLines() const;
    // Replay: only what was recorded before `seconds` is drawn, and a playhead marks it
    // (negative: no replay, everything shown).
    void setPlayhead(double seconds);
    double playhead() const;
    // What an empty plot says (before the first run), in large type instead of bare axes.
    void setPlaceholder(const QString& text);
    bool showingPlaceholder() const;
    // Line widths, grown with the font for projectors and by the theme.
    double lineScale() const;
    // Redraws at the next chance (after a theme or font change).
    void replot();
    // The QCustomPlot itself, for code that includes qcustomplot.h (figures, tests).
    QCustomPlot* plot() const;

Q_SIGNALS:
    // During a replay, dragging on the tracks moves the playhead (instead of panning).
    void scrubbed(double seconds);

private:
    TimelineCanvas* m_canvas;
};

} // namespace ce::ui
