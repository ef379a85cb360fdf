// The real executable: bad arguments, outputs, Ctrl+C, crashes, and nothing left behind.
#include "Invariants.h"
#include "ProcessProbe.h"
#include "RunProgram.h"

#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QDeadlineTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

#if defined(__linux__)
#include <csignal>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

class TestCli : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    using Result = ce::test::ProgramResult;

    static Result run(const QStringList& args, int timeoutMs = 120000) { return ce::test::runProgram(QStringLiteral(CE_EXECUTABLE), args, timeoutMs); }

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    // Waits (bounded) until the program's progress line on stderr reports at least `done`
    // finished tasks (the first line comes after a second of running: phases are recorded by
    // then, however slow the machine). Returns the stderr read so far, empty on timeout.
    static QByteArray waitForProgress(QProcess& p, int done = 0, int timeoutMs = 60000)
    {
        static const QRegularExpression progress(QStringLiteral("(\\d+)/\\d+ tasks"));
        p.setReadChannel(QProcess::StandardError);
        QByteArray err;
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired() && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            err += p.readAllStandardError();
            for (const auto& line : err.split('\n')) {
                const auto m = progress.match(QString::fromUtf8(line));
                if (m.hasMatch() && m.captured(1).toInt() >= done)
                    return err;
            }
        }
        return {};
    }

#if defined(__linux__)
    // Starts the program with a lowered limit (the test's own limits stay as they are).
    Result runLimited(const QStringList& args, int resource, rlim_t limit)
    {
        QProcess p;
        p.setChildProcessModifier([resource, limit] {
            const rlimit rl{limit, limit};
            ::setrlimit(resource, &rl);
        });
        p.start(QStringLiteral(CE_EXECUTABLE), args);
        if (!p.waitForFinished(120000)) {
            p.kill();
            p.waitForFinished();
        }
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
    }
#endif

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
#if defined(__linux__)
        // Orphans of the programs we start are re-parented to us, so we can see them.
        prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
    }

    void badArgumentsGiveOneLineAndExitCode2_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        auto row = [](const char* name, QStringList args, const char* mentions) { QTest::newRow(name) << args << QString::fromLatin1(mentions); };
        row("unknown command", {QStringLiteral("fly")}, "unknown command");
        row("unknown option", {QStringLiteral("run"), QStringLiteral("--speed"), QStringLiteral("9")}, "--speed");
        row("missing value", {QStringLiteral("run"), QStringLiteral("--tasks")}, "--tasks");
        row("not a number", {QStringLiteral("run"), QStringLiteral("--tasks"), QStringLiteral("ten")}, "--tasks");
        row("too many tasks", {QStringLiteral("run"), QStringLiteral("--tasks"), QStringLiteral("100001")}, "100000");
        row("negative wait", {QStringLiteral("run"), QStringLiteral("--wait-ms"), QStringLiteral("-5")}, "--wait-ms");
        row("bad model", {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("fibers")}, "--model");
        row("bad kernel", {QStringLiteral("run"), QStringLiteral("--kernel"), QStringLiteral("bogo")}, "--kernel");
        row("bad io", {QStringLiteral("run"), QStringLiteral("--io"), QStringLiteral("pigeon")}, "--io");
        row("fork start method", {QStringLiteral("run"), QStringLiteral("--start-method"), QStringLiteral("fork")}, "spawn, forkserver");
        row("bad preset", {QStringLiteral("run"), QStringLiteral("--preset"), QStringLiteral("nope")}, "nope");
        row("huge payload", {QStringLiteral("run"), QStringLiteral("--payload-bytes"), QStringLiteral("99999999999")}, "--payload-bytes");
        row("unlimited threads", {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("threads"), QStringLiteral("--workers"), QStringLiteral("0")}, "--workers");
        row("too many processes", {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--workers"), QStringLiteral("65")}, "64");
        row("offload elsewhere", {QStringLiteral("run"), QStringLiteral("--offload"), QStringLiteral("2")}, "--offload");
        row("offload to nowhere", {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("eventloop"), QStringLiteral("--offload"), QStringLiteral("2"), QStringLiteral("--offload-to"), QStringLiteral("gpus")}, "--offload-to");
        row("too many offload processes", {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("eventloop"), QStringLiteral("--offload"), QStringLiteral("65"), QStringLiteral("--offload-to"), QStringLiteral("processes")}, "64");
        row("sample too fast", {QStringLiteral("run"), QStringLiteral("--sample-ms"), QStringLiteral("1")}, "--sample-ms");
        row("switch interval", {QStringLiteral("run"), QStringLiteral("--switch-interval-ms"), QStringLiteral("0")}, "--switch-interval-ms");
        row("loop pass", {QStringLiteral("run"), QStringLiteral("--loop-pass-us"), QStringLiteral("-1")}, "--loop-pass-us");
        row("json folder missing", {QStringLiteral("run"), QStringLiteral("--json"), QStringLiteral("/no/such/dir/x.json")}, "does not exist");
        row("bad models list", {QStringLiteral("compare"), QStringLiteral("--models"), QStringLiteral("threads,goroutines")}, "goroutines");
        row("stray argument", {QStringLiteral("run"), QStringLiteral("threads")}, "threads");
        row("bad port", {QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("70000")}, "--port");
        row("tiny figure", {QStringLiteral("run"), QStringLiteral("--png"), QStringLiteral("x.png"), QStringLiteral("--size"), QStringLiteral("10x10")}, "--size");
        row("figure size words", {QStringLiteral("run"), QStringLiteral("--size"), QStringLiteral("big")}, "--size");
        row("png folder missing", {QStringLiteral("run"), QStringLiteral("--png"), QStringLiteral("/no/such/dir/x.png")}, "does not exist");
        row("svg named png", {QStringLiteral("run"), QStringLiteral("--svg"), QStringLiteral("x.png")}, ".svg");
        row("worker timeout zero", {QStringLiteral("run"), QStringLiteral("--worker-timeout-s"), QStringLiteral("0")}, "--worker-timeout-s");
        row("worker timeout nan", {QStringLiteral("run"), QStringLiteral("--worker-timeout-s"), QStringLiteral("nan")}, "--worker-timeout-s");
        // Arguments that used to be ignored, and echoed input that used to break the line.
        row("options without a command", {QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--tasks"), QStringLiteral("4")}, "no command");
        row("empty command", {QString(), QStringLiteral("--tasks"), QStringLiteral("4")}, "no command");
        row("flag given yes", {QStringLiteral("run"), QStringLiteral("--spawn-per-task=yes")}, "--spawn-per-task");
        row("no-gil given 1", {QStringLiteral("run"), QStringLiteral("--no-gil=1")}, "--no-gil");
        row("quiet given 0", {QStringLiteral("run"), QStringLiteral("--quiet=0")}, "--quiet");
        row("gil given off", {QStringLiteral("run"), QStringLiteral("--gil=off")}, "--gil");
        row("empty preset", {QStringLiteral("run"), QStringLiteral("--preset"), QString()}, "--preset");
        row("empty preset inline", {QStringLiteral("compare"), QStringLiteral("--preset=")}, "--preset");
        row("seconds nan", {QStringLiteral("serve"), QStringLiteral("--seconds"), QStringLiteral("nan")}, "--seconds");
        row("seconds inf", {QStringLiteral("serve"), QStringLiteral("--seconds"), QStringLiteral("inf")}, "--seconds");
        row("task-ms nan", {QStringLiteral("run"), QStringLiteral("--task-ms"), QStringLiteral("nan")}, "--task-ms");
        row("scale nan", {QStringLiteral("run"), QStringLiteral("--scale"), QStringLiteral("nan")}, "--scale");
        row("scale too big", {QStringLiteral("run"), QStringLiteral("--scale"), QStringLiteral("9")}, "--scale");
        row("newline in a model", {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("a\nb")}, "a\\nb");
        row("escape in an option", {QStringLiteral("run"), QStringLiteral("--x\033[2J\ry")}, "\\x1b");
        row("two outputs to stdout", {QStringLiteral("run"), QStringLiteral("--json"), QStringLiteral("-"), QStringLiteral("--csv"), QStringLiteral("-")}, "only one");
        // Outputs that are not files.
        row("json to /dev/null", {QStringLiteral("run"), QStringLiteral("--json"), QStringLiteral("/dev/null")}, "not a regular file");
        row("csv to /dev/stdout", {QStringLiteral("run"), QStringLiteral("--csv"), QStringLiteral("/dev/stdout")}, "not a regular file");
        row("json to a directory", {QStringLiteral("run"), QStringLiteral("--json"), QStringLiteral("/tmp")}, "is a directory");
        row("trace in /proc", {QStringLiteral("run"), QStringLiteral("--trace"), QStringLiteral("/proc/self/t.json")}, "not writable");
        row("json over /proc/self/status", {QStringLiteral("run"), QStringLiteral("--json"), QStringLiteral("/proc/self/status")}, "not writable");
        row("png in a file", {QStringLiteral("run"), QStringLiteral("--png"), QStringLiteral("/etc/hostname/x.png")}, "/etc/hostname");
        row("newline in a path", {QStringLiteral("run"), QStringLiteral("--json"), QStringLiteral("/no/such\ndir/x.json")}, "such\\ndir");
        // render
        row("render without a file", {QStringLiteral("render")}, "render needs");
        row("render a missing file", {QStringLiteral("render"), QStringLiteral("/no/such/run.json")}, "no such file");
        row("render a directory", {QStringLiteral("render"), QStringLiteral("/tmp")}, "directory");
        row("render a device", {QStringLiteral("render"), QStringLiteral("/dev/zero")}, "not a regular file");
        row("render runs nothing", {QStringLiteral("render"), QStringLiteral("x.json"), QStringLiteral("--tasks"), QStringLiteral("3")}, "runs nothing");
        row("render two files", {QStringLiteral("render"), QStringLiteral("a.json"), QStringLiteral("b.json")}, "b.json");
        row("convoy of one", {QStringLiteral("run"), QStringLiteral("--workload"), QStringLiteral("convoy"), QStringLiteral("--tasks"), QStringLiteral("1")}, "convoy");
    }

    void badArgumentsGiveOneLineAndExitCode2()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Result r = run(args, 30000);
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.startsWith("concurrency-explorer: "), r.err.constData());
        QVERIFY2(QString::fromUtf8(r.err).contains(mentions), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    void helpAndList()
    {
        Result r = run({QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("--switch-interval-ms"));
        r = run({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QVERIFY(o[QStringLiteral("presets")].toArray().size() >= 9);
    }

    void runWritesItsFiles()
    {
        const Result r = run({QStringLiteral("run"), QStringLiteral("--preset"), QStringLiteral("gil-cpu-threads"), QStringLiteral("--task-ms"),
                              QStringLiteral("30"), QStringLiteral("--json"), path("run.json"), QStringLiteral("--csv"), path("run.csv"),
                              QStringLiteral("--trace"), path("run.trace.json"), QStringLiteral("--png"), path("run.png"),
                              QStringLiteral("--size"), QStringLiteral("1000x600")});
        QCOMPARE(r.code, 0);
        QCOMPARE(QImage(path("run.png")).size(), QSize(1000, 600));
        QVERIFY(r.out.contains("GIL:"));
        QFile f(path("run.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("status")].toString(), QStringLiteral("completed"));
        QVERIFY(o[QStringLiteral("summary")].toObject()[QStringLiteral("gil_wait_s")].toDouble() > 0);
        QVERIFY(QFile::exists(path("run.csv")));
        QVERIFY(QFile::exists(path("run.trace.json")));
    }

    void compareAndAdvise()
    {
        Result r = run({QStringLiteral("compare"), QStringLiteral("--models"), QStringLiteral("sequential,threads,eventloop"), QStringLiteral("--workload"),
                        QStringLiteral("io"), QStringLiteral("--tasks"), QStringLiteral("20"), QStringLiteral("--wait-ms"), QStringLiteral("10"),
                        QStringLiteral("--json"), path("cmp.json")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("Decision flowchart"));
        QFile f(path("cmp.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("runs")].toArray().size(), 3);
        QCOMPARE(o[QStringLiteral("advice")].toObject()[QStringLiteral("recommended")].toString(), QStringLiteral("threads"));

        r = run({QStringLiteral("advise"), QStringLiteral("--workload"), QStringLiteral("cpu"), QStringLiteral("--task-ms"), QStringLiteral("20"),
                 QStringLiteral("--gil")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("Processes"), r.out.constData());
    }

#if defined(__linux__)
    void interruptKeepsWhatWasRecordedAndLeavesNoProcess_data()
    {
        QTest::addColumn<QString>("model");
        QTest::newRow("processes") << QStringLiteral("processes");
        QTest::newRow("threads") << QStringLiteral("threads");
        QTest::newRow("eventloop") << QStringLiteral("eventloop");
    }

    void interruptKeepsWhatWasRecordedAndLeavesNoProcess()
    {
        QFETCH(QString, model);
        QProcess p;
        p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("run"), QStringLiteral("--model"), model, QStringLiteral("--workload"),
                                                QStringLiteral("mixed"), QStringLiteral("--tasks"), QStringLiteral("200"), QStringLiteral("--task-ms"),
                                                QStringLiteral("50"), QStringLiteral("--wait-ms"), QStringLiteral("50"), QStringLiteral("--json"),
                                                path("cancelled.json")});
        QVERIFY(p.waitForStarted());
        QVERIFY(!waitForProgress(p).isEmpty());
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        QFile f(path("cancelled.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("status")].toString(), QStringLiteral("cancelled"));
        QVERIFY(!o[QStringLiteral("tasks")].toArray().isEmpty());
        QVERIFY2(ce::test::eventuallyNoChildren(), qPrintable(ce::test::childProcesses().join(QLatin1Char('\n'))));
    }

    // A terminal's Ctrl+C (or hang-up, or a service manager's stop) goes to the whole process
    // group, workers included: the outcome must be that of a signal to the program alone.
    void groupSignalCancels_data()
    {
        QTest::addColumn<QStringList>("model");
        QTest::addColumn<int>("signal");
        const QStringList pool{QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--workers"), QStringLiteral("2")};
        const QStringList perTask = pool + QStringList{QStringLiteral("--spawn-per-task")};
        const QStringList threads{QStringLiteral("--model"), QStringLiteral("threads")};
        QTest::newRow("processes INT") << pool << SIGINT;
        QTest::newRow("processes HUP") << pool << SIGHUP;
        QTest::newRow("processes TERM") << pool << SIGTERM;
        QTest::newRow("processes per task INT") << perTask << SIGINT;
        QTest::newRow("processes per task HUP") << perTask << SIGHUP;
        const QStringList forkserver = pool + QStringList{QStringLiteral("--start-method"), QStringLiteral("forkserver")};
        QTest::newRow("processes forkserver INT") << forkserver << SIGINT;
        QTest::newRow("processes forkserver TERM") << forkserver << SIGTERM;
        QTest::newRow("processes forkserver per task INT") << forkserver + QStringList{QStringLiteral("--spawn-per-task")} << SIGINT;
        QTest::newRow("threads HUP") << threads << SIGHUP;
    }

    void groupSignalCancels()
    {
        QFETCH(QStringList, model);
        QFETCH(int, signal);
        QFile::remove(path("group.json"));
        QProcess p;
        p.setChildProcessModifier([] { ::setpgid(0, 0); }); // a group of its own, as a shell's job
        p.start(QStringLiteral(CE_EXECUTABLE), QStringList{QStringLiteral("run"), QStringLiteral("--workload"), QStringLiteral("mixed"),
                                                           QStringLiteral("--task-ms"), QStringLiteral("5"), QStringLiteral("--wait-ms"),
                                                           QStringLiteral("25"), QStringLiteral("--tasks"), QStringLiteral("2000"),
                                                           QStringLiteral("--json"), path("group.json")}
                                                   + model);
        QVERIFY(p.waitForStarted());
        QVERIFY(!waitForProgress(p, 1).isEmpty());
        QCOMPARE(::kill(-static_cast<pid_t>(p.processId()), signal), 0);
        QVERIFY(p.waitForFinished(60000));
        const QByteArray out = p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == 130, out.constData());
        QVERIFY2(!out.contains("Error:"), out.constData());
        QFile f(path("group.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("status")].toString(), QStringLiteral("cancelled"));
        QVERIFY(ce::test::eventuallyNoChildren());
    }

    // A worker that misbehaves fails its own task with what it did; the others finish.
    void workerFaultsFailOnlyTheirTask_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("says");
        QTest::addColumn<bool>("spawnPerTask");
        QTest::newRow("garbage") << QStringLiteral("garbage@7") << QStringLiteral("malformed reply") << false;
        QTest::newRow("80 MiB frame, no body") << QStringLiteral("huge@7") << QStringLiteral("announced a frame of 83886080 bytes") << false;
        QTest::newRow("silent") << QStringLiteral("silent@7") << QStringLiteral("stopped responding") << false;
        QTest::newRow("SIGSTOP") << QStringLiteral("stop@7") << QStringLiteral("stopped responding") << false;
        QTest::newRow("SIGSTOP, process per task") << QStringLiteral("stop@7") << QStringLiteral("stopped responding") << true;
        QTest::newRow("parent out of memory") << QStringLiteral("parent-oom@7") << QStringLiteral("the parent ran out of memory") << false;
    }

    void workerFaultsFailOnlyTheirTask()
    {
        QFETCH(QString, fault);
        QFETCH(QString, says);
        QFETCH(bool, spawnPerTask);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CE_WORKER_FAULT"), fault);
        p.setProcessEnvironment(env);
        QStringList args{QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--workers"), QStringLiteral("2"),
                         QStringLiteral("--workload"), QStringLiteral("mixed"), QStringLiteral("--task-ms"), QStringLiteral("5"),
                         QStringLiteral("--wait-ms"), QStringLiteral("10"), QStringLiteral("--tasks"), QStringLiteral("20"),
                         QStringLiteral("--worker-timeout-s"), QStringLiteral("1"), QStringLiteral("--quiet")};
        if (spawnPerTask)
            args << QStringLiteral("--spawn-per-task");
        p.start(QStringLiteral(CE_EXECUTABLE), args);
        QVERIFY(p.waitForFinished(120000));
        const QByteArray out = p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1); // a task failed
        QVERIFY2(out.contains("Status:    failed, 19/20 tasks done, 1 failed"), out.constData());
        QVERIFY2(out.contains(says.toUtf8()) && out.contains("while running task 7, and was killed"), out.constData());
        QVERIFY2(!out.contains("signal 9"), out.constData()); // we killed it: say why, not how
        QVERIFY(ce::test::eventuallyNoChildren());
    }

    // An event loop's offload worker that goes silent is killed after the same deadline as a
    // lane's: the run fails that task and ends, instead of waiting for it forever.
    void silentOffloadWorkerIsKilledAfterItsDeadline()
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CE_WORKER_FAULT"), QStringLiteral("silent@3"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(CE_EXECUTABLE),
                {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("eventloop"), QStringLiteral("--workload"), QStringLiteral("mixed"),
                 QStringLiteral("--offload"), QStringLiteral("2"), QStringLiteral("--offload-to"), QStringLiteral("processes"),
                 QStringLiteral("--task-ms"), QStringLiteral("5"), QStringLiteral("--wait-ms"), QStringLiteral("10"), QStringLiteral("--tasks"),
                 QStringLiteral("8"), QStringLiteral("--worker-timeout-s"), QStringLiteral("1"), QStringLiteral("--quiet")});
        QVERIFY(p.waitForFinished(120000));
        const QByteArray out = p.readAllStandardOutput() + p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1); // a task failed
        QVERIFY2(out.contains("stopped responding") && out.contains("and was killed"), out.constData());
        QVERIFY(ce::test::eventuallyNoChildren());
    }

    // The run reserves the descriptors it will use, not a fixed 256.
    void openFileCheckReservesWhatTheRunUses()
    {
        const QStringList one{QStringLiteral("run"), QStringLiteral("--workload"), QStringLiteral("io"), QStringLiteral("--io"), QStringLiteral("net"),
                              QStringLiteral("--tasks"), QStringLiteral("4"), QStringLiteral("--workers"), QStringLiteral("4"),
                              QStringLiteral("--wait-ms"), QStringLiteral("1"), QStringLiteral("--quiet")};
        Result r = runLimited(one, RLIMIT_NOFILE, 256);
        QVERIFY2(r.code == 0, (r.out + r.err).constData());
        const QStringList many{QStringLiteral("run"), QStringLiteral("--workload"), QStringLiteral("io"), QStringLiteral("--io"), QStringLiteral("net"),
                               QStringLiteral("--tasks"), QStringLiteral("200"), QStringLiteral("--workers"), QStringLiteral("200"),
                               QStringLiteral("--wait-ms"), QStringLiteral("1"), QStringLiteral("--quiet")};
        r = runLimited(many, RLIMIT_NOFILE, 256);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("open files") && r.err.contains("the limit is 256"), r.err.constData());
    }

    // Payloads that cannot fit are refused before anything starts (no std::bad_alloc abort).
    void payloadsBeyondMemoryAreRefusedUpFront()
    {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        QSKIP("sanitizers need more address space than the limit this test sets");
#endif
        const Result r = runLimited({QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--workers"),
                                     QStringLiteral("64"), QStringLiteral("--payload-bytes"), QStringLiteral("67108864"), QStringLiteral("--tasks"),
                                     QStringLiteral("64"), QStringLiteral("--iterations"), QStringLiteral("1")},
                                    RLIMIT_AS, rlim_t(4) << 30);
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.contains("MiB of memory"), r.err.constData());
        QVERIFY(ce::test::eventuallyNoChildren());
    }

    // Workers have a process group of their own, yet a program killed outright (no chance to
    // clean up) still takes them along. They are re-parented to us (the subreaper) and must
    // all end; we reap them here. With a forkserver, the server sees its socket close, kills
    // and reaps its forks, and leaves.
    void killedProgramLeavesNoWorker_data()
    {
        QTest::addColumn<QString>("method");
        QTest::newRow("spawn") << QStringLiteral("spawn");
        QTest::newRow("forkserver") << QStringLiteral("forkserver");
    }
    void killedProgramLeavesNoWorker()
    {
        QFETCH(QString, method);
        QProcess p;
        p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--workers"),
                                                QStringLiteral("3"), QStringLiteral("--workload"), QStringLiteral("mixed"), QStringLiteral("--task-ms"),
                                                QStringLiteral("5"), QStringLiteral("--wait-ms"), QStringLiteral("25"), QStringLiteral("--tasks"),
                                                QStringLiteral("2000"), QStringLiteral("--start-method"), method});
        QVERIFY(p.waitForStarted());
        QVERIFY(!waitForProgress(p, 1).isEmpty());
        const QStringList workers = ce::test::childProcesses(p.processId());
        QVERIFY2(!workers.isEmpty(), "no worker to leave behind: the test would prove nothing");
        QStringList forks; // a forkserver's workers are its children, not the program's
        for (const QString& w : workers)
            forks += ce::test::childProcesses(w.section(QLatin1Char(' '), 0, 0).toLongLong());
        QVERIFY2(method == QStringLiteral("spawn") || !forks.isEmpty(), "no forked worker to leave behind");
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished(30000));
        bool allEnded = false;
        for (int i = 0; i < 250 && !allEnded; ++i) {
            allEnded = true;
            for (const QString& c : ce::test::childProcesses())
                allEnded = allEnded && c.endsWith(QStringLiteral(" zombie"));
            if (!allEnded)
                QTest::qWait(20);
        }
        const QStringList left = ce::test::childProcesses();
        for (const QString& c : left)
            ::waitpid(static_cast<pid_t>(c.section(QLatin1Char(' '), 0, 0).toLongLong()), nullptr, WNOHANG);
        QVERIFY2(allEnded, qPrintable(left.join(QLatin1Char('\n'))));
        QVERIFY(ce::test::eventuallyNoChildren());
        for (const QString& f : forks) {
            const QString proc = QStringLiteral("/proc/") + f.section(QLatin1Char(' '), 0, 0);
            for (int i = 0; i < 250 && QFile::exists(proc); ++i)
                QTest::qWait(20);
            QVERIFY2(!QFile::exists(proc), qPrintable(f));
        }
    }

    void refusedThreadsFailTheRunCleanly()
    {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        QSKIP("sanitizers need more address space than the limit this test sets");
#endif
        // 4000 threads' stacks do not fit in 3 GB of address space: the OS refuses some.
        QProcess p;
        p.start(QStringLiteral("/bin/bash"), {QStringLiteral("-c"), QStringLiteral("ulimit -v 3000000; exec \"$0\" \"$@\""), QStringLiteral(CE_EXECUTABLE),
                                              QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("threads"), QStringLiteral("--spawn-per-task"),
                                              QStringLiteral("--tasks"), QStringLiteral("4000"), QStringLiteral("--workload"), QStringLiteral("io"),
                                              QStringLiteral("--wait-ms"), QStringLiteral("300"), QStringLiteral("--quiet")});
        QVERIFY(p.waitForFinished(120000));
        const QByteArray out = p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(out.contains("refused to start"), out.constData());
        QVERIFY(out.contains("Status:    failed"));
    }

    void crashedWorkerIsReported()
    {
        const Result r = run({QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("processes"), QStringLiteral("--workers"),
                              QStringLiteral("2"), QStringLiteral("--tasks"), QStringLiteral("5"), QStringLiteral("--task-ms"), QStringLiteral("20"),
                              QStringLiteral("--crash-task"), QStringLiteral("0"), QStringLiteral("--json"), path("crash.json")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains("while running task 0"), r.out.constData());
        QFile f(path("crash.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("summary")].toObject()[QStringLiteral("tasks_done")].toInt(), 4);
        QVERIFY(ce::test::eventuallyNoChildren());
    }
#endif

    // Every verb reports its files alike: a file on stdout is not announced as "wrote -" (the
    // sweep said so, the run did not), a real one is.
    void sweepReportsItsFilesAsARunDoes()
    {
        const Result r = run({QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("threads"), QStringLiteral("--workers"), QStringLiteral("1,2"),
                              QStringLiteral("--tasks"), QStringLiteral("2"), QStringLiteral("--task-ms"), QStringLiteral("2"), QStringLiteral("--json"),
                              QStringLiteral("-"), QStringLiteral("--csv"), path("sweep-report.csv")});
        QCOMPARE(r.code, 0);
        QVERIFY2(!r.err.contains("wrote -"), r.err.constData());
        QVERIFY2(r.err.contains("wrote " + path("sweep-report.csv").toUtf8()), r.err.constData());
        QVERIFY(r.out.contains("\"points\""));
    }

    void oneOutputCanGoToStdoutAlone()
    {
        // JSON on stdout, nothing else there: the summary goes to stderr.
        Result r = run({QStringLiteral("run"), QStringLiteral("--tasks"), QStringLiteral("2"), QStringLiteral("--task-ms"), QStringLiteral("2"),
                        QStringLiteral("--json"), QStringLiteral("-"), QStringLiteral("--csv"), path("with-stdout.csv")});
        QCOMPARE(r.code, 0);
        QJsonParseError perr;
        const QJsonObject o = QJsonDocument::fromJson(r.out, &perr).object();
        QVERIFY2(perr.error == QJsonParseError::NoError, r.out.left(200).constData());
        QCOMPARE(o[QStringLiteral("format")].toString(), QStringLiteral("concurrency-explorer-run"));
        QVERIFY(r.err.contains("Makespan:"));
        QVERIFY(QFile::exists(path("with-stdout.csv")));
        // A comparison's CSV, and a figure rendered from the saved run, the same way.
        r = run({QStringLiteral("compare"), QStringLiteral("--models"), QStringLiteral("sequential,threads"), QStringLiteral("--tasks"), QStringLiteral("2"),
                 QStringLiteral("--task-ms"), QStringLiteral("2"), QStringLiteral("--csv"), QStringLiteral("-"), QStringLiteral("--json"), path("stdout-cmp.json")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.startsWith("run,record,task,lane,state"), r.out.left(200).constData());
        QVERIFY(r.err.contains("Decision flowchart"));
        r = run({QStringLiteral("render"), path("stdout-cmp.json"), QStringLiteral("--png"), QStringLiteral("-"), QStringLiteral("--size"),
                 QStringLiteral("640x480"), QStringLiteral("--scale"), QStringLiteral("2")});
        QCOMPARE(r.code, 0);
        QImage image;
        QVERIFY(image.loadFromData(r.out, "PNG"));
        QCOMPARE(image.size(), QSize(1280, 960));
        r = run({QStringLiteral("render"), path("stdout-cmp.json"), QStringLiteral("--svg"), QStringLiteral("-")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("<?xml"));
    }

#if defined(__linux__)
    void nodesThatAreNotFilesAreLeftAlone()
    {
        const QString fifo = path("fifo");
        QCOMPARE(QProcess::execute(QStringLiteral("mkfifo"), {fifo}), 0);
        for (const char* option : {"--json", "--csv", "--trace", "--png"}) {
            const QStringList args{QStringLiteral("run"), QStringLiteral("--tasks"), QStringLiteral("1"), QStringLiteral("--task-ms"), QStringLiteral("1"),
                                   QString::fromLatin1(option), fifo};
            const Result r = run(args, 30000);
            QCOMPARE(r.code, 2);
            QCOMPARE(r.err.count('\n'), 1);
            QVERIFY2(r.err.contains("not a regular file") || r.err.contains("should end in"), r.err.constData());
            QVERIFY(QFileInfo(fifo).exists() && !QFileInfo(fifo).isFile());
        }
        const Result r = run({QStringLiteral("render"), fifo}, 30000); // reading it would block
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("not a regular file"));
    }
#endif

    void damagedRunFilesAreRefusedByRender_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("mentions");
        const QByteArray head = R"({"format":"concurrency-explorer-run","version":1,)";
        QTest::newRow("time far out") << head + R"("core_samples":{"samples":[{"t_ns":9e18,"core":0}]}})" << QStringLiteral("missing");
        QTest::newRow("not json") << QByteArray("{\"format\": ") << QStringLiteral("not valid JSON");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not valid JSON");
        QTest::newRow("foreign") << QByteArray("{\"hello\": 1}") << QStringLiteral("format");
        QTest::newRow("deep") << QByteArray(100000, '[') << QStringLiteral("not valid JSON");
    }

    void damagedRunFilesAreRefusedByRender()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, mentions);
        QFile f(path("damaged.json"));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
        f.close();
        QFile::remove(path("damaged.png"));
        const Result r = run({QStringLiteral("render"), path("damaged.json"), QStringLiteral("--png"), path("damaged.png")}, 60000);
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(QString::fromUtf8(r.err).contains(mentions), r.err.constData());
        QVERIFY(!QFile::exists(path("damaged.png")));
    }

    void failedWriteIsReportedAfterTheRun()
    {
        // The folder exists when checked, but the target is an existing directory.
        const Result r = run({QStringLiteral("run"), QStringLiteral("--tasks"), QStringLiteral("1"), QStringLiteral("--task-ms"), QStringLiteral("1"),
                              QStringLiteral("--json"), m_dir.path()});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("is a directory"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
