// How long the window takes to show a large recorded run: 16 cores sampled every 50 ms for
// 10 minutes and 10,000 tasks on 16 lanes (about 60,000 phases). One "frame" is what the
// window does 30 times a second during a run: take the snapshot into the timeline's model
// and redraw. Reported against the 33 ms frame budget, and zoomed in against fitted.
#include "BenchUtil.h"
#include "Recorder.h"
#include "TimelinePlot.h"
#include "platform/Platform.h"

#include <qcustomplot.h>

#include <QApplication>

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <random>

using namespace ce;

namespace {

RunSnapshot largeRun(bool smoke, int cores)
{
    RunSnapshot r;
    const int lanes = 16, tasks = smoke ? 500 : 10000;
    const std::int64_t lengthNs = (smoke ? 30LL : 600LL) * 1'000'000'000;
    r.config.model = Model::Threads;
    r.config.workers = lanes;
    r.config.tasks = tasks;
    r.config.gil = true;
    r.config.sampleMs = 50;
    r.lanes = lanes;
    r.elapsedNs = lengthNs;
    std::mt19937 rng(7);
    const std::int64_t perLane = lengthNs / (tasks / lanes);
    for (int t = 0; t < tasks; ++t) {
        const int lane = t % lanes;
        std::int64_t at = (t / lanes) * perLane;
        const std::int64_t end = at + perLane;
        // CPU slices alternating with GIL waits, then an I/O wait.
        for (int k = 0; k < 4 && at < end; ++k) {
            const std::int64_t d = perLane / 10;
            r.phases.push_back(PhaseRecord{at, at + d, 1, t, lane, static_cast<std::int16_t>(lane % cores), k % 2 ? State::GilWait : State::Cpu});
            at += d;
        }
        r.phases.push_back(PhaseRecord{at, end, 1, t, lane, -1, State::IoWait});
        r.tasks.push_back(TaskRecord{t, lane, TaskStatus::Done, (t / lanes) * perLane, end});
    }
    std::uniform_real_distribution<float> u(0, 100);
    for (std::int64_t at = 50'000'000; at <= lengthNs; at += 50'000'000) {
        for (int c = 0; c < cores; ++c) {
            const float total = u(rng);
            r.coreSamples.push_back(CoreSample{at, c, total, total * 0.8f});
        }
    }
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const bool smoke = bench::smoke(argc, argv);
    // --cores N (default 16) and --png FILE (to see what is drawn) are optional; --delta-only
    // runs the delta frames alone (for a profiler).
    int cores = 16;
    bool deltaOnly = false;
    for (int i = 1; i < argc; ++i)
        deltaOnly = deltaOnly || std::strcmp(argv[i], "--delta-only") == 0;
    QString png;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--cores") == 0)
            cores = std::max(1, std::atoi(argv[i + 1]));
        else if (std::strcmp(argv[i], "--png") == 0)
            png = QString::fromLocal8Bit(argv[i + 1]);
    }
    const RunSnapshot run = largeRun(smoke, cores);
    ui::TimelinePlot plot;
    plot.resize(1600, 900);
    const int reps = smoke ? 2 : 10;
    std::printf("Redraw of a large run: %zu phases, %zu core samples, %d lanes, 1600x900 (median of %d)\n", run.phases.size(),
                run.coreSamples.size(), run.lanes, reps);
    if (!deltaOnly) {
        const double update = bench::median(reps, [&] { plot.setRun(run); });
        const double fitted = bench::median(reps, [&] { plot.plot()->replot(QCustomPlot::rpImmediateRefresh); });
        plot.setTimeRange(10.0); // zoomed to the first 10 s
        const double zoomed = bench::median(reps, [&] { plot.plot()->replot(QCustomPlot::rpImmediateRefresh); });
        std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "model update (setRun: copy, sort, core image)", update * 1e3, update / 0.033);
        std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "redraw, whole run on screen", fitted * 1e3, fitted / 0.033);
        std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "redraw, zoomed to 10 s", zoomed * 1e3, zoomed / 0.033);
        std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "update + whole redraw (one live frame)", (update + fitted) * 1e3,
                    (update + fitted) / 0.033);
    }

    // A live frame as the window takes it, near the end of the same run: the run so far is
    // recorded in a Recorder (and shown); each frame, 33 ms more of it is recorded, and the
    // frame takes it in. Whole: copy the whole run (snapshotInto), give it to the plot
    // (setRun), redraw, as before issue 9. Delta: copy what is new since the cursor
    // (deltaSince), give that to the plot (applyDelta), redraw.
    {
        std::vector<PhaseRecord> byEnd = run.phases;
        std::stable_sort(byEnd.begin(), byEnd.end(), [](const PhaseRecord& a, const PhaseRecord& b) { return a.endNs < b.endNs; });
        const std::int64_t frameNs = 33'000'000;
        const int frames = smoke ? 4 : deltaOnly ? 300 : 100;
        const std::int64_t liveNs = run.elapsedNs - frames * frameNs; // where the frames start
        auto recordUpTo = [&](Recorder& rec, std::size_t& next, std::int64_t untilNs) {
            for (; next < byEnd.size() && byEnd[next].endNs <= untilNs; ++next) {
                const PhaseRecord& p = byEnd[next];
                if (rec.taskStatus(p.task) == TaskStatus::Pending)
                    rec.setTaskStatus(p.task, TaskStatus::Running);
                rec.lane(p.lane).add(p);
                if (p.state == State::IoWait) // a task's last phase
                    rec.setTaskStatus(p.task, TaskStatus::Done);
            }
        };
        auto liveFrames = [&](bool delta) {
            Recorder rec(run.lanes, static_cast<int>(run.tasks.size()), platform::monotonicNs());
            std::size_t next = 0;
            recordUpTo(rec, next, liveNs);
            ui::TimelinePlot live;
            live.resize(1600, 900);
            SnapshotCursor cursor;
            std::size_t samplesGiven = 0;
            bool started = false;
            const std::vector<CoreSample>& allSamples = run.coreSamples; // in time order
            auto frame = [&](std::int64_t atNs) {
                RunSnapshot head;
                head.config = run.config;
                head.lanes = run.lanes;
                head.elapsedNs = atNs;
                if (delta) {
                    RunDelta d;
                    d.head = head;
                    d.restart = !started;
                    started = true;
                    rec.deltaSince(cursor, d);
                    for (; samplesGiven < allSamples.size() && allSamples[samplesGiven].timeNs <= atNs; ++samplesGiven)
                        d.coreSamples.push_back(allSamples[samplesGiven]);
                    live.applyDelta(d);
                } else {
                    RunSnapshot s = head;
                    rec.snapshotInto(s);
                    const auto end = std::partition_point(allSamples.begin(), allSamples.end(), [&](const CoreSample& c) { return c.timeNs <= atNs; });
                    s.coreSamples.assign(allSamples.begin(), end); // what CoreSampler::snapshotInto copies
                    live.setRun(std::move(s));
                }
                live.plot()->replot(QCustomPlot::rpImmediateRefresh);
            };
            frame(liveNs); // the view as it stands when the measured frames start
            std::vector<double> times;
            for (int f = 1; f <= frames; ++f) {
                const std::int64_t at = liveNs + f * frameNs;
                recordUpTo(rec, next, at);
                const auto t0 = std::chrono::steady_clock::now();
                frame(at);
                times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
            std::sort(times.begin(), times.end());
            return std::pair{times.front(), times[times.size() / 2]};
        };
        const auto [wholeMin, wholeMedian] = deltaOnly ? std::pair{0.0, 1.0} : liveFrames(false);
        const auto [deltaMin, deltaMedian] = liveFrames(true);
        std::printf("\nLive frames near the end of the run, %d cores (%d frames of 33 ms each; min / median):\n", cores, frames);
        std::printf("%-46s %6.1f / %6.1f ms\n", "whole copy (snapshotInto + setRun + redraw)", wholeMin * 1e3, wholeMedian * 1e3);
        std::printf("%-46s %6.1f / %6.1f ms  = %.2f of the whole copy's median\n", "delta (deltaSince + applyDelta + redraw)", deltaMin * 1e3,
                    deltaMedian * 1e3, deltaMedian / wholeMedian);
    }
    if (!png.isEmpty()) {
        plot.setTimeRange(run.elapsedNs / 1e9);
        plot.plot()->savePng(png, 1600, 900);
    }
    return 0;
}
