// Recording a real program (core/record): checked against the OS's own figures. The program
// is record_helper, whose threads and processes are known; nothing here depends on speed.
#include "ce/Export.h"
#include "ProcessProbe.h"
#include "platform/Platform.h"
#include "ce/record/Recording.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <thread>

#if defined(__linux__)
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

using namespace ce;

namespace {

const QString kHelper = QStringLiteral(CE_RECORD_HELPER);

// The helper's processes (it and its descendants) and all their threads, from /proc.
struct Tree {
    QSet<qint64> pids;
    int threads = 0;
};

Tree readTree(qint64 root)
{
    Tree t;
    QList<qint64> todo{root};
    while (!todo.isEmpty()) {
        const qint64 pid = todo.takeFirst();
        const QStringList tasks = QDir(QStringLiteral("/proc/%1/task").arg(pid)).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        if (tasks.isEmpty())
            continue;
        t.pids.insert(pid);
        t.threads += static_cast<int>(tasks.size());
        for (const QString& c : ce::test::childProcesses(pid))
            todo << c.section(QLatin1Char(' '), 0, 0).toLongLong();
    }
    return t;
}

// utime + stime of a live process, seconds (the OS's own accounting, /proc/PID/stat).
double osCpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    return (fields.value(11).toDouble() + fields.value(12).toDouble()) / double(sysconf(_SC_CLK_TCK));
}

// The recording's CPU time of the program at `t` (ns since its start), linearly between samples.
double recordedCpuAt(const std::vector<std::pair<std::int64_t, std::int64_t>>& s, std::int64_t t)
{
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s[i].first >= t) {
            const double f = double(t - s[i - 1].first) / double(std::max<std::int64_t>(1, s[i].first - s[i - 1].first));
            return (double(s[i - 1].second) + f * double(s[i].second - s[i - 1].second)) / 1e9;
        }
    }
    return -1;
}

// Time of the recording's latest sample, -1 before the first.
std::int64_t lastSampleNs(const Recording& rec)
{
    const auto s = rec.cpuSeries();
    return s.empty() ? -1 : s.back().first;
}

bool waitForFile(const QString& path, int timeoutMs = 20000)
{
    QElapsedTimer timer;
    timer.start();
    while (!QFileInfo::exists(path)) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QTest::qWait(10);
    }
    return true;
}

bool allGone(const QSet<qint64>& pids)
{
    for (qint64 pid : pids) {
        QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
        if (f.open(QIODevice::ReadOnly)) {
            const QByteArray stat = f.readAll();
            const char state = stat.at(stat.lastIndexOf(')') + 2);
            if (state != 'Z' && state != 'X')
                return false;
        }
    }
    return true;
}

} // namespace

class TestRecord : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (!Recording::supported())
            QSKIP("recording a program is Linux only");
        QVERIFY(QFileInfo(kHelper).isExecutable());
    }

    // One lane per thread of the program and of its child processes, as /proc counts them.
    void laneCountIsThreadsOfAllProcesses()
    {
        const QString ready = m_dir.filePath(QStringLiteral("lanes.ready"));
        Recording rec;
        Recording::Options o;
        o.command = {kHelper.toStdString(), "--threads", "3", "--children", "2", "--child-threads", "2", "--ready", ready.toStdString()};
        std::string error;
        QVERIFY2(rec.start(o, &error), error.c_str());
        QVERIFY(waitForFile(ready));
        const Tree tree = readTree(rec.rootPid());
        QCOMPARE(tree.pids.size(), 3);  // the helper and its two children
        QCOMPARE(tree.threads, 3 + 2 * 2);
        // Let the sampler go round a few more times after everything exists.
        const std::int64_t samples = rec.snapshot().record.samples;
        QTRY_VERIFY_WITH_TIMEOUT(rec.snapshot().record.samples >= samples + 3, 20000);
        RunSnapshot r = rec.snapshot();
        QCOMPARE(r.lanes, tree.threads);
        QCOMPARE(static_cast<int>(r.record.lanes.size()), tree.threads);
        QCOMPARE(r.record.processes, 3);
        QSet<qint64> tids;
        for (const auto& l : r.record.lanes) {
            QVERIFY(tree.pids.contains(l.pid));
            tids.insert(l.tid);
        }
        QCOMPARE(tids.size(), tree.threads);

        rec.cancel();
        QVERIFY(rec.waitFor(std::chrono::seconds(30)));
        r = rec.snapshot();
        QVERIFY2(r.status == RunStatus::Cancelled, toString(r.status).data());
        QVERIFY(allGone(tree.pids));
        QVERIFY(ce::test::childProcesses().isEmpty());
        // Phases: within the recording, one lane at a time, no overlap within a lane.
        std::vector<std::int64_t> lastEnd(static_cast<std::size_t>(r.lanes), 0);
        for (const auto& p : r.phases) {
            QVERIFY(p.lane >= 0 && p.lane < r.lanes);
            QVERIFY(p.startNs < p.endNs);
            QVERIFY(p.startNs >= lastEnd[static_cast<std::size_t>(p.lane)]);
            lastEnd[static_cast<std::size_t>(p.lane)] = p.endNs;
        }
    }

    // Busy cores over an interval agree with the CPU time the OS gives in /proc/PID/stat.
    void busyCoresMatchTheOs()
    {
        const QString ready = m_dir.filePath(QStringLiteral("busy.ready"));
        Recording rec;
        Recording::Options o;
        o.command = {kHelper.toStdString(), "--threads", "2", "--spin", "--ready", ready.toStdString()};
        std::string error;
        QVERIFY2(rec.start(o, &error), error.c_str());
        QVERIFY(waitForFile(ready));
        const qint64 pid = rec.rootPid();
        const std::int64_t t1 = ce::platform::monotonicNs() - rec.startNs();
        const double cpu1 = osCpuSeconds(pid);
        // At least a second, so the OS's 10 ms ticks are a small error.
        QTRY_VERIFY_WITH_TIMEOUT(lastSampleNs(rec) - t1 > 1500000000, 30000);
        const std::int64_t t2 = ce::platform::monotonicNs() - rec.startNs();
        const double cpu2 = osCpuSeconds(pid);
        // Samples after t2, so both ends can be interpolated.
        QTRY_VERIFY_WITH_TIMEOUT(lastSampleNs(rec) > t2 + 20000000, 30000);
        const auto series = rec.cpuSeries();
        rec.cancel();
        QVERIFY(rec.waitFor(std::chrono::seconds(30)));
        const double seconds = double(t2 - t1) / 1e9;
        const double osBusy = (cpu2 - cpu1) / seconds;
        const double recorded = (recordedCpuAt(series, t2) - recordedCpuAt(series, t1)) / seconds;
        qInfo("busy cores over %.2f s: recorded %.3f, /proc/PID/stat %.3f", seconds, recorded, osBusy);
        QVERIFY(cpu1 >= 0 && cpu2 >= cpu1);
        QVERIFY2(std::abs(recorded - osBusy) <= 0.1, qPrintable(QStringLiteral("recorded %1 vs OS %2").arg(recorded).arg(osBusy)));
        QVERIFY(rec.snapshot().summary.cpuTimeS > 0);
    }

    // A program that exits by itself: completed, its exit status kept, nothing left.
    void programThatEndsIsCompleted()
    {
        Recording rec;
        Recording::Options o;
        o.command = {kHelper.toStdString(), "--threads", "2", "--children", "1", "--seconds", "0.3"};
        std::string error;
        QVERIFY2(rec.start(o, &error), error.c_str());
        QVERIFY(rec.waitFor(std::chrono::seconds(60)));
        const RunSnapshot r = rec.snapshot();
        QVERIFY2(r.status == RunStatus::Completed, toString(r.status).data());
        QCOMPARE(r.record.exitCode, 0);
        QVERIFY(r.record.osCpuS >= 0);
        QVERIFY(r.lanes >= 1);
        QVERIFY(r.summary.makespanS > 0);
        QVERIFY(ce::test::childProcesses().isEmpty());
    }

    // The command line: Ctrl+C (SIGINT to the whole process group) keeps what was recorded,
    // exits 130, and leaves no process behind.
    void ctrlCKeepsTheRecording_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGINT to the group") << int(SIGINT);
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGHUP") << int(SIGHUP);
    }
    void ctrlCKeepsTheRecording()
    {
        QFETCH(int, signal);
        const QString ready = m_dir.filePath(QStringLiteral("cli%1.ready").arg(signal));
        const QString json = m_dir.filePath(QStringLiteral("cli%1.json").arg(signal));
        QProcess p;
        // Its own process group, as a shell gives a foreground job: Ctrl+C reaches the group.
        p.setChildProcessModifier([] { ::setpgid(0, 0); });
        p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("record"), QStringLiteral("--json"), json, QStringLiteral("--"), kHelper,
                                                 QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--children"), QStringLiteral("1"),
                                                 QStringLiteral("--ready"), ready});
        QVERIFY(p.waitForStarted());
        QVERIFY(waitForFile(ready));
        const Tree tree = readTree(ce::test::childProcesses(p.processId()).value(0).section(QLatin1Char(' '), 0, 0).toLongLong());
        QCOMPARE(tree.pids.size(), 2);
        if (signal == SIGINT)
            ::kill(-static_cast<pid_t>(p.processId()), SIGINT);
        else
            ::kill(static_cast<pid_t>(p.processId()), signal);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY(allGone(tree.pids));
        // Reaped too: a zombie of the program must not pass to us (a subreaper since the
        // tests above) when the command line exits.
        QVERIFY2(ce::test::childProcesses().isEmpty(), qPrintable(ce::test::childProcesses().join(QLatin1Char('\n'))));
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("status")].toString(), QStringLiteral("cancelled"));
        // Ctrl+C reaches the program too and may end it before the next sample: at least the
        // first sample (taken at the start) is kept, with its phases.
        QVERIFY(o[QStringLiteral("lanes")].toInt() >= 1);
        QVERIFY(!o[QStringLiteral("lane_phases")].toArray().isEmpty());
        QVERIFY(o[QStringLiteral("record")].toObject()[QStringLiteral("command")].toArray().size() == 7);
        QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains(QStringLiteral("cancelled")));
    }

    void badInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QString plain = m_dir.filePath(QStringLiteral("not-executable.sh"));
        QFile f(plain);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\n");
        f.close();
        QTest::newRow("no command") << QStringList{QStringLiteral("record")} << QStringLiteral("no program");
        QTest::newRow("empty after --") << QStringList{QStringLiteral("record"), QStringLiteral("--json"), m_dir.filePath(QStringLiteral("x.json")), QStringLiteral("--")}
                                        << QStringLiteral("no program");
        QTest::newRow("missing program") << QStringList{QStringLiteral("record"), QStringLiteral("--"), QStringLiteral("no-such-program-xyz")}
                                         << QStringLiteral("no-such-program-xyz");
        QTest::newRow("missing path") << QStringList{QStringLiteral("record"), QStringLiteral("--"), QStringLiteral("/no/such/prog")}
                                      << QStringLiteral("does not exist");
        QTest::newRow("not executable") << QStringList{QStringLiteral("record"), QStringLiteral("--"), plain} << QStringLiteral("not executable");
        QTest::newRow("a folder") << QStringList{QStringLiteral("record"), QStringLiteral("--"), QStringLiteral("/tmp")} << QStringLiteral("folder");
        QTest::newRow("bad sample") << QStringList{QStringLiteral("record"), QStringLiteral("--sample-ms"), QStringLiteral("0"), QStringLiteral("--"), QStringLiteral("true")}
                                    << QStringLiteral("--sample-ms");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("record"), QStringLiteral("--speed"), QStringLiteral("--"), QStringLiteral("true")}
                                        << QStringLiteral("--speed");
        QTest::newRow("bad json path") << QStringList{QStringLiteral("record"), QStringLiteral("--json"), QStringLiteral("/no/such/dir/x.json"), QStringLiteral("--"), QStringLiteral("true")}
                                       << QStringLiteral("does not exist");
    }
    void badInput()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QProcess p;
        p.start(QStringLiteral(CE_EXECUTABLE), args);
        QVERIFY(p.waitForFinished(60000));
        const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
        QCOMPARE(p.exitCode(), 2);
        QVERIFY2(err.contains(mentions), qPrintable(err));
        QCOMPARE(err.count(QLatin1Char('\n')), 0);
        QVERIFY2(ce::test::childProcesses().isEmpty(), qPrintable(ce::test::childProcesses().join(QLatin1Char('\n'))));
    }

    // The recording is a run file like any other: written and read back with its record part.
    void jsonRoundTrip()
    {
        const QString json = m_dir.filePath(QStringLiteral("rt.json"));
        QProcess p;
        p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("record"), QStringLiteral("--quiet"), QStringLiteral("--json"), json,
                                                 QStringLiteral("--"), kHelper, QStringLiteral("--threads"), QStringLiteral("2"),
                                                 QStringLiteral("--seconds"), QStringLiteral("0.2")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral("Decision flowchart")), qPrintable(out));
        QVERIFY(out.contains(QStringLiteral("Sampler:")));
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("status")].toString(), QStringLiteral("completed"));
        const QJsonObject rec = o[QStringLiteral("record")].toObject();
        QCOMPARE(rec[QStringLiteral("exit_code")].toInt(), 0);
        QVERIFY(rec[QStringLiteral("lanes")].toArray().size() >= 1);
        QVERIFY(!rec[QStringLiteral("findings")].toArray().isEmpty());
        QVERIFY(!rec[QStringLiteral("advice")].toObject()[QStringLiteral("path")].toArray().isEmpty());
        // Read back as the window's "Open run…" does.
        std::vector<RunSnapshot> runs;
        std::string error;
        QVERIFY2(readRunsJson(json, runs, &error), error.c_str());
        QCOMPARE(runs.size(), std::size_t(1));
        QVERIFY(runs[0].record.active);
        QCOMPARE(static_cast<int>(runs[0].record.lanes.size()), o[QStringLiteral("lanes")].toInt());
        QCOMPARE(runs[0].lanes, o[QStringLiteral("lanes")].toInt());
        QCOMPARE(runs[0].record.exitCode, 0);
        QVERIFY(!runs[0].phases.empty());
        QCOMPARE(judgeRecording(runs[0]).findings.size() >= 3, true);
    }
};

QTEST_GUILESS_MAIN(TestRecord)
#include "tst_record.moc"
