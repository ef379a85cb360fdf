// Per-core sampling from the OS's counters: shares stay within 0..100 % and a thread that
// spins shows as this run's use of some core.
#include "CoreSampler.h"
#include "ce/Engine.h"
#include "platform/CpuCounters.h"
#include "platform/Platform.h"

#include <QTest>

#include <atomic>
#include <thread>

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
