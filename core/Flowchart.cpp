#include "Flowchart.h"

#include <cstdio>

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
        },
        {
            {"start", "io-count", "the network or the disk"},
            {"start", "cpu-gil", "the CPU"},
            {"io-count", "threads", "dozens"},
            {"io-count", "eventloop", "hundreds or more"},
            {"cpu-gil", "processes", "yes"},
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
        a.path.push_back({"cpu-gil", m.gil ? "yes" : "no",
                          m.gil ? "the emulated GIL is on: threads would take turns on one core"
                                : "no interpreter lock: threads of one process run on every core"});
        a.recommended = m.gil ? Model::Processes : Model::Tbb;
        a.path.push_back({m.gil ? "processes" : "tasks", "", ""});
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
    m.source = "measured over " + std::to_string(run.summary.tasksDone) + " tasks run " + std::string(toString(run.config.model));
    return m;
}

} // namespace ce
