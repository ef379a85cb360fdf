#pragma once

#include "ce/RunData.h"
#include "ce/Types.h"

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
    bool releasesGil = false;  // the heavy work drops the lock while it computes (C extension)
    // Task length against what the model costs per task (start, transfer, hand-over), both
    // measured; a cost below zero is unknown (nothing parallel ran yet).
    double taskS = 0;
    double perTaskCostS = -1;
    std::string costSource;
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

// A measure given by its three main figures (tests and examples).
inline WorkloadMeasure measured(double cpuShare, int concurrency, bool gil)
{
    WorkloadMeasure m;
    m.cpuShare = cpuShare;
    m.concurrency = concurrency;
    m.gil = gil;
    return m;
}

// A task is "long" when it takes at least this many times the model's cost per task: on
// two cores, parallel work of N tasks takes about N (task + cost) / 2, which beats N tasks
// in a row only when the cost is below the task, and clearly so from twice.
inline constexpr double kLongTaskFactor = 2.0;

// Measures a workload's CPU share from a run's phases (CPU vs. CPU + I/O wait).
WorkloadMeasure measureFromRun(const RunSnapshot& run);

// Fills perTaskCostS from the run, among `runs`, of the model the chart would otherwise
// recommend (or, if it did not run, the parallel run that cost most per task): the worker
// time that went to anything but the tasks' own work, per task.
void measureTaskCost(WorkloadMeasure& m, const std::vector<RunSnapshot>& runs);

} // namespace ce
