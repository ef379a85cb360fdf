// How long the window takes to show a large recorded run: 16 cores sampled every 50 ms for
// 10 minutes and 10,000 tasks on 16 lanes (about 60,000 phases). One "frame" is what the
// window does 30 times a second during a run: take the snapshot into the timeline's model
// and redraw. Reported against the 33 ms frame budget, and zoomed in against fitted.
#include "BenchUtil.h"
#include "TimelinePlot.h"

#include <qcustomplot.h>

#include <QApplication>

#include <cstdlib>
#include <cstring>

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
        r.tasks.push_back(TaskRecord{t, lane, TaskStatus::Done, 0, (t / lanes) * perLane, end});
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
    // --cores N (default 16) and --png FILE (to see what is drawn) are optional.
    int cores = 16;
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
    const double update = bench::median(reps, [&] { plot.setRun(run); });
    const double fitted = bench::median(reps, [&] { plot.plot()->replot(QCustomPlot::rpImmediateRefresh); });
    plot.setTimeRange(10.0); // zoomed to the first 10 s
    const double zoomed = bench::median(reps, [&] { plot.plot()->replot(QCustomPlot::rpImmediateRefresh); });
    std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "model update (setRun: copy, sort, core image)", update * 1e3, update / 0.033);
    std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "redraw, whole run on screen", fitted * 1e3, fitted / 0.033);
    std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "redraw, zoomed to 10 s", zoomed * 1e3, zoomed / 0.033);
    std::printf("%-46s %10.1f ms  = %.2f of a 33 ms frame\n", "update + whole redraw (one live frame)", (update + fitted) * 1e3,
                (update + fitted) / 0.033);
    if (!png.isEmpty()) {
        plot.setTimeRange(run.elapsedNs / 1e9);
        plot.plot()->savePng(png, 1600, 900);
    }
    return 0;
}
