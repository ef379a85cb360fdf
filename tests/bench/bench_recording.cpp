// Cost of recording one phase, and of one core sample, against plain references.
#include "BenchUtil.h"
#include "AppendBuffer.h"
#include "CoreSampler.h"
#include "Recorder.h"
#include "ce/RunData.h"
#include "platform/Platform.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using namespace ce;

int main(int argc, char** argv)
{
    const bool smoke = bench::smoke(argc, argv);
    const int n = smoke ? 10000 : 1000000;
    const int reps = smoke ? 1 : 5;
    std::printf("Recording cost per event (median of %d runs of %d events)\n", reps, n);
    std::printf("%-46s %10s %10s      %s\n", "", "this", "reference", "this/reference");

    const double push = bench::median(reps, [&] {
        AppendBuffer<PhaseRecord> b;
        for (int i = 0; i < n; ++i)
            b.push(PhaseRecord{i, i + 1, 1, i, 0, 0, State::Cpu});
    });
    const double vec = bench::median(reps, [&] {
        std::vector<PhaseRecord> v;
        for (int i = 0; i < n; ++i)
            v.push_back(PhaseRecord{i, i + 1, 1, i, 0, 0, State::Cpu});
    });
    bench::row("AppendBuffer::push vs std::vector::push_back", push / n, vec / n, "ns", 1e9);

    std::mutex m;
    const double locked = bench::median(reps, [&] {
        std::vector<PhaseRecord> v;
        for (int i = 0; i < n; ++i) {
            std::lock_guard l(m);
            v.push_back(PhaseRecord{i, i + 1, 1, i, 0, 0, State::Cpu});
        }
    });
    bench::row("AppendBuffer::push vs mutex + vector", push / n, locked / n, "ns", 1e9);

    // What a worker really pays per phase: two clock reads, the core, the thread CPU clock, the push.
    const double full = bench::median(reps, [&] {
        Recorder rec(1, 1, platform::monotonicNs());
        for (int i = 0; i < n; ++i) {
            PhaseRecord p{rec.nowNs(), rec.nowNs(), 1, 0, 0, static_cast<std::int16_t>(platform::currentCpu()), State::Cpu};
            p.cpuNs = platform::threadCpuNs();
            rec.lane(0).add(p);
        }
    });
    const double clock = bench::median(reps, [&] {
        std::int64_t sum = 0;
        for (int i = 0; i < n; ++i)
            sum += platform::monotonicNs();
        if (sum == 42)
            std::puts("");
    });
    bench::row("recorded phase (clocks+core+push) vs 1 clock read", full / n, clock / n, "ns", 1e9);
    const double threadClock = bench::median(reps, [&] {
        std::int64_t sum = 0;
        for (int i = 0; i < n; ++i)
            sum += platform::threadCpuNs();
        if (sum == 42)
            std::puts("");
    });
    bench::row("thread CPU clock read vs monotonic clock read", threadClock / n, clock / n, "ns", 1e9);
    std::printf("(pushes into fresh memory: both buffers pay first-touch page faults, which dominate here)\n");

    // A snapshot while a writer appends: what the GUI pays 30 times a second.
    {
        Recorder rec(8, 1, platform::monotonicNs());
        for (int lane = 0; lane < 8; ++lane)
            for (int i = 0; i < (smoke ? 1000 : 125000); ++i)
                rec.lane(lane).add(PhaseRecord{i, i + 1, 1, 0, lane, 0, State::Cpu});
        RunSnapshot s;
        const double snap = bench::median(reps, [&] { rec.snapshotInto(s); });
        std::printf("%-46s %10.2f ms for %zu phases (%.1f ns/phase)\n", "snapshot of a large run", snap * 1e3, s.phases.size(),
                    snap * 1e9 / double(s.phases.size()));
    }

    // The sampler: CPU time per sample with a few threads and with many, against the interval.
    for (int threads : {1, 64, 512}) {
        if (smoke && threads > 64)
            break;
        std::atomic<bool> stop{false};
        std::mutex hm;
        std::condition_variable hcv;
        std::vector<std::thread> idle;
        for (int i = 0; i < threads; ++i)
            idle.emplace_back([&] {
                std::unique_lock l(hm);
                hcv.wait(l, [&] { return stop.load(); });
            });
        const int samples = smoke ? 3 : 40;
        CoreSampler sampler(platform::monotonicNs(), std::chrono::milliseconds(50));
        sampler.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * samples));
        sampler.stop();
        const double perSample = double(sampler.threadCpuNs()) / samples;
        std::printf("sampler, %4d threads in the process         %10.1f us CPU per %d ms = %.2f%% of one core\n", threads + 1,
                    perSample / 1e3, 50, perSample / 50e6 * 100);
        stop = true;
        hcv.notify_all();
        for (auto& t : idle)
            t.join();
    }
    return 0;
}
