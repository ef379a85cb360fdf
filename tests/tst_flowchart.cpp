// The decision flowchart: its shape, and the path advise() takes for typical workloads.
#include "ce/Flowchart.h"
#include "ce/Verdict.h"

#include <QTest>

using namespace ce;

class TestFlowchart : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chartIsConnected()
    {
        const Flowchart& chart = decisionFlowchart();
        for (const auto& e : chart.edges) {
            QVERIFY2(chart.node(e.from), e.from.c_str());
            QVERIFY2(chart.node(e.to), e.to.c_str());
            QVERIFY(!e.label.empty());
        }
        QCOMPARE(chart.node("start")->kind, FlowNode::Kind::Question);
    }

    void pathFollowsEdges()
    {
        const Flowchart& chart = decisionFlowchart();
        for (double share : {0.05, 0.3, 0.95}) {
            for (int n : {10, 1000}) {
                for (bool gil : {false, true}) {
                    const Advice a = advise(measured(share, n, gil));
                    QCOMPARE(a.path.front().node, std::string("start"));
                    QCOMPARE(chart.node(a.path.back().node)->kind, FlowNode::Kind::Answer);
                    QVERIFY(chart.node(a.path.back().node)->model == a.recommended);
                    for (std::size_t i = 0; i + 1 < a.path.size(); ++i) {
                        bool found = false;
                        for (const auto& e : chart.edges)
                            found = found || (e.from == a.path[i].node && e.to == a.path[i + 1].node && e.label == a.path[i].edge);
                        QVERIFY(found);
                        QVERIFY(!a.path[i].reason.empty());
                    }
                }
            }
        }
    }

    void typicalWorkloads()
    {
        QCOMPARE(static_cast<int>(advise(measured(0.02, 10, true)).recommended), static_cast<int>(Model::Threads));
        QCOMPARE(static_cast<int>(advise(measured(0.02, 1000, false)).recommended), static_cast<int>(Model::EventLoop));
        QCOMPARE(static_cast<int>(advise(measured(0.99, 8, true)).recommended), static_cast<int>(Model::Processes));
        QCOMPARE(static_cast<int>(advise(measured(0.99, 8, false)).recommended), static_cast<int>(Model::Tbb));
    }

    void eventLoopComputingUnderTheGilOffloadsToProcesses()
    {
        // A third of each handler computes, on an event loop, under the GIL: the loop's thread
        // needs the lock for every callback, so the advice is processes for the CPU parts.
        WorkloadMeasure m{0.33, 10, true, "measured"};
        m.onEventLoop = true;
        m.maxLoopLagMs = 42.5;
        m.lagSource = "with the CPU parts offloaded to threads";
        const Advice a = advise(m);
        QCOMPARE(static_cast<int>(a.recommended), static_cast<int>(Model::EventLoop));
        QCOMPARE(a.path.back().node, std::string("eventloop-processes"));
        bool reasoned = false;
        for (const auto& step : a.path) {
            if (step.node == "io-count")
                reasoned = step.reason.find("42.5 ms with the CPU parts offloaded to threads") != std::string::npos
                        && step.reason.find("33%") != std::string::npos;
        }
        QVERIFY(reasoned);
        QVERIFY(decisionFlowchart().node("eventloop-processes")->kind == FlowNode::Kind::Answer);
        // Without the GIL, or with handlers that hardly compute, the loop is fine as it is.
        m.gil = false;
        QVERIFY(advise(m).path.back().node != "eventloop-processes");
        m.gil = true;
        m.cpuShare = 0.02;
        QVERIFY(advise(m).path.back().node != "eventloop-processes");
        // Measured from a run: an event loop's run says so, and carries its lag.
        RunSnapshot r;
        r.config.model = Model::EventLoop;
        r.config.tasks = 10;
        r.config.gil = true;
        r.summary.maxLoopLagMs = 12;
        r.phases.push_back(PhaseRecord{0, 50, 0, 0, 0, 0, State::Cpu});
        r.phases.push_back(PhaseRecord{50, 150, 0, 0, 0, 0, State::IoWait});
        const WorkloadMeasure fromRun = measureFromRun(r);
        QVERIFY(fromRun.onEventLoop);
        QCOMPARE(fromRun.maxLoopLagMs, 12.0);
        QCOMPARE(advise(fromRun).path.back().node, std::string("eventloop-processes"));

        // The verdict counts only a loop that offloads to processes as the recommendation.
        std::vector<RunSnapshot> runs(2, r);
        for (auto& run : runs) {
            run.status = RunStatus::Completed;
            run.config.offload = 2;
        }
        runs[0].summary.makespanS = 1.0; // offloaded to threads, faster in this made-up pair
        runs[1].config.offloadTo = OffloadTarget::Processes;
        runs[1].summary.makespanS = 2.0;
        const Verdict v = judge(runs, advise(fromRun), true);
        QCOMPARE(v.recommended, 1);
        QVERIFY(!v.recommendedWasFastest);
    }

    void measuresCpuShareFromPhases()
    {
        RunSnapshot r;
        r.config.tasks = 2;
        r.phases.push_back(PhaseRecord{0, 100, 0, 0, 0, 0, State::Cpu});
        r.phases.push_back(PhaseRecord{100, 400, 0, 0, 0, 0, State::IoWait});
        r.phases.push_back(PhaseRecord{0, 50, 0, 1, 0, 0, State::GilWait});
        const WorkloadMeasure m = measureFromRun(r);
        QCOMPARE(m.cpuShare, 0.25);
        QCOMPARE(m.concurrency, 2);
    }

    void verdictJudgesComparableRuns()
    {
        auto run = [](Model m, bool gil, double makespan) {
            RunSnapshot r;
            r.status = RunStatus::Completed;
            r.config.model = m;
            r.config.gil = gil;
            r.config.workers = 2;
            r.config.tasks = 4;
            r.lanes = 2;
            r.summary.makespanS = makespan;
            return r;
        };
        const Advice processes = advise(measured(0.99, 4, true));
        // Threads without the GIL were fastest, but under a GIL they are not an option.
        std::vector<RunSnapshot> runs{run(Model::Sequential, false, 1.0), run(Model::Threads, false, 0.5),
                                      run(Model::Threads, true, 1.05), run(Model::Processes, true, 0.55)};
        Verdict v = judge(runs, processes, true);
        QVERIFY(v.recommendedWasFastest);
        QCOMPARE(v.recommended, 3);
        QCOMPARE(v.fastest, 3);

        // The recommendation lost: the reason is measured.
        runs[3].summary.makespanS = 2.0;
        runs[3].summary.spawnS = 1.5;
        v = judge(runs, processes, true);
        QVERIFY(!v.recommendedWasFastest);
        QCOMPARE(v.fastest, 0);
        QVERIFY2(v.text.find("starting worker processes") != std::string::npos, v.text.c_str());

        // Not run at all.
        runs.pop_back();
        v = judge(runs, processes, true);
        QCOMPARE(v.recommended, -1);
        QVERIFY(v.text.find("did not run") != std::string::npos);

        // A failed run is never the fastest.
        runs[0].status = RunStatus::Cancelled;
        v = judge(runs, advise(measured(0.99, 4, false)), false);
        QCOMPARE(v.fastest, 1);
        QVERIFY(v.recommendedWasFastest); // threads count as "threads or TBB tasks"
    }
};

QTEST_GUILESS_MAIN(TestFlowchart)
#include "tst_flowchart.moc"
