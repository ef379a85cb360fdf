// The lessons of issue 10 as invariants: a mutex loses no update, one thread cannot race
// with itself, gathered waits overlap, code that releases the GIL computes beside other
// threads, chunks run every task once, and a sweep keeps every point it was asked for.
// Nothing here depends on the machine's speed or load.
#include "ce/Comparison.h"
#include "ce/Engine.h"
#include "ce/Export.h"
#include "ce/Flowchart.h"
#include "Invariants.h"
#include "ProcessProbe.h"
#include "ce/Options.h"
#include "ce/Presets.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <set>

using namespace ce;

namespace {

RunConfig counterConfig(Model model, LockKind lock, int tasks = 4, std::uint64_t steps = 20000)
{
    RunConfig c;
    c.workload = WorkloadKind::Counter;
    c.iterations = steps;
    c.tasks = tasks;
    c.model = model;
    c.workers = model == Model::EventLoop ? 0 : tasks;
    c.lock = lock;
    c.workerExecutable = CE_EXECUTABLE;
    return c;
}

RunSnapshot mustRun(const RunConfig& c)
{
    std::string error;
    RunSnapshot r = runToEnd(c, &error);
    if (!error.empty())
        qWarning("%s", error.c_str());
    return r;
}

bool overlaps(const PhaseRecord& a, const PhaseRecord& b) { return a.startNs < b.endNs && b.startNs < a.endNs; }

} // namespace

class TestLessons : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void mutexLosesNoUpdate_data()
    {
        QTest::addColumn<int>("model");
        QTest::newRow("threads") << static_cast<int>(Model::Threads);
        QTest::newRow("tbb") << static_cast<int>(Model::Tbb);
    }

    void mutexLosesNoUpdate()
    {
        QFETCH(int, model);
        const RunSnapshot r = mustRun(counterConfig(static_cast<Model>(model), LockKind::Mutex));
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QVERIFY2(test::allInvariants(r).isEmpty(), qPrintable(test::allInvariants(r)));
        QCOMPARE(r.summary.counterExpected, std::int64_t(4 * 20000));
        QCOMPARE(r.summary.counterFinal, std::int64_t(4 * 20000));
        QCOMPARE(r.summary.lostUpdates, std::int64_t(0));
        // Lock waits, when there were any, are their own state and end where the lane goes on.
        for (const auto& p : r.phases)
            QVERIFY(p.state == State::Cpu || p.state == State::LockWait || p.state == State::Queued);
    }

    void counterAndItsLockWaitsSurviveAFile()
    {
        RunSnapshot r = mustRun(counterConfig(Model::Threads, LockKind::Mutex, 2, 1000));
        r.phases.push_back(PhaseRecord{1, 2, 1, 0, 0, 0, State::LockWait}); // whether or not the run blocked
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("counter.json"));
        std::string error;
        QVERIFY(writeRunJson(path, r, &error));
        std::vector<RunSnapshot> back;
        QVERIFY2(readRunsJson(path, back, &error), error.c_str());
        QCOMPARE(back.size(), std::size_t(1));
        QCOMPARE(static_cast<int>(back[0].config.workload), static_cast<int>(WorkloadKind::Counter));
        QCOMPARE(static_cast<int>(back[0].config.lock), static_cast<int>(LockKind::Mutex));
        QCOMPARE(back[0].summary.counterExpected, std::int64_t(2000));
        QCOMPARE(back[0].summary.lostUpdates, std::int64_t(0));
        QVERIFY(std::any_of(back[0].phases.begin(), back[0].phases.end(), [](const PhaseRecord& p) { return p.state == State::LockWait; }));
    }

    void unlockedCountAddsUp()
    {
        // Whether updates get lost depends on the scheduler; the accounting never does.
        const RunSnapshot r = mustRun(counterConfig(Model::Threads, LockKind::None));
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QVERIFY2(test::allInvariants(r).isEmpty(), qPrintable(test::allInvariants(r)));
        QCOMPARE(r.summary.counterExpected, std::int64_t(4 * 20000));
        QVERIFY(r.summary.counterFinal <= r.summary.counterExpected);
        QCOMPARE(r.summary.counterFinal + r.summary.lostUpdates, r.summary.counterExpected);
        for (const auto& p : r.phases)
            QVERIFY(p.state != State::LockWait);
    }

    void oneThreadCannotRace()
    {
        // The event loop runs each task's increments to the end before the next task starts.
        const RunSnapshot r = mustRun(counterConfig(Model::EventLoop, LockKind::None, 6));
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QCOMPARE(r.summary.lostUpdates, std::int64_t(0));
        QCOMPARE(r.summary.counterFinal, std::int64_t(6 * 20000));
        QVERIFY(test::cpuNeverOverlaps(r).isEmpty());
    }

    void emulatedGilSwitchesBetweenWholeIncrements()
    {
        // As CPython 3.10+, the emulation switches only between increments: nothing is lost.
        RunConfig c = counterConfig(Model::Threads, LockKind::None);
        c.gil = true;
        c.switchIntervalMs = 0.1;
        const RunSnapshot r = mustRun(c);
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QCOMPARE(r.summary.lostUpdates, std::int64_t(0));
        QVERIFY(test::cpuNeverOverlaps(r).isEmpty());
    }

    void counterRefusesProcessesWithAReason()
    {
        RunConfig c = withDefaults(counterConfig(Model::Processes, LockKind::None));
        const std::string why = validate(c);
        QVERIFY(why.find("share") != std::string::npos);
        RunConfig cpu;
        QVERIFY(applyOption(cpu, "lock", "mutex").empty());
        QVERIFY(!validate(withDefaults(cpu)).empty()); // --lock needs the counter workload
        QVERIFY(!applyOption(cpu, "lock", "spin").empty());
    }

    void gatherOverlapsTheWaitsOfATask()
    {
        RunConfig c;
        c.workload = WorkloadKind::Io;
        c.io = IoKind::Sleep;
        c.tasks = 3;
        c.rounds = 5;
        c.waitMs = 100;
        c.model = Model::EventLoop;
        c.workers = 0;
        c.awaitMode = AwaitMode::Sequential;
        const RunSnapshot one = mustRun(c);
        c.awaitMode = AwaitMode::Gather;
        const RunSnapshot all = mustRun(c);
        for (const RunSnapshot* r : {&one, &all}) {
            QCOMPARE(static_cast<int>(r->status), static_cast<int>(RunStatus::Completed));
            QVERIFY2(test::allInvariants(*r).isEmpty(), qPrintable(test::allInvariants(*r)));
        }
        const double sumOfWaits = c.rounds * c.waitMs / 1000.0;
        // Awaited one at a time, a task takes at least the sum of its waits (physics) ...
        for (const auto& t : one.tasks)
            QVERIFY(double(t.endNs - t.startNs) / 1e9 >= sumOfWaits * 0.99);
        // ... gathered, the whole run ends before one task's waits would add up.
        QVERIFY2(all.summary.makespanS < sumOfWaits, qPrintable(QString::number(all.summary.makespanS)));
        QVERIFY(all.summary.makespanS < one.summary.makespanS);
        RunConfig threads = c;
        threads.model = Model::Threads;
        threads.workers = 3;
        QVERIFY(!validate(threads).empty()); // gather is the event loop's
    }

    void efficiencyCountsEveryGatheredWait()
    {
        RunConfig c;
        c.workload = WorkloadKind::Io;
        c.tasks = 4;
        c.rounds = 5;
        c.model = Model::EventLoop;
        c.workers = 0;
        Summary s;
        s.makespanS = 0.5;
        applyBaseline(s, c, 2.0); // 4x
        QCOMPARE(s.efficiency, 1.0); // four tasks in flight, one wait each
        c.awaitMode = AwaitMode::Gather;
        s.makespanS = 0.1;
        applyBaseline(s, c, 2.0); // 20x
        QCOMPARE(s.efficiency, 1.0); // twenty waits in flight
    }

    void releasedGilLetsCpuPhasesOverlap()
    {
        RunConfig c;
        c.workload = WorkloadKind::Cpu;
        c.tasks = 2;
        c.taskMs = 150;
        c.model = Model::Threads;
        c.workers = 2;
        c.gil = true;
        c.releasesGil = true;
        const RunSnapshot r = mustRun(c);
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QVERIFY2(test::allInvariants(r).isEmpty(), qPrintable(test::allInvariants(r)));
        bool overlap = false;
        for (const auto& a : r.phases) {
            for (const auto& b : r.phases) {
                if (a.state == State::Cpu && b.state == State::Cpu && a.lane != b.lane && overlaps(a, b))
                    overlap = true;
            }
        }
        QVERIFY2(overlap, "with the lock released around the kernel, two threads compute at the same time");
        // The advice follows: a lock that is released means threads.
        WorkloadMeasure m = measured(0.99, 2, true);
        m.releasesGil = true;
        QCOMPARE(static_cast<int>(advise(m).recommended), static_cast<int>(Model::Threads));
    }

    void chunksRunEveryTaskOnce_data()
    {
        QTest::addColumn<int>("model");
        QTest::addColumn<QString>("chunksize");
        QTest::newRow("threads 3") << static_cast<int>(Model::Threads) << QStringLiteral("3");
        QTest::newRow("tbb auto") << static_cast<int>(Model::Tbb) << QStringLiteral("auto");
        QTest::newRow("processes 4") << static_cast<int>(Model::Processes) << QStringLiteral("4");
        QTest::newRow("processes auto") << static_cast<int>(Model::Processes) << QStringLiteral("auto");
    }

    void chunksRunEveryTaskOnce()
    {
        QFETCH(int, model);
        QFETCH(QString, chunksize);
        RunConfig c;
        c.workload = WorkloadKind::Cpu;
        c.tasks = 23;
        c.taskMs = 1;
        c.payloadBytes = 1000;
        c.model = static_cast<Model>(model);
        c.workers = 2;
        c.workerExecutable = CE_EXECUTABLE;
        QVERIFY(applyOption(c, "chunksize", chunksize.toStdString()).empty());
        const RunSnapshot r = mustRun(c);
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QVERIFY2(test::allInvariants(r).isEmpty(), qPrintable(test::allInvariants(r)));
        QCOMPARE(effectiveChunksize(withDefaults(c)), chunksize == QStringLiteral("auto") ? 3 : chunksize.toInt()); // ceil(23 / 8)
    }

    void taskCostStepAdvisesBatching()
    {
        WorkloadMeasure m = measured(1.0, 2000, false);
        m.taskS = 20e-6;
        m.perTaskCostS = 600e-6;
        const Advice a = advise(m);
        QCOMPARE(static_cast<int>(a.recommended), static_cast<int>(Model::Sequential));
        QCOMPARE(a.path.back().node, std::string("batch"));
        m.perTaskCostS = 1e-6;
        QCOMPARE(static_cast<int>(advise(m).recommended), static_cast<int>(Model::Tbb));
    }

    void sweepKeepsEveryPointInOrder()
    {
        QTemporaryDir dir;
        const QString json = dir.filePath(QStringLiteral("sweep.json"));
        const QString csv = dir.filePath(QStringLiteral("sweep.csv"));
        QProcess p;
        // 2000 threads are past this program's limit: refused, with the reason, in its place.
        p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("threads,eventloop"),
                                                QStringLiteral("--workers"), QStringLiteral("4,2000,1"), QStringLiteral("--workload"),
                                                QStringLiteral("io"), QStringLiteral("--wait-ms"), QStringLiteral("5"), QStringLiteral("--tasks"),
                                                QStringLiteral("8"), QStringLiteral("--json"), json, QStringLiteral("--csv"), csv,
                                                QStringLiteral("--quiet")});
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        const QJsonArray points = o[QStringLiteral("points")].toArray();
        QCOMPARE(points.size(), 6);
        const std::vector<std::pair<QString, int>> expected{{QStringLiteral("threads"), 4}, {QStringLiteral("threads"), 2000},
                                                            {QStringLiteral("threads"), 1}, {QStringLiteral("eventloop"), 4},
                                                            {QStringLiteral("eventloop"), 2000}, {QStringLiteral("eventloop"), 1}};
        for (int i = 0; i < points.size(); ++i) {
            const QJsonObject pt = points[i].toObject();
            QCOMPARE(pt[QStringLiteral("model")].toString(), expected[static_cast<std::size_t>(i)].first);
            QCOMPARE(pt[QStringLiteral("workers")].toInt(), expected[static_cast<std::size_t>(i)].second);
            const bool refused = pt[QStringLiteral("refused")].toBool();
            if (refused)
                QVERIFY(!pt[QStringLiteral("reason")].toString().isEmpty());
            else
                QCOMPARE(pt[QStringLiteral("status")].toString(), QStringLiteral("completed"));
        }
        QVERIFY(points[1].toObject()[QStringLiteral("refused")].toBool()); // 2000 threads
        QVERIFY(!points[4].toObject()[QStringLiteral("refused")].toBool()); // 2000 in flight on a loop: fine
        QCOMPARE(points[0].toObject()[QStringLiteral("speedup")].toDouble(), 1.0);
        QFile c(csv);
        QVERIFY(c.open(QIODevice::ReadOnly));
        QCOMPARE(c.readAll().count('\n'), 7); // header and six points
    }

    void sweepRefusesBadListsWithExitCode2()
    {
        for (const QStringList& args : {QStringList{QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("threads")},
                                        QStringList{QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("threads"),
                                                    QStringLiteral("--workers"), QStringLiteral("1,x")},
                                        QStringList{QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("fibers"),
                                                    QStringLiteral("--workers"), QStringLiteral("1")}}) {
            QProcess p;
            p.start(QStringLiteral(CE_EXECUTABLE), args);
            QVERIFY(p.waitForFinished(30000));
            QCOMPARE(p.exitCode(), 2);
            QCOMPARE(p.readAllStandardError().count('\n'), 1);
        }
    }

    // start-methods: each run of the comparison, made small, runs every task once; a new
    // worker per task starts one per task, a pool one per lane at most; forkserver runs start
    // one server; and nothing is left behind.
    void startMethodsStartTheirWorkers()
    {
        const auto p = findPreset("start-methods");
        QVERIFY(p);
        RunConfig base;
        QVERIFY(applyPreset(*p, base).empty());
        base.workerExecutable = CE_EXECUTABLE;
        base.tasks = 10;
        base.taskMs = 1;
        base.workers = 2;
        ComparisonRequest request;
        request.base = base;
        request.overrides = p->compare;
        std::string error;
        const auto configs = comparisonConfigs(request, &error);
        QVERIFY2(error.empty(), error.c_str());
        std::map<StartMethod, int> perTaskRuns;
        for (const RunConfig& c : configs) {
            const RunSnapshot r = mustRun(c);
            const std::string label = describeModel(c);
            QVERIFY2(r.status == RunStatus::Completed, label.c_str());
            QVERIFY2(test::allInvariants(r).isEmpty(), qPrintable(test::allInvariants(r)));
            std::set<std::int64_t> computed; // processes (or threads) that ran CPU parts
            for (const auto& ph : r.phases) {
                if (ph.state == State::Cpu)
                    computed.insert(ph.osId);
            }
            int workerStarts = 0, serverStarts = 0;
            for (const auto& ph : r.phases) {
                if (ph.state == State::Spawn)
                    ++(computed.count(ph.osId) ? workerStarts : serverStarts);
            }
            if (c.model != Model::Processes) {
                QCOMPARE(workerStarts + serverStarts, 0);
                continue;
            }
            QCOMPARE(serverStarts, c.startMethod == StartMethod::Forkserver ? 1 : 0);
            if (c.spawnPerTask) {
                ++perTaskRuns[c.startMethod];
                QVERIFY2(workerStarts == c.tasks, label.c_str());
            } else {
                QVERIFY2(workerStarts >= 1 && workerStarts <= c.workers, label.c_str());
            }
            QVERIFY2(test::eventuallyNoChildren(), qPrintable(test::childProcesses().join(QLatin1Char('\n'))));
        }
        QCOMPARE(perTaskRuns[StartMethod::Spawn], 1);
        QCOMPARE(perTaskRuns[StartMethod::Forkserver], 1);
    }

    void lessonPresetsLoadAndValidate()
    {
        for (const char* name : {"shared-counter", "await-vs-gather", "gil-released-kernel", "tiny-tasks-chunksize", "max-concurrency", "start-methods"}) {
            const auto p = findPreset(name);
            QVERIFY2(p, name);
            RunConfig c;
            QVERIFY(applyPreset(*p, c).empty());
            c.workerExecutable = CE_EXECUTABLE;
            QVERIFY2(validate(withDefaults(c)).empty(), name);
            ComparisonRequest request;
            request.base = c;
            request.overrides = p->compare;
            std::string error;
            const auto configs = comparisonConfigs(request, &error);
            QVERIFY2(error.empty(), error.c_str());
            QCOMPARE(configs.size(), p->compare.empty() ? allModels().size() : p->compare.size());
            for (const auto& v : configs) {
                if (!(v.workload == WorkloadKind::Counter && v.model == Model::Processes))
                    QVERIFY2(validate(withDefaults(v)).empty(), (std::string(name) + ": " + validate(withDefaults(v))).c_str());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestLessons)
#include "tst_lessons.moc"
