// The decision flowchart: its shape, and the path advise() takes for typical workloads.
#include "Flowchart.h"

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
        for (double share : {0.05, 0.95}) {
            for (int n : {10, 1000}) {
                for (bool gil : {false, true}) {
                    const Advice a = advise({share, n, gil, {}});
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
        QCOMPARE(static_cast<int>(advise({0.02, 10, true, {}}).recommended), static_cast<int>(Model::Threads));
        QCOMPARE(static_cast<int>(advise({0.02, 1000, false, {}}).recommended), static_cast<int>(Model::EventLoop));
        QCOMPARE(static_cast<int>(advise({0.99, 8, true, {}}).recommended), static_cast<int>(Model::Processes));
        QCOMPARE(static_cast<int>(advise({0.99, 8, false, {}}).recommended), static_cast<int>(Model::Tbb));
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
};

QTEST_GUILESS_MAIN(TestFlowchart)
#include "tst_flowchart.moc"
