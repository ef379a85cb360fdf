#pragma once

#include <QColor>
#include <QString>

#include <vector>

namespace ce::ui {

// The Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2002): eight colours that
// stay apart with the common colour-vision deficiencies. Every colour that carries meaning in
// a plot or a figure is one of these, named here once.
namespace okabeIto {
inline constexpr QRgb orange = qRgb(230, 159, 0);
inline constexpr QRgb skyBlue = qRgb(86, 180, 233);
inline constexpr QRgb bluishGreen = qRgb(0, 158, 115);
inline constexpr QRgb yellow = qRgb(240, 228, 66);
inline constexpr QRgb blue = qRgb(0, 114, 178);
inline constexpr QRgb vermillion = qRgb(213, 94, 0);
inline constexpr QRgb reddishPurple = qRgb(204, 121, 167);
} // namespace okabeIto

// The per-core grid's shades at full use: this run's share, and other processes'. This run's
// is sky blue, not the CPU state's blue: the two stand side by side in one legend, and the
// grid's cells are the run's share of a core, not one of its phases.
inline constexpr QRgb kCoreThisRun = okabeIto::skyBlue;
inline constexpr QRgb kCoreOthers = qRgb(140, 140, 140);

// Text that reports an error, in every theme: #b00020 (the old one) read 2.3:1 on the dark
// theme's background; this red reads 4.6:1 on white and 3.5:1 on the dark background.
inline constexpr QRgb kErrorText = qRgb(220, 50, 50);

struct LegendEntry {
    QColor color;
    QString text;
};

// The timeline's legend: the states a run (or a recorded program) shows, then the core grid's
// two shades. The plot's own legend, the comparison's shared header and the comparison figure
// all list this.
std::vector<LegendEntry> timelineLegend(bool recorded);

} // namespace ce::ui
