#include "SweepFigure.h"

#include "FigureExport.h"
#include "Palette.h"

#include <qcustomplot.h>

#include <QDateTime>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace ce::ui {
namespace {

QString q(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QColor modelColor(Model m)
{
    switch (m) {
    case Model::Threads: return QColor::fromRgb(okabeIto::blue);
    case Model::EventLoop: return QColor::fromRgb(okabeIto::bluishGreen);
    case Model::Tbb: return QColor::fromRgb(okabeIto::reddishPurple);
    case Model::Processes: return QColor::fromRgb(okabeIto::vermillion);
    case Model::Sequential: return QColor(90, 90, 90);
    }
    return Qt::black;
}

void logAxis(QCPAxis* axis)
{
    axis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("gb"));
    axis->setNumberPrecision(0);
}

enum class Panel { Speedup, Makespan, Memory };

void fillPanel(QCustomPlot& plot, const SweepResult& sweep, Panel panel)
{
    QFont font = plot.font();
    font.setPointSize(11);
    plot.xAxis->setLabelFont(font);
    plot.yAxis->setLabelFont(font);
    plot.xAxis->setTickLabelFont(font);
    plot.yAxis->setTickLabelFont(font);
    logAxis(plot.xAxis);
    plot.xAxis->setLabel(sweep.base.model == Model::EventLoop || std::count(sweep.models.begin(), sweep.models.end(), Model::EventLoop)
                             ? QStringLiteral("workers (threads, processes) or tasks in flight (event loop)")
                             : QStringLiteral("workers"));
    if (panel != Panel::Memory)
        logAxis(plot.yAxis);
    plot.yAxis->setLabel(panel == Panel::Speedup ? QStringLiteral("speedup vs the first point")
                         : panel == Panel::Makespan ? QStringLiteral("makespan (s)")
                                                    : QStringLiteral("memory per worker (KiB)"));
    double xmin = 1e18, xmax = 0, ymin = 1e18, ymax = 0;
    for (int w : sweep.workers) {
        xmin = std::min(xmin, double(w));
        xmax = std::max(xmax, double(w));
    }
    plot.legend->setVisible(panel == Panel::Speedup);
    // Top left: the ideal line and the curves climb towards the top right.
    plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    plot.legend->setFont(font);
    for (Model m : sweep.models) {
        const QColor color = modelColor(m);
        QVector<double> xs, ys;
        std::vector<int> refused;
        for (const auto& p : sweep.points) {
            if (p.model != m)
                continue;
            if (p.refused) {
                refused.push_back(p.workers);
                continue;
            }
            const double y = panel == Panel::Speedup ? p.speedup : panel == Panel::Makespan ? p.makespanS : p.memoryPerWorkerBytes / 1024.0;
            if (y <= 0 && panel != Panel::Memory)
                continue;
            xs.push_back(p.workers);
            ys.push_back(y);
            ymin = std::min(ymin, y);
            ymax = std::max(ymax, y);
        }
        auto* g = plot.addGraph();
        g->setData(xs, ys);
        g->setPen(QPen(color, 2.5));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 8));
        g->setName(q(toString(m)) + QStringLiteral(" (measured)"));
        if (panel == Panel::Speedup && !xs.isEmpty()) {
            const double share = fitSerialShare(sweep.points, m);
            if (share >= 0) {
                QVector<double> ax, ay;
                for (int i = 0; i <= 60; ++i) {
                    const double x = xmin * std::pow(xmax / xmin, i / 60.0);
                    ax.push_back(x);
                    ay.push_back(amdahlSpeedup(share, x, xs.front()));
                }
                auto* a = plot.addGraph();
                a->setData(ax, ay);
                QPen pen(color, 1.5, Qt::DashLine);
                a->setPen(pen);
                a->setName(QStringLiteral("%1: Amdahl, serial share %2%").arg(q(toString(m))).arg(share * 100, 0, 'f', 1));
            }
        }
        for (int w : refused) {
            auto* mark = new QCPItemText(&plot);
            mark->position->setType(QCPItemPosition::ptPlotCoords);
            mark->position->setAxes(plot.xAxis, plot.yAxis);
            mark->setProperty("refusedAt", w);
            mark->setText(QStringLiteral("%1 refused ✕").arg(q(toString(m))));
            // The cross sits on the refused worker count; the words run to its left.
            mark->setPositionAlignment(Qt::AlignRight | Qt::AlignVCenter);
            mark->setColor(color);
            mark->setFont(font);
        }
    }
    if (panel == Panel::Speedup && xmax > 0) {
        auto* ideal = plot.addGraph();
        const double x0 = sweep.workers.empty() ? 1 : sweep.workers.front();
        ideal->setData(QVector<double>{xmin, xmax}, QVector<double>{xmin / x0, xmax / x0});
        ideal->setPen(QPen(QColor(150, 150, 150), 1.5, Qt::DotLine));
        ideal->setName(QStringLiteral("ideal: speedup = workers / first"));
        ymin = std::min(ymin, xmin / x0);
        ymax = std::max(ymax, xmax / x0);
    }
    if (ymax <= 0) {
        ymin = panel == Panel::Memory ? 0 : 0.1;
        ymax = 1;
    }
    plot.xAxis->setRange(xmin / 1.6, xmax * 1.6);
    if (panel == Panel::Memory)
        plot.yAxis->setRange(0, ymax * 1.25 + 1);
    else
        plot.yAxis->setRange(ymin / 2.0, ymax * 2.0);
    // Refused marks sit at the bottom of the panel, stacked per model.
    int row = 0;
    for (int i = 0; i < plot.itemCount(); ++i) {
        auto* mark = qobject_cast<QCPItemText*>(plot.item(i));
        if (!mark || !mark->property("refusedAt").isValid())
            continue;
        const double lower = plot.yAxis->range().lower, upper = plot.yAxis->range().upper;
        const double t = 0.08 + 0.09 * (row++ % 3);
        const double y = panel == Panel::Memory ? lower + (upper - lower) * t : lower * std::pow(upper / lower, t);
        mark->position->setCoords(mark->property("refusedAt").toDouble(), y);
    }
}

void paintSweep(QCPPainter& painter, const SweepResult& sweep, QSize size)
{
    painter.fillRect(QRect(QPoint(0, 0), size), Qt::white);
    QFont title = painter.font();
    title.setPointSize(15);
    title.setBold(true);
    painter.setFont(title);
    painter.setPen(Qt::black);
    painter.drawText(QRect(12, 6, size.width() - 24, 30), Qt::AlignLeft | Qt::AlignVCenter,
                     QStringLiteral("How far each model goes — ") + q(describeWorkload(sweep.base)));
    std::vector<std::string> reasons;
    for (const auto& p : sweep.points) {
        if (p.refused)
            reasons.push_back(std::string(toString(p.model)) + " x" + std::to_string(p.workers) + ": " + p.reason);
    }
    QFont small = painter.font();
    small.setPointSize(10);
    small.setBold(false);
    const int footer = 24;
    const int reasonsH = static_cast<int>(reasons.size()) * 18 + (reasons.empty() ? 0 : 8);
    int y = 40;
    const int avail = size.height() - y - footer - reasonsH;
    const int speedH = avail * 5 / 9;
    const int lowerH = avail - speedH;
    {
        QCustomPlot plot;
        fillPanel(plot, sweep, Panel::Speedup);
        painter.save();
        painter.translate(0, y);
        plot.toPainter(&painter, size.width(), speedH);
        painter.restore();
    }
    y += speedH;
    {
        QCustomPlot a, b;
        fillPanel(a, sweep, Panel::Makespan);
        fillPanel(b, sweep, Panel::Memory);
        painter.save();
        painter.translate(0, y);
        a.toPainter(&painter, size.width() / 2, lowerH);
        painter.translate(size.width() / 2, 0);
        b.toPainter(&painter, size.width() - size.width() / 2, lowerH);
        painter.restore();
    }
    y += lowerH;
    painter.setFont(small);
    for (const auto& r : reasons) {
        painter.setPen(QColor(150, 30, 30));
        painter.drawText(QRect(16, y, size.width() - 32, 18), Qt::AlignLeft | Qt::AlignVCenter,
                         painter.fontMetrics().elidedText(QStringLiteral("✕ refused: ") + q(r), Qt::ElideRight, size.width() - 32));
        y += 18;
    }
    painter.setPen(QColor(90, 90, 90));
    const QString stamp = q(sweep.machine) + QStringLiteral(" · Concurrency Explorer sweep · ")
                        + QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd"))
                        + QStringLiteral(" · memory: this process's peak resident set, less what it held before the run");
    painter.drawText(QRect(12, size.height() - footer, size.width() - 24, footer), Qt::AlignLeft | Qt::AlignVCenter,
                     painter.fontMetrics().elidedText(stamp, Qt::ElideRight, size.width() - 24));
}

} // namespace

QImage renderSweepFigure(const SweepResult& sweep, QSize size)
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    paintSweep(painter, sweep, size);
    painter.end();
    return image;
}

bool saveSweepFigure(const QString& path, const SweepResult& sweep, QSize size, std::string* error)
{
    const QString format = QFileInfo(path).suffix().toLower();
    if (format == QStringLiteral("png"))
        return savePng(renderSweepFigure(sweep, size), path, error);
    if (format != QStringLiteral("svg") && format != QStringLiteral("pdf")) {
        if (error)
            *error = "cannot write " + path.toStdString() + ": the name must end in .png, .svg or .pdf";
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = "cannot write " + path.toStdString() + ": " + file.errorString().toStdString();
        return false;
    }
    paintVector(file, format, size, [&](QPainter& painter) {
        auto& qcp = static_cast<QCPPainter&>(painter);
        qcp.setMode(QCPPainter::pmVectorized);
        qcp.setMode(QCPPainter::pmNoCaching);
        paintSweep(qcp, sweep, size);
    });
    if (!file.commit()) {
        if (error)
            *error = "cannot write " + path.toStdString() + ": " + file.errorString().toStdString();
        return false;
    }
    return true;
}

} // namespace ce::ui
