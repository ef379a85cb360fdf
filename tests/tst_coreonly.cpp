// The core-only build (CE_BUILD_GUI=OFF), proven on its executable: it links no Qt Gui,
// Widgets, Svg, PrintSupport or QCustomPlot, every verb of the command line works, and
// whatever needs figures or a window is refused with one line and exit code 2, writing
// nothing. Built and run only in that build (tests/CMakeLists.txt).
#include "RunProgram.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class TestCoreOnly : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    using Result = ce::test::ProgramResult;

    static Result exec(const QString& program, const QStringList& args, int timeoutMs = 120000) { return ce::test::runProgram(program, args, timeoutMs); }
    static Result run(const QStringList& args, int timeoutMs = 120000) { return exec(QStringLiteral(CE_EXECUTABLE), args, timeoutMs); }

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // The boundary itself: what the dynamic linker loads for the executable.
    void linksNoGui()
    {
#if defined(__linux__)
        const QString ldd = QStandardPaths::findExecutable(QStringLiteral("ldd"));
        if (ldd.isEmpty())
            QSKIP("ldd not found");
        const Result r = exec(ldd, {QStringLiteral(CE_EXECUTABLE)});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("libQt6Core"), r.out.constData()); // ldd did list the Qt it uses
        for (const char* library : {"libQt6Gui", "libQt6Widgets", "libQt6Svg", "libQt6PrintSupport", "libQt6OpenGL", "qcustomplot"})
            QVERIFY2(!r.out.contains(library), (QByteArray(library) + " is linked:\n" + r.out).constData());
#else
        QSKIP("checked with ldd on Linux");
#endif
    }

    void figuresAndWindowNeedTheGuiBuild_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("written"); // a file that must not appear
        auto row = [](const char* name, QStringList args, const QString& written = QString()) {
            QTest::newRow(name) << args << written;
        };
        const QString png = m_dir.filePath(QStringLiteral("refused.png"));
        const QString json = m_dir.filePath(QStringLiteral("refused.json"));
        row("run --png", {QStringLiteral("run"), QStringLiteral("--tasks"), QStringLiteral("2"), QStringLiteral("--json"), json, QStringLiteral("--png"), png}, json);
        row("run --svg", {QStringLiteral("run"), QStringLiteral("--svg"), m_dir.filePath(QStringLiteral("refused.svg"))});
        row("compare --pdf", {QStringLiteral("compare"), QStringLiteral("--models"), QStringLiteral("sequential,threads"), QStringLiteral("--pdf"),
                              m_dir.filePath(QStringLiteral("refused.pdf"))});
        row("sweep --png", {QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("threads"), QStringLiteral("--workers"), QStringLiteral("1,2"),
                            QStringLiteral("--png"), png}, png);
        row("record --png", {QStringLiteral("record"), QStringLiteral("--png"), png, QStringLiteral("--"), QStringLiteral("/bin/true")}, png);
        row("render", {QStringLiteral("render"), json, QStringLiteral("--png"), png}, png);
        row("open", {QStringLiteral("open"), json});
        row("window", {QStringLiteral("window"), QStringLiteral("--preset"), QStringLiteral("gil-cpu-threads")});
    }

    void figuresAndWindowNeedTheGuiBuild()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, written);
        const Result r = run(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("needs the GUI build") || r.err.contains("need the GUI build"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY(r.out.isEmpty());
        if (!written.isEmpty())
            QVERIFY(!QFile::exists(written));
    }

    // Every verb that needs no figure, on small workloads.
    void everyVerbWorks()
    {
        Result r = run({QStringLiteral("--version")});
        QCOMPARE(r.code, 0);
        r = run({QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        for (const char* verb : {"run", "compare", "advise", "sweep", "render", "record", "list", "serve", "demo"})
            QVERIFY2(r.out.contains(QByteArray("concurrency-explorer ") + verb), verb);
        QVERIFY(r.out.contains("need the GUI build")); // and says what this build leaves out
        r = run({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QVERIFY(!QJsonDocument::fromJson(r.out).object()[QStringLiteral("presets")].toArray().isEmpty());

        r = run({QStringLiteral("run"), QStringLiteral("--preset"), QStringLiteral("gil-cpu-threads"), QStringLiteral("--task-ms"), QStringLiteral("20"),
                 QStringLiteral("--json"), path("run.json"), QStringLiteral("--csv"), path("run.csv"), QStringLiteral("--trace"), path("run.trace.json")});
        QVERIFY2(r.code == 0, r.err.constData());
        QFile f(path("run.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(f.readAll()).object()[QStringLiteral("status")].toString(), QStringLiteral("completed"));
        QVERIFY(QFile::exists(path("run.csv")));
        QVERIFY(QFile::exists(path("run.trace.json")));

        r = run({QStringLiteral("compare"), QStringLiteral("--models"), QStringLiteral("sequential,threads,eventloop"), QStringLiteral("--workload"),
                 QStringLiteral("io"), QStringLiteral("--tasks"), QStringLiteral("10"), QStringLiteral("--wait-ms"), QStringLiteral("10"),
                 QStringLiteral("--json"), path("cmp.json")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains("Decision flowchart"));

        r = run({QStringLiteral("advise"), QStringLiteral("--workload"), QStringLiteral("cpu"), QStringLiteral("--task-ms"), QStringLiteral("10"),
                 QStringLiteral("--tasks"), QStringLiteral("2"), QStringLiteral("--gil")});
        QVERIFY2(r.code == 0, r.err.constData());

        r = run({QStringLiteral("sweep"), QStringLiteral("--models"), QStringLiteral("threads"), QStringLiteral("--workers"), QStringLiteral("1,2"),
                 QStringLiteral("--tasks"), QStringLiteral("2"), QStringLiteral("--task-ms"), QStringLiteral("10"), QStringLiteral("--json"), path("sweep.json")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(QFile::exists(path("sweep.json")));

#if defined(__linux__)
        r = run({QStringLiteral("record"), QStringLiteral("--json"), path("record.json"), QStringLiteral("--"), QStringLiteral("/bin/true")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(QFile::exists(path("record.json")));
#endif
    }

    // The demo keeps its data and says that the figures are skipped.
    void demoWritesDataWithoutFigures()
    {
        const QString out = path("demo");
        const Result r = run({QStringLiteral("demo"), QStringLiteral("--out"), out}, 300000);
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains("no figure export"));
        for (const char* name : {"demo-cpu.json", "demo-cpu.csv", "demo-io.json", "demo-io.csv"})
            QVERIFY2(QFile::exists(QDir(out).filePath(QString::fromLatin1(name))), name);
        QVERIFY(QDir(out).entryList({QStringLiteral("*.png")}, QDir::Files).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCoreOnly)
#include "tst_coreonly.moc"
