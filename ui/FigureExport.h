#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"

#include <QImage>
#include <QSize>
#include <QString>

#include <functional>
#include <string>
#include <vector>

class QIODevice;
class QPainter;

class QCustomPlot;

namespace ce::ui {

// Figures for slides: the timeline of a run, or a comparison's runs as small multiples on
// one time scale with a speedup chart, stamped with a title, the run's parameters and the
// machine, so that a slide needs no caption. Renders offscreen: no window is shown.
struct FigureOptions {
    QSize size{1600, 900};   // logical pixels
    double scale = 1.0;      // device pixels per logical pixel (2 for a sharp slide)
    bool stamp = true;       // title, parameters and machine
};


QString figureTitle(const RunSnapshot& run);
QString figureFooter(const RunSnapshot& run);

QImage renderRunFigure(const RunSnapshot& run, const FigureOptions& options);
QImage renderCompareFigure(const std::vector<RunSnapshot>& runs, const Advice* advice, const FigureOptions& options);

// Fills a plot with horizontal speedup bars (one per run, the recommended model marked) and
// this machine's core count as the ideal. Used by the window and by the figures.
void fillSpeedupPlot(QCustomPlot& plot, const std::vector<RunSnapshot>& runs, const Advice* advice);

// Writes a run (one snapshot, no advice) or a comparison as PNG, SVG or PDF, chosen by the
// file's extension, through QSaveFile (never half-written). SVG and PDF are vector output.
bool saveFigure(const QString& path, const std::vector<RunSnapshot>& runs, const Advice* advice, const FigureOptions& options,
                std::string* error);

// The same onto any device, in `format` (png, svg or pdf).
bool writeFigure(QIODevice& out, const QString& format, const std::vector<RunSnapshot>& runs, const Advice* advice,
                 const FigureOptions& options, std::string* error);

// Paints onto an SVG ("svg") or PDF (otherwise) document of `size` written to `out`.
void paintVector(QIODevice& out, const QString& format, QSize size, const std::function<void(QPainter&)>& paint);

// Writes the image as PNG through QSaveFile (never half-written).
bool savePng(const QImage& image, const QString& path, std::string* error);

} // namespace ce::ui
