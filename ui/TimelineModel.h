#pragma once

#include "ce/RunData.h"

#include <QColor>
#include <QImage>
#include <QString>

#include <array>
#include <optional>
#include <vector>

namespace ce::ui {

// Colours of the states, from the Okabe-Ito palette (Palette.h): no two that share a legend
// are alike. QCustomPlot ignores the widget palette, so the plots take them from here.
struct StatePalette {
    static QColor color(State s);
    static QString label(State s);
    static const std::array<State, kStateCount>& drawOrder();
    // Whether a legend lists `s`: a recorded program has the OS's states, a run the engine's.
    static bool inLegend(State s, bool recorded);
};

// What the timeline draws, derived from a snapshot once per update, with no painting code,
// so it can be tested without widgets: lanes sorted for culling and hit-testing, who held
// the emulated GIL when, and the per-core utilisation grid.
class TimelineModel {
public:
    void setRun(RunSnapshot run); // by value: a snapshot handed over is moved, not copied
    // A live frame: takes in only what is new (sorted into the lanes, the GIL holders and
    // the core grid), in time linear in the delta, not the run. The same result as setRun()
    // with the whole snapshot.
    void applyDelta(const RunDelta& delta);

    const RunSnapshot& run() const { return m_run; }
    int lanes() const { return static_cast<int>(m_lanes.size()); }
    int cores() const { return m_cores; }
    double endSeconds() const { return m_endS; }

    // Phases of a lane sorted by start (queued intervals are not drawn on lanes).
    const std::vector<PhaseRecord>& lane(int index) const { return m_lanes[static_cast<std::size_t>(index)]; }
    // The phases of `lane` that overlap [t0, t1] seconds: [first, last) indices.
    std::pair<std::size_t, std::size_t> visible(int lane, double t0, double t1) const;
    // The phase under a point, for tooltips.
    std::optional<PhaseRecord> phaseAt(int lane, double seconds) const;

    // Who held the emulated GIL: the CPU phases of the lanes sharing one lock (empty when the
    // GIL is off, and for processes, whose workers each have their own; with the event loop
    // offloading to processes, only the loop's own callbacks).
    const std::vector<PhaseRecord>& gilHolders() const { return m_gil; }
    bool hasGilTrack() const { return m_run.config.gil && m_run.config.model != Model::Processes; }
    bool hasLagTrack() const { return m_run.config.model == Model::EventLoop; }

    // One pixel per sample interval and per core: this run's share in sky blue, other
    // processes' in grey, idle the theme's background (Palette.h). Column c covers [c, c+1) * sampleSeconds().
    const QImage& coreImage() const { return m_coreImage; }
    double sampleSeconds() const { return m_sampleS; }
    // Figures behind one cell, for tooltips: (total %, this run %), or nothing.
    std::optional<std::pair<float, float>> coreAt(int core, double seconds) const;

    static QColor blend(float totalPct, float runPct, QRgb idle = qRgb(255, 255, 255));
    static QRgb blendRgb(float totalPct, float runPct, QRgb idle = qRgb(255, 255, 255)); // the same, fast, for the grid
    // The colour of an idle core (the theme's background), used from the next setRun().
    void setIdleColor(QRgb idle) { m_idle = idle; }
    static QString describe(const PhaseRecord& p);

private:
    void addPhases(const std::vector<PhaseRecord>& phases, bool wholeRun);
    void rebuildCores();
    void addCoreSamples(const std::vector<CoreSample>& samples);
    void growColumns(int columns);

    RunSnapshot m_run;
    std::vector<std::vector<PhaseRecord>> m_lanes;
    std::vector<PhaseRecord> m_gil;
    QImage m_coreImage;   // a view of the first m_columns columns of m_coreBacking
    QImage m_coreBacking; // room for more columns, so a live frame adds a column without a copy
    std::vector<std::pair<float, float>> m_coreCells; // column-major: column * cores + core
    std::vector<int> m_nextColumn;                     // per core: the first column not painted yet
    std::int64_t m_endNs = 0;
    int m_cores = 0;
    int m_columns = 0;
    double m_sampleS = 0.05;
    double m_endS = 0;
    QRgb m_idle = qRgb(255, 255, 255);
};

} // namespace ce::ui
