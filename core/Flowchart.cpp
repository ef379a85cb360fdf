#include "ce/Flowchart.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace ce {

const FlowNode* Flowchart::node(const std::string& id) const
{
    for (const auto& n : nodes) {
        if (n.id == id)
            return &n;
    }
    return nullptr;
}

const Flowchart& decisionFlowchart()
{
    using K = FlowNode::Kind;
    static const Flowchart chart{
        {
            {"start", K::Question, "What is each task waiting on?", Model::Sequential},
            {"io-count", K::Question, "How many waits are in flight at once?", Model::Sequential},
            {"cpu-gil", K::Question, "Does the code hold an interpreter lock (GIL)?", Model::Sequential},
            {"threads", K::Answer, "Threads (a pool sized to the waits)", Model::Threads},
            {"eventloop", K::Answer, "Event loop (one thread, non-blocking waits)", Model::EventLoop},
            {"eventloop-processes", K::Answer, "Event loop, CPU parts on processes (run_in_executor)", Model::EventLoop},
            {"processes", K::Answer, "Processes (one per core, own lock each)", Model::Processes},
            {"tasks", K::Answer, "Threads or TBB tasks (one per core)", Model::Tbb},
            {"task-cost", K::Question, "Is a task long next to its hand-over cost (start + transfer)?", Model::Sequential},
            {"batch", K::Answer, "Batch (chunksize), or stay sequential", Model::Sequential},
            {"cpu-release", K::Question, "Does the work release the lock (C code, NumPy)?", Model::Sequential},
            {"threads-released", K::Answer, "Threads (they compute outside the lock)", Model::Threads},
        },
        {
            {"start", "io-count", "the network or the disk"},
            {"start", "task-cost", "the CPU"},
            {"task-cost", "cpu-gil", "yes"},
            {"task-cost", "batch", "no"},
            {"io-count", "threads", "dozens"},
            {"io-count", "eventloop", "hundreds or more"},
            {"cpu-gil", "cpu-release", "yes"},
            {"cpu-release", "threads-released", "yes"},
            {"cpu-release", "processes", "no"},
            {"cpu-gil", "tasks", "no"},
            {"io-count", "eventloop-processes", "loop computes + GIL"},
        },
    };
    return chart;
}

namespace {
std::string percent(double share)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", share * 100.0);
    return buf;
}

std::string duration(double s)
{
    char buf[48];
    if (s >= 1.0)
        std::snprintf(buf, sizeof buf, "%.2f s", s);
    else if (s >= 1e-3)
        std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.1f us", s * 1e6);
    return buf;
}
} // namespace

Advice advise(const WorkloadMeasure& m)
{
    Advice a;
    const bool cpuBound = m.cpuShare >= kCpuBoundShare;
    const std::string share = "CPU share " + percent(m.cpuShare) + (m.source.empty() ? "" : " (" + m.source + ")");
    const bool many = m.concurrency > kManyConnections;
    if (!cpuBound && m.gil && m.cpuShare >= kMaterialLoopCpuShare && (many || m.onEventLoop)) {
        // asyncio's loop is Python code: its thread needs the lock for every callback, so CPU
        // parts offloaded to threads still make it wait. Processes have a lock each.
        a.path.push_back({"start", "the network or the disk", share + ", below " + percent(kCpuBoundShare) + ": the tasks mostly wait"});
        std::string why = std::to_string(m.concurrency) + " tasks wait at once"
                        + (m.onEventLoop ? std::string(" on an event loop") : std::string(", more than ") + std::to_string(kManyConnections))
                        + ", computing " + percent(m.cpuShare) + " of their time (at least " + percent(kMaterialLoopCpuShare)
                        + ") under the emulated GIL: the loop's thread needs the lock for every callback, so CPU parts on "
                          "threads hold it up; worker processes each have their own lock";
        if (m.maxLoopLagMs >= 0) {
            char lag[96];
            std::snprintf(lag, sizeof lag, " ms%s", m.lagSource.empty() ? "" : (" " + m.lagSource).c_str());
            char value[32];
            std::snprintf(value, sizeof value, "%.1f", m.maxLoopLagMs);
            why += std::string("; worst loop lag measured ") + value + lag;
        }
        a.path.push_back({"io-count", "loop computes + GIL", why});
        a.recommended = Model::EventLoop;
        a.path.push_back({"eventloop-processes", "", ""});
    } else if (!cpuBound) {
        a.path.push_back({"start", "the network or the disk", share + ", below " + percent(kCpuBoundShare) + ": the tasks mostly wait"});
        a.path.push_back({"io-count", many ? "hundreds or more" : "dozens",
                          std::to_string(m.concurrency) + " tasks could wait at once"
                              + (many ? ", more than " : ", at most ") + std::to_string(kManyConnections)});
        a.recommended = many ? Model::EventLoop : Model::Threads;
        a.path.push_back({many ? "eventloop" : "threads", "", ""});
    } else {
        a.path.push_back({"start", "the CPU", share + ", at least " + percent(kCpuBoundShare) + ": the tasks mostly compute"});
        const bool costKnown = m.perTaskCostS >= 0;
        const bool longTask = !costKnown || m.taskS >= kLongTaskFactor * m.perTaskCostS;
        const std::string costWhere = m.costSource.empty() ? std::string() : " (" + m.costSource + ")";
        a.path.push_back({"task-cost", longTask ? "yes" : "no",
                          !costKnown ? "the cost per task is not measured yet (compare runs the models): assumed small"
                          : "a task takes " + duration(m.taskS) + ", the model costs " + duration(m.perTaskCostS) + " per task" + costWhere
                                + (longTask ? ": the task is long enough" : ": less than " + std::to_string(int(kLongTaskFactor)) + "x that, so the hand-over dominates")});
        if (!longTask) {
            a.recommended = Model::Sequential;
            a.path.push_back({"batch", "", ""});
        } else {
            a.path.push_back({"cpu-gil", m.gil ? "yes" : "no",
                              m.gil ? "the emulated GIL is on: threads would take turns on one core"
                                    : "no interpreter lock: threads of one process run on every core"});
            if (m.gil) {
                a.path.push_back({"cpu-release", m.releasesGil ? "yes" : "no",
                                  m.releasesGil ? "--releases-gil: the CPU parts drop the lock, so threads compute side by side"
                                                : "the CPU parts hold the lock all the time they compute"});
                a.recommended = m.releasesGil ? Model::Threads : Model::Processes;
                a.path.push_back({m.releasesGil ? "threads-released" : "processes", "", ""});
            } else {
                a.recommended = Model::Tbb;
                a.path.push_back({"tasks", "", ""});
            }
        }
    }
    const FlowNode* answer = decisionFlowchart().node(a.path.back().node);
    a.summary = "Recommended: " + (answer ? answer->label : std::string(toString(a.recommended)));
    return a;
}

WorkloadMeasure measureFromRun(const RunSnapshot& run)
{
    std::int64_t cpuNs = 0, waitNs = 0;
    for (const auto& p : run.phases) {
        if (p.task < 0)
            continue; // the lanes' own work (an event loop's callbacks, a pool's spawn)
        if (p.state == State::Cpu)
            cpuNs += p.endNs - p.startNs;
        else if (p.state == State::IoWait)
            waitNs += p.endNs - p.startNs;
    }
    WorkloadMeasure m;
    m.cpuShare = (cpuNs + waitNs) > 0 ? double(cpuNs) / double(cpuNs + waitNs) : 0.0;
    m.concurrency = run.config.tasks;
    m.gil = run.config.gil;
    m.onEventLoop = run.config.model == Model::EventLoop;
    if (m.onEventLoop)
        m.maxLoopLagMs = run.summary.maxLoopLagMs;
    m.releasesGil = run.config.releasesGil;
    m.source = "measured over " + std::to_string(run.summary.tasksDone) + " tasks run " + std::string(toString(run.config.model));
    // Wall time, as the cost per task is: a busy machine stretches both alike.
    m.taskS = run.summary.tasksDone > 0 ? double(cpuNs + waitNs) / 1e9 / run.summary.tasksDone : 0;
    return m;
}

namespace {
// What a run's model spent per task on handing tasks over: starting workers and moving data
// (spawn and ipc phases) plus the gaps between one phase and the next on each lane (taking
// the next task, recording, scheduling). Preemption inside a phase is not counted, so a busy
// machine does not inflate it much.
double handOverCostPerTask(const RunSnapshot& r)
{
    // Linear for a run's own snapshot: its phases come grouped by lane, each lane in time
    // order (a run file may hold them otherwise: then that lane is sorted).
    std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> lanes;
    std::int64_t transferNs = 0;
    for (const auto& p : r.phases) {
        if (p.state == State::Queued || p.lane < 0)
            continue;
        if (p.state == State::Spawn || p.state == State::Ipc)
            transferNs += p.endNs - p.startNs;
        if (static_cast<std::size_t>(p.lane) >= lanes.size())
            lanes.resize(static_cast<std::size_t>(p.lane) + 1);
        lanes[static_cast<std::size_t>(p.lane)].emplace_back(p.startNs, p.endNs);
    }
    std::int64_t gapNs = 0;
    for (auto& spans : lanes) {
        if (!std::is_sorted(spans.begin(), spans.end()))
            std::sort(spans.begin(), spans.end());
        std::int64_t reached = spans.empty() ? 0 : spans.front().second;
        for (std::size_t i = 1; i < spans.size(); ++i) {
            gapNs += std::max<std::int64_t>(0, spans[i].first - reached);
            reached = std::max(reached, spans[i].second);
        }
    }
    return double(transferNs + gapNs) / 1e9 / std::max(1, r.summary.tasksDone);
}
} // namespace

void measureTaskCost(WorkloadMeasure& m, const std::vector<RunSnapshot>& runs)
{
    WorkloadMeasure probe = m;
    probe.perTaskCostS = -1;
    const Model candidate = advise(probe).recommended;
    const RunSnapshot* chosen = nullptr;
    double chosenCost = -1;
    for (const auto& r : runs) {
        if (r.config.model == Model::Sequential || r.summary.tasksDone <= 0 || r.status != RunStatus::Completed)
            continue;
        const double cost = handOverCostPerTask(r);
        const bool match = r.config.model == candidate;
        const bool chosenMatches = chosen && chosen->config.model == candidate;
        // The candidate model's own run wins (its cheapest configuration, e.g. with a
        // chunksize); else the parallel run that cost most.
        if ((match && (!chosenMatches || cost < chosenCost)) || (!match && !chosenMatches && (!chosen || cost > chosenCost))) {
            chosen = &r;
            chosenCost = cost;
        }
    }
    if (!chosen)
        return;
    m.perTaskCostS = chosenCost;
    m.costSource = "measured on " + describeModel(chosen->config);
}

} // namespace ce
