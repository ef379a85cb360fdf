// The timeline's data (TimelineModel, no painting) and the exported figures.
#include "ce/Engine.h"
#include "FigureExport.h"
#include "Palette.h"
#include "ce/RunSummary.h"
#include "Theme.h"
#include "TimelineGeometry.h"
#include "TimelineModel.h"
#include "TimelinePlot.h"

#include <QApplication>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

using namespace ce;
using namespace ce::ui;

namespace {

RunSnapshot syntheticRun()
{
    RunSnapshot r;
    r.config.tasks = 2;
    r.config.gil = true;
    r.config.model = Model::Threads;
    r.config.sampleMs = 100;
    r.lanes = 2;
    r.elapsedNs = 1'000'000'000;
    // lane 0: cpu [0, 0.2], gil-wait [0.2, 0.4], cpu [0.4, 0.6]; lane 1: cpu [0.2, 0.4]
    r.phases = {PhaseRecord{0, 200'000'000, 1, 0, 0, 0, State::Cpu}, PhaseRecord{200'000'000, 400'000'000, 1, 0, 0, 0, State::GilWait},
                PhaseRecord{400'000'000, 600'000'000, 1, 0, 0, 0, State::Cpu}, PhaseRecord{200'000'000, 400'000'000, 2, 1, 1, 1, State::Cpu}};
    // two cores, samples every 100 ms: core 0 busy with this run, core 1 busy with others
    for (int i = 1; i <= 10; ++i) {
        r.coreSamples.push_back(CoreSample{i * 100'000'000LL, 0, 100, 100});
        r.coreSamples.push_back(CoreSample{i * 100'000'000LL, 1, 50, 0});
    }
    return r;
}

// CIE76 difference of two sRGB colours (L*a*b*, D65).
double deltaE(const QColor& x, const QColor& y)
{
    auto lab = [](const QColor& c) {
        auto linear = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        const double r = linear(c.redF()), g = linear(c.greenF()), b = linear(c.blueF());
        const double X = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        const double Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        const double Z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116; };
        return std::array<double, 3>{116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))};
    };
    const auto a = lab(x), b = lab(y);
    return std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

bool blank(const QImage& image)
{
    const QRgb first = image.pixel(0, 0);
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7) {
            if (image.pixel(x, y) != first)
                return false;
        }
    }
    return true;
}

} // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelSortsAndFindsPhases()
    {
        TimelineModel m;
        m.setRun(syntheticRun());
        QCOMPARE(m.lanes(), 2);
        QCOMPARE(m.cores(), 2);
        QCOMPARE(m.lane(0).size(), std::size_t(3));
        const auto [first, last] = m.visible(0, 0.25, 0.45);
        QCOMPARE(first, std::size_t(1)); // the gil-wait
        QCOMPARE(last, std::size_t(3));  // and the second cpu
        QCOMPARE(static_cast<int>(m.phaseAt(0, 0.3)->state), static_cast<int>(State::GilWait));
        QVERIFY(!m.phaseAt(0, 0.8));
        QVERIFY(!m.phaseAt(5, 0.1));
        QVERIFY(m.hasGilTrack());
        QCOMPARE(m.gilHolders().size(), std::size_t(3)); // the CPU phases of both lanes
        QVERIFY(!m.hasLagTrack());
    }

    void coreGridBlendsShares()
    {
        TimelineModel m;
        m.setRun(syntheticRun());
        QCOMPARE(m.coreImage().width(), 10);
        QCOMPARE(m.coreImage().height(), 2);
        QCOMPARE(m.coreImage().pixel(3, 0), TimelineModel::blend(100, 100).rgb());
        QCOMPARE(m.coreImage().pixel(3, 1), TimelineModel::blend(50, 0).rgb());
        const auto cell = m.coreAt(1, 0.35);
        QVERIFY(cell);
        QCOMPARE(cell->first, 50.0f);
        QCOMPARE(TimelineModel::blend(0, 0), QColor(Qt::white));
        // A sample after a longer interval (the sampler backed off) fills every column it covers.
        RunSnapshot r = syntheticRun();
        r.coreSamples = {CoreSample{100'000'000, 0, 10, 10}, CoreSample{500'000'000, 0, 100, 100}};
        m.setRun(r);
        for (int col = 1; col < 5; ++col)
            QCOMPARE(m.coreImage().pixel(col, 0), TimelineModel::blend(100, 100).rgb());
    }

    // A live run taken in frame by frame (deltas) ends as the same model as the whole run
    // taken at once: lanes, GIL holders, the core grid and its cells.
    void deltasBuildTheSameModelAsTheWholeRun()
    {
        RunSnapshot whole = syntheticRun();
        whole.lanes = 3;
        whole.config.tasks = 40;
        // Lanes 1 and 2 take turns holding the lock; more samples than the first frame has.
        for (int i = 0; i < 40; ++i) {
            const std::int64_t at = 600'000'000 + i * 10'000'000LL;
            whole.phases.push_back(PhaseRecord{at, at + 10'000'000, 3, i, 1 + i % 2, 0, i % 3 ? State::Cpu : State::IoWait});
        }
        for (int i = 11; i <= 25; ++i) {
            whole.coreSamples.push_back(CoreSample{i * 100'000'000LL, 0, 30, 20});
            whole.coreSamples.push_back(CoreSample{i * 100'000'000LL, 1, 80, 70});
        }
        whole.elapsedNs = 2'500'000'000;
        whole.tasks.resize(40);
        for (int i = 0; i < 40; ++i)
            whole.tasks[static_cast<std::size_t>(i)].id = i;
        TimelineModel reference;
        reference.setRun(whole);

        // Frames of a few phases and samples each, the first one a restart with nothing.
        TimelineModel live;
        RunDelta first;
        first.restart = true;
        first.head = headOf(whole);
        first.head.elapsedNs = 0;
        first.taskCount = 40;
        live.applyDelta(first);
        std::size_t p = 0, c = 0;
        for (int frame = 1; p < whole.phases.size() || c < whole.coreSamples.size(); ++frame) {
            RunDelta d;
            d.head = headOf(whole);
            d.head.elapsedNs = std::min<std::int64_t>(whole.elapsedNs, frame * 100'000'000LL);
            d.taskCount = 40;
            for (int k = 0; k < 3 && p < whole.phases.size(); ++k)
                d.phases.push_back(whole.phases[p++]);
            for (int k = 0; k < 3 && c < whole.coreSamples.size(); ++k)
                d.coreSamples.push_back(whole.coreSamples[c++]);
            live.applyDelta(d);
        }
        RunDelta end; // the run's end: nothing new but the time
        end.head = headOf(whole);
        end.taskCount = 40;
        live.applyDelta(end);
        QCOMPARE(live.lanes(), reference.lanes());
        for (int lane = 0; lane < reference.lanes(); ++lane) {
            QCOMPARE(live.lane(lane).size(), reference.lane(lane).size());
            for (std::size_t i = 0; i < reference.lane(lane).size(); ++i)
                QCOMPARE(live.lane(lane)[i].startNs, reference.lane(lane)[i].startNs);
        }
        QCOMPARE(live.gilHolders().size(), reference.gilHolders().size());
        for (std::size_t i = 0; i < reference.gilHolders().size(); ++i)
            QCOMPARE(live.gilHolders()[i].startNs, reference.gilHolders()[i].startNs);
        QCOMPARE(live.endSeconds(), reference.endSeconds());
        QCOMPARE(live.cores(), reference.cores());
        QCOMPARE(live.coreImage().size(), reference.coreImage().size());
        for (int y = 0; y < reference.coreImage().height(); ++y) {
            for (int x = 0; x < reference.coreImage().width(); ++x)
                QCOMPARE(live.coreImage().pixel(x, y), reference.coreImage().pixel(x, y));
        }
        for (double t : {0.05, 0.35, 1.25, 2.45})
            QCOMPARE(live.coreAt(1, t), reference.coreAt(1, t));
        QCOMPARE(live.run().phases.size(), whole.phases.size());
    }

    void samplesOutsideAnyMachineDoNotSizeTheGrid()
    {
        // Files are checked in core before they get here; should a bad sample ever slip
        // through, it is skipped rather than sizing a grid of 2^31 rows.
        TimelineModel m;
        RunSnapshot r = syntheticRun();
        r.coreSamples.push_back(CoreSample{100'000'000, 2147483647, 50, 50});
        r.coreSamples.push_back(CoreSample{9'000'000'000'000'000'000, 0, 50, 50});
        r.coreSamples.push_back(CoreSample{-1'000'000'000'000'000'000, 1, 50, 50});
        m.setRun(r);
        QCOMPARE(m.cores(), 2);
        QCOMPARE(m.coreImage().width(), 10);
    }

    void statesHaveLabels()
    {
        for (State a : StatePalette::drawOrder())
            QVERIFY(!StatePalette::label(a).isEmpty());
    }

    // Every entry of a legend (a run's, a recorded program's) is told apart from every other
    // and from the background of each theme. CIE76 colour differences: about 2.3 is just
    // noticeable; 20 apart reads as another colour at a glance, 30 from the background as a
    // swatch that stands out. The CPU state and the grid's "this run" once shared one blue.
    void legendEntriesAreDistinctAndReadableInEveryTheme()
    {
        for (bool recorded : {false, true}) {
            const auto entries = timelineLegend(recorded);
            QVERIFY(entries.size() >= 6);
            for (std::size_t i = 0; i < entries.size(); ++i) {
                QVERIFY(!entries[i].text.isEmpty());
                for (std::size_t j = i + 1; j < entries.size(); ++j) {
                    const double d = deltaE(entries[i].color, entries[j].color);
                    QVERIFY2(d >= 20, qPrintable(QStringLiteral("'%1' and '%2' are alike (%3)").arg(entries[i].text, entries[j].text).arg(d)));
                }
                for (const Theme* theme : {&Theme::light(), &Theme::dark(), &Theme::highContrast()}) {
                    const double d = deltaE(entries[i].color, theme->background);
                    QVERIFY2(d >= 30, qPrintable(QStringLiteral("'%1' fades into the %2 background (%3)").arg(entries[i].text, theme->name).arg(d)));
                }
            }
        }
        // Error text reads on every theme's background (WCAG contrast of 3:1, large-text AA).
        auto luminance = [](const QColor& c) {
            auto linear = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
            return 0.2126 * linear(c.redF()) + 0.7152 * linear(c.greenF()) + 0.0722 * linear(c.blueF());
        };
        for (const Theme* theme : {&Theme::light(), &Theme::dark(), &Theme::highContrast()}) {
            const double a = luminance(QColor::fromRgb(kErrorText)), b = luminance(theme->background);
            const double ratio = (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05);
            QVERIFY2(ratio >= 3, qPrintable(QStringLiteral("error text on %1: %2:1").arg(theme->name).arg(ratio)));
        }
        // The grid's full-use cell is the legend's colour for it.
        QCOMPARE(TimelineModel::blend(100, 100), timelineLegend(false)[timelineLegend(false).size() - 2].color);
        QVERIFY(StatePalette::color(State::Cpu) != TimelineModel::blend(100, 100));
    }

    // The lag track: a sample of L ms at t becomes a ramp from t - L up to L at t and back to
    // 0; jitter below the threshold, and a ramp that would reach back over the previous
    // sample, stay single points.
    void lagSawtoothTable()
    {
        struct Row {
            std::int64_t timeNs;
            float lagMs;
            QVector<double> keys;   // appended by this sample
            QVector<double> values;
        };
        const Row rows[] = {
            {10'000'000, 0.5f, {0.010}, {0.5}},                                   // jitter: a point
            {100'000'000, 40.f, {0.060, 0.100, 0.100}, {0, 40, 0}},               // stuck from 60 ms to 100 ms
            {110'000'000, 1.75f, {0.110}, {1.75}},                                // just under the threshold
            {120'000'000, 2.f, {0.118, 0.120, 0.120}, {0, 2, 0}},                 // at it
            {130'000'000, 50.f, {0.130}, {50}},                                   // would reach back past 120 ms
        };
        LagSawtooth line;
        QCOMPARE(line.worstMs(), 1.0);
        for (const Row& row : rows) {
            const qsizetype before = line.keys().size();
            line.add(LagSample{row.timeNs, row.lagMs});
            QCOMPARE(line.keys().size() - before, row.keys.size());
            for (qsizetype i = 0; i < row.keys.size(); ++i) {
                QVERIFY(std::abs(line.keys()[before + i] - row.keys[i]) < 1e-9);
                QCOMPARE(line.values()[before + i], row.values[i]);
            }
        }
        QCOMPARE(line.worstMs(), 50.0);
        QCOMPARE(line.keys().size(), line.values().size());
        QVERIFY(std::is_sorted(line.keys().begin(), line.keys().end()));
    }

    // Phase bars in pixels: a bar of a pixel or more is drawn as it is; a narrower one is
    // widened to one pixel, unless its column is already painted.
    void pixelBarsTable()
    {
        struct Row {
            double left, right;
            std::optional<std::pair<double, double>> drawn;
        };
        const Row rows[] = {
            {10.2, 10.4, std::pair{10.2, 11.2}}, // sub-pixel: one pixel wide
            {10.5, 10.7, std::nullopt},          // same column 10: merged into the first
            {10.9, 11.0, std::nullopt},          // still column 10
            {11.1, 11.3, std::pair{11.1, 12.1}}, // the next column
            {12.0, 20.5, std::pair{12.0, 20.5}}, // wide: as it is, ends in column 20
            {20.6, 20.8, std::nullopt},          // column 20 is painted by the wide bar
            {21.0, 21.2, std::pair{21.0, 22.0}},
        };
        PixelBars bars;
        for (const Row& row : rows) {
            const auto placed = bars.place(QRectF(QPointF(row.left, 0), QPointF(row.right, 8)));
            QCOMPARE(placed.has_value(), row.drawn.has_value());
            if (placed) {
                QCOMPARE(placed->left(), row.drawn->first);
                QVERIFY(std::abs(placed->right() - row.drawn->second) < 1e-9);
                QCOMPARE(placed->height(), 8.0);
            }
        }
    }

    // The CLI, the window and a figure's footer print one list of facts (core/RunSummary):
    // the footer has every brief form, and the facts follow the model and workload.
    void summaryIsOneListForEveryView()
    {
        RunSnapshot r = syntheticRun();
        r.summary.makespanS = 0.6;
        r.summary.gilWaitS = 0.2;
        r.status = RunStatus::Completed;
        auto labels = [](const RunSnapshot& run) {
            QStringList out;
            for (const auto& l : summaryLines(run))
                out << QString::fromStdString(l.label);
            return out;
        };
        QCOMPARE(labels(r).join(QLatin1Char('|')), QStringLiteral("Workload|Model|Status|Makespan|Latency|CPU time|GIL"));
        const QString footer = figureFooter(r);
        for (const auto& l : summaryLines(r)) {
            if (!l.brief.empty())
                QVERIFY2(footer.contains(QString::fromStdString(l.brief)), l.brief.c_str());
        }
        QVERIFY(!footer.contains(QStringLiteral("COMPLETED")));
        r.status = RunStatus::Cancelled;
        QVERIFY(figureFooter(r).contains(QStringLiteral("CANCELLED")));
        r.config.gil = false;
        r.config.model = Model::EventLoop;
        r.config.workload = WorkloadKind::Counter;
        QCOMPARE(labels(r).join(QLatin1Char('|')), QStringLiteral("Workload|Model|Status|Makespan|Latency|CPU time|Loop lag|Counter"));
        // A recorded program: its own facts, in the footer too.
        r.record.active = true;
        r.record.command = {"python3", "job.py"};
        r.status = RunStatus::Completed;
        QCOMPARE(labels(r).join(QLatin1Char('|')), QStringLiteral("Recorded|Status|Wall time|CPU time|Busy|Threads|Cores|Sampler"));
        for (const auto& l : summaryLines(r)) {
            if (!l.brief.empty())
                QVERIFY2(figureFooter(r).contains(QString::fromStdString(l.brief)), l.brief.c_str());
        }
        QVERIFY(QString::fromStdString(summaryText(r)).startsWith(QStringLiteral("Recorded:  python3 job.py (pid 0)\nStatus:    completed\n")));
    }

    void runFigureHasTheRequestedSizeAndIsNotBlank()
    {
        FigureOptions o;
        o.size = QSize(900, 500);
        const QImage image = renderRunFigure(syntheticRun(), o);
        QCOMPARE(image.size(), QSize(900, 500));
        QVERIFY(!blank(image));
        o.scale = 2;
        QCOMPARE(renderRunFigure(syntheticRun(), o).size(), QSize(1800, 1000));
    }

    void compareFigureFromRealRuns()
    {
        std::vector<RunSnapshot> runs;
        for (Model m : {Model::Sequential, Model::EventLoop}) {
            RunConfig c;
            c.model = m;
            c.workers = m == Model::EventLoop ? 0 : 1;
            c.workload = WorkloadKind::Mixed;
            c.tasks = 3;
            c.taskMs = 5;
            c.waitMs = 10;
            std::string error;
            runs.push_back(runToEnd(c, &error));
            QCOMPARE(static_cast<int>(runs.back().status), static_cast<int>(RunStatus::Completed));
        }
        applyBaseline(runs[1].summary, runs[1].config, runs[0].summary.makespanS);
        const Advice advice = advise(measureFromRun(runs[0]));
        FigureOptions o;
        o.size = QSize(1200, 900);
        const QImage image = renderCompareFigure(runs, &advice, o);
        QCOMPARE(image.size(), QSize(1200, 900));
        QVERIFY(!blank(image));
        QTemporaryDir dir;
        std::string error;
        QVERIFY(savePng(image, dir.filePath(QStringLiteral("cmp.png")), &error));
        QCOMPARE(QImage(dir.filePath(QStringLiteral("cmp.png"))).size(), QSize(1200, 900));
        QVERIFY(!savePng(image, dir.filePath(QStringLiteral("no/such/cmp.png")), &error));
        // Vector formats, chosen by the name; anything else is refused with a reason.
        QVERIFY2(saveFigure(dir.filePath(QStringLiteral("cmp.svg")), runs, &advice, o, &error), error.c_str());
        QFile svg(dir.filePath(QStringLiteral("cmp.svg")));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QVERIFY(svg.readAll().contains("<svg"));
        QVERIFY2(saveFigure(dir.filePath(QStringLiteral("run.pdf")), {runs[0]}, nullptr, o, &error), error.c_str());
        QFile pdf(dir.filePath(QStringLiteral("run.pdf")));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QVERIFY(!saveFigure(dir.filePath(QStringLiteral("run.gif")), {runs[0]}, nullptr, o, &error));
        QVERIFY(error.find(".svg") != std::string::npos);
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("no/such/cmp.png"))));
    }

    void plotFollowsALiveRun()
    {
        // Snapshots of a run in progress, as the window will feed them (about 30 a second).
        RunConfig c;
        c.model = Model::Threads;
        c.workers = 2;
        c.workload = WorkloadKind::Mixed;
        c.tasks = 12;
        c.taskMs = 5;
        c.waitMs = 10;
        c.gil = true;
        Run run(c);
        std::string error;
        QVERIFY(run.start(&error));
        TimelinePlot plot;
        plot.resize(800, 500);
        int updates = 0;
        while (!run.isFinished() || updates == 0) {
            plot.setRun(run.snapshot());
            plot.replot();
            ++updates;
            QTest::qWait(33);
        }
        plot.setRun(run.snapshot());
        QCOMPARE(plot.model().run().summary.tasksDone, 12);
        QVERIFY(plot.model().lanes() == 2);
        QVERIFY(!plot.model().gilHolders().empty());
    }
};

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
