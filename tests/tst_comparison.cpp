// The one comparison pipeline shared by the CLI's compare and the window: which configs run,
// in which order, how a cancel ends it, and what the finished runs conclude (baseline,
// measure, advice, verdict). Synthetic runs: no engine, so the figures are exact.
#include "ce/Comparison.h"

#include <QTest>

using namespace ce;

namespace {

// A finished run whose tasks each computed `cpuMs` and waited `waitMs`, ending at `makespanS`.
RunSnapshot finishedRun(Model model, double makespanS, bool gil = false, RunStatus status = RunStatus::Completed, int cpuMs = 10,
                        int waitMs = 0)
{
    RunSnapshot r;
    r.config.model = model;
    r.config.tasks = 4;
    r.config.workers = model == Model::Sequential ? 1 : 2;
    r.config.gil = gil;
    r.status = status;
    r.lanes = r.config.workers;
    std::int64_t t = 0;
    for (int task = 0; task < r.config.tasks; ++task) {
        r.phases.push_back({t, t + cpuMs * 1'000'000LL, 0, task, 0, -1, State::Cpu, cpuMs * 1'000'000LL});
        t += cpuMs * 1'000'000LL;
        if (waitMs > 0) {
            r.phases.push_back({t, t + waitMs * 1'000'000LL, 0, task, 0, -1, State::IoWait, 0});
            t += waitMs * 1'000'000LL;
        }
    }
    r.summary.tasksDone = status == RunStatus::Completed ? r.config.tasks : 1;
    r.summary.makespanS = makespanS;
    r.elapsedNs = static_cast<std::int64_t>(makespanS * 1e9);
    return r;
}

} // namespace

class TestComparison : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void allModelsByDefault()
    {
        ComparisonRequest request;
        std::string error;
        const auto configs = comparisonConfigs(request, &error);
        QCOMPARE(configs.size(), allModels().size());
        for (std::size_t i = 0; i < configs.size(); ++i) {
            QVERIFY(configs[i].model == allModels()[i]);
            QCOMPARE(configs[i].workers, RunConfig::kAutoWorkers); // each model's own default
        }
    }

    void withAndWithoutGilRunsSequentialOnce()
    {
        ComparisonRequest request;
        request.models = {Model::Sequential, Model::Threads};
        request.withAndWithoutGil = true;
        const auto configs = comparisonConfigs(request, nullptr);
        QCOMPARE(configs.size(), std::size_t(3));
        QVERIFY(configs[0].model == Model::Sequential && !configs[0].gil);
        QVERIFY(configs[1].model == Model::Threads && !configs[1].gil);
        QVERIFY(configs[2].model == Model::Threads && configs[2].gil);
    }

    void userOptionsWinOnlyWhereTheListSetsThem()
    {
        ComparisonRequest request;
        request.base.tasks = 8;
        request.overrides = {{{"model", "sequential"}}, {{"model", "threads"}, {"workers", "2"}}};
        request.userOptions = {{"workers", "3"}, {"model", "tbb"}};
        const auto configs = comparisonConfigs(request, nullptr);
        QCOMPARE(configs.size(), std::size_t(2));
        QVERIFY(configs[0].model == Model::Sequential); // the user's --model never replaces the list's
        QVERIFY(configs[1].model == Model::Threads);
        QCOMPARE(configs[1].workers, 3);                // the list set workers: the user's value wins
    }

    void badOverrideIsOneSentence()
    {
        ComparisonRequest request;
        request.overrides = {{{"model", "nonsense"}}};
        std::string error;
        QVERIFY(comparisonConfigs(request, &error).empty());
        QVERIFY(!error.empty());
        QVERIFY(error.find('\n') == std::string::npos);
    }

    void sessionRunsInOrderAndStopsOnCancel()
    {
        ComparisonRequest request;
        request.models = {Model::Sequential, Model::Threads, Model::Tbb};
        ComparisonSession session(comparisonConfigs(request, nullptr));
        QCOMPARE(session.size(), 3);
        QVERIFY(session.next() && session.next()->model == Model::Sequential);
        session.record(finishedRun(Model::Sequential, 1.0));
        QCOMPARE(session.position(), 1);
        QVERIFY(session.next() && session.next()->model == Model::Threads);
        session.record(finishedRun(Model::Threads, 0.5, false, RunStatus::Cancelled));
        QVERIFY(session.finished());  // a cancelled run ends the comparison...
        QVERIFY(session.cancelled());
        QCOMPARE(session.runs().size(), std::size_t(2)); // ...and keeps what was recorded

        ComparisonSession other(comparisonConfigs(request, nullptr));
        other.cancel();
        QVERIFY(other.next() == nullptr);
    }

    void baselineIsTheCompletedSequentialRun()
    {
        std::vector<RunSnapshot> runs{finishedRun(Model::Sequential, 2.0), finishedRun(Model::Threads, 1.0)};
        const ComparisonConclusion c = concludeComparison(runs);
        QCOMPARE(c.sequentialS, 2.0);
        QCOMPARE(runs[1].summary.speedup, 2.0);
        QCOMPARE(c.measuredRun, 0);
    }

    // The CLI used to measure the workload on a failed sequential run; the window skipped it.
    void failedSequentialRunIsNeitherBaselineNorMeasure()
    {
        std::vector<RunSnapshot> runs{finishedRun(Model::Threads, 1.0), finishedRun(Model::Sequential, 2.0, false, RunStatus::Failed)};
        const ComparisonConclusion c = concludeComparison(runs);
        QCOMPARE(c.sequentialS, 0.0);
        QCOMPARE(runs[0].summary.speedup, 0.0);
        QCOMPARE(c.measuredRun, 0);
        QCOMPARE(measuredRunIndex(runs), 0);
        QCOMPARE(measuredRunIndex({}), -1);
    }

    // The CLI used to take the GIL from its own flags, so a preset's list with the GIL on some
    // runs (and not on the command line) was advised as if there were none; the window looked
    // at the runs. Now both look at the runs.
    void gilComesFromTheRuns()
    {
        std::vector<RunSnapshot> runs{finishedRun(Model::Sequential, 1.0), finishedRun(Model::Threads, 1.0, true)};
        const ComparisonConclusion c = concludeComparison(runs);
        QVERIFY(c.measure.gil);
        QVERIFY(comparisonUnderGil(runs));
        std::vector<RunSnapshot> without{finishedRun(Model::Sequential, 1.0), finishedRun(Model::Threads, 0.5)};
        QVERIFY(!concludeComparison(without).measure.gil);
    }

    // The window used to leave out the loop's lag with CPU parts offloaded to threads.
    void loopLagWithThreadOffloadIsMeasured()
    {
        RunSnapshot loop = finishedRun(Model::EventLoop, 1.0, true);
        loop.config.offload = 2;
        loop.config.offloadTo = OffloadTarget::Threads;
        loop.summary.maxLoopLagMs = 120;
        std::vector<RunSnapshot> runs{finishedRun(Model::Sequential, 1.0), loop};
        const ComparisonConclusion c = concludeComparison(runs);
        QVERIFY(c.measure.onEventLoop);
        QCOMPARE(c.measure.maxLoopLagMs, 120.0);
        QVERIFY(!c.measure.lagSource.empty());
    }

    void releasesGilAndTaskCostAreMeasured()
    {
        std::vector<RunSnapshot> runs{finishedRun(Model::Sequential, 1.0), finishedRun(Model::Threads, 0.6, true)};
        runs[0].config.releasesGil = true;
        runs[1].config.releasesGil = true;
        const ComparisonConclusion c = concludeComparison(runs);
        QVERIFY(c.measure.releasesGil);
        QVERIFY(c.measure.taskS > 0);
        QVERIFY(c.measure.perTaskCostS >= 0); // a parallel run completed: its hand-over cost is known
    }

    void adviceAndVerdictAgree()
    {
        // CPU-bound, no GIL: the flowchart picks a parallel model; the runs decide the verdict.
        std::vector<RunSnapshot> runs{finishedRun(Model::Sequential, 2.0), finishedRun(Model::Threads, 1.0),
                                      finishedRun(Model::Tbb, 1.0), finishedRun(Model::Processes, 1.2)};
        const ComparisonConclusion c = concludeComparison(runs);
        QVERIFY(c.concluded());
        QVERIFY(!c.advice.path.empty());
        QVERIFY(c.advice.recommended != Model::Sequential);
        QVERIFY(!c.verdict.text.empty());
        QVERIFY(c.verdict.fastest >= 0);
        const Verdict again = judge(runs, c.advice, c.measure.gil);
        QCOMPARE(again.text, c.verdict.text);
    }

    void noRunsConcludeNothing()
    {
        std::vector<RunSnapshot> runs;
        const ComparisonConclusion c = concludeComparison(runs);
        QVERIFY(!c.concluded());
        QCOMPARE(c.sequentialS, 0.0);
    }
};

QTEST_GUILESS_MAIN(TestComparison)
#include "tst_comparison.moc"
