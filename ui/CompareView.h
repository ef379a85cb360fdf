#pragma once

#include "Flowchart.h"
#include "RunData.h"

#include <QWidget>

#include <vector>

class QCustomPlot;
class QLabel;
class QVBoxLayout;

namespace ce::ui {

class TimelinePlot;

// A comparison: the runs' timelines as small multiples on one time scale, the speedups
// against sequential with this machine's ideal, and whether the flowchart's choice won.
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    // Shows run `index` (live or finished); later indices appear as they start.
    void showRun(int index, const RunSnapshot& run);
    // All runs done: speedups and the verdict.
    void finish(const std::vector<RunSnapshot>& runs, const Advice* advice, const QString& verdict);
    void clear();
    int plots() const { return static_cast<int>(m_plots.size()); }

private:
    void alignTime();
    static QString legendHtml();

    QLabel* m_header = nullptr;
    QVBoxLayout* m_list = nullptr;
    QCustomPlot* m_speedups = nullptr;
    std::vector<TimelinePlot*> m_plots;
    std::vector<double> m_lengths;
};

} // namespace ce::ui
