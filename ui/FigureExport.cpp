#include "FigureExport.h"

#include "Palette.h"
#include "ce/RunSummary.h"
#include "TimelinePlot.h"
#include "TimelineCanvas.h"

#include <QDateTime>
#include <QFileInfo>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QPainter>
#include <QSaveFile>

#include <algorithm>

namespace ce::ui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
} // namespace

QString figureTitle(const RunSnapshot& run)
{
    if (run.record.active) {
        QStringList command;
        for (const auto& c : run.record.command)
            command << q(c);
        return QStringLiteral("Recorded: ") + command.join(QLatin1Char(' ')) + QStringLiteral("  —  %1 thread%2 in %3 process%4, measured from /proc")
                                                                                .arg(run.record.lanes.size())
                                                                                .arg(run.record.lanes.size() == 1 ? QString() : QStringLiteral("s"))
                                                                                .arg(run.record.processes)
                                                                                .arg(run.record.processes == 1 ? QString() : QStringLiteral("es"));
    }
    return q(describeWorkload(run.config)) + QStringLiteral("  —  ") + q(describeModel(run.config));
}

QString figureFooter(const RunSnapshot& run)
{
    // The brief forms of the CLI's summary lines (core/RunSummary), on one line.
    QStringList facts;
    for (const SummaryLine& line : summaryLines(run)) {
        if (!line.brief.empty())
            facts << q(line.brief);
    }
    QString text = facts.join(QStringLiteral(" · "));
    text += QStringLiteral("\n") + q(run.machine) + QStringLiteral(" · Concurrency Explorer · ")
          + QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd"));
    return text;
}

void paintRunFigure(QCPPainter& painter, const RunSnapshot& run, const FigureOptions& options);

QImage renderRunFigure(const RunSnapshot& run, const FigureOptions& options)
{
    TimelineCanvas plot;
    plot.resize(options.size);
    if (options.stamp)
        plot.setCaption(figureTitle(run), figureFooter(run));
    plot.setRun(run);
    return plot.toPixmap(options.size.width(), options.size.height(), options.scale).toImage();
}

void fillSpeedupPlot(QCustomPlot& plot, const std::vector<RunSnapshot>& runs, const Advice* advice)
{
    plot.clearPlottables();
    plot.clearItems();
    plot.setBackground(Qt::white);
    auto* bars = new QCPBars(plot.yAxis, plot.xAxis); // horizontal bars: one row per run
    bars->setBrush(QColor::fromRgb(okabeIto::blue));
    bars->setPen(Qt::NoPen);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    double best = 1;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const double speedup = runs[i].summary.speedup;
        bars->addData(double(i), speedup);
        QString label = q(describeModel(runs[i].config));
        // "Threads that compute outside the lock" is only the runs that release it.
        const bool needsRelease = advice && !advice->path.empty() && advice->path.back().node == "threads-released";
        if (advice && runs[i].config.model == advice->recommended && (!needsRelease || runs[i].config.releasesGil))
            label += QStringLiteral("  (recommended)");
        ticker->addTick(double(i), label);
        best = std::max(best, speedup);
    }
    const int cores = runs.empty() ? 1 : std::max(1, runs.front().summary.cores);
    plot.yAxis->setTicker(ticker);
    plot.yAxis->setRangeReversed(true);
    plot.yAxis->setRange(-0.6, double(runs.size()) - 0.4);
    // The caption spans the whole plot, under the run names too: centred on the bars' axis
    // alone, it was cut where that axis is narrow (long run names, a narrow column).
    plot.xAxis->setLabel(QString());
    auto* caption = plot.plotLayout()->hasElement(1, 0) ? qobject_cast<QCPTextElement*>(plot.plotLayout()->element(1, 0)) : nullptr;
    if (!caption) {
        caption = new QCPTextElement(&plot);
        caption->setMargins(QMargins(4, 0, 4, 4));
        plot.plotLayout()->addElement(1, 0, caption);
    }
    caption->setFont(plot.xAxis->labelFont());
    caption->setTextColor(plot.xAxis->labelColor());
    caption->setText(QStringLiteral("speedup against sequential\n(the dashed line: this machine's %1 cores)").arg(cores));
    plot.xAxis->setRange(0, std::max(best, double(cores)) * 1.15);
    auto* ideal = new QCPItemStraightLine(&plot);
    ideal->point1->setCoords(cores, 0);
    ideal->point2->setCoords(cores, 1);
    ideal->setPen(QPen(QColor::fromRgb(okabeIto::vermillion), 1.5, Qt::DashLine));
    plot.replot(QCustomPlot::rpQueuedReplot);
}

void paintCompareFigure(QCPPainter& painter, const std::vector<RunSnapshot>& runs, const Advice* advice, const FigureOptions& options)
{
    const QSize size = options.size;
    painter.fillRect(QRect(QPoint(0, 0), size), Qt::white);
    painter.setRenderHint(QPainter::Antialiasing);
    QFont font = painter.font();
    int y = 8;
    if (options.stamp && !runs.empty()) {
        QFont title = font;
        title.setPointSizeF(font.pointSizeF() * 1.4);
        title.setBold(true);
        painter.setFont(title);
        const QRect r(12, y, size.width() - 24, 34);
        painter.drawText(r, Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("Comparison: ") + q(describeWorkload(runs.front().config)));
        y += 36;
        painter.setFont(font);
        if (advice) {
            painter.drawText(QRect(12, y, size.width() - 24, 22), Qt::AlignLeft | Qt::AlignVCenter,
                             q(advice->summary) + QStringLiteral(" (decision flowchart, from measured CPU share and concurrency)"));
            y += 24;
        }
    }
    // One legend for all the small multiples.
    {
        int x = 12;
        QFont small = font;
        small.setPointSizeF(font.pointSizeF() * 0.9);
        painter.setFont(small);
        const QFontMetrics fm(small);
        auto swatch = [&](const QColor& color, const QString& text) {
            painter.fillRect(QRect(x, y + 5, 14, 10), color);
            x += 18;
            painter.setPen(Qt::black);
            painter.drawText(QRect(x, y, fm.horizontalAdvance(text) + 4, 20), Qt::AlignLeft | Qt::AlignVCenter, text);
            x += fm.horizontalAdvance(text) + 18;
        };
        for (const LegendEntry& e : timelineLegend(false))
            swatch(e.color, e.text);
        painter.setFont(font);
        y += 24;
    }
    const int footerHeight = options.stamp ? 26 : 0;
    const bool speedups = std::any_of(runs.begin(), runs.end(), [](const RunSnapshot& r) { return r.summary.speedup > 0; });
    const int chartHeight = speedups ? std::max(120, static_cast<int>(28 * runs.size()) + 60) : 0;
    const int available = size.height() - y - footerHeight - chartHeight;
    // Height in proportion to the tracks each run shows: cores and workers always, plus the
    // GIL and the loop lag where they apply.
    auto weight = [](const RunSnapshot& r) {
        return 3.0 + (r.config.gil && r.config.model != Model::Processes ? 1.0 : 0.0) + (r.config.model == Model::EventLoop ? 1.2 : 0.0);
    };
    double totalWeight = 0;
    for (const auto& r : runs)
        totalWeight += weight(r);
    double longest = 0.001;
    for (const auto& r : runs)
        longest = std::max(longest, double(r.elapsedNs) / 1e9);
    for (const auto& run : runs) {
        const int each = std::max(80, static_cast<int>(available * weight(run) / std::max(1.0, totalWeight)));
        TimelineCanvas plot;
        QString caption = q(describeModel(run.config)) + QStringLiteral(" — makespan %1 s").arg(run.summary.makespanS, 0, 'f', 3);
        if (run.config.workload == WorkloadKind::Counter)
            caption += QStringLiteral(" — %1 of %2 increments kept, %3 lost").arg(run.summary.counterFinal).arg(run.summary.counterExpected).arg(run.summary.lostUpdates);
        plot.setCaption(caption, {});
        plot.setTimeRange(longest); // one time scale for all
        plot.setLegendVisible(false);
        plot.setRun(run);
        painter.save();
        painter.translate(0, y);
        plot.toPainter(&painter, size.width(), each);
        painter.restore();
        y += each;
    }
    if (speedups) {
        QCustomPlot chart;
        fillSpeedupPlot(chart, runs, advice);
        painter.save();
        painter.translate(0, y);
        chart.toPainter(&painter, size.width(), chartHeight);
        painter.restore();
        y += chartHeight;
    }
    if (options.stamp && !runs.empty()) {
        painter.setPen(QColor(90, 90, 90));
        QString footer = q(runs.front().machine) + QStringLiteral(" · Concurrency Explorer · ")
                       + QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd"));
        if (std::any_of(runs.begin(), runs.end(), [](const RunSnapshot& r) { return r.config.gil; }))
            footer += QStringLiteral(" · +GIL runs use an emulated GIL (C++ has none)");
        painter.drawText(QRect(12, size.height() - footerHeight, size.width() - 24, footerHeight), Qt::AlignLeft | Qt::AlignVCenter, footer);
    }
}

void paintRunFigure(QCPPainter& painter, const RunSnapshot& run, const FigureOptions& options)
{
    TimelineCanvas plot;
    plot.resize(options.size);
    if (options.stamp)
        plot.setCaption(figureTitle(run), figureFooter(run));
    plot.setRun(run);
    plot.toPainter(&painter, options.size.width(), options.size.height());
}

QImage renderCompareFigure(const std::vector<RunSnapshot>& runs, const Advice* advice, const FigureOptions& options)
{
    QImage image(options.size * options.scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(options.scale);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    paintCompareFigure(painter, runs, advice, options);
    painter.end();
    return image;
}

void paintVector(QIODevice& out, const QString& format, QSize size, const std::function<void(QPainter&)>& paint)
{
    // One logical pixel is one SVG user unit or one PDF point. A QCPPainter works for both
    // QCustomPlot and plain QWidget::render().
    QSvgGenerator svg;
    QPdfWriter pdf(&out);
    QPaintDevice* device = &pdf;
    if (format == QStringLiteral("svg")) {
        svg.setOutputDevice(&out);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(QStringLiteral("Concurrency Explorer"));
        device = &svg;
    } else {
        pdf.setPageSize(QPageSize(QSizeF(size), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setResolution(72);
        pdf.setCreator(QStringLiteral("Concurrency Explorer"));
    }
    QCPPainter painter(device);
    paint(painter);
    painter.end();
}

bool writeFigure(QIODevice& out, const QString& format, const std::vector<RunSnapshot>& runs, const Advice* advice,
                 const FigureOptions& options, std::string* error)
{
    if (runs.empty()) {
        if (error)
            *error = "there is no run to draw";
        return false;
    }
    const bool single = runs.size() == 1 && !advice;
    if (format == QStringLiteral("png")) {
        const QImage image = single ? renderRunFigure(runs.front(), options) : renderCompareFigure(runs, advice, options);
        if (!image.save(&out, "PNG")) {
            if (error)
                *error = "the PNG encoder failed";
            return false;
        }
    } else if (format == QStringLiteral("svg") || format == QStringLiteral("pdf")) {
        paintVector(out, format, options.size, [&](QPainter& painter) {
            auto& qcp = static_cast<QCPPainter&>(painter);
            qcp.setMode(QCPPainter::pmVectorized);
            qcp.setMode(QCPPainter::pmNoCaching);
            if (single)
                paintRunFigure(qcp, runs.front(), options);
            else
                paintCompareFigure(qcp, runs, advice, options);
        });
    } else {
        if (error)
            *error = "the format must be png, svg or pdf";
        return false;
    }
    return true;
}

bool saveFigure(const QString& path, const std::vector<RunSnapshot>& runs, const Advice* advice, const FigureOptions& options,
                std::string* error)
{
    const QString format = QFileInfo(path).suffix().toLower();
    auto fail = [&](const std::string& why) {
        if (error)
            *error = "cannot write " + path.toStdString() + ": " + why;
        return false;
    };
    if (format != QStringLiteral("png") && format != QStringLiteral("svg") && format != QStringLiteral("pdf"))
        return fail("the name must end in .png, .svg or .pdf");
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString().toStdString());
    std::string why;
    if (!writeFigure(file, format, runs, advice, options, &why))
        return fail(why);
    if (!file.commit())
        return fail(file.errorString().toStdString());
    return true;
}

bool savePng(const QImage& image, const QString& path, std::string* error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !image.save(&f, "PNG") || !f.commit()) {
        if (error)
            *error = "cannot write " + path.toStdString() + ": " + f.errorString().toStdString();
        return false;
    }
    return true;
}

} // namespace ce::ui
