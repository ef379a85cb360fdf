// The file formats: JSON round trip, CSV and trace shape, damaged files, no half-written files.
#include "Engine.h"
#include "Export.h"
#include "Invariants.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace ce;

class TestExport : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    RunSnapshot m_run;

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        RunConfig c;
        c.model = Model::Threads;
        c.workers = 2;
        c.workload = WorkloadKind::Mixed;
        c.tasks = 4;
        c.taskMs = 5;
        c.waitMs = 5;
        c.gil = true;
        std::string error;
        m_run = runToEnd(c, &error);
        QCOMPARE(static_cast<int>(m_run.status), static_cast<int>(RunStatus::Completed));
    }

    void jsonHasTheDocumentedKeys()
    {
        std::string error;
        QVERIFY(writeRunJson(path("run.json"), m_run, &error));
        QFile f(path("run.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("format")].toString(), QStringLiteral("concurrency-explorer-run"));
        const QJsonObject s = o[QStringLiteral("summary")].toObject();
        for (const char* k : {"makespan_s", "cpu_time_s", "mean_busy_cores", "gil_wait_s", "max_loop_lag_ms", "bound_s", "spawn_s", "ipc_s"})
            QVERIFY2(s.contains(QLatin1String(k)), k);
        QVERIFY(o.contains(QStringLiteral("gil_note")));
        QCOMPARE(o[QStringLiteral("tasks")].toArray().size(), 4);
        QVERIFY(!o[QStringLiteral("core_samples")].toObject()[QStringLiteral("samples")].toArray().isEmpty());
    }

    void jsonRoundTrips()
    {
        std::string error;
        QVERIFY(writeRunJson(path("rt.json"), m_run, &error));
        std::vector<RunSnapshot> back;
        QVERIFY2(readRunsJson(path("rt.json"), back, &error), error.c_str());
        QCOMPARE(back.size(), std::size_t(1));
        const RunSnapshot& r = back.front();
        QCOMPARE(r.config.tasks, m_run.config.tasks);
        QCOMPARE(r.config.gil, true);
        QCOMPARE(static_cast<int>(r.config.model), static_cast<int>(Model::Threads));
        QCOMPARE(r.phases.size(), m_run.phases.size());
        QCOMPARE(r.coreSamples.size(), m_run.coreSamples.size());
        QCOMPARE(r.summary.makespanS, m_run.summary.makespanS);
        QVERIFY(test::lanesNeverOverlap(r).isEmpty());
        // And a comparison file holds several.
        QVERIFY(writeCompareJson(path("cmp.json"), {m_run, m_run}, advise(measured(0.1, 4, true)), &error));
        QVERIFY(readRunsJson(path("cmp.json"), back, &error));
        QCOMPARE(back.size(), std::size_t(2));
    }

    void damagedFilesAreRefusedWithAReason()
    {
        const QByteArray good = [&] {
            std::string e;
            writeRunJson(path("g.json"), m_run, &e);
            QFile f(path("g.json"));
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        const QList<QByteArray> bad{good.left(good.size() / 2), QByteArray("{\"hello\": 1}"), QByteArray("\x00\x01\x02", 3),
                                    QByteArray(good).replace("\"cpu\"", "\"dancing\""), QByteArray("[]")};
        for (const QByteArray& content : bad) {
            QFile f(path("bad.json"));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(content);
            f.close();
            std::vector<RunSnapshot> runs{m_run};
            std::string error;
            QVERIFY(!readRunsJson(path("bad.json"), runs, &error));
            QVERIFY(!error.empty());
            QCOMPARE(runs.size(), std::size_t(1)); // untouched on failure
        }
        std::vector<RunSnapshot> runs;
        std::string error;
        QVERIFY(!readRunsJson(path("missing.json"), runs, &error));
    }

    void csvAndTraceAreWellFormed()
    {
        std::string error;
        QVERIFY(writeCsv(path("run.csv"), {m_run}, &error));
        QFile csv(path("run.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().split('\n');
        const int columns = static_cast<int>(lines.front().count(','));
        int phases = 0;
        for (const auto& l : lines) {
            if (l.isEmpty())
                continue;
            QCOMPARE(static_cast<int>(l.count(',')), columns);
            phases += l.contains(",phase,") ? 1 : 0;
        }
        QCOMPARE(phases, static_cast<int>(m_run.phases.size()));

        QVERIFY(writeTrace(path("run.trace.json"), {m_run}, &error));
        QFile trace(path("run.trace.json"));
        QVERIFY(trace.open(QIODevice::ReadOnly));
        const QJsonArray events = QJsonDocument::fromJson(trace.readAll()).object()[QStringLiteral("traceEvents")].toArray();
        int complete = 0;
        for (const auto& e : events)
            complete += e.toObject()[QStringLiteral("ph")].toString() == QStringLiteral("X") ? 1 : 0;
        QCOMPARE(complete, static_cast<int>(m_run.phases.size()));
    }

    void unwritablePathsFailCleanly()
    {
        std::string error;
        QVERIFY(!writeRunJson(path("no/such/folder/run.json"), m_run, &error));
        QVERIFY(!error.empty());
        QVERIFY(!checkWritable(path("no/such/folder/run.json")).empty());
        QVERIFY(!checkWritable(m_dir.path()).empty()); // a directory
        QVERIFY(checkWritable(path("fine.json")).empty());
        QVERIFY(!QFile::exists(path("fine.json")));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
