#include "ce/Comparison.h"

#include "ce/Engine.h"
#include "ce/Options.h"

#include <algorithm>

namespace ce {

std::vector<RunConfig> comparisonConfigs(const ComparisonRequest& r, std::string* error)
{
    auto fail = [&](const std::string& why) {
        if (error)
            *error = why;
        return std::vector<RunConfig>{};
    };
    const bool explicitWorkers = std::any_of(r.userOptions.begin(), r.userOptions.end(), [](const auto& kv) { return kv.first == "workers"; });
    auto forModel = [&](Model m) {
        RunConfig c = r.base;
        c.model = m;
        if (!explicitWorkers)
            c.workers = RunConfig::kAutoWorkers; // each model's own default
        if (m != Model::EventLoop)
            c.offload = 0;
        if (m != Model::Threads && m != Model::Processes)
            c.spawnPerTask = false;
        if (m != Model::EventLoop)
            c.awaitMode = AwaitMode::Sequential; // gather is asyncio's: others await in turn
        if (m == Model::Sequential || m == Model::EventLoop)
            c.chunksize = 1;                     // no pool to hand chunks to
        return c;
    };
    std::vector<RunConfig> out;
    if (!r.models.empty()) {
        for (Model m : r.models)
            out.push_back(forModel(m));
    } else if (!r.overrides.empty()) {
        for (const auto& overrides : r.overrides) {
            RunConfig c = r.base;
            for (const auto& [k, v] : overrides) {
                const std::string problem = applyOption(c, k, v);
                if (!problem.empty())
                    return fail(problem);
            }
            for (const auto& [k, v] : r.userOptions) {
                if (overrides.count(k) && k != "model")
                    applyOption(c, k, v);
            }
            if (c.model != Model::EventLoop && !overrides.count("await"))
                c.awaitMode = AwaitMode::Sequential;
            if ((c.model == Model::Sequential || c.model == Model::EventLoop) && !overrides.count("chunksize"))
                c.chunksize = 1;
            if (c.model != Model::EventLoop) {
                c.offload = 0;
                if (c.workers == 0 && !overrides.count("workers"))
                    c.workers = RunConfig::kAutoWorkers; // "unlimited" belongs to the event loop
            }
            out.push_back(c);
        }
    } else {
        for (Model m : allModels())
            out.push_back(forModel(m));
    }
    if (r.withAndWithoutGil) {
        std::vector<RunConfig> both;
        for (const auto& c : out) {
            RunConfig off = c, on = c;
            off.gil = false;
            on.gil = true;
            both.push_back(off);
            if (c.model != Model::Sequential)
                both.push_back(on);
        }
        out = both;
    }
    for (const auto& c : out) {
        // The worker's path is the front end's to add when it runs the config.
        const ConfigProblem problem = validateConfig(withDefaults(c));
        if (problem && problem.code != ConfigError::NeedsWorkerExecutable)
            return fail(problem.message);
    }
    return out;
}

double applyBaselines(std::vector<RunSnapshot>& runs)
{
    double sequential = 0;
    for (const auto& r : runs) {
        if (r.config.model == Model::Sequential && r.status == RunStatus::Completed)
            sequential = r.summary.makespanS;
    }
    for (auto& r : runs)
        applyBaseline(r.summary, r.config, sequential);
    return sequential;
}

ComparisonSession::ComparisonSession(std::vector<RunConfig> configs) : m_configs(std::move(configs)) {}

const RunConfig* ComparisonSession::next() const
{
    if (m_cancelled || m_runs.size() >= m_configs.size())
        return nullptr;
    return &m_configs[m_runs.size()];
}

void ComparisonSession::record(RunSnapshot finished)
{
    if (finished.status == RunStatus::Cancelled)
        m_cancelled = true;
    m_runs.push_back(std::move(finished));
}

void ComparisonSession::cancel() { m_cancelled = true; }

int measuredRunIndex(const std::vector<RunSnapshot>& runs)
{
    if (runs.empty())
        return -1;
    int index = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        if (runs[i].config.model == Model::Sequential && runs[i].status == RunStatus::Completed)
            index = static_cast<int>(i);
    }
    return index;
}

bool comparisonUnderGil(const std::vector<RunSnapshot>& runs)
{
    return std::any_of(runs.begin(), runs.end(), [](const RunSnapshot& r) { return r.config.gil; });
}

ComparisonConclusion concludeComparison(std::vector<RunSnapshot>& runs)
{
    ComparisonConclusion c;
    c.sequentialS = applyBaselines(runs);
    c.measuredRun = measuredRunIndex(runs);
    if (c.measuredRun < 0)
        return c;
    WorkloadMeasure& m = c.measure;
    m = measureFromRun(runs[static_cast<std::size_t>(c.measuredRun)]);
    m.gil = comparisonUnderGil(runs);
    for (const auto& r : runs) {
        // The loop's lag with CPU parts on threads under the GIL: what offloading to
        // processes avoids.
        if (r.config.model == Model::EventLoop && r.config.gil && r.config.offload > 0 && r.config.offloadTo == OffloadTarget::Threads) {
            m.onEventLoop = true;
            m.maxLoopLagMs = r.summary.maxLoopLagMs;
            m.lagSource = "with the CPU parts offloaded to threads";
        }
    }
    measureTaskCost(m, runs);
    c.advice = advise(m);
    c.verdict = judge(runs, c.advice, m.gil);
    return c;
}

} // namespace ce
