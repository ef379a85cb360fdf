// The timeline's data (TimelineModel, no painting) and the exported figures.
#include "ce/Engine.h"
#include "FigureExport.h"
#include "TimelineModel.h"
#include "TimelinePlot.h"

#include <QApplication>
#include <QTemporaryDir>
#include <QTest>

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

    void statesHaveDistinctColours()
    {
        for (State a : StatePalette::drawOrder()) {
            for (State b : StatePalette::drawOrder()) {
                if (a != b)
                    QVERIFY(StatePalette::color(a) != StatePalette::color(b));
            }
            QVERIFY(!StatePalette::label(a).isEmpty());
        }
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
