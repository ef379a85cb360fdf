// Per-core sampling from the OS's counters: shares stay within 0..100 % and a thread that
// spins shows as this run's use of some core.
#include "CoreSampler.h"
#include "ce/Engine.h"
#include "platform/CpuCounters.h"
#include "platform/Platform.h"

#include <QTest>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <map>
#include <thread>

#if defined(__linux__)
#include <unistd.h>
#endif

using namespace ce;

class TestSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countersReadEveryCore()
    {
        auto counters = platform::CpuCounters::create();
        std::vector<platform::CoreTicks> cores;
        QVERIFY(counters->readCores(cores));
        QCOMPARE(static_cast<unsigned>(cores.size()), std::thread::hardware_concurrency());
        for (const auto& c : cores)
            QVERIFY(c.busy <= c.total);
        QVERIFY(!counters->machineDescription().empty());
#if defined(__linux__)
        std::vector<platform::ThreadTime> threads;
        QVERIFY(counters->readThreads({platform::currentProcessId()}, threads));
        QVERIFY(!threads.empty());
#endif
    }

    void busyThreadShowsOnACore()
    {
        const std::int64_t start = platform::monotonicNs();
        CoreSampler sampler(start, std::chrono::milliseconds(30));
        sampler.start();
        std::atomic<bool> stop{false};
        std::thread spinner([&] {
            RunThreadScope mine(sampler); // a thread of the run: only those count as its share
            volatile std::uint64_t x = 0;
            while (!stop.load(std::memory_order_relaxed))
                x = x + 1;
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
        stop = true;
        spinner.join();
        sampler.stop();
        std::vector<CoreSample> samples;
        sampler.snapshotInto(samples);
        QVERIFY(samples.size() >= std::thread::hardware_concurrency() * 5);
        float best = 0;
        for (const auto& s : samples) {
            QVERIFY(s.totalPct >= 0 && s.totalPct <= 100);
            QVERIFY(s.runPct >= 0 && s.runPct <= s.totalPct + 0.01f);
            QVERIFY(s.core >= 0 && static_cast<unsigned>(s.core) < std::thread::hardware_concurrency());
            best = std::max(best, s.runPct);
        }
#if defined(__linux__)
        QVERIFY(sampler.runShareMeasured());
        // The spinning thread shows on some core. (How much of one it gets depends on what
        // else the machine runs: the share itself is checked on fake counters below.)
        QVERIFY2(best > 0.0f, qPrintable(QString::number(best)));
#endif
    }

    // The share arithmetic on counters given by the test: each row can fail.
    void sharesFromFakeCounters_data()
    {
        QTest::addColumn<double>("busyBefore");
        QTest::addColumn<double>("busyNow");
        QTest::addColumn<double>("totalBefore");
        QTest::addColumn<double>("totalNow");
        QTest::addColumn<double>("runNs");
        QTest::addColumn<float>("total");
        QTest::addColumn<float>("run");
        QTest::newRow("half busy, a quarter ours") << 100.0 << 105.0 << 200.0 << 210.0 << 12.5e6 << 50.0f << 25.0f;
        QTest::newRow("idle") << 100.0 << 100.0 << 200.0 << 210.0 << 0.0 << 0.0f << 0.0f;
        QTest::newRow("ours above the ticks") << 100.0 << 101.0 << 200.0 << 210.0 << 40e6 << 80.0f << 80.0f;
        QTest::newRow("busy counted beyond total") << 100.0 << 130.0 << 200.0 << 210.0 << 0.0 << 100.0f << 0.0f;
        QTest::newRow("thread time beyond the interval") << 100.0 << 110.0 << 200.0 << 210.0 << 90e6 << 100.0f << 100.0f;
        QTest::newRow("counters went backwards") << 100.0 << 50.0 << 200.0 << 150.0 << 0.0 << 0.0f << 0.0f;
        QTest::newRow("no ticks passed") << 100.0 << 100.0 << 200.0 << 200.0 << 10e6 << 20.0f << 20.0f;
    }

    void sharesFromFakeCounters()
    {
        QFETCH(double, busyBefore);
        QFETCH(double, busyNow);
        QFETCH(double, totalBefore);
        QFETCH(double, totalNow);
        QFETCH(double, runNs);
        QFETCH(float, total);
        QFETCH(float, run);
        auto u = [](double v) { return static_cast<std::uint64_t>(v); };
        const CoreShare s = coreShare(u(busyBefore), u(busyNow), u(totalBefore), u(totalNow), runNs, 50e6, true);
        QCOMPARE(s.totalPct, total);
        QCOMPARE(s.runPct, run);
        QVERIFY(s.totalPct >= 0 && s.totalPct <= 100 && s.runPct <= s.totalPct);
    }

    // Where a child's CPU time that no sample saw goes: its last core first, then the other
    // cores in proportion to their room, never beyond a core's room; the rest is returned.
    void unseenTimeGoesWhereCoresWereBusy()
    {
        std::vector<double> room{10, 30, 0, 60};
        std::vector<double> placed(4, 0.0);
        QCOMPARE(placeUnseen(room, placed, 5, 1), 0.0); // fits on its last core
        QCOMPARE(placed, (std::vector<double>{0, 5, 0, 0}));
        // 35 more: 25 on core 1 (all its room), the other 10 split 10:60 over cores 0 and 3.
        QCOMPARE(placeUnseen(room, placed, 35, 1), 0.0);
        QCOMPARE(placed[1], 30.0);
        QVERIFY(std::abs(placed[0] - 10.0 / 70 * 10) < 1e-9 && std::abs(placed[3] - 60.0 / 70 * 10) < 1e-9);
        QCOMPARE(placed[2], 0.0);
        // Unknown core, more than all the room left (60): the rest stays with the others.
        QVERIFY(std::abs(placeUnseen(room, placed, 100, -1) - 40.0) < 1e-9);
        for (std::size_t i = 0; i < room.size(); ++i)
            QVERIFY(std::abs(room[i]) < 1e-9);
        QVERIFY(std::abs(placed[0] + placed[1] + placed[2] + placed[3] - 100.0) < 1e-9); // the total room
        QCOMPARE(placeUnseen(room, placed, 7, 3), 7.0);                                 // no room at all
        std::vector<double> none, nothing;
        QCOMPARE(placeUnseen(none, nothing, 7, 0), 7.0);
    }

#if defined(__linux__)
    // Children that start and end between two samples (a new worker per task lives a
    // millisecond or two) are never read by a sample: their CPU time, as their reap tells it,
    // must still be this run's share of the cores, and never more than that.
    void shortLivedChildrenCountAsTheRuns()
    {
        const std::int64_t start = platform::monotonicNs();
        CoreSampler sampler(start, std::chrono::milliseconds(50));
        sampler.start();
        std::int64_t reportedNs = 0;
        // 40 children (a couple of 50 ms intervals at least); a bound, not a speed, on the time.
        const std::int64_t until = platform::monotonicNs() + 60'000'000'000;
        int children = 0;
        while (platform::monotonicNs() < until && children < 40) {
            const pid_t pid = ::fork();
            QVERIFY(pid >= 0);
            if (pid == 0) {
                // Compute for 2 ms of its own CPU time, then leave at once.
                const std::int64_t cpu0 = platform::threadCpuNs();
                volatile std::uint64_t x = 0;
                while (platform::threadCpuNs() - cpu0 < 2'000'000)
                    x = x + 1;
                ::_exit(0);
            }
            sampler.addProcess(pid);
            platform::ChildEnd end;
            std::int64_t reaped = 0;
            while ((reaped = platform::reapChild(pid, false, &end)) < 0 && errno == EINTR) {
            }
            QCOMPARE(reaped, static_cast<std::int64_t>(pid));
            QVERIFY(end.cpuNs >= 1'000'000); // the OS counted its 2 ms (and a bit of start)
            sampler.processEnded(pid, end.cpuNs, end.lastCore);
            reportedNs += end.cpuNs;
            ++children;
        }
        sampler.stop();
        std::vector<CoreSample> samples;
        sampler.snapshotInto(samples);
        QVERIFY(!samples.empty());
        // The run's time as the core view shows it: each core's run share times its interval.
        std::map<int, std::int64_t> last;
        double recordedNs = 0;
        for (const auto& s : samples) {
            QVERIFY(s.runPct >= 0 && s.runPct <= s.totalPct + 0.01f && s.totalPct <= 100);
            const std::int64_t from = last.count(s.core) ? last[s.core] : 0;
            recordedNs += double(s.runPct) / 100.0 * double(s.timeNs - from);
            last[s.core] = s.timeNs;
        }
        const double unplaced = double(sampler.unplacedChildCpuNs());
        const QString figures = QStringLiteral("%1 children, OS: %2 ms, core view: %3 ms, unseen by samples: %4 ms, no room on a core: %5 ms")
                                    .arg(children)
                                    .arg(double(reportedNs) / 1e6)
                                    .arg(recordedNs / 1e6)
                                    .arg(double(sampler.unseenChildCpuNs()) / 1e6)
                                    .arg(unplaced / 1e6);
        qInfo("%s", qPrintable(figures));
        QVERIFY2(children == 40, qPrintable(figures));
        // Some of it no sample saw (here most: without the reap's figure it would be "other";
        // a slow machine stretches children over samples, so no share of it is asserted).
        QVERIFY2(sampler.unseenChildCpuNs() > 0, qPrintable(figures));
        // Exactly what the OS counted, less what found no busy core time to sit in (10 ms ticks
        // on an idle core); never more than the OS counted.
        QVERIFY2(std::abs(recordedNs - (double(reportedNs) - unplaced)) < 0.02 * double(reportedNs) + 1e6, qPrintable(figures));
        QVERIFY2(recordedNs <= 1.02 * double(reportedNs) + 1e6, qPrintable(figures));
        // What the ticks cannot hold is a small part, idle or busy machine alike.
        QVERIFY2(recordedNs >= 0.6 * double(reportedNs), qPrintable(figures));
    }
#endif

    void runRecordsCoreSamples()
    {
        RunConfig c;
        c.model = Model::Threads;
        c.workers = 2;
        c.tasks = 2;
        c.taskMs = 200;
        c.sampleMs = 20;
        std::string error;
        const RunSnapshot r = runToEnd(c, &error);
        QCOMPARE(static_cast<int>(r.status), static_cast<int>(RunStatus::Completed));
        QVERIFY(!r.coreSamples.empty());
        for (const auto& s : r.coreSamples) {
            QVERIFY(s.timeNs > 0 && s.timeNs <= r.elapsedNs);
            QVERIFY(s.runPct <= s.totalPct + 0.01f);
        }
        QVERIFY(r.summary.cpuTimeS > 0);
        QVERIFY(!r.machine.empty());
    }
};

QTEST_GUILESS_MAIN(TestSampler)
#include "tst_sampler.moc"
