#include "CoreSampler.h"

#include "platform/CpuCounters.h"
#include "platform/Platform.h"

#include <algorithm>
#include <cmath>

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
    if (platform::monotonicNs() - m_lastSampleNs >= 1000000) {
        sampleOnce(false);
    } else {
        // Too short an interval to sample, but children reaped since still go in the last one.
        std::vector<Ended> ended;
        {
            std::lock_guard lock(m_mutex);
            ended.swap(m_ended);
        }
        placeEnded(ended);
    }
    while (!m_held.empty())
        publishHeld();
}

void CoreSampler::addProcess(std::int64_t pid)
{
    const std::int64_t now = platform::monotonicNs();
    std::lock_guard lock(m_mutex);
    m_pids.push_back(pid);
    m_started[pid] = now;
}

void CoreSampler::processEnded(std::int64_t pid, std::int64_t cpuNs, int lastCore)
{
    const std::int64_t now = platform::monotonicNs();
    std::lock_guard lock(m_mutex);
    m_pids.erase(std::remove(m_pids.begin(), m_pids.end(), pid), m_pids.end());
    const auto started = m_started.find(pid);
    if (started == m_started.end())
        return; // not one of ours (or reported twice)
    m_ended.push_back(Ended{pid, started->second, now, cpuNs, lastCore});
    m_started.erase(started);
}

void CoreSampler::excludeThread(std::int64_t tid)
{
    std::lock_guard lock(m_mutex);
    m_excluded.push_back(tid);
}

void CoreSampler::enterRunThread(std::int64_t tid, std::int64_t cpuNs)
{
    const std::int64_t now = platform::monotonicNs();
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_runThreads.try_emplace(tid);
    if (inserted) {
        it->second.entryCpuNs = cpuNs;
        it->second.entryNs = now;
    }
    ++it->second.depth;
}

void CoreSampler::leaveRunThread(std::int64_t tid, std::int64_t cpuNs, int core)
{
    const std::int64_t now = platform::monotonicNs();
    std::lock_guard lock(m_mutex);
    const auto it = m_runThreads.find(tid);
    if (it == m_runThreads.end() || --it->second.depth > 0)
        return;
    const std::int64_t used = std::max<std::int64_t>(0, cpuNs - it->second.entryCpuNs);
    m_settledCpuNs += used;
    // What the samples did not see of it (all of it, for a thread that lived between two) is
    // placed at the next sample, as an ended child's is.
    m_ended.push_back(Ended{tid, it->second.entryNs, now, used, core, true});
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

RunThreadScope::~RunThreadScope() { m_sampler.leaveRunThread(m_tid, platform::threadCpuNs(), platform::currentCpu()); }

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

double placeUnseen(std::vector<double>& room, std::vector<double>& placed, double ns, int core)
{
    if (ns <= 0 || room.empty())
        return std::max(0.0, ns);
    placed.resize(room.size(), 0.0);
    // Its last core first: a worker of a millisecond or two rarely moves.
    if (core >= 0 && static_cast<std::size_t>(core) < room.size()) {
        const double put = std::min(ns, room[static_cast<std::size_t>(core)]);
        room[static_cast<std::size_t>(core)] -= put;
        placed[static_cast<std::size_t>(core)] += put;
        ns -= put;
    }
    // Then where the cores were busy with something not yet counted as the run's, in
    // proportion: the time was spent on some core, and only busy time can have been it.
    double free = 0;
    for (const double r : room)
        free += std::max(0.0, r);
    if (ns <= 0 || free <= 0)
        return std::max(0.0, ns);
    const double fraction = std::min(1.0, ns / free);
    for (std::size_t i = 0; i < room.size(); ++i) {
        const double put = std::max(0.0, room[i]) * fraction;
        room[i] -= put;
        placed[i] += put;
        ns -= put;
    }
    return std::max(0.0, ns);
}

void CoreSampler::placeEnded(std::vector<Ended>& ended)
{
    for (const Ended& e : ended) {
        std::int64_t counted = 0;
        std::int64_t lastSeen = 0;
        auto& seenMap = e.thread ? m_seenThreads : m_seen;
        if (const auto seen = seenMap.find(e.pid); seen != seenMap.end()) {
            counted = seen->second.countedNs;
            lastSeen = seen->second.lastSeenNs;
            // Its pid and thread ids may be given to a new process: forget what they had.
            for (const std::int64_t tid : seen->second.tids)
                m_lastThreadNs.erase(tid);
            seenMap.erase(seen);
        }
        if (e.thread)
            m_lastThreadNs.erase(e.pid); // if it joins again, it counts from its entry then
        if (e.cpuNs < 0 || !m_perThread)
            continue;
        const std::int64_t unseen = std::max<std::int64_t>(0, e.cpuNs - counted);
        if (unseen == 0)
            continue;
        m_unseenNs += unseen;
        if (m_held.empty()) {
            m_unplacedNs += unseen;
            continue;
        }
        // It used that CPU time between the last sample that read it (or its start) and its
        // end, and as late as it can have: a worker computes, then ends (a thread started
        // with hundreds of others may wait long for a core first). So the span is the last
        // `unseen` ns before its end (all of it when it used more than a core's worth), spread
        // over the held intervals in proportion to their overlap with it. A part before the
        // oldest held interval is already published: it stays other.
        const std::int64_t since = std::max(e.startNs, lastSeen);
        const std::int64_t to = std::max(since, e.endNs);
        const std::int64_t from = std::max(since, to - unseen);
        double left = static_cast<double>(unseen);
        for (std::size_t k = 0; k < m_held.size(); ++k) {
            Interval& iv = m_held[k];
            const bool last = k + 1 == m_held.size();
            double part = 0;
            if (to > from) {
                // A reap reported after the newest interval's end (while it was being sampled)
                // belongs to the newest.
                const std::int64_t lo = std::max(from, iv.startNs);
                const std::int64_t hi = last ? to : std::min(to, iv.endNs);
                part = hi > lo ? static_cast<double>(unseen) * static_cast<double>(hi - lo) / static_cast<double>(to - from) : 0.0;
            } else if ((to > iv.startNs && to <= iv.endNs) || last) {
                part = left;
            }
            part = std::min(part, left);
            if (part <= 0)
                continue;
            const double unplaced = placeUnseen(iv.room, iv.placed, part, e.lastCore);
            left -= part - unplaced;
        }
        m_unplacedNs += static_cast<std::int64_t>(std::llround(std::max(0.0, left)));
    }
    ended.clear();
}

void CoreSampler::publishHeld()
{
    if (m_held.empty())
        return;
    const Interval& iv = m_held.front();
    const double intervalNs = static_cast<double>(std::max<std::int64_t>(1, iv.endNs - iv.startNs));
    for (std::size_t i = 0; i < iv.now.size(); ++i) {
        const CoreShare share = coreShare(iv.before[i].first, iv.now[i].first, iv.before[i].second, iv.now[i].second, iv.runNs[i] + iv.placed[i],
                                          intervalNs, m_perThread);
        m_samples.push(CoreSample{iv.endNs - m_runStartNs, static_cast<std::int32_t>(i), share.totalPct, share.runPct});
    }
    m_held.erase(m_held.begin());
}

void CoreSampler::sampleOnce(bool baselineOnly)
{
    std::vector<platform::CoreTicks> cores;
    if (!m_counters->readCores(cores))
        return;
    std::vector<std::int64_t> children;
    std::vector<std::int64_t> excluded;
    std::unordered_map<std::int64_t, std::int64_t> runThreads; // tid -> CPU clock on entry
    std::vector<Ended> ended;
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
        // Taken with the pids: a child reported after this is still read below, and settled
        // at the next sample, from what this one counted of it.
        ended.swap(m_ended);
    }
    // This process: only the run's own threads. Children: every thread (the whole process
    // works for the run), one child at a time to know whose each thread is.
    std::vector<platform::ThreadTime> threads;
    std::vector<platform::ThreadTime> childThreads;
    std::vector<std::int64_t> ownerOf; // the child of each thread after the own ones
    const bool perThread = m_counters->readThreads({self}, threads);
    const std::size_t ownThreads = threads.size();
    if (perThread) {
        for (const std::int64_t pid : children) {
            m_counters->readThreads({pid}, childThreads);
            threads.insert(threads.end(), childThreads.begin(), childThreads.end());
            ownerOf.insert(ownerOf.end(), childThreads.size(), pid);
        }
    }
    const std::int64_t nowNs = platform::monotonicNs();
    m_perThread = perThread;

    std::vector<double> runNs(cores.size(), 0.0);
    for (std::size_t i = 0; i < threads.size(); ++i) {
        const auto& t = threads[i];
        const bool own = i < ownThreads;
        const auto run = own ? runThreads.find(t.tid) : runThreads.end();
        // A thread first seen counts from when it joined the run (a reused TBB worker's
        // earlier CPU time is not this run's), a child's thread from its start.
        const std::int64_t baseline = baselineOnly ? t.cpuNs : run != runThreads.end() ? run->second : 0;
        auto [it, inserted] = m_lastThreadNs.try_emplace(t.tid, baseline);
        if (run != runThreads.end())
            it->second = std::max(it->second, run->second); // not what it used before it joined
        const std::int64_t delta = t.cpuNs - it->second;
        it->second = t.cpuNs;
        if (own && run == runThreads.end())
            continue; // the caller's thread, the sampler, the service, bystanders
        if (std::find(excluded.begin(), excluded.end(), t.tid) != excluded.end())
            continue;
        Seen* seen = own ? &m_seenThreads[t.tid] : &m_seen[ownerOf[i - ownThreads]];
        seen->lastSeenNs = nowNs;
        if (inserted && !own)
            seen->tids.push_back(t.tid);
        if (baselineOnly && run != runThreads.end())
            seen->countedNs += std::max<std::int64_t>(0, t.cpuNs - run->second); // before the first interval: nowhere to show
        if (t.core >= 0 && static_cast<std::size_t>(t.core) < runNs.size() && delta > 0) {
            runNs[static_cast<std::size_t>(t.core)] += static_cast<double>(delta);
            seen->countedNs += delta;
        }
    }

    if (!baselineOnly && m_lastCores.size() == cores.size()) {
        Interval iv;
        iv.startNs = m_lastSampleNs;
        iv.endNs = nowNs;
        iv.before = m_lastCores;
        iv.runNs = runNs;
        iv.room.assign(cores.size(), 0.0);
        iv.placed.assign(cores.size(), 0.0);
        const double intervalNs = static_cast<double>(std::max<std::int64_t>(1, nowNs - m_lastSampleNs));
        for (std::size_t i = 0; i < cores.size(); ++i) {
            iv.now.emplace_back(cores[i].busy, cores[i].total);
            // What the core was measured busy with beyond the run's share so far: the most a
            // child unseen by the samples can add to the run here.
            const CoreShare share = coreShare(m_lastCores[i].first, cores[i].busy, m_lastCores[i].second, cores[i].total, 0, intervalNs, false);
            iv.room[i] = std::max(0.0, double(share.totalPct) / 100.0 * intervalNs - runNs[i]);
        }
        m_held.push_back(std::move(iv));
    }
    placeEnded(ended);
    // The previous interval can take no more children: every reap reported before this sample
    // has been placed. Publish it; hold this one for the next.
    while (m_held.size() > 1)
        publishHeld();
    m_runShareMeasured.store(perThread);
    m_lastCores.resize(cores.size());
    for (std::size_t i = 0; i < cores.size(); ++i)
        m_lastCores[i] = {cores[i].busy, cores[i].total};
    m_lastSampleNs = nowNs;
}

} // namespace ce
