#include "Theme.h"

#include "Palette.h"

#include <QApplication>
#include <QPalette>
#include <QStyleFactory>
#include <qcustomplot.h>

namespace ce::ui {

const Theme& Theme::light()
{
    static const Theme t{QStringLiteral("light"), Qt::white, Qt::black, QColor(100, 100, 100), QColor(225, 225, 225), Qt::white,
                         QColor(248, 248, 248), false, QColor(), 1.0};
    return t;
}

const Theme& Theme::dark()
{
    static const Theme t{QStringLiteral("dark"), QColor(30, 32, 36), QColor(225, 225, 225), QColor(160, 160, 160), QColor(60, 62, 68),
                         QColor(30, 32, 36), QColor(48, 50, 56), true, QColor(), 1.0};
    return t;
}

const Theme& Theme::highContrast()
{
    // Projectors wash out light greys and thin lines: nothing here is lighter than mid-grey.
    static const Theme t{QStringLiteral("contrast"), Qt::white, Qt::black, QColor(40, 40, 40), QColor(150, 150, 150), Qt::white,
                         QColor(255, 255, 255), false, QColor(0, 80, 160), 1.6};
    return t;
}

namespace {
const Theme* g_current = &Theme::light();
} // namespace

const Theme& currentTheme() { return *g_current; }

void applyTheme(const Theme& theme)
{
    g_current = &theme;
    if (!qobject_cast<QApplication*>(QCoreApplication::instance()))
        return;
    if (theme.isDark) {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        p.setColor(QPalette::Window, QColor(40, 42, 46));
        p.setColor(QPalette::WindowText, theme.foreground);
        p.setColor(QPalette::Base, theme.background);
        p.setColor(QPalette::AlternateBase, QColor(45, 47, 52));
        p.setColor(QPalette::Text, theme.foreground);
        p.setColor(QPalette::Button, QColor(50, 52, 58));
        p.setColor(QPalette::ButtonText, theme.foreground);
        p.setColor(QPalette::ToolTipBase, QColor(50, 52, 58));
        p.setColor(QPalette::ToolTipText, theme.foreground);
        p.setColor(QPalette::PlaceholderText, theme.muted);
        p.setColor(QPalette::Highlight, QColor::fromRgb(okabeIto::blue));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::Disabled, QPalette::Text, theme.muted);
        p.setColor(QPalette::Disabled, QPalette::ButtonText, theme.muted);
        QApplication::setPalette(p);
    } else {
        QApplication::setPalette(QApplication::style()->standardPalette());
    }
}

void styleCustomPlot(QCustomPlot& plot, const Theme& theme)
{
    plot.setBackground(theme.background);
    for (QCPAxisRect* rect : plot.axisRects()) {
        rect->setBackground(theme.background);
        for (QCPAxis* axis : rect->axes()) {
            const double width = theme.lineScale > 1 ? theme.lineScale : 0; // 0: cosmetic, one pixel
            axis->setBasePen(QPen(theme.foreground, width));
            axis->setTickPen(QPen(theme.foreground, width));
            axis->setSubTickPen(QPen(theme.foreground, width));
            axis->setTickLabelColor(theme.foreground);
            axis->setLabelColor(theme.foreground);
            axis->grid()->setPen(QPen(theme.grid, 0, Qt::DotLine));
        }
    }
    for (int i = 0; i < plot.plotLayout()->elementCount(); ++i) {
        if (auto* legend = qobject_cast<QCPLegend*>(plot.plotLayout()->elementAt(i))) {
            legend->setBrush(theme.background);
            legend->setTextColor(theme.foreground);
        } else if (auto* text = qobject_cast<QCPTextElement*>(plot.plotLayout()->elementAt(i))) {
            text->setTextColor(theme.foreground);
        }
    }
}

} // namespace ce::ui
