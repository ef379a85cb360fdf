#pragma once

#include <QColor>
#include <QString>

class QCustomPlot;

namespace ce::ui {

// Colours for what QCustomPlot and our own painting draw: they ignore the widget palette, so
// a theme sets them here. The state colours (Palette.h) are the same in every theme.
struct Theme {
    QString name;
    QColor background;
    QColor foreground; // text, axes
    QColor muted;      // secondary text, inactive edges
    QColor grid;
    QColor idle;       // an idle core in the heatmap
    QColor panel;      // boxes of the flowchart
    bool isDark = false;
    QColor accent;     // the flowchart's path and the playhead (invalid: the CPU blue)
    double lineScale = 1.0; // line widths (the high-contrast theme draws thicker)

    static const Theme& light();
    static const Theme& dark();
    // For projectors: black on white, dark grid and muted text, thicker lines.
    static const Theme& highContrast();
};

// The window's current theme (figures for export always use the light one).
const Theme& currentTheme();
// Sets it and applies a matching palette to the application's widgets.
void applyTheme(const Theme& theme);

// Axes, labels, grid, legends and background of any QCustomPlot.
void styleCustomPlot(QCustomPlot& plot, const Theme& theme);

} // namespace ce::ui
