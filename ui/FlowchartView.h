#pragma once

#include "Flowchart.h"

#include <QWidget>

#include <map>
#include <string>

namespace ce::ui {

// Draws the decision flowchart that core holds, top to bottom. After a run, the path the
// advisor took is highlighted, each step with the measured figure that decided it, and the
// recommended answer is marked.
class FlowchartView : public QWidget {
    Q_OBJECT
public:
    explicit FlowchartView(QWidget* parent = nullptr);

    void setAdvice(const Advice& advice);
    void clearAdvice();
    const Advice* advice() const { return m_hasAdvice ? &m_advice : nullptr; }
    // Node ids on the highlighted path, in order (empty before a run).
    std::vector<std::string> highlightedPath() const;

    QSize sizeHint() const override { return {360, 520}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::map<std::string, QRectF> layout(const QRectF& area) const;

    Advice m_advice;
    bool m_hasAdvice = false;
};

} // namespace ce::ui
