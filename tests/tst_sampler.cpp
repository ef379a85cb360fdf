// Per-core sampling from the OS's counters: shares stay within 0..100 % and a thread that
// spins shows as this run's use of some core.
#include "CoreSampler.h"
#include "Engine.h"
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
        // A spinning thread owns most of a core in at least one sample, however busy the machine.
        QVERIFY2(best >= 30.0f, qPrintable(QString::number(best)));
#endif
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
