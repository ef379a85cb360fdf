#include "TimelineModel.h"

#include "Palette.h"

#include <algorithm>
#include <cmath>

namespace ce::ui {

QColor StatePalette::color(State s)
{
    switch (s) {
    case State::Cpu: return QColor::fromRgb(okabeIto::blue);
    case State::GilWait: return QColor::fromRgb(okabeIto::vermillion);
    case State::IoWait: return QColor::fromRgb(okabeIto::bluishGreen);
    case State::Spawn: return QColor::fromRgb(okabeIto::reddishPurple);
    case State::Ipc: return QColor::fromRgb(okabeIto::orange);
    case State::Queued: return QColor(190, 190, 190); // grey, never in a legend
    case State::LockWait: return QColor(210, 190, 20); // Okabe-Ito's yellow darkened: readable on white
    // A recorded program's states (the OS's view of its threads). Sky blue is the core grid's.
    case State::Runnable: return QColor(230, 60, 60);   // red: wanted a core, had none
    case State::Sleeping: return QColor::fromRgb(okabeIto::bluishGreen); // a wait, as a run's I/O wait
    case State::DiskWait: return QColor(120, 80, 20);   // brown
    case State::Stopped: return QColor::fromRgb(okabeIto::reddishPurple); // a run's spawn is never beside it
    }
    return Qt::black;
}

QString StatePalette::label(State s)
{
    switch (s) {
    case State::Cpu: return QStringLiteral("CPU");
    case State::GilWait: return QStringLiteral("waiting for the GIL (emulated)");
    case State::IoWait: return QStringLiteral("waiting on I/O");
    case State::Spawn: return QStringLiteral("starting a process");
    case State::Ipc: return QStringLiteral("sending data to/from a process");
    case State::Queued: return QStringLiteral("queued");
    case State::LockWait: return QStringLiteral("waiting for a lock");
    case State::Runnable: return QStringLiteral("runnable, waiting for a core");
    case State::Sleeping: return QStringLiteral("sleeping (waiting on I/O, a lock, a timer)");
    case State::DiskWait: return QStringLiteral("disk wait (uninterruptible)");
    case State::Stopped: return QStringLiteral("stopped");
    }
    return {};
}

const std::array<State, kStateCount>& StatePalette::drawOrder()
{
    static const std::array<State, kStateCount> order{State::Cpu,      State::GilWait,  State::IoWait,   State::Spawn,   State::Ipc,     State::LockWait,
                                                    State::Runnable, State::Sleeping, State::DiskWait, State::Stopped, State::Queued};
    return order;
}

bool StatePalette::inLegend(State s, bool recorded)
{
    const bool osState = s == State::Runnable || s == State::Sleeping || s == State::DiskWait || s == State::Stopped;
    if (recorded)
        return s == State::Cpu || osState;
    return s != State::Queued && !osState;
}

QRgb TimelineModel::blendRgb(float totalPct, float runPct, QRgb idleColor)
{
    // Integer mix of the idle colour, this run's and others' (Palette.h): called for every core
    // sample on every frame, so no QColor arithmetic here.
    const int run = std::clamp(static_cast<int>(runPct * 2.56f), 0, 256);
    const int other = std::clamp(static_cast<int>((totalPct - runPct) * 2.56f), 0, 256 - run);
    const int idle = 256 - run - other;
    auto mix = [&](int base, int mine, int others) { return (idle * base + run * mine + other * others) >> 8; };
    return qRgb(mix(qRed(idleColor), qRed(kCoreThisRun), qRed(kCoreOthers)), mix(qGreen(idleColor), qGreen(kCoreThisRun), qGreen(kCoreOthers)),
                mix(qBlue(idleColor), qBlue(kCoreThisRun), qBlue(kCoreOthers)));
}

QColor TimelineModel::blend(float totalPct, float runPct, QRgb idle)
{
    return QColor::fromRgb(blendRgb(totalPct, runPct, idle));
}

QString TimelineModel::describe(const PhaseRecord& p)
{
    const double ms = double(p.endNs - p.startNs) / 1e6;
    QString text = p.task >= 0 ? QStringLiteral("task %1, lane %2\n").arg(p.task).arg(p.lane) : QStringLiteral("lane %1\n").arg(p.lane);
    text += QStringLiteral("%1 for %2 ms (from %3 s)").arg(StatePalette::label(p.state)).arg(ms, 0, 'f', ms < 10 ? 3 : 1).arg(double(p.startNs) / 1e9, 0, 'f', 3);
    if (p.cpu >= 0)
        text += QStringLiteral("\ncore %1").arg(p.cpu);
    if (p.state == State::Cpu && p.cpuNs > 0)
        text += QStringLiteral(", %1 ms of CPU").arg(double(p.cpuNs) / 1e6, 0, 'f', 1);
    return text;
}

namespace {
// Files are checked on load (RunFile.h); live runs are bounded by the machine. This only
// keeps a bad sample from sizing the grid, should one ever get past those.
constexpr int kMaxCores = 4096;
constexpr std::int64_t kMaxTimeNs = 30ll * 24 * 3600 * 1000000000; // a month
} // namespace

void TimelineModel::setRun(RunSnapshot snapshot)
{
    m_run = std::move(snapshot);
    m_lanes.assign(static_cast<std::size_t>(std::max(0, m_run.lanes)), {});
    m_gil.clear();
    m_endNs = m_run.elapsedNs;
    addPhases(m_run.phases, true);
    m_sampleS = std::max(0.001, m_run.config.sampleMs / 1000.0);
    rebuildCores();
}

void TimelineModel::applyDelta(const RunDelta& delta)
{
    if (delta.restart || delta.head.lanes != m_run.lanes || delta.head.config.sampleMs != m_run.config.sampleMs) {
        RunSnapshot whole = delta.restart ? RunSnapshot{} : std::move(m_run);
        ce::applyDelta(whole, delta);
        setRun(std::move(whole));
        return;
    }
    ce::applyDelta(m_run, delta);
    m_endNs = std::max(m_endNs, m_run.elapsedNs);
    addPhases(delta.phases, false);
    bool newCore = false;
    for (const auto& s : delta.coreSamples)
        newCore = newCore || (s.core >= m_cores && s.core < kMaxCores && s.timeNs >= 0 && s.timeNs <= kMaxTimeNs);
    if (newCore)
        rebuildCores(); // the grid gets a row: lay it out again (once, when the first samples come)
    else
        addCoreSamples(delta.coreSamples);
}

void TimelineModel::addPhases(const std::vector<PhaseRecord>& phases, bool wholeRun)
{
    const RunSnapshot& run = m_run;
    // CPU parts offloaded to worker processes ran under those processes' own locks: only the
    // loop's thread holds this process's.
    const bool workersOwnLocks = run.config.model == Model::EventLoop && run.config.offload > 0
                              && run.config.offloadTo == OffloadTarget::Processes;
    const bool gilTrack = hasGilTrack() && !run.config.releasesGil;
    const auto byStart = [](const auto& a, const auto& b) { return a.startNs < b.startNs; };
    std::vector<PhaseRecord> holders;
    for (const auto& p : phases) {
        if (p.lane < 0 || p.lane >= run.lanes)
            continue;
        auto& lane = m_lanes[static_cast<std::size_t>(p.lane)];
        // A lane has one writer, so its phases arrive in order: a live frame appends.
        if (wholeRun || lane.empty() || lane.back().startNs <= p.startNs)
            lane.push_back(p);
        else
            lane.insert(std::upper_bound(lane.begin(), lane.end(), p, byStart), p);
        m_endNs = std::max(m_endNs, p.endNs);
        // With --releases-gil the CPU parts run outside the lock: they are not its holders.
        if (p.state == State::Cpu && gilTrack && !(workersOwnLocks && p.task >= 0))
            holders.push_back(p);
    }
    if (wholeRun) {
        for (auto& lane : m_lanes) {
            if (!std::is_sorted(lane.begin(), lane.end(), byStart))
                std::sort(lane.begin(), lane.end(), byStart);
        }
    }
    // Holders come lane by lane: sort the new ones, then merge them in where they start
    // (near the end, for a live frame).
    std::sort(holders.begin(), holders.end(), byStart);
    if (!holders.empty()) {
        const auto from = std::upper_bound(m_gil.begin(), m_gil.end(), holders.front(), byStart) - m_gil.begin();
        const auto middle = static_cast<std::ptrdiff_t>(m_gil.size());
        m_gil.insert(m_gil.end(), holders.begin(), holders.end());
        if (from < middle)
            std::inplace_merge(m_gil.begin() + from, m_gil.begin() + middle, m_gil.end(), byStart);
    }
    m_endS = double(m_endNs) / 1e9;
}

void TimelineModel::rebuildCores()
{
    m_cores = 0;
    std::int64_t lastSample = 0;
    for (const auto& s : m_run.coreSamples) {
        if (s.core < 0 || s.core >= kMaxCores || s.timeNs < 0 || s.timeNs > kMaxTimeNs)
            continue;
        m_cores = std::max(m_cores, s.core + 1);
        lastSample = std::max(lastSample, s.timeNs);
    }
    m_columns = 0;
    m_coreCells.clear();
    m_coreBacking = QImage();
    m_nextColumn.assign(static_cast<std::size_t>(m_cores), 0);
    growColumns(m_cores > 0 ? static_cast<int>(std::ceil(double(lastSample) / 1e9 / m_sampleS)) : 0);
    addCoreSamples(m_run.coreSamples);
}

void TimelineModel::growColumns(int columns)
{
    columns = std::max(columns, m_columns);
    if (columns > m_columns || m_coreBacking.isNull()) {
        const int height = std::max(1, m_cores);
        if (m_coreBacking.isNull() || m_coreBacking.width() < columns || m_coreBacking.height() != height) {
            // Exactly the size for a whole run; twice what is needed while a run grows.
            const int room = m_coreBacking.isNull() ? std::max(1, columns) : std::max(columns, 2 * m_coreBacking.width());
            QImage bigger(room, height, QImage::Format_RGB32);
            bigger.fill(QColor::fromRgb(m_idle));
            for (int y = 0; y < height && !m_coreBacking.isNull() && m_columns > 0; ++y)
                std::copy_n(reinterpret_cast<const QRgb*>(m_coreBacking.constScanLine(y)), m_columns, reinterpret_cast<QRgb*>(bigger.scanLine(y)));
            m_coreBacking = std::move(bigger);
        }
        m_coreCells.resize(static_cast<std::size_t>(m_cores) * static_cast<std::size_t>(columns), {0.f, 0.f});
        m_columns = columns;
    }
    // The view the plot draws: the first m_columns columns, sharing the backing's pixels.
    m_coreImage = QImage(m_coreBacking.constBits(), std::max(1, m_columns), std::max(1, m_cores),
                         static_cast<qsizetype>(m_coreBacking.bytesPerLine()), QImage::Format_RGB32);
}

void TimelineModel::addCoreSamples(const std::vector<CoreSample>& samples)
{
    if (m_cores == 0)
        return;
    std::int64_t lastSample = 0;
    for (const auto& s : samples) {
        if (s.core >= 0 && s.core < m_cores && s.timeNs >= 0 && s.timeNs <= kMaxTimeNs)
            lastSample = std::max(lastSample, s.timeNs);
    }
    const int needed = static_cast<int>(std::ceil(double(lastSample) / 1e9 / m_sampleS));
    if (needed > m_columns)
        growColumns(needed);
    // A sample covers the interval since the previous sample of its core (the sampler may
    // lengthen its interval): paint every column in it.
    for (const auto& s : samples) {
        if (s.core < 0 || s.core >= m_cores || s.timeNs <= 0 || s.timeNs > kMaxTimeNs)
            continue;
        const int last = static_cast<int>(std::min<double>(m_columns - 1, std::ceil(double(s.timeNs) / 1e9 / m_sampleS) - 1));
        if (last < 0)
            continue;
        const QRgb c = blendRgb(s.totalPct, s.runPct, m_idle);
        auto* line = reinterpret_cast<QRgb*>(m_coreBacking.scanLine(s.core)); // setPixelColor is far slower
        int& first = m_nextColumn[static_cast<std::size_t>(s.core)];
        for (int col = std::min(first, last); col <= last; ++col) {
            line[col] = c;
            m_coreCells[static_cast<std::size_t>(col) * static_cast<std::size_t>(m_cores) + static_cast<std::size_t>(s.core)] = {s.totalPct, s.runPct};
        }
        first = last + 1;
    }
}

std::pair<std::size_t, std::size_t> TimelineModel::visible(int lane, double t0, double t1) const
{
    const auto& phases = m_lanes[static_cast<std::size_t>(lane)];
    const auto t0ns = static_cast<std::int64_t>(t0 * 1e9);
    const auto t1ns = static_cast<std::int64_t>(t1 * 1e9);
    // Phases on a lane never overlap, so ends are sorted too: find the first that ends after t0.
    const auto first = std::partition_point(phases.begin(), phases.end(), [&](const PhaseRecord& p) { return p.endNs < t0ns; });
    const auto last = std::partition_point(first, phases.end(), [&](const PhaseRecord& p) { return p.startNs <= t1ns; });
    return {static_cast<std::size_t>(first - phases.begin()), static_cast<std::size_t>(last - phases.begin())};
}

std::optional<PhaseRecord> TimelineModel::phaseAt(int lane, double seconds) const
{
    if (lane < 0 || lane >= lanes())
        return std::nullopt;
    const auto [first, last] = visible(lane, seconds, seconds);
    for (std::size_t i = first; i < last; ++i) {
        const auto& p = m_lanes[static_cast<std::size_t>(lane)][i];
        if (double(p.startNs) / 1e9 <= seconds && seconds <= double(p.endNs) / 1e9)
            return p;
    }
    return std::nullopt;
}

std::optional<std::pair<float, float>> TimelineModel::coreAt(int core, double seconds) const
{
    const int column = static_cast<int>(std::floor(seconds / m_sampleS));
    if (core < 0 || core >= m_cores || column < 0 || column >= m_columns)
        return std::nullopt;
    return m_coreCells[static_cast<std::size_t>(column) * static_cast<std::size_t>(m_cores) + static_cast<std::size_t>(core)];
}

} // namespace ce::ui
