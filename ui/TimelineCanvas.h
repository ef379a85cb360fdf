#pragma once

#include "Theme.h"
#include "TimelineGeometry.h"
#include "TimelineModel.h"

#include <qcustomplot.h>

namespace ce::ui {

class CoreHeatmap;
class PhaseLanes;
class PlayheadVeil;

// The plot behind TimelinePlot (TimelinePlot.h), the one class of ours that derives from
// QCustomPlot: private to ui/ and to the files that need QCustomPlot's own API (figures,
// white-box tests), which compile with -UQT_NO_FOREACH (ce_uses_qcustomplot).
// One run on one time axis: per-core utilisation (a heatmap row per core: this run's share
// in blue, other processes' in grey), the workers' lanes (each phase a bar coloured by
// state), who held the emulated GIL, and the event loop's lag. Zoom and pan with the mouse
// wheel and drag, or +/-, arrows and Home; all tracks move together. Hovering tells what
// is under the pointer.
class TimelineCanvas : public QCustomPlot {
    Q_OBJECT
public:
    explicit TimelineCanvas(QWidget* parent = nullptr);

    void setRun(RunSnapshot run);
    // A live frame: only what is new since the last (RunController::deltaAvailable).
    void applyDelta(const RunDelta& delta);
    const TimelineModel& model() const { return m_model; }

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
    bool coreLines() const { return m_coreLines; }
    // Replay: only what was recorded before `seconds` is drawn, and a playhead marks it
    // (negative: no replay, everything shown).
    void setPlayhead(double seconds);
    double playhead() const { return m_playhead; }
    // What an empty plot says (before the first run), in large type instead of bare axes.
    void setPlaceholder(const QString& text);
    bool showingPlaceholder() const;
    // Line widths, grown with the font for projectors and by the theme.
    double lineScale() const;

Q_SIGNALS:
    // During a replay, dragging on the tracks moves the playhead (instead of panning).
    void scrubbed(double seconds);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuildLayout();
    // Axes, tracks and the lag graph after the model changed; `newLag` adds only those
    // samples to the lag graph (null: draw it again from the whole run).
    void refresh(const std::vector<LagSample>* newLag);
    int legendColumns() const;
    void addLegend(int row, const QFont& small);
    void fillCoreLines(const RunSnapshot& run);
    void showTooltip(QMouseEvent* event);
    QCPAxis* timeAxis() const;

    TimelineModel m_model;
    QCPTextElement* m_title = nullptr;
    QCPTextElement* m_footer = nullptr;
    QCPAxisRect* m_coresRect = nullptr;
    QCPAxisRect* m_lanesRect = nullptr;
    QCPAxisRect* m_gilRect = nullptr;
    QCPAxisRect* m_lagRect = nullptr;
    QCPLegend* m_legend = nullptr;
    CoreHeatmap* m_heatmap = nullptr;
    PhaseLanes* m_lanes = nullptr;
    PhaseLanes* m_gil = nullptr;
    QCPGraph* m_lag = nullptr;
    double m_lagWorst = 1; // ms: the lag track's highest tick
    LagSawtooth m_lagLine; // the lag graph's points so far
    QCPMarginGroup* m_margins = nullptr;
    double m_fixedRange = 0;
    bool m_followRun = true;
    bool m_legendVisible = true;
    bool m_coreLines = false;
    const Theme* m_theme = &Theme::light();
    std::vector<QCPGraph*> m_coreGraphs;
    QString m_titleText;
    QString m_footerText;
    int m_layoutKey = -1;
    double m_playhead = -1;
    std::vector<PlayheadVeil*> m_veils;
    QString m_placeholder;
    double m_titleScale = 1.3;
};

} // namespace ce::ui
