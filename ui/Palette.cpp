#include "Palette.h"

#include "TimelineModel.h"

namespace ce::ui {

std::vector<LegendEntry> timelineLegend(bool recorded)
{
    std::vector<LegendEntry> entries;
    for (State s : StatePalette::drawOrder()) {
        if (StatePalette::inLegend(s, recorded))
            entries.push_back({StatePalette::color(s), StatePalette::label(s)});
    }
    entries.push_back({QColor::fromRgb(kCoreThisRun), recorded ? QStringLiteral("core: this program") : QStringLiteral("core: this run")});
    entries.push_back({QColor::fromRgb(kCoreOthers), QStringLiteral("core: other processes")});
    return entries;
}

} // namespace ce::ui
