#include "ce/Replay.h"

#include <algorithm>
#include <cmath>

namespace ce {

double cpuShareSettledAt(const RunSnapshot& run)
{
    struct Event {
        std::int64_t endNs;
        std::int64_t cpuNs;
        std::int64_t waitNs;
    };
    std::vector<Event> events;
    for (const auto& p : run.phases) {
        if (p.state == State::Cpu)
            events.push_back({p.endNs, p.endNs - p.startNs, 0});
        else if (p.state == State::IoWait)
            events.push_back({p.endNs, 0, p.endNs - p.startNs});
    }
    const double end = double(run.elapsedNs) / 1e9;
    if (events.empty())
        return end;
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.endNs < b.endNs; });
    // Same test as measureFromRun + advise: share >= kCpuBoundShare means CPU-bound.
    std::int64_t cpu = 0, wait = 0;
    std::vector<bool> side(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        cpu += events[i].cpuNs;
        wait += events[i].waitNs;
        side[i] = cpu + wait > 0 && double(cpu) / double(cpu + wait) >= kCpuBoundShare;
    }
    const bool final = side.back();
    std::size_t settled = events.size() - 1;
    while (settled > 0 && side[settled - 1] == final)
        --settled;
    // Events ending at the same instant are one moment.
    return double(events[settled].endNs) / 1e9;
}

Replay::Replay(std::vector<RunSnapshot> runs, Advice advice, std::vector<Caption> captions, int measured)
    : m_runs(std::move(runs)), m_advice(std::move(advice)), m_captions(std::move(captions))
{
    for (const auto& r : m_runs)
        m_duration = std::max(m_duration, double(r.elapsedNs) / 1e9);
    std::stable_sort(m_captions.begin(), m_captions.end(), [](const Caption& a, const Caption& b) { return a.atS < b.atS; });
    // Runs differ from machine to machine: keep every caption inside this replay.
    const double limit = 0.95 * m_duration;
    if (!m_captions.empty() && m_captions.back().atS > limit && m_captions.back().atS > 0) {
        const double factor = limit / m_captions.back().atS;
        for (auto& c : m_captions)
            c.atS *= factor;
    }
    // The first step is decided by the measured CPU share; the others by the run's
    // configuration (how many tasks, whether a GIL), known as soon as that first step is.
    if (!m_runs.empty() && !m_advice.path.empty()) {
        const int index = (measured >= 0 && measured < static_cast<int>(m_runs.size())) ? measured : 0;
        const double first = std::min(m_duration, cpuShareSettledAt(m_runs[static_cast<std::size_t>(index)]));
        m_stepTimes.assign(m_advice.path.size(), first);
    }
}

const std::vector<double>& Replay::speeds()
{
    static const std::vector<double> s{0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0};
    return s;
}

void Replay::seek(double seconds) { m_position = std::clamp(seconds, 0.0, m_duration); }

void Replay::play()
{
    if (atEnd())
        m_position = 0;
    m_playing = !empty();
}

void Replay::pause() { m_playing = false; }

void Replay::togglePlaying()
{
    if (m_playing)
        pause();
    else
        play();
}

void Replay::setSpeed(double speed) { m_speed = std::clamp(speed, kMinSpeed, kMaxSpeed); }

void Replay::faster()
{
    for (double s : speeds()) {
        if (s > m_speed * 1.001) {
            m_speed = s;
            return;
        }
    }
}

void Replay::slower()
{
    const auto& s = speeds();
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
        if (*it < m_speed * 0.999) {
            m_speed = *it;
            return;
        }
    }
}

bool Replay::advance(double realSeconds)
{
    if (!m_playing || realSeconds <= 0)
        return false;
    const double before = m_position;
    seek(m_position + realSeconds * m_speed);
    if (atEnd())
        m_playing = false;
    return m_position != before;
}

std::vector<double> Replay::stops() const
{
    std::vector<double> t;
    for (const auto& r : m_runs) {
        for (const auto& p : r.phases) {
            t.push_back(double(p.startNs) / 1e9);
            t.push_back(double(p.endNs) / 1e9);
        }
    }
    for (const auto& c : m_captions)
        t.push_back(c.atS);
    t.insert(t.end(), m_stepTimes.begin(), m_stepTimes.end());
    t.push_back(m_duration);
    std::sort(t.begin(), t.end());
    return t;
}

void Replay::stepForward()
{
    const double minStep = m_duration / 200, maxStep = m_duration / 20;
    const auto t = stops();
    const auto next = std::upper_bound(t.begin(), t.end(), m_position + minStep);
    const double target = next == t.end() ? m_duration : *next;
    seek(std::min(target, m_position + maxStep));
    m_playing = false;
}

void Replay::stepBack()
{
    const double minStep = m_duration / 200, maxStep = m_duration / 20;
    const auto t = stops();
    auto it = std::lower_bound(t.begin(), t.end(), m_position - minStep);
    const double target = it == t.begin() ? 0.0 : *std::prev(it);
    seek(std::max(target, m_position - maxStep));
    m_playing = false;
}

std::int64_t Replay::revealedNs(double seconds) const
{
    return static_cast<std::int64_t>(std::llround(std::clamp(seconds, 0.0, m_duration) * 1e9));
}

int Replay::captionAt(double seconds) const
{
    int index = -1;
    for (std::size_t i = 0; i < m_captions.size(); ++i) {
        if (m_captions[i].atS <= seconds)
            index = static_cast<int>(i);
    }
    return index;
}

int Replay::knownSteps(double seconds) const
{
    int n = 0;
    for (double t : m_stepTimes)
        n += t <= seconds ? 1 : 0;
    return n;
}

int Replay::tasksDone(int run, double seconds) const
{
    if (run < 0 || run >= static_cast<int>(m_runs.size()))
        return 0;
    const std::int64_t ns = revealedNs(seconds);
    int n = 0;
    for (const auto& t : m_runs[static_cast<std::size_t>(run)].tasks)
        n += (t.status == TaskStatus::Done && t.endNs >= 0 && t.endNs <= ns) ? 1 : 0;
    return n;
}

} // namespace ce
