#pragma once

#include "ce/Sweep.h"

#include <QImage>
#include <QSize>
#include <QString>

#include <string>

namespace ce::ui {

// The figure of a sweep: speedup against the first point with the ideal line and Amdahl's
// curve fitted to the measured serial share, makespan, and memory per worker, all over the
// worker counts on log axes; refused points marked where they would be, with their reasons
// listed underneath. Drawn offscreen, light theme, stamped with the workload and machine.
QImage renderSweepFigure(const SweepResult& sweep, QSize size);
bool saveSweepFigure(const QString& path, const SweepResult& sweep, QSize size, std::string* error);

} // namespace ce::ui
