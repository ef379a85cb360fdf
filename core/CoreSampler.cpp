#include "CoreSampler.h"

#include "platform/CpuCounters.h"
#include "platform/Platform.h"

#include <algorithm>

namespace ce {

CoreSampler::CoreSampler(std::int64_t runStartNs, std::chrono::microseconds interval)
    : m_runStartNs(runStartNs)
    , m_interval(interval)
    , m_counters(platform::CpuCounters::create())
    , m_machine(m_counters->machineDescription())
{
    m_pids.push_back(platform::currentProcessId());
}

CoreSampler::~CoreSampler() { stop(); }

void CoreSampler::start()
{
    sampleOnce(true);
    m_thread = std::thread([this] { loop(); });
}

void CoreSampler::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    if (!m_thread.joinable())
        return;
    m_thread.join();
    // Close with the partial interval since the last sample, so a run shorter than one
    // interval still has a sample (the sampling thread is gone: its state is ours now).
    if (platform::monotonicNs() - m_lastSampleNs >= 1000000)
        sampleOnce(false);
}

void CoreSampler::addProcess(std::int64_t pid)
{
    std::lock_guard lock(m_mutex);
    m_pids.push_back(pid);
}

void CoreSampler::removeProcess(std::int64_t pid)
{
    std::lock_guard lock(m_mutex);
    m_pids.erase(std::remove(m_pids.begin(), m_pids.end(), pid), m_pids.end());
}

void CoreSampler::excludeThread(std::int64_t tid)
{
    std::lock_guard lock(m_mutex);
    m_excluded.push_back(tid);
}

void CoreSampler::enterRunThread(std::int64_t tid, std::int64_t cpuNs)
{
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_runThreads.try_emplace(tid);
    if (inserted)
        it->second.entryCpuNs = cpuNs;
    ++it->second.depth;
}

void CoreSampler::leaveRunThread(std::int64_t tid, std::int64_t cpuNs)
{
    std::lock_guard lock(m_mutex);
    const auto it = m_runThreads.find(tid);
    if (it == m_runThreads.end() || --it->second.depth > 0)
        return;
    m_settledCpuNs += std::max<std::int64_t>(0, cpuNs - it->second.entryCpuNs);
    m_runThreads.erase(it);
}

void CoreSampler::settleRunThreads()
{
    std::vector<platform::ThreadTime> threads;
    m_counters->readThreads({platform::currentProcessId()}, threads);
    const std::int64_t caller = platform::currentThreadId();
    std::lock_guard lock(m_mutex);
    for (auto at = m_runThreads.begin(); at != m_runThreads.end();) {
        const auto& [tid, rt] = *at;
        if (tid == caller) { // settles itself when it leaves
            ++at;
            continue;
        }
        std::int64_t cpu = rt.entryCpuNs;
        const auto live = std::find_if(threads.begin(), threads.end(), [tid = tid](const auto& t) { return t.tid == tid; });
        if (live != threads.end())
            cpu = live->cpuNs;
        else if (!m_thread.joinable()) {
            // Gone already: what the sampler saw last (its thread has stopped, so this is ours).
            const auto seen = m_lastThreadNs.find(tid);
            if (seen != m_lastThreadNs.end())
                cpu = seen->second;
        }
        m_settledCpuNs += std::max<std::int64_t>(0, cpu - rt.entryCpuNs);
        at = m_runThreads.erase(at);
    }
}

std::int64_t CoreSampler::runThreadsCpuNs() const
{
    std::lock_guard lock(m_mutex);
    return m_settledCpuNs;
}

RunThreadScope::RunThreadScope(CoreSampler& sampler) : m_sampler(sampler), m_tid(platform::currentThreadId())
{
    m_sampler.enterRunThread(m_tid, platform::threadCpuNs());
}

RunThreadScope::~RunThreadScope() { m_sampler.leaveRunThread(m_tid, platform::threadCpuNs()); }

void CoreSampler::loop()
{
    excludeThread(platform::currentThreadId());
    auto next = std::chrono::steady_clock::now() + m_interval;
    std::unique_lock lock(m_mutex);
    while (!m_cv.wait_until(lock, next, [this] { return m_stopping; })) {
        lock.unlock();
        const std::int64_t cpu0 = platform::threadCpuNs();
        sampleOnce(false);
        const std::int64_t cost = platform::threadCpuNs() - cpu0;
        lock.lock();
        // Reading every thread's counters costs more with thousands of threads: keep the
        // sampler under 5% of one core by sampling less often (samples carry their time).
        if (cost * 20 > std::chrono::duration_cast<std::chrono::nanoseconds>(m_interval).count() && m_interval < std::chrono::seconds(1))
            m_interval *= 2;
        next += m_interval;
        const auto now = std::chrono::steady_clock::now();
        if (next < now) // fell behind (machine busy): skip, don't burst
            next = now + m_interval;
    }
    m_ownCpuNs.store(platform::threadCpuNs());
}

CoreShare coreShare(std::uint64_t busyBefore, std::uint64_t busyNow, std::uint64_t totalBefore, std::uint64_t totalNow, double runNs,
                    double intervalNs, bool runMeasured)
{
    // Unsigned differences of counters that went backwards (a core taken offline and back)
    // would be huge: count them as nothing.
    const std::uint64_t busy = busyNow > busyBefore ? busyNow - busyBefore : 0;
    const std::uint64_t total = totalNow > totalBefore ? totalNow - totalBefore : 0;
    double totalPct = total > 0 ? std::min(100.0, 100.0 * double(busy) / double(total)) : 0.0;
    const double runPct = runMeasured && intervalNs > 0 && runNs > 0 ? std::min(100.0, 100.0 * runNs / intervalNs) : 0.0;
    // Tick counting lags precise thread times; never show this run above the core total.
    totalPct = std::max(totalPct, runPct);
    return {static_cast<float>(totalPct), static_cast<float>(runPct)};
}

void CoreSampler::sampleOnce(bool baselineOnly)
{
    std::vector<platform::CoreTicks> cores;
    if (!m_counters->readCores(cores))
        return;
    std::vector<std::int64_t> children;
    std::vector<std::int64_t> excluded;
    std::unordered_map<std::int64_t, std::int64_t> runThreads; // tid -> CPU clock on entry
    const std::int64_t self = platform::currentProcessId();
    {
        std::lock_guard lock(m_mutex);
        for (const std::int64_t pid : m_pids) {
            if (pid != self)
                children.push_back(pid);
        }
        excluded = m_excluded;
        for (const auto& [tid, rt] : m_runThreads)
            runThreads.emplace(tid, rt.entryCpuNs);
    }
    // This process: only the run's own threads. Children: every thread (the whole process
    // works for the run).
    std::vector<platform::ThreadTime> threads;
    std::vector<platform::ThreadTime> childThreads;
    const bool perThread = m_counters->readThreads({self}, threads);
    if (perThread && !children.empty()) {
        m_counters->readThreads(children, childThreads);
        threads.insert(threads.end(), childThreads.begin(), childThreads.end());
    }
    const std::size_t ownThreads = threads.size() - childThreads.size();
    const std::int64_t nowNs = platform::monotonicNs();

    std::vector<double> runNs(cores.size(), 0.0);
    for (std::size_t i = 0; i < threads.size(); ++i) {
        const auto& t = threads[i];
        const bool own = i < ownThreads;
        const auto run = own ? runThreads.find(t.tid) : runThreads.end();
        // A thread first seen counts from when it joined the run (a reused TBB worker's
        // earlier CPU time is not this run's), a child's thread from its start.
        const std::int64_t baseline = baselineOnly ? t.cpuNs : run != runThreads.end() ? run->second : 0;
        auto [it, inserted] = m_lastThreadNs.try_emplace(t.tid, baseline);
        const std::int64_t delta = t.cpuNs - it->second;
        it->second = t.cpuNs;
        if (own && run == runThreads.end())
            continue; // the caller's thread, the sampler, the service, bystanders
        if (std::find(excluded.begin(), excluded.end(), t.tid) != excluded.end())
            continue;
        if (t.core >= 0 && static_cast<std::size_t>(t.core) < runNs.size() && delta > 0)
            runNs[static_cast<std::size_t>(t.core)] += static_cast<double>(delta);
    }

    if (!baselineOnly && m_lastCores.size() == cores.size()) {
        const double intervalNs = static_cast<double>(std::max<std::int64_t>(1, nowNs - m_lastSampleNs));
        for (std::size_t i = 0; i < cores.size(); ++i) {
            const CoreShare share = coreShare(m_lastCores[i].first, cores[i].busy, m_lastCores[i].second, cores[i].total, runNs[i], intervalNs, perThread);
            m_samples.push(CoreSample{nowNs - m_runStartNs, static_cast<std::int32_t>(i), share.totalPct, share.runPct});
        }
    }
    m_runShareMeasured.store(perThread);
    m_lastCores.resize(cores.size());
    for (std::size_t i = 0; i < cores.size(); ++i)
        m_lastCores[i] = {cores[i].busy, cores[i].total};
    m_lastSampleNs = nowNs;
}

} // namespace ce
