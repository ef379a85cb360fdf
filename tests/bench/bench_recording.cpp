// Cost of recording one phase, and of one core sample, against plain references.
#include "BenchUtil.h"
#include "AppendBuffer.h"
#include "CoreSampler.h"
#include "Recorder.h"
#include "ce/RunData.h"
#include "platform/Platform.h"

#include <algorithm>
#include <atomic>
#include <chrono>
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

    // What a worker pays per phase. Every phase: two monotonic clock reads, the core, the
    // push into its lane (buffers prefaulted before the clock starts, as Run does). A CPU
    // segment also reads the thread CPU clock once (at each segment boundary; TaskRunner.cpp
    // says why there and only there), a system call.
    Recorder::prefault(1, n);
    const double wait = bench::median(reps, [&] {
        Recorder rec(1, 1, platform::monotonicNs());
        for (int i = 0; i < n; ++i) {
            const std::int64_t t0 = rec.nowNs();
            const auto core = static_cast<std::int16_t>(platform::currentCpu());
            rec.lane(0).add(PhaseRecord{t0, rec.nowNs(), 1, 0, 0, core, State::IoWait});
        }
    });
    std::int64_t cpuBefore = platform::threadCpuNs();
    const double cpuSegment = bench::median(reps, [&] {
        Recorder rec(1, 1, platform::monotonicNs());
        for (int i = 0; i < n; ++i) {
            const std::int64_t t0 = rec.nowNs();
            const auto core = static_cast<std::int16_t>(platform::currentCpu());
            PhaseRecord p{t0, rec.nowNs(), 1, 0, 0, core, State::Cpu};
            const std::int64_t cpuNow = platform::threadCpuNs();
            p.cpuNs = std::min(cpuNow - cpuBefore, p.endNs - p.startNs);
            cpuBefore = cpuNow;
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
    const double fresh = bench::median(reps, [&] {
        std::vector<PhaseRecord> v; // a buffer that is not pooled: fresh pages
        v.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            v.push_back(PhaseRecord{i, i + 1, 1, i, 0, 0, State::Cpu});
    });
    const double pooled = bench::median(reps, [&] {
        AppendBuffer<PhaseRecord> b;
        for (int i = 0; i < n; ++i)
            b.push(PhaseRecord{i, i + 1, 1, i, 0, 0, State::Cpu});
    });
    bench::row("recorded wait phase (2 clocks+core+push) vs 1 clock", wait / n, clock / n, "ns", 1e9);
    bench::row("recorded CPU segment (+thread CPU clock) vs 1 clock", cpuSegment / n, clock / n, "ns", 1e9);
    const double threadClock = bench::median(reps, [&] {
        std::int64_t sum = 0;
        for (int i = 0; i < n; ++i)
            sum += platform::threadCpuNs();
        if (sum == 42)
            std::puts("");
    });
    bench::row("thread CPU clock read vs monotonic clock read", threadClock / n, clock / n, "ns", 1e9);
    bench::row("push, pooled chunks vs reserved fresh vector", pooled / n, fresh / n, "ns", 1e9);

    // A snapshot while a writer appends: what the GUI pays 30 times a second.
    {
        Recorder rec(8, 1, platform::monotonicNs());
        rec.setTaskStatus(0, TaskStatus::Running); // (a pending task's phases are left out)
        for (int lane = 0; lane < 8; ++lane)
            for (int i = 0; i < (smoke ? 1000 : 125000); ++i)
                rec.lane(lane).add(PhaseRecord{i, i + 1, 1, 0, lane, 0, State::Cpu});
        RunSnapshot s;
        const double snap = bench::median(reps, [&] { rec.snapshotInto(s); });
        std::printf("%-46s %10.2f ms for %zu phases (%.1f ns/phase)\n", "snapshot of a large run", snap * 1e3, s.phases.size(),
                    snap * 1e9 / double(std::max<std::size_t>(1, s.phases.size())));
        // A live frame's delta: what 8 lanes recorded in the last 33 ms (here 100 phases each).
        SnapshotCursor cursor;
        RunDelta first;
        rec.deltaSince(cursor, first);
        const int perFrame = 100;
        std::vector<double> times;
        for (int f = 0; f < (smoke ? 3 : 50); ++f) {
            for (int lane = 0; lane < 8; ++lane)
                for (int i = 0; i < perFrame; ++i)
                    rec.lane(lane).add(PhaseRecord{i, i + 1, 1, 0, lane, 0, State::Cpu});
            const auto t0 = std::chrono::steady_clock::now();
            RunDelta d;
            rec.deltaSince(cursor, d);
            times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(times.begin(), times.end());
        std::printf("%-46s %10.3f ms for %d new phases (whole snapshot / delta: x%.0f)\n", "delta of a live frame (deltaSince)",
                    times[times.size() / 2] * 1e3, 8 * perFrame, snap / times[times.size() / 2]);
    }

    // The post-run snapshot of an event loop with many tasks in flight: a lane each. Linear
    // in lanes and phases (the copy is reserved once, not once per lane).
    {
        const int lanes = smoke ? 1000 : 100000;
        Recorder rec(lanes, lanes, platform::monotonicNs());
        for (int lane = 0; lane < lanes; ++lane) {
            rec.setTaskStatus(lane, TaskStatus::Running);
            rec.lane(lane).add(PhaseRecord{lane, lane + 1, 1, lane, lane, 0, State::IoWait});
            rec.lane(lane).add(PhaseRecord{lane + 1, lane + 2, 1, lane, lane, 0, State::Cpu});
            rec.setTaskStatus(lane, TaskStatus::Done);
        }
        RunSnapshot s;
        const double snap = bench::median(reps, [&] { rec.snapshotInto(s); });
        std::printf("%-46s %10.2f ms for %zu phases on %d lanes (%.1f ns/phase)\n", "snapshot of many lanes", snap * 1e3, s.phases.size(), lanes,
                    snap * 1e9 / double(std::max<std::size_t>(1, s.phases.size())));
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
