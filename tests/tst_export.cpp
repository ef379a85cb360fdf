// The file formats: JSON round trip, CSV and trace shape, damaged files, no half-written files.
#include "ce/Engine.h"
#include "ce/Export.h"
#include "Invariants.h"
#include "ce/Options.h"
#include "ce/RunFile.h"

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

    // Under the GIL an event loop's thread records a slice around every callback on its own
    // lane: many more lane phases than lanes or tasks. Such a file must open again.
    void manyLanePhasesRoundTrip()
    {
        RunSnapshot run = m_run;
        const std::int64_t end = std::max<std::int64_t>(run.elapsedNs, 1000);
        const int extra = 50 * (run.lanes + run.config.tasks) + 100;
        for (int i = 0; i < extra; ++i) {
            PhaseRecord p;
            p.task = -1;
            p.lane = 0;
            p.startNs = end * i / (extra + 1);
            p.endNs = end * (i + 1) / (extra + 1);
            p.state = i % 2 ? State::GilWait : State::Cpu;
            run.phases.push_back(p);
        }
        std::string error;
        QVERIFY2(writeRunJson(path("lane-phases.json"), run, &error), error.c_str());
        std::vector<RunSnapshot> back;
        QVERIFY2(readRunsJson(path("lane-phases.json"), back, &error), error.c_str());
        QCOMPARE(back.front().phases.size(), run.phases.size());
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

    // The window's crashes and stalls, reproduced on a real run: each value is refused by
    // name, in core, before anything allocates for it.
    void hostileValuesAreRefusedByName_data()
    {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("mentions");
        auto row = [](const char* name, const char* edit, const char* mentions) { QTest::newRow(name) << QString::fromLatin1(edit) << QString::fromLatin1(mentions); };
        row("time 9e18", "sample.t_ns=9e18", "core_samples.samples[0].t_ns is outside the run");
        row("time 1e18", "sample.t_ns=1e18", "core_samples.samples[0].t_ns is outside the run");
        row("time -1e18", "sample.t_ns=-1e18", "core_samples.samples[0].t_ns is outside the run");
        row("core 2^31-1", "sample.core=2147483647", "core_samples.samples[0].core");
        row("core 20000 late", "sample.core=20000;sample.t_ns=1e12;elapsed_s=1000", "core_samples.samples[0].core");
        row("sparse grid", "sample.t_ns=1e15;elapsed_s=1e6", "core_samples is too sparse");
        row("core negative", "sample.core=-1", "core_samples.samples[0].core");
        row("percent 1e9", "sample.total_pct=1e9", "core_samples.samples[0].total_pct");
        row("phase lane", "phase.lane=99", "tasks[0].lane");
        row("phase end before start", "phase.end_ns=0", "end_ns is before its start_ns");
        row("phase time", "phase.start_ns=-5", "tasks[0].phases[0].start_ns is outside the run");
        row("phase core", "phase.core=30000", "tasks[0].phases[0].core");
        row("lanes huge", "lanes=1e9", "lanes");
        row("task count", "config.tasks=5", "tasks has 4 tasks, but config.tasks is 5");
        row("done count", "summary.tasks_done=3", "summary.tasks_done");
        row("cores zero", "summary.cores=0", "summary.cores");
        row("10000 errors", "errors=10000", "errors has 10000 entries");
        row("long error", "errors.long", "errors[0] is longer than");
        row("error not text", "errors.number", "errors[0] is not a string");
        row("wrong type", "elapsed_s=\"soon\"", "elapsed_s is not a number");
        row("missing key", "remove=summary", "summary is missing");
        row("bad status", "status=\"great\"", "status");
        row("bad config", "config.workers=-7", "config.workers");
        row("flag as number", "config.gil=3", "config.gil");
        row("version", "version=2", "version");
        row("line break in a value", "config.workload=\"a\\nb\"", "a\\nb");
    }

    void hostileValuesAreRefusedByName()
    {
        QFETCH(QString, edit);
        QFETCH(QString, mentions);
        QJsonObject o = toJson(m_run);
        auto number = [](const QString& v) { return QJsonDocument::fromJson("[" + v.toUtf8() + "]").array().at(0); };
        for (const QString& e : edit.split(QLatin1Char(';'))) {
            const QString k = e.section(QLatin1Char('='), 0, 0);
            const QJsonValue v = number(e.section(QLatin1Char('='), 1));
            if (k.startsWith(QLatin1String("sample."))) {
                QJsonObject cores = o[QStringLiteral("core_samples")].toObject();
                QJsonArray samples = cores[QStringLiteral("samples")].toArray();
                QJsonObject first = samples.at(0).toObject();
                first[k.mid(7)] = v;
                samples[0] = first;
                cores[QStringLiteral("samples")] = samples;
                o[QStringLiteral("core_samples")] = cores;
            } else if (k.startsWith(QLatin1String("phase."))) {
                QJsonArray tasks = o[QStringLiteral("tasks")].toArray();
                QJsonObject t = tasks.at(0).toObject();
                QJsonArray phases = t[QStringLiteral("phases")].toArray();
                QJsonObject p = phases.at(0).toObject();
                if (k == QLatin1String("phase.lane"))
                    t[QStringLiteral("lane")] = v;
                else
                    p[k.mid(6)] = v;
                if (k == QLatin1String("phase.end_ns"))
                    p[QStringLiteral("start_ns")] = 1000;
                phases[0] = p;
                t[QStringLiteral("phases")] = phases;
                tasks[0] = t;
                o[QStringLiteral("tasks")] = tasks;
            } else if (k.startsWith(QLatin1String("config.")) || k.startsWith(QLatin1String("summary."))) {
                const QString part = k.section(QLatin1Char('.'), 0, 0);
                QJsonObject sub = o[part].toObject();
                sub[k.section(QLatin1Char('.'), 1)] = v;
                o[part] = sub;
            } else if (k == QLatin1String("errors")) {
                QJsonArray errors;
                for (int i = 0; i < 10000; ++i)
                    errors.append(QStringLiteral("worker %1 was killed by signal 9").arg(i));
                o[k] = errors;
            } else if (k == QLatin1String("errors.long")) {
                o[QStringLiteral("errors")] = QJsonArray{QString(100000, QLatin1Char('x'))};
            } else if (k == QLatin1String("errors.number")) {
                o[QStringLiteral("errors")] = QJsonArray{42};
            } else if (k == QLatin1String("remove")) {
                o.remove(e.section(QLatin1Char('='), 1));
            } else {
                o[k] = v;
            }
        }
        RunFile file;
        file.runs.push_back(m_run);
        std::string why;
        QVERIFY(!parseRunFile(QJsonDocument(o).toJson(QJsonDocument::Compact), file, &why));
        QVERIFY2(QString::fromStdString(why).contains(mentions), why.c_str());
        QCOMPARE(file.runs.size(), std::size_t(1)); // untouched
        QVERIFY(why.find('\n') == std::string::npos);
        // The same in a comparison, named by the run it is in.
        QJsonObject cmp{{QStringLiteral("format"), QStringLiteral("concurrency-explorer-compare")}, {QStringLiteral("version"), 1},
                        {QStringLiteral("runs"), QJsonArray{toJson(m_run), o}}};
        QVERIFY(!parseRunFile(QJsonDocument(cmp).toJson(QJsonDocument::Compact), file, &why));
        QVERIFY2(QString::fromStdString(why).startsWith(QLatin1String("runs[1].")), why.c_str());
    }

    void switchesInPresetsAndFilesTakeOnlyOnOrOff()
    {
        // "yes" used to turn --spawn-per-task off without a word.
        RunConfig c;
        QVERIFY(!applyOption(c, "spawn-per-task", "yes").empty());
        QVERIFY(applyOption(c, "spawn-per-task", "on").empty() && c.spawnPerTask);
        QVERIFY(applyOption(c, "spawn-per-task", "off").empty() && !c.spawnPerTask);
        QVERIFY(!applyOption(c, "gil", "maybe").empty());
    }

    // A saved run says how its workers started; the file reads back with the same method.
    void startMethodIsSavedAndReadBack()
    {
        RunSnapshot run = m_run;
        run.config.startMethod = StartMethod::Forkserver;
        std::string error;
        QVERIFY(writeRunJson(path("forkserver.json"), run, &error));
        QFile f(path("forkserver.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(o[QStringLiteral("config")].toObject()[QStringLiteral("start_method")].toString(), QStringLiteral("forkserver"));
        std::vector<RunSnapshot> back;
        QVERIFY2(readRunsJson(path("forkserver.json"), back, &error), error.c_str());
        QCOMPARE(static_cast<int>(back.front().config.startMethod), static_cast<int>(StartMethod::Forkserver));
        RunConfig c;
        QVERIFY(!applyOption(c, "start-method", "fork").empty());
    }

    void comparisonsRoundTripWithTheirAdvice()
    {
        std::string error;
        const Advice advice = advise({0.9, 4, true, {}});
        QVERIFY(writeCompareJson(path("cmp-advice.json"), {m_run, m_run}, advice, &error));
        RunFile file;
        QVERIFY2(readRunFile(path("cmp-advice.json"), file, &error), error.c_str());
        QVERIFY(file.comparison);
        QCOMPARE(file.runs.size(), std::size_t(2));
        QVERIFY(file.advice);
        QCOMPARE(static_cast<int>(file.advice->recommended), static_cast<int>(advice.recommended));
        QCOMPARE(file.advice->path.size(), advice.path.size());
        // Without advice (cancelled before its end) it stays a comparison.
        QVERIFY(writeCompareJson(path("cmp-none.json"), {m_run}, nullptr, &error));
        QVERIFY2(readRunFile(path("cmp-none.json"), file, &error), error.c_str());
        QVERIFY(file.comparison && !file.advice);
        // Every run the engine wrote passes the checks.
        QVERIFY2(readRunFile(path("rt.json"), file, &error), error.c_str());
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
        QVERIFY(!checkWritable(QStringLiteral("/dev/null")).empty()); // a device: never replaced
        QVERIFY(checkWritable(QStringLiteral("-")).empty());           // standard output
        QVERIFY(QString::fromStdString(checkWritable(QStringLiteral("/no/such\nfolder/x.json"))).contains(QLatin1String("such\\nfolder")));
        QVERIFY(checkWritable(path("fine.json")).empty());
        QVERIFY(!QFile::exists(path("fine.json")));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
