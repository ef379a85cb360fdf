#pragma once

#include "ce/Flowchart.h"
#include "FlowchartLayout.h"

#include <QWidget>

#include <map>
#include <string>

namespace ce::ui {

// Draws the decision flowchart that core holds (laid out by FlowchartLayout). After a run,
// the path the advisor took is highlighted, each step with the measured figure that decided
// it, and the recommended answer is marked. During a replay only the steps decided so far
// are lit.
class FlowchartView : public QWidget {
    Q_OBJECT
public:
    explicit FlowchartView(QWidget* parent = nullptr);

    void setAdvice(const Advice& advice);
    void clearAdvice();
    const Advice* advice() const { return m_hasAdvice ? &m_advice : nullptr; }
    // How many steps of the path are lit (-1: all; a replay reveals them as it goes).
    void setKnownSteps(int steps);
    int knownSteps() const { return m_knownSteps; }
    // Node ids on the highlighted path, in order (empty before a run).
    std::vector<std::string> highlightedPath() const;
    // The layout for the widget's current size and font.
    FlowchartLayout currentLayout() const;
    // Line widths grow with the text (a projector needs thicker lines).
    double lineScale() const;

    QSize sizeHint() const override { return {360, 520}; }
    QSize minimumSizeHint() const override { return {260, 200}; }

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void updateHeight();

    Advice m_advice;
    bool m_hasAdvice = false;
    int m_knownSteps = -1;
};

} // namespace ce::ui
