// The window, offscreen: it builds, a tiny run through it fills every track, the flowchart
// lights the expected path, export gives a PNG of the requested size, the GUI thread stays
// responsive while a run goes on, and a second run's snapshots are never mixed with the first's.
#include "CompareView.h"
#include "ce/Export.h"
#include "ce/RunFile.h"
#include "FlowchartView.h"
#include "ce/Options.h"
#include "MainWindow.h"
#include "SweepWindow.h"
#include "RunController.h"
#include "RunForm.h"
#include "Theme.h"
#include "TimelinePlot.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QSettings>
#include <QTest>
#include <QTimer>

using namespace ce;
using namespace ce::ui;

namespace {

void setOption(MainWindow& w, const char* name, const QString& value)
{
    QVERIFY2(w.form()->setOption(name, value), name); // as typed on the command line
}

bool runThroughWindow(MainWindow& w)
{
    w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE)); // this test binary is no worker
    QSignalSpy done(&w, &MainWindow::runFinished);
    w.startRun();
    return done.wait(60000);
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_settingsDir;

private Q_SLOTS:
    void initTestCase()
    {
        // The window's settings in a folder of this run's own: not the user's, and not
        // shared with another run of this test (a "predict first" left on by one would open
        // a modal dialog in the other's comparisons, which then wait for ever).
        QVERIFY(m_settingsDir.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("Concurrency Explorer tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QSettings().clear();
    }

    void windowBuilds()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.form()->config(nullptr).has_value());
        QVERIFY(w.flowchart()->highlightedPath().empty());
    }

    void cpuBoundRunUnderTheGilFillsEveryTrack()
    {
        MainWindow w;
        w.show();
        w.form()->selectPreset(QStringLiteral("gil-cpu-threads"));
        setOption(w, "task-ms", QStringLiteral("40"));
        QVERIFY(runThroughWindow(w));
        const TimelineModel& m = w.timeline()->model();
        QCOMPARE(m.run().summary.tasksDone, 2);
        QCOMPARE(m.lanes(), 2);
        QVERIFY(!m.lane(0).empty() && !m.lane(1).empty());
        QVERIFY(m.cores() > 0);
        QVERIFY(m.hasGilTrack() && !m.gilHolders().empty());
        // CPU-bound under a GIL: the CPU branch, then "yes", then processes.
        const std::vector<std::string> expected{"start", "task-cost", "cpu-gil", "cpu-release", "processes"};
        QCOMPARE(w.flowchart()->highlightedPath(), expected);
    }

    void ioBoundRunTakesTheIoBranch()
    {
        MainWindow w;
        w.show();
        w.form()->selectPreset(QStringLiteral("ten-downloads-threads"));
        setOption(w, "wait-ms", QStringLiteral("20"));
        QVERIFY(runThroughWindow(w));
        QCOMPARE(w.timeline()->model().run().summary.tasksDone, 10);
        const std::vector<std::string> expected{"start", "io-count", "threads"};
        QCOMPARE(w.flowchart()->highlightedPath(), expected);
        QVERIFY(!w.timeline()->model().hasLagTrack());
    }

    void eventLoopRunHasALagTrack()
    {
        MainWindow w;
        w.show();
        w.form()->selectPreset(QStringLiteral("blocking-eventloop"));
        setOption(w, "tasks", QStringLiteral("3"));
        setOption(w, "task-ms", QStringLiteral("20"));
        QVERIFY(runThroughWindow(w));
        QVERIFY(w.timeline()->model().hasLagTrack());
        QVERIFY(!w.timeline()->model().run().lagSamples.empty());
    }

    void exportHasTheRequestedSize()
    {
        MainWindow w;
        w.form()->selectPreset(QStringLiteral("nogil-cpu-threads"));
        setOption(w, "task-ms", QStringLiteral("20"));
        QVERIFY(runThroughWindow(w));
        QTemporaryDir dir;
        QString error;
        QVERIFY2(w.exportPng(dir.filePath(QStringLiteral("t.png")), QSize(1200, 700), &error), qPrintable(error));
        const QImage image(dir.filePath(QStringLiteral("t.png")));
        QCOMPARE(image.size(), QSize(1200, 700) * w.devicePixelRatioF());
        QVERIFY(!w.exportPng(dir.filePath(QStringLiteral("missing/t.png")), QSize(1200, 700), &error));
        QVERIFY(!error.isEmpty());
        // The whole window, as it is.
        w.resize(1100, 700);
        QVERIFY2(w.exportWindow(dir.filePath(QStringLiteral("w.png")), &error), qPrintable(error));
        QCOMPARE(QImage(dir.filePath(QStringLiteral("w.png"))).size(), w.size() * w.devicePixelRatioF());
        QVERIFY2(w.exportWindow(dir.filePath(QStringLiteral("w.pdf")), &error), qPrintable(error));
        QVERIFY(!w.exportWindow(dir.filePath(QStringLiteral("w.bmp")), &error));
        // Cores as lines: one line a core and this run's mean.
        w.timeline()->setCoreLines(true);
        QVERIFY(w.timeline()->coreLines());
        QVERIFY2(w.exportPng(dir.filePath(QStringLiteral("lines.png")), QSize(1200, 700), &error), qPrintable(error));
        QCOMPARE(w.timeline()->plot()->graphCount(), w.timeline()->model().cores() + 1);
    }

    void savedRunOpensAndDamagedFilesChangeNothing()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("run.json"));
        {
            MainWindow w;
            w.form()->selectPreset(QStringLiteral("convoy"));
            setOption(w, "task-ms", QStringLiteral("60"));
            setOption(w, "rounds", QStringLiteral("5"));
            QVERIFY(runThroughWindow(w));
            QString error;
            QVERIFY2(w.saveRun(file, &error), qPrintable(error));
        }
        MainWindow w;
        QString error;
        QVERIFY2(w.openRun(file, &error), qPrintable(error));
        QVERIFY(w.timeline()->model().run().config.workload == WorkloadKind::Convoy);
        QCOMPARE(w.timeline()->model().lanes(), 2);
        QVERIFY(!w.flowchart()->highlightedPath().empty());
        const int phases = static_cast<int>(w.timeline()->model().run().phases.size());
        // A damaged file: an error, and what is shown stays as it was.
        QFile damaged(dir.filePath(QStringLiteral("damaged.json")));
        QVERIFY(damaged.open(QIODevice::WriteOnly));
        damaged.write("{\"format\": \"concurrency-explorer-run\", \"version\": 1, \"tasks\": [{\"id\": 5}]");
        damaged.close();
        QVERIFY(!w.openRun(damaged.fileName(), &error));
        QVERIFY(!error.isEmpty());
        QCOMPARE(static_cast<int>(w.timeline()->model().run().phases.size()), phases);
        QVERIFY(!w.openRun(dir.filePath(QStringLiteral("nothing-here.json")), &error));
    }

    // Files that crashed or stalled the window: each is refused with one line naming what is
    // wrong, and what is shown stays as it was.
    void hostileFilesLeaveTheViewAsItWas()
    {
        QTemporaryDir dir;
        MainWindow w;
        w.resize(1200, 800);
        w.show();
        setOption(w, "tasks", QStringLiteral("3"));
        setOption(w, "task-ms", QStringLiteral("5"));
        QVERIFY(runThroughWindow(w));
        const QString good = dir.filePath(QStringLiteral("good.json"));
        QString error;
        QVERIFY2(w.saveRun(good, &error), qPrintable(error));
        QFile gf(good);
        QVERIFY(gf.open(QIODevice::ReadOnly));
        const QJsonObject base = QJsonDocument::fromJson(gf.readAll()).object();
        const auto phases = w.timeline()->model().run().phases.size();
        const int cores = w.timeline()->model().cores();
        QVERIFY(cores > 0);

        auto withSample = [&](const QJsonObject& sample, double elapsed = -1) {
            QJsonObject o = base;
            QJsonObject cs = o[QStringLiteral("core_samples")].toObject();
            cs[QStringLiteral("samples")] = QJsonArray{sample};
            o[QStringLiteral("core_samples")] = cs;
            if (elapsed >= 0)
                o[QStringLiteral("elapsed_s")] = elapsed;
            return QJsonDocument(o).toJson(QJsonDocument::Compact);
        };
        QJsonObject manyErrors = base;
        QJsonArray errors;
        for (int i = 0; i < 10000; ++i)
            errors.append(QStringLiteral("worker %1 exited with code 1").arg(i));
        manyErrors[QStringLiteral("errors")] = errors;
        const QList<QByteArray> hostile{
            R"({"format":"concurrency-explorer-run","version":1,"core_samples":{"samples":[{"t_ns":9e18,"core":0}]}})",
            withSample({{QStringLiteral("t_ns"), 9e18}, {QStringLiteral("core"), 0}, {QStringLiteral("total_pct"), 1}, {QStringLiteral("run_pct"), 1}}),
            withSample({{QStringLiteral("t_ns"), 1e6}, {QStringLiteral("core"), 2147483647}, {QStringLiteral("total_pct"), 1}, {QStringLiteral("run_pct"), 1}}),
            withSample({{QStringLiteral("t_ns"), 1e18}, {QStringLiteral("core"), 0}, {QStringLiteral("total_pct"), 1}, {QStringLiteral("run_pct"), 1}}),
            withSample({{QStringLiteral("t_ns"), -1e18}, {QStringLiteral("core"), 0}, {QStringLiteral("total_pct"), 1}, {QStringLiteral("run_pct"), 1}}),
            withSample({{QStringLiteral("t_ns"), 1e12}, {QStringLiteral("core"), 20000}, {QStringLiteral("total_pct"), 1}, {QStringLiteral("run_pct"), 1}}, 1000),
            QJsonDocument(manyErrors).toJson(QJsonDocument::Compact),
        };
        for (const QByteArray& content : hostile) {
            const QString file = dir.filePath(QStringLiteral("hostile.json"));
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(content);
            f.close();
            QVERIFY(!w.openRun(file, &error));
            QVERIFY(!error.isEmpty());
            QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error));
            QCOMPARE(w.timeline()->model().run().phases.size(), phases);
            QCOMPARE(w.timeline()->model().cores(), cores);
            QVERIFY(!w.showingComparison());
        }
        QVERIFY(error.contains(QLatin1String("errors has 10000 entries")));
#if defined(__linux__)
        // Saving or exporting onto a FIFO is refused and leaves it a FIFO.
        const QString fifo = dir.filePath(QStringLiteral("fifo.json"));
        QCOMPARE(QProcess::execute(QStringLiteral("mkfifo"), {fifo}), 0);
        QVERIFY(!w.saveRun(fifo, &error));
        QVERIFY2(error.contains(QLatin1String("not a regular file")), qPrintable(error));
        QVERIFY(!w.exportWindow(fifo, &error));
        QVERIFY(QFileInfo(fifo).exists() && !QFileInfo(fifo).isFile());
#endif
    }

    // A comparison is saved as one file and opens as a comparison again.
    void comparisonSavesAndOpens()
    {
        QTemporaryDir dir;
        RunSnapshot run;
        {
            MainWindow w;
            setOption(w, "tasks", QStringLiteral("2"));
            setOption(w, "task-ms", QStringLiteral("5"));
            QVERIFY(runThroughWindow(w));
            run = w.lastRun();
        }
        std::string why;
        const QString file = dir.filePath(QStringLiteral("cmp.json"));
        QVERIFY(writeCompareJson(file, {run, run, run}, advise({0.9, 4, true, {}}), &why));
        MainWindow w;
        QString error;
        QVERIFY2(w.openRun(file, &error), qPrintable(error));
        QVERIFY(w.showingComparison());
        QCOMPARE(w.compareView()->plots(), 3);
        QCOMPARE(w.lastComparison().size(), std::size_t(3));
        QVERIFY(!w.flowchart()->highlightedPath().empty());
        // Switching the theme keeps the verdict and recolours the small multiples already drawn.
        w.resize(1300, 800);
        w.show();
        const QString header = w.compareView()->headerText();
        QVERIFY(header.contains(QStringLiteral("flowchart")));
        w.setTheme(Theme::dark());
        QCOMPARE(w.compareView()->headerText(), header);
        QVERIFY(qGray(w.compareView()->plot(0)->grab().toImage().pixel(3, 3)) < 80);
        w.setTheme(Theme::light());
        QVERIFY(qGray(w.compareView()->plot(0)->grab().toImage().pixel(3, 3)) > 240);
        const QString again = dir.filePath(QStringLiteral("again.json"));
        QVERIFY2(w.saveRun(again, &error), qPrintable(error));
        RunFile back;
        QVERIFY2(readRunFile(again, back, &why), why.c_str());
        QVERIFY(back.comparison && back.advice);
        QCOMPARE(back.runs.size(), std::size_t(3));
    }

    void compareRunsThePresetsListAndSaysWhoWon()
    {
        MainWindow w;
        w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE));
        w.show();
        w.form()->selectPreset(QStringLiteral("process-pool-map"));
        QCOMPARE(w.form()->presetName(), QStringLiteral("process-pool-map")); // loading is not an edit
        QSignalSpy done(&w, &MainWindow::runFinished);
        w.startCompare();
        QVERIFY(done.wait(120000));
        const auto& runs = w.lastComparison();
        QCOMPARE(runs.size(), std::size_t(3)); // sequential, threads, processes: the preset's list
        QVERIFY(w.showingComparison());
        QCOMPARE(w.compareView()->plots(), 3);
        for (const auto& r : runs)
            QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QVERIFY(runs[2].summary.speedup > 0);
        const std::vector<std::string> expected{"start", "task-cost", "cpu-gil", "cpu-release", "processes"};
        QCOMPARE(w.flowchart()->highlightedPath(), expected);
        QTemporaryDir dir;
        QString error;
        QVERIFY(w.exportPng(dir.filePath(QStringLiteral("cmp.png")), QSize(1000, 900), &error));
        QCOMPARE(QImage(dir.filePath(QStringLiteral("cmp.png"))).size(), QSize(1000, 900) * w.devicePixelRatioF());
    }

    void darkThemeReachesThePlotsNotTheFigures()
    {
        MainWindow w;
        w.resize(1300, 800);
        w.show();
        w.form()->selectPreset(QStringLiteral("nogil-cpu-threads"));
        setOption(w, "task-ms", QStringLiteral("20"));
        QVERIFY(runThroughWindow(w));
        w.setTheme(Theme::dark());
        const QImage shown = w.timeline()->grab().toImage();
        QVERIFY(qGray(shown.pixel(3, 3)) < 80); // the plot's background is dark
        const QImage flow = w.flowchart()->grab().toImage();
        QVERIFY(qGray(flow.pixel(3, flow.height() - 3)) < 80);
        QTemporaryDir dir;
        QString error;
        QVERIFY(w.exportPng(dir.filePath(QStringLiteral("dark.png")), QSize(900, 500), &error));
        QVERIFY(qGray(QImage(dir.filePath(QStringLiteral("dark.png"))).pixel(3, 3)) > 240); // slides stay light
        w.setTheme(Theme::light());
        QVERIFY(qGray(w.timeline()->grab().toImage().pixel(3, 3)) > 240);
    }

    void badInputDisablesRunAndSaysWhy()
    {
        MainWindow w;
        w.form()->selectPreset(QStringLiteral("gil-cpu-threads"));
        // A spin box takes no words and nothing outside the option's bounds...
        QVERIFY(!w.form()->setOption("tasks", QStringLiteral("zero")));
        QVERIFY(!w.form()->setOption("tasks", QStringLiteral("0")));
        // ...so what is left to refuse are options that do not go together.
        setOption(w, "workload", QStringLiteral("convoy"));
        setOption(w, "tasks", QStringLiteral("1"));
        QString problem;
        QVERIFY(!w.form()->config(&problem));
        QVERIFY(problem.contains(QStringLiteral("convoy")));
        w.startRun(); // refused, nothing starts
        QVERIFY(!w.controller()->isRunning());
    }

    void guiStaysResponsiveDuringARun()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.form()->selectPreset(QStringLiteral("process-pool-map"));
        setOption(w, "task-ms", QStringLiteral("300"));
        // The GUI thread's own loop lag, measured with a 10 ms heartbeat while the run goes on.
        QElapsedTimer clock;
        qint64 last = 0, worst = 0;
        QTimer beat;
        beat.setTimerType(Qt::PreciseTimer);
        connect(&beat, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            worst = std::max(worst, now - last - 10);
            last = now;
        });
        clock.start();
        beat.start(10);
        QVERIFY(runThroughWindow(w));
        beat.stop();
        QCOMPARE(w.lastRun().summary.tasksDone, 8);
        // A GUI that waited on the engine would stall for about the whole run. Compared with
        // the run's own length, so a busy machine (which stretches both) cannot fail it.
        const double makespanMs = w.lastRun().summary.makespanS * 1000;
        QVERIFY2(worst < makespanMs / 2, qPrintable(QStringLiteral("GUI thread stalled %1 ms of a %2 ms run").arg(worst).arg(makespanMs)));
    }

    // The controller holds one run and polls only it: once a second run has started, every
    // snapshot it delivers is the new run's (the old run's never arrive late).
    void aNewRunsSnapshotsAreNotMixedWithTheOld()
    {
        RunController c;
        QList<int> tasks;
        connect(&c, &RunController::snapshotAvailable, [&](const RunSnapshot& s) { tasks << s.config.tasks; });
        RunConfig cfg;
        cfg.model = Model::Threads;
        cfg.workers = 2;
        cfg.tasks = 4;
        cfg.taskMs = 20;
        QString error;
        QVERIFY(c.start(cfg, &error));
        QVERIFY(!c.start(cfg, &error)); // one at a time
        QSignalSpy done(&c, &RunController::finished);
        QVERIFY(done.wait(30000));
        QCOMPARE(done.takeFirst().at(0).value<RunSnapshot>().config.tasks, 4);
        const qsizetype firstRun = tasks.size();
        cfg.tasks = 6;
        QVERIFY(c.start(cfg, &error));
        QVERIFY(done.wait(30000));
        QCOMPARE(done.takeFirst().at(0).value<RunSnapshot>().config.tasks, 6);
        QVERIFY(firstRun > 0 && tasks.size() > firstRun);
        for (qsizetype i = 0; i < tasks.size(); ++i)
            QCOMPARE(tasks[i], i < firstRun ? 4 : 6);
    }

    // A slot that starts the next run as soon as it hears the last one ended (as a
    // comparison does) keeps the new run polled to its end.
    void aRunStartedWhenTheLastEndsIsPolledToItsEnd()
    {
        RunController c;
        RunConfig cfg;
        cfg.model = Model::Threads;
        cfg.workers = 2;
        cfg.tasks = 2;
        cfg.taskMs = 10;
        int started = 0;
        connect(&c, &RunController::snapshotAvailable, [&](const RunSnapshot& s) {
            if (s.status != RunStatus::Running && started == 0) {
                QString error;
                started += c.start(cfg, &error) ? 1 : 0;
            }
        });
        QSignalSpy done(&c, &RunController::finished);
        QString error;
        QVERIFY(c.start(cfg, &error));
        QVERIFY(done.wait(30000));
        QCOMPARE(started, 1);
        QVERIFY(done.count() >= 2 || done.wait(30000)); // the second run's end arrives too
        QVERIFY(!c.isRunning());
    }

    // The window's progress bar counts ended tasks from each frame's status changes: on every
    // frame that count equals a count over all the live copy's tasks, and at the end all.
    void finishedTasksFollowTheDeltas()
    {
        RunController c;
        RunConfig cfg;
        cfg.model = Model::EventLoop;
        cfg.workload = WorkloadKind::Io;
        cfg.tasks = 3000;
        cfg.waitMs = 20;
        cfg.workers = 100; // in flight at once: tasks end over many frames
        int frames = 0, mismatches = 0;
        connect(&c, &RunController::snapshotAvailable, [&](const RunSnapshot& s) {
            int ended = 0;
            for (const auto& t : s.tasks)
                ended += (t.status == TaskStatus::Done || t.status == TaskStatus::Failed || t.status == TaskStatus::Cancelled) ? 1 : 0;
            ++frames;
            mismatches += ended == c.finishedTasks() ? 0 : 1;
        });
        QSignalSpy done(&c, &RunController::finished);
        QString error;
        QVERIFY2(c.start(cfg, &error), qPrintable(error));
        QVERIFY(done.wait(120000));
        QVERIFY(frames >= 1);
        QCOMPARE(mismatches, 0);
        QCOMPARE(c.finishedTasks(), 3000);
    }

    void sweepWindowKeepsEveryPointInOrder()
    {
        RunConfig base;
        base.workload = WorkloadKind::Io;
        base.tasks = 6;
        base.waitMs = 5;
        base.workerExecutable = CE_EXECUTABLE;
        SweepWindow w(base, QStringLiteral("threads,eventloop"), QStringLiteral("3,5000,1"));
        w.show();
        QSignalSpy done(&w, &SweepWindow::finished);
        w.start();
        QVERIFY(done.wait(120000));
        const SweepResult r = w.result();
        QCOMPARE(r.points.size(), std::size_t(6));
        const int order[] = {3, 5000, 1, 3, 5000, 1};
        for (std::size_t i = 0; i < r.points.size(); ++i) {
            QCOMPARE(r.points[i].workers, order[i]);
            QCOMPARE(static_cast<int>(r.points[i].model), static_cast<int>(i < 3 ? Model::Threads : Model::EventLoop));
            QVERIFY(r.points[i].refused ? !r.points[i].reason.empty() : r.points[i].status == RunStatus::Completed);
        }
        QVERIFY(r.points[1].refused); // 5000 threads: past this program's limit
        if (!qEnvironmentVariableIsEmpty("CE_SHOT_DIR"))
            w.grab().save(qEnvironmentVariable("CE_SHOT_DIR") + QStringLiteral("/sweep-window.png"));
    }
#if defined(CE_RECORD_HELPER)
    // "Record a program…": the same live view, lanes from the OS, the flowchart answered.
    void recordsAProgramThroughTheWindow()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy done(&w, &MainWindow::runFinished);
        QString error;
        QVERIFY2(w.startRecording({QStringLiteral(CE_RECORD_HELPER), QStringLiteral("--threads"), QStringLiteral("3"), QStringLiteral("--spin"),
                                   QStringLiteral("--seconds"), QStringLiteral("0.6")},
                                  &error),
                 qPrintable(error));
        QVERIFY(!w.startRecording({QStringLiteral("true")}, &error)); // one at a time
        QVERIFY(done.wait(60000));
        const RunSnapshot& r = w.lastRun();
        QVERIFY(r.record.active);
        QVERIFY2(r.status == RunStatus::Completed, toString(r.status).data());
        // The helper's 3 threads; a sanitizer runtime may add a thread of its own at exit
        // (LeakSanitizer's tracer), which the OS rightly shows.
        QVERIFY2(r.lanes >= 3 && r.lanes <= 4, qPrintable(QString::number(r.lanes)));
        QVERIFY(!w.flowchart()->highlightedPath().empty());
        QVERIFY(!w.startRecording({QStringLiteral("/no/such/program")}, &error));
        QVERIFY(error.contains(QStringLiteral("does not exist")));
        if (const QString shot = qEnvironmentVariable("CE_RECORD_SHOT"); !shot.isEmpty()) {
            QTest::qWait(100); // let the summary's new text be laid out
            QVERIFY(w.exportWindow(shot, &error));
        }
    }
#endif
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
