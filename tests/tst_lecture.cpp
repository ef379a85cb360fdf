// Lecture mode, offscreen: the replay's logic as a table (playhead, speed, steps, captions,
// the flowchart's decided steps), the guess against the measurement, the presets' code and
// captions, the flowchart's layout at many sizes (nothing overlaps), presentation mode
// (large text, Esc), replaying a run and a comparison in the window, the idle window, the
// preset list in a narrow form, and `open` / `window` from the command line.
#include "CompareView.h"
#include "FlowchartLayout.h"
#include "FlowchartView.h"
#include "Launch.h"
#include "MainWindow.h"
#include "ce/Options.h"
#include "ce/Prediction.h"
#include "ce/Presets.h"
#include "ce/Replay.h"
#include "ReplayBar.h"
#include "RunController.h"
#include "RunForm.h"
#include "Theme.h"
#include "TimelinePlot.h"

#include <qcustomplot.h>

#include <QAction>
#include <QDialog>
#include <QDoubleSpinBox>
#include <QRadioButton>
#include <QTimer>
#include <QApplication>
#include <QFontInfo>
#include <QFontMetricsF>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QSettings>
#include <QTest>

using namespace ce;
using namespace ce::ui;

namespace {

PhaseRecord phase(int lane, double startS, double endS, State state)
{
    PhaseRecord p;
    p.lane = lane;
    p.task = lane;
    p.startNs = static_cast<std::int64_t>(startS * 1e9);
    p.endNs = static_cast<std::int64_t>(endS * 1e9);
    p.state = state;
    return p;
}

// Two lanes: lane 0 waits 0..0.2 s then computes 0.2..1.0 s; lane 1 computes 0..0.5 s.
RunSnapshot syntheticRun()
{
    RunSnapshot r;
    r.status = RunStatus::Completed;
    r.elapsedNs = 1'000'000'000;
    r.lanes = 2;
    r.config.tasks = 2;
    r.phases = {phase(0, 0.0, 0.2, State::IoWait), phase(0, 0.2, 1.0, State::Cpu), phase(1, 0.0, 0.5, State::Cpu)};
    TaskRecord a, b;
    a.id = 0, a.lane = 0, a.status = TaskStatus::Done, a.startNs = 0, a.endNs = 1'000'000'000;
    b.id = 1, b.lane = 1, b.status = TaskStatus::Done, b.startNs = 0, b.endNs = 500'000'000;
    r.tasks = {a, b};
    r.summary.makespanS = 1.0;
    r.summary.tasksDone = 2;
    return r;
}

Replay syntheticReplay()
{
    const RunSnapshot r = syntheticRun();
    WorkloadMeasure m = measureFromRun(r);
    return Replay({r}, advise(m), {{0.1, "first"}, {0.6, "second"}});
}

void setOption(MainWindow& w, const char* name, const QString& value)
{
    QVERIFY2(w.form()->setOption(name, value), name); // as typed on the command line
}

struct Result {
    int code = -1;
    QString out;
    QString err;
};

Result runProgram(const QStringList& args, const QProcessEnvironment& env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(CE_EXECUTABLE), args);
    Result r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

QProcessEnvironment withoutDisplay()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QString::fromLatin1(name));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), QDir::tempPath());
    return env;
}

// A small comparison saved by the command line (it keeps the preset's name, for captions).
QString savedComparison(const QTemporaryDir& dir)
{
    const QString file = dir.filePath(QStringLiteral("compare.json"));
    const Result r = runProgram({QStringLiteral("compare"), QStringLiteral("--preset"), QStringLiteral("gil-cpu-threads"),
                                 QStringLiteral("--task-ms"), QStringLiteral("30"), QStringLiteral("--json"), file},
                                QProcessEnvironment::systemEnvironment());
    return r.code == 0 ? file : QString();
}

int pixels(const QFont& font) { return QFontInfo(font).pixelSize(); }

} // namespace

class TestLecture : public QObject {
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
        QCoreApplication::setApplicationName(QStringLiteral("tst_lecture"));
        QSettings().clear();
    }

    // --- the replay's logic, as a table ------------------------------------------------
    void replayPlayheadSpeedAndSteps()
    {
        Replay r = syntheticReplay();
        QCOMPARE(r.duration(), 1.0);
        QCOMPARE(r.position(), 0.0);
        r.seek(5);
        QCOMPARE(r.position(), 1.0); // clamped
        r.seek(-1);
        QCOMPARE(r.position(), 0.0);
        QVERIFY(!r.advance(0.1)); // paused: nothing moves
        r.play();
        QVERIFY(r.playing());
        r.setSpeed(2);
        QVERIFY(r.advance(0.1));
        QCOMPARE(r.position(), 0.2);
        r.setSpeed(0.01);
        QCOMPARE(r.speed(), Replay::kMinSpeed);
        r.setSpeed(100);
        QCOMPARE(r.speed(), Replay::kMaxSpeed);
        r.faster(); // already the fastest
        QCOMPARE(r.speed(), 10.0);
        r.slower();
        QCOMPARE(r.speed(), 5.0);
        r.setSpeed(1);
        r.faster();
        QCOMPARE(r.speed(), 2.0);
        r.advance(10); // past the end: stops there
        QVERIFY(r.atEnd());
        QVERIFY(!r.playing());
        r.play(); // at the end: from the start again
        QCOMPARE(r.position(), 0.0);
        r.pause();

        // Steps go to the next moment something happens, at most a twentieth of the length.
        struct Step {
            double from;
            double forward;
            double back;
        };
        const Step steps[] = {
            {0.0, 0.05, 0.0},   // capped at duration/20
            {0.18, 0.2, 0.13},  // the wait ends at 0.2; back at most 0.05
            {0.48, 0.5, 0.43},  // lane 1's CPU ends at 0.5
            {0.97, 1.0, 0.92},
        };
        for (const Step& s : steps) {
            r.seek(s.from);
            r.stepForward();
            QVERIFY2(std::abs(r.position() - s.forward) < 1e-9, qPrintable(QStringLiteral("forward from %1: %2").arg(s.from).arg(r.position())));
            r.seek(s.from);
            r.stepBack();
            QVERIFY2(std::abs(r.position() - s.back) < 1e-9, qPrintable(QStringLiteral("back from %1: %2").arg(s.from).arg(r.position())));
        }
        QCOMPARE(r.revealedNs(0.25), std::int64_t(250'000'000));
        QCOMPARE(r.revealedNs(7.0), std::int64_t(1'000'000'000));
        QCOMPARE(r.tasksDone(0, 0.4), 0);
        QCOMPARE(r.tasksDone(0, 0.5), 1);
        QCOMPARE(r.tasksDone(0, 1.0), 2);
        QCOMPARE(r.tasksDone(3, 1.0), 0);
    }

    void replayCaptionsAndFlowchartSteps()
    {
        const Replay r = syntheticReplay();
        const std::pair<double, int> captions[] = {{0.0, -1}, {0.09, -1}, {0.1, 0}, {0.59, 0}, {0.6, 1}, {1.0, 1}};
        for (auto [t, expected] : captions)
            QCOMPARE(r.captionAt(t), expected);
        // The CPU share over the phases ended so far: 0 % at 0.2 s (a wait), then CPU-bound
        // for good from 0.5 s (lane 1's CPU: 0.5 s against 0.2 s of waiting).
        QCOMPARE(cpuShareSettledAt(syntheticRun()), 0.5);
        QCOMPARE(r.knownSteps(0.49), 0);
        QCOMPARE(r.knownSteps(0.5), static_cast<int>(r.advice().path.size()));
        QCOMPARE(r.advice().path.front().edge, std::string("the CPU"));

        // Captions written for a longer run are pulled in, in order, to be seen before the end.
        const Replay shortRun({syntheticRun()}, Advice{}, {{3.0, "c"}, {0.2, "a"}, {2.0, "b"}});
        const auto& c = shortRun.captions();
        QCOMPARE(c.size(), std::size_t(3));
        QCOMPARE(c[0].text, std::string("a"));
        QCOMPARE(c[2].text, std::string("c"));
        QVERIFY(c[2].atS <= 0.95 + 1e-9 && c[0].atS < c[1].atS && c[1].atS < c[2].atS);
        QCOMPARE(shortRun.knownSteps(1.0), 0); // no advice, nothing to light

        QVERIFY(Replay().empty());
        Replay empty;
        empty.play();
        QVERIFY(!empty.playing());
    }

    void predictionAgainstMeasurement()
    {
        std::vector<RunSnapshot> runs(3);
        const double makespans[] = {2.0, 1.9, 1.0};
        for (int i = 0; i < 3; ++i) {
            runs[static_cast<std::size_t>(i)].status = RunStatus::Completed;
            runs[static_cast<std::size_t>(i)].summary.makespanS = makespans[i];
        }
        runs[1].config.model = Model::Threads;
        runs[2].config.model = Model::Processes;
        runs[2].config.workers = 2;
        Prediction guess{2, "processes x2", 4.0};
        PredictionResult r = judgePrediction(runs, guess);
        QCOMPARE(r.fastest, 2);
        QVERIFY(r.right);
        QCOMPARE(r.measuredSpeedup, 2.0);
        QVERIFY(QString::fromStdString(r.text).contains(QStringLiteral("Right")));
        QVERIFY(QString::fromStdString(r.text).contains(QStringLiteral("4.0x guessed")));
        r = judgePrediction(runs, Prediction{1, "threads", 0});
        QVERIFY(!r.right);
        QVERIFY(QString::fromStdString(r.text).contains(QStringLiteral("Not this time")));
        runs[1].summary.makespanS = 1.05; // within 10 % of the fastest: as fast, on a noisy machine
        QVERIFY(judgePrediction(runs, Prediction{1, "threads", 0}).right);
        QVERIFY(!judgePrediction(runs, Prediction{}).right);
        runs[2].status = RunStatus::Cancelled;
        QCOMPARE(judgePrediction(runs, guess).fastest, 1);
        QVERIFY(!judgePrediction(runs, guess).right);
    }

    void presetsCarryCodeAndCaptions()
    {
        std::vector<std::string> errors;
        const auto& all = presets(&errors);
        QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        int withCode = 0;
        for (const Preset& p : all) {
            for (std::size_t i = 0; i < p.captions.size(); ++i) {
                QVERIFY(p.captions[i].atS >= 0 && !p.captions[i].text.empty());
                QVERIFY(i == 0 || p.captions[i - 1].atS <= p.captions[i].atS);
            }
            if (p.code.empty())
                continue; // optional
            ++withCode;
            // The code is real Python: it must at least compile.
            if (!python.isEmpty()) {
                QProcess py;
                py.start(python, {QStringLiteral("-c"), QStringLiteral("import sys; compile(sys.stdin.read(), 'preset', 'exec')")});
                QVERIFY(py.waitForStarted());
                py.write(QByteArray::fromStdString(p.code));
                py.closeWriteChannel();
                QVERIFY(py.waitForFinished(30000));
                QVERIFY2(py.exitCode() == 0, qPrintable(QString::fromStdString(p.name) + QStringLiteral(": ")
                                                        + QString::fromLocal8Bit(py.readAllStandardError())));
            }
        }
        QVERIFY(withCode >= 9);
        const auto gil = findPreset("gil-cpu-threads");
        QVERIFY(gil && QString::fromStdString(gil->code).contains(QStringLiteral("threading.Thread")));
        QVERIFY(!gil->captions.empty());
        const auto offload = findPreset("eventloop-offload");
        QVERIFY(offload && QString::fromStdString(offload->code).contains(QStringLiteral("to_thread"))
                && QString::fromStdString(offload->code).contains(QStringLiteral("run_in_executor")));
    }

    // --- the flowchart's layout, as a table: nothing overlaps at any size ---------------
    void flowchartLayoutNeverOverlaps_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<int>("pixels");
        QTest::addColumn<int>("advice"); // 0 none, 1 I/O path, 2 CPU path
        QTest::addColumn<int>("known");
        const QSize sizes[] = {{260, 200}, {280, 420}, {300, 420}, {360, 520}, {420, 1000}, {600, 900}, {1000, 400}, {700, 1000}};
        for (QSize s : sizes) {
            for (int px : {13, 24}) {
                for (int a : {0, 1, 2}) {
                    for (int known : {-1, 1}) {
                        QTest::addRow("%dx%d %dpx advice%d known%d", s.width(), s.height(), px, a, known) << s << px << a << known;
                    }
                }
            }
        }
    }

    void flowchartLayoutNeverOverlaps()
    {
        QFETCH(QSize, size);
        QFETCH(int, pixels);
        QFETCH(int, advice);
        QFETCH(int, known);
        QFont font = QApplication::font();
        font.setPixelSize(pixels);
        Advice a;
        WorkloadMeasure m;
        m.source = "measured over 1000 tasks run eventloop x unlimited in flight, a long explanation that must wrap";
        m.concurrency = 1000;
        if (advice == 1) {
            m.cpuShare = 0.1;
            a = advise(m);
        } else if (advice == 2) {
            m.cpuShare = 0.9;
            m.gil = true;
            a = advise(m);
        }
        const QRectF area(8, 8, size.width() - 16, size.height() - 16);
        const FlowchartLayout l = FlowchartLayout::compute(decisionFlowchart(), advice ? &a : nullptr, known, area, font);
        QCOMPARE(l.boxes.size(), decisionFlowchart().nodes.size());
        QCOMPARE(l.labels.size(), decisionFlowchart().edges.size());
        QVERIFY(l.fontScale >= FlowchartLayout::kMinFontScale - 1e-9);
        if (pixels >= 20)
            QVERIFY2(QFontInfo(l.labelFont).pixelSize() >= 18, "projector-sized labels shrank below 18 px");
        const auto lines = l.lineRects(3.0 * std::max(1.0, pixels / 14.0));
        auto overlap = [](const QRectF& a, const QRectF& b) { return a.intersected(b).width() > 0.01 && a.intersected(b).height() > 0.01; };
        std::vector<QRectF> labels;
        for (const auto& lab : l.labels)
            labels.push_back(lab.rect);
        labels.push_back(l.titleRect);
        for (std::size_t i = 0; i < labels.size(); ++i) {
            QVERIFY2(labels[i].right() <= area.right() + 0.5, "a label runs out of the widget");
            for (std::size_t j = i + 1; j < labels.size(); ++j)
                QVERIFY2(!overlap(labels[i], labels[j]), "two labels overlap");
            for (const auto& b : l.boxes)
                QVERIFY2(!overlap(labels[i], b.rect), qPrintable(QStringLiteral("a label overlaps box ") + QString::fromStdString(b.id)));
            for (const auto& line : lines)
                QVERIFY2(!overlap(labels[i], line), "a label overlaps a line");
        }
        const QFontMetricsF boxMetrics(l.boxFont);
        for (std::size_t i = 0; i < l.boxes.size(); ++i) {
            const auto& b = l.boxes[i];
            QVERIFY2(b.rect.right() <= area.right() + 0.5, "a box runs out of the widget");
            for (std::size_t j = i + 1; j < l.boxes.size(); ++j)
                QVERIFY2(!overlap(b.rect, l.boxes[j].rect), "two boxes overlap");
            // The text fits its box: nothing is cut.
            const QRectF inner = b.rect.adjusted(l.padX, l.padY, -l.padX, -l.padY);
            const QRectF text = boxMetrics.boundingRect(QRectF(0, 0, inner.width(), 1e6), FlowchartLayout::kTextFlags, b.text);
            QVERIFY2(text.height() <= inner.height() + 0.5 && text.width() <= inner.width() + 0.5, qPrintable(b.text));
        }
        // A line touches only the two boxes it joins.
        for (const auto& e : l.edges) {
            FlowchartLayout one;
            one.edges = {e};
            for (const auto& line : one.lineRects(3.0 * std::max(1.0, pixels / 14.0))) {
                for (const auto& b : l.boxes) {
                    if (b.id != e.from && b.id != e.to)
                        QVERIFY2(!overlap(line, b.rect), qPrintable(QStringLiteral("a line crosses box ") + QString::fromStdString(b.id)));
                }
            }
        }
        if (l.fits)
            QVERIFY(l.bottom <= area.bottom() + 0.5);
    }

    // --- the window ----------------------------------------------------------------------
    void idleWindowSaysWhatToDo()
    {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.timeline()->showingPlaceholder());
        QVERIFY(!w.presentAction()->isChecked());
        // Not an empty axis: no axis is drawn until there is something on it.
        for (QCPAxisRect* r : w.timeline()->plot()->axisRects())
            QVERIFY(!r->axis(QCPAxis::atBottom)->visible());
        w.setPresentation(true, false);
        QVERIFY(w.timeline()->showingPlaceholder());
        w.setPresentation(false);
        // Preset titles wrap: no sideways scrolling, every title's lines fit its row.
        auto* list = w.form()->findChild<QListWidget*>();
        QVERIFY(list);
        w.form()->parentWidget()->parentWidget()->resize(330, 800);
        list->resize(300, list->height());
        QApplication::processEvents();
        QCOMPARE(list->horizontalScrollBar()->maximum(), 0);
        const QFontMetrics fm(list->font());
        for (int i = 0; i < list->count(); ++i) {
            const QRect r = list->visualItemRect(list->item(i));
            QVERIFY(r.width() <= list->viewport()->width());
            const QRect text = fm.boundingRect(QRect(0, 0, r.width() - 8, 10000), Qt::TextWordWrap, list->item(i)->text());
            QVERIFY2(text.height() <= r.height() + 1, qPrintable(list->item(i)->text()));
        }
    }

    void presentationModeIsLargeAndEscLeaves()
    {
        MainWindow w;
        w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE));
        w.resize(1920, 1080);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QString error;
        QTemporaryDir dir;
        const QString file = savedComparison(dir);
        QVERIFY(!file.isEmpty());
        QVERIFY2(w.openRun(file, &error), qPrintable(error));
        w.setPresentation(true, false);
        w.setShowCode(true);
        QApplication::processEvents();
        QVERIFY(w.presenting());
        QVERIFY(w.presentAction()->isChecked());
        QVERIFY(w.form()->isHidden() || !w.form()->isVisible());
        // Text for a projector: 18 px or more everywhere that matters.
        TimelinePlot* plot = w.compareView()->plot(0);
        QVERIFY(pixels(plot->font()) * 0.9 >= 17.99);
        for (QCPAxisRect* r : plot->plot()->axisRects())
            QVERIFY(pixels(r->axis(QCPAxis::atLeft)->tickLabelFont()) >= 18);
        QVERIFY(plot->lineScale() > 1.0);
        QVERIFY(pixels(w.codeView()->font()) >= 18);
        QVERIFY(w.codeView()->toPlainText().contains(QStringLiteral("threading")));
        w.flowchart()->resize(420, 1000);
        const FlowchartLayout l = w.flowchart()->currentLayout();
        QVERIFY(pixels(l.labelFont) >= 18);
        QVERIFY(pixels(l.boxFont) >= 18);
        // High contrast, one theme at a time.
        QAction* contrast = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text() == QStringLiteral("Contrast"))
                contrast = a;
        QVERIFY(contrast);
        contrast->trigger();
        QCOMPARE(currentTheme().name, QStringLiteral("contrast"));
        contrast->trigger();
        QCOMPARE(currentTheme().name, QStringLiteral("light"));
        // Esc leaves presentation mode and restores the form and the normal type.
        w.escapeAction()->trigger();
        QVERIFY(!w.presenting());
        QVERIFY(!w.form()->isHidden());
        QVERIFY(pixels(w.compareView()->plot(0)->font()) < 18);
    }

    void escLeavesPresentationBeforeCancelling()
    {
        MainWindow w;
        w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE));
        w.show();
        w.form()->selectPreset(QStringLiteral("gil-cpu-threads"));
        setOption(w, "task-ms", QStringLiteral("20000"));
        w.setPresentation(true, false);
        QSignalSpy done(&w, &MainWindow::runFinished);
        w.startRun();
        QVERIFY(w.controller()->isRunning());
        w.escapeAction()->trigger(); // first Esc: out of presentation, the run goes on
        QVERIFY(!w.presenting());
        QVERIFY(w.controller()->isRunning());
        w.escapeAction()->trigger(); // second: cancel
        QVERIFY(done.wait(60000));
        QCOMPARE(static_cast<int>(w.lastRun().status), static_cast<int>(RunStatus::Cancelled));
    }

    void replayOfARunRevealsUpToThePlayhead()
    {
        MainWindow w;
        w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE));
        w.show();
        w.form()->selectPreset(QStringLiteral("gil-cpu-threads"));
        setOption(w, "task-ms", QStringLiteral("40"));
        QSignalSpy done(&w, &MainWindow::runFinished);
        w.startRun();
        QVERIFY(done.wait(60000));
        QVERIFY(!w.timeline()->showingPlaceholder());
        QVERIFY(w.startReplay(false));
        QVERIFY(w.replaying());
        const Replay& r = w.replayBar()->replay();
        QVERIFY(r.duration() > 0);
        w.replayBar()->seek(0);
        QCOMPARE(w.timeline()->playhead(), 0.0);
        QVERIFY(w.flowchart()->highlightedPath().empty()); // nothing is decided yet
        w.replayBar()->seek(r.duration());
        QCOMPARE(w.timeline()->playhead(), r.duration());
        QCOMPARE(w.flowchart()->highlightedPath().size(), r.advice().path.size());
        // Playing moves the playhead (bounded wait, at the fastest speed).
        w.replayBar()->seek(0);
        w.replayBar()->setSpeed(10);
        w.replayBar()->togglePlaying();
        QTRY_VERIFY_WITH_TIMEOUT(w.timeline()->playhead() > 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(r.atEnd(), 30000);
        QVERIFY(!r.playing());
        // Dragging on the tracks scrubs: the playhead follows the pointer, playing stops.
        w.resize(1400, 900);
        QApplication::processEvents();
        w.replayBar()->togglePlaying();
        QVERIFY(r.playing());
        TimelinePlot* timeline = w.timeline();
        QCustomPlot* plot = timeline->plot(); // mouse events go to the canvas, as a user's would
        QCPAxisRect* lanes = plot->axisRects().at(1);
        const QPoint a(static_cast<int>(lanes->axis(QCPAxis::atBottom)->coordToPixel(r.duration() * 0.25)), lanes->rect().center().y());
        const QPoint b(static_cast<int>(lanes->axis(QCPAxis::atBottom)->coordToPixel(r.duration() * 0.75)), lanes->rect().center().y());
        QTest::mousePress(plot, Qt::LeftButton, {}, a);
        QVERIFY(!r.playing());
        QVERIFY(std::abs(timeline->playhead() - r.duration() * 0.25) < r.duration() * 0.02);
        QMouseEvent move(QEvent::MouseMove, QPointF(b), plot->mapToGlobal(QPointF(b)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(plot, &move);
        QVERIFY(std::abs(timeline->playhead() - r.duration() * 0.75) < r.duration() * 0.02);
        QTest::mouseRelease(plot, Qt::LeftButton, {}, b);
        w.stopReplay();
        QVERIFY(!w.replaying());
        QCOMPARE(w.timeline()->playhead(), -1.0);
        QCOMPARE(w.flowchart()->highlightedPath().size(), r.advice().path.size());
    }

    void replayOfAComparisonWithCaptionsAndTheVerdictLast()
    {
        QTemporaryDir dir;
        const QString file = savedComparison(dir);
        QVERIFY(!file.isEmpty());
        MainWindow w;
        w.show();
        QString error;
        QVERIFY2(w.openRun(file, &error), qPrintable(error));
        QVERIFY(w.showingComparison());
        QCOMPARE(w.compareView()->plots(), 2);
        QVERIFY(w.startReplay(false));
        const Replay& r = w.replayBar()->replay();
        QVERIFY(!r.captions().empty()); // the preset's notes
        w.replayBar()->seek(0);
        QVERIFY(!w.compareView()->verdictShown());
        QCOMPARE(w.compareView()->plot(1)->playhead(), 0.0);
        for (double t : {0.0, r.captions().front().atS, r.duration()}) {
            w.replayBar()->seek(t);
            const int c = r.captionAt(t);
            QCOMPARE(w.captionLabel()->text(), c >= 0 ? QString::fromStdString(r.captions()[static_cast<std::size_t>(c)].text) : QString());
        }
        QVERIFY(w.compareView()->verdictShown()); // at the end
        // Keys: Space, period, comma, brackets act only during a replay.
        w.replayBar()->seek(0);
        w.replayBar()->stepForward();
        QVERIFY(r.position() > 0);
        w.stopReplay();
        QCOMPARE(w.compareView()->plot(0)->playhead(), -1.0);
    }

    void predictThenReveal()
    {
        MainWindow w;
        w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE));
        w.show();
        w.form()->selectPreset(QStringLiteral("nogil-cpu-threads")); // sequential, then 2 threads: 0.8 s of work each
        w.setNextPrediction(Prediction{1, "threads x2", 1.8});
        QSignalSpy done(&w, &MainWindow::runFinished);
        w.startCompare();
        QVERIFY(done.wait(120000));
        const PredictionResult& p = w.lastPredictionResult();
        QVERIFY(p.fastest >= 0);
        const QString text = QString::fromStdString(p.text);
        QVERIFY2(text.startsWith(QStringLiteral("Guess: threads x2, 1.8x faster. Measured: ")), qPrintable(text));
        QVERIFY(!w.lastPredictionResult().text.empty());
        QVERIFY(w.startReplay(false));
        w.replayBar()->seek(w.replayBar()->replay().duration());
        QVERIFY(w.compareView()->verdictShown());
    }

    void predictionDialogBeforeTheComparison()
    {
        MainWindow w;
        w.setWorkerExecutable(QStringLiteral(CE_EXECUTABLE));
        w.show();
        w.form()->selectPreset(QStringLiteral("ten-downloads-threads")); // sequential, then 10 threads: about 3.3 s
        QAction* predict = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text() == QStringLiteral("Predict first"))
                predict = a;
        QVERIFY(predict);
        predict->setChecked(true);
        // Cancelling the guess cancels the comparison.
        QTimer::singleShot(0, &w, [] {
            if (auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget()))
                d->reject();
        });
        w.startCompare();
        QVERIFY(!w.controller()->isRunning());
        // The room guesses the second run (threads), 5x.
        bool answered = false;
        QTimer::singleShot(0, &w, [&answered] {
            auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget());
            if (!d)
                return;
            const auto radios = d->findChildren<QRadioButton*>();
            if (radios.size() == 2)
                radios[1]->setChecked(true);
            if (auto* spin = d->findChild<QDoubleSpinBox*>())
                spin->setValue(5.0);
            answered = radios.size() == 2;
            d->accept();
        });
        QSignalSpy done(&w, &MainWindow::runFinished);
        w.startCompare();
        QVERIFY(answered);
        QVERIFY(done.wait(120000));
        const QString text = QString::fromStdString(w.lastPredictionResult().text);
        QVERIFY2(text.startsWith(QStringLiteral("Guess: threads x10 +GIL (emulated), 5.0x faster. Measured: ")), qPrintable(text));
        predict->setChecked(false);
    }

    // --- the command line: open and window ------------------------------------------------
    void launchArguments()
    {
        struct Row {
            QStringList args;
            bool ok;
        };
        const Row rows[] = {
            {{QStringLiteral("open"), QStringLiteral("run.json")}, true},
            {{QStringLiteral("open")}, false},
            {{QStringLiteral("open"), QStringLiteral("a.json"), QStringLiteral("b.json")}, false},
            {{QStringLiteral("open"), QStringLiteral("a.json"), QStringLiteral("--present"), QStringLiteral("--replay-at"), QStringLiteral("0.5")}, true},
            {{QStringLiteral("open"), QStringLiteral("a.json"), QStringLiteral("--replay-at"), QStringLiteral("-1")}, false},
            {{QStringLiteral("window")}, true},
            {{QStringLiteral("window"), QStringLiteral("--preset"), QStringLiteral("convoy"), QStringLiteral("--present")}, true},
            {{QStringLiteral("window"), QStringLiteral("--preset"), QStringLiteral("no-such-preset")}, false},
            {{QStringLiteral("window"), QStringLiteral("--preset")}, false},
            {{QStringLiteral("window"), QStringLiteral("--bogus")}, false},
            {{QStringLiteral("window"), QStringLiteral("extra")}, false},
            {{QStringLiteral("window"), QStringLiteral("--size"), QStringLiteral("10x10")}, false},
            {{QStringLiteral("window"), QStringLiteral("--size"), QStringLiteral("1920x1080")}, true},
            {{QStringLiteral("window"), QStringLiteral("--grab"), QStringLiteral("shot.jpg")}, false},
            {{QStringLiteral("window"), QStringLiteral("--replay-at"), QStringLiteral("1")}, false},
        };
        for (const Row& row : rows) {
            const LaunchRequest r = parseLaunch(row.args);
            QVERIFY2(r.error.empty() == row.ok, qPrintable(row.args.join(QLatin1Char(' ')) + QStringLiteral(": ") + QString::fromStdString(r.error)));
            if (!row.ok)
                QVERIFY(r.error.find('\n') == std::string::npos);
        }
        QVERIFY(parseLaunch({QStringLiteral("window"), QStringLiteral("--present")}).present);
        QCOMPARE(parseLaunch({QStringLiteral("open"), QStringLiteral("x.json")}).file, QStringLiteral("x.json"));
    }

    void openAndWindowWithoutADisplaySaySo()
    {
        for (const QStringList& args : {QStringList{QStringLiteral("open"), QStringLiteral("run.json")}, QStringList{QStringLiteral("window")},
                                        QStringList{QStringLiteral("window"), QStringLiteral("--preset"), QStringLiteral("convoy"), QStringLiteral("--present")}}) {
            const Result r = runProgram(args, withoutDisplay());
            QCOMPARE(r.code, 2);
            QVERIFY(r.out.isEmpty());
            QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
            QVERIFY2(r.err.contains(QStringLiteral("no display")), qPrintable(r.err));
        }
        const Result bad = runProgram({QStringLiteral("open")}, withoutDisplay());
        QCOMPARE(bad.code, 2);
        QCOMPARE(bad.err.count(QLatin1Char('\n')), 1);
    }

    void windowOpensOffscreenAndGrabsItself()
    {
        QTemporaryDir dir;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path()); // not the user's settings
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), QDir::tempPath());
        const QString shot = dir.filePath(QStringLiteral("window.png"));
        Result r = runProgram({QStringLiteral("window"), QStringLiteral("--preset"), QStringLiteral("convoy"), QStringLiteral("--present"),
                               QStringLiteral("--code"), QStringLiteral("--size"), QStringLiteral("1200x800"), QStringLiteral("--grab"), shot},
                              env);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QImage image(shot);
        QCOMPARE(image.size(), QSize(1200, 800));
        const QString file = savedComparison(dir);
        QVERIFY(!file.isEmpty());
        const QString replay = dir.filePath(QStringLiteral("replay.png"));
        r = runProgram({QStringLiteral("open"), file, QStringLiteral("--replay-at"), QStringLiteral("0.02"), QStringLiteral("--size"),
                        QStringLiteral("1200x700"), QStringLiteral("--grab"), replay},
                       env);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(QImage(replay).size(), QSize(1200, 700));
        // A file that cannot be opened: one line, exit 2, no window left behind.
        r = runProgram({QStringLiteral("open"), dir.filePath(QStringLiteral("missing.json"))}, env);
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    }
};

QTEST_MAIN(TestLecture)
#include "tst_lecture.moc"
