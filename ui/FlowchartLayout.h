#pragma once

#include "ce/Flowchart.h"

#include <QFont>
#include <QPointF>
#include <QRectF>
#include <QString>

#include <string>
#include <vector>

namespace ce::ui {

// Where the decision flowchart's title, boxes, connecting lines and edge labels go in a
// rectangle, with no painting: the view draws exactly these rectangles, and a test checks
// them as a table (no label overlaps a line, a box or another label, at any size).
//
// The chart is drawn as an indented tree, one node per row in depth-first order: a child
// sits one indent to the right of its parent, its edge label in a row of its own just above
// it, and the line from the parent runs down a trunk left of every child, then across into
// the child's box. Lines therefore stay left of every label and box they pass, and nothing
// shares a row, whatever the width; text wraps instead of being cut. When the rows do not
// fit the height, the fonts shrink (down to kMinFontScale) and then the layout grows taller
// than the area (the view scrolls).
struct FlowchartLayout {
    struct Box {
        std::string id;
        QRectF rect;
        QString text;
        bool answer = false;
    };
    struct Label {
        std::string from;
        std::string to;
        QRectF rect;       // what the text covers
        QString text;
        double wrapWidth = 0; // the width it is wrapped at
    };
    struct Edge {
        std::string from;
        std::string to;
        std::vector<QPointF> points; // an axis-aligned polyline: down the trunk, across into the box
    };

    QString title;
    QRectF titleRect;
    double titleWrapWidth = 0;
    std::vector<Box> boxes;
    std::vector<Label> labels;
    std::vector<Edge> edges;
    QFont titleFont;
    QFont boxFont;
    QFont labelFont;
    double fontScale = 1.0;
    double padX = 0; // a box's text sits this far inside it
    double padY = 0;
    double bottom = 0;  // the lowest point used
    bool fits = true;   // everything inside the area
    bool wordsFit = true; // every word fits the width of its row (else it sticks out)

    static constexpr double kMinFontScale = 0.8;
    static constexpr int kTextFlags = Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap;

    // `advice`: its path's edges carry the measured reason in their labels (null: none).
    // `knownSteps`: how many steps of the path are decided (-1: all of them).
    static FlowchartLayout compute(const Flowchart& chart, const Advice* advice, int knownSteps, const QRectF& area, const QFont& font);

    const Box* box(const std::string& id) const;
    // The areas the lines cover when drawn `penWidth` wide, one per straight segment.
    std::vector<QRectF> lineRects(double penWidth) const;
};

} // namespace ce::ui
