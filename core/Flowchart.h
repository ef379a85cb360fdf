#pragma once

#include "RunData.h"
#include "Types.h"

#include <string>
#include <utility>
#include <vector>

namespace ce {

// The decision flowchart of the tutorials ("what am I waiting on?") as data: the GUI draws
// it, the CLI prints it, and advise() walks it with measured figures.
struct FlowNode {
    enum class Kind { Question, Answer };
    std::string id;
    Kind kind = Kind::Question;
    std::string label;
    Model model = Model::Sequential; // for answers: the model it recommends
};

struct FlowEdge {
    std::string from;
    std::string to;
    std::string label;
};

struct Flowchart {
    std::vector<FlowNode> nodes;
    std::vector<FlowEdge> edges;
    const FlowNode* node(const std::string& id) const;
};

const Flowchart& decisionFlowchart();

// What advise() decides from.
struct WorkloadMeasure {
    WorkloadMeasure() = default;
    WorkloadMeasure(double share, int inFlight, bool underGil, std::string how)
        : cpuShare(share), concurrency(inFlight), gil(underGil), source(std::move(how))
    {
    }
    double cpuShare = 0;   // CPU time / (CPU time + waiting) of one task run alone, 0..1
    int concurrency = 1;   // how many tasks could be in flight at once
    bool gil = false;      // whether the code runs under an interpreter lock
    std::string source;    // how cpuShare was measured
    bool onEventLoop = false;   // measured on an event loop (its handlers' CPU runs on the loop's thread)
    double maxLoopLagMs = -1;   // the worst loop lag measured there, -1 when not measured
    std::string lagSource;      // which run the lag comes from ("offloaded to threads")
};

struct AdviceStep {
    std::string node;   // node id
    std::string edge;   // label of the edge taken out of it ("" for the answer)
    std::string reason; // the measured figure that decided it
};

struct Advice {
    std::vector<AdviceStep> path;
    Model recommended = Model::Threads;
    std::string summary;
};

// CPU share at or above this is CPU-bound; concurrency above this is "hundreds or more".
inline constexpr double kCpuBoundShare = 0.5;
inline constexpr int kManyConnections = 100;
// An event loop's handlers computing this share of their time, under a GIL, hold the loop up
// even when offloaded to threads (the loop's thread needs the lock for every callback).
inline constexpr double kMaterialLoopCpuShare = 0.10;

Advice advise(const WorkloadMeasure& m);

// Measures a workload's CPU share from a run's phases (CPU vs. CPU + I/O wait).
WorkloadMeasure measureFromRun(const RunSnapshot& run);

} // namespace ce
