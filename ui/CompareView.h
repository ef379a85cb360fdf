#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QLabel;
class QVBoxLayout;

namespace ce::ui {

class TimelinePlot;
struct Theme;

// A comparison: the runs' timelines as small multiples on one time scale, the speedups
// against sequential with this machine's ideal, and whether the flowchart's choice won.
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    // Shows run `index` (live or finished); later indices appear as they start.
    void showRun(int index, const RunSnapshot& run);
    // A live frame of run `index`: only what is new since the last (its first delta restarts
    // the plot), `live` for the title; the other runs' plots are not touched but to align time.
    void applyDelta(int index, const RunDelta& delta, const RunSnapshot& live);
    // All runs done: speedups and the verdict.
    void finish(const std::vector<RunSnapshot>& runs, const Advice* advice, const QString& verdict);
    void clear();
    // Redraws every small multiple and the speedup chart in `theme` (QCustomPlot ignores the palette).
    void setTheme(const Theme& theme);
    int plots() const { return static_cast<int>(m_plots.size()); }
    TimelinePlot* plot(int index) const { return m_plots.at(static_cast<std::size_t>(index)); }
    // Replay: every run revealed up to `seconds` on the shared time axis; a run's makespan,
    // the speedups, the verdict and the audience's guess appear once the playhead has
    // passed them (negative: no replay, all shown).
    void setPlayhead(double seconds);
    // The audience's guess against the measurement (empty: none), shown with the verdict.
    void setPrediction(const QString& text);
    bool verdictShown() const { return m_verdictShown; }
    QString headerText() const;

Q_SIGNALS:
    // A drag on any run's tracks during a replay: where the playhead should go.
    void scrubbed(double seconds);

protected:
    void changeEvent(QEvent* event) override;

private:
    void alignTime();
    TimelinePlot* plotFor(int index, const RunSnapshot& run); // made on first use; its title set
    void updateHeader();
    void fitSpeedupFonts();
    QString title(int index, bool withMakespan) const;
    static QString legendHtml();

    QLabel* m_header = nullptr;
    QVBoxLayout* m_list = nullptr;
    QCustomPlot* m_speedups = nullptr;
    std::vector<TimelinePlot*> m_plots;
    std::vector<double> m_lengths;
    std::vector<RunSnapshot> m_runs;      // the finished runs
    std::vector<int> m_titleState;        // per plot: 0 model only, 1 with makespan
    QString m_intro;                      // the workload
    QString m_advice;                     // the flowchart's recommendation (shown with the verdict)
    QString m_verdict;
    QString m_prediction;
    double m_playhead = -1;
    bool m_verdictShown = true;
    bool m_hasSpeedups = false;
};

} // namespace ce::ui
