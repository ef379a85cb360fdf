#include "ce/Sweep.h"

#include "ce/Engine.h"
#include "ce/Export.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#endif

namespace ce {

SweepPoint runSweepPoint(const RunConfig& base, Model model, int workers, const std::function<bool()>& cancelled, std::string* machine)
{
    SweepPoint p;
    p.model = model;
    p.workers = workers;
    RunConfig c = base;
    c.model = model;
    c.workers = workers;
    if (model == Model::Sequential || model == Model::EventLoop)
        c.chunksize = 1;
    if (model != Model::EventLoop) {
        c.awaitMode = AwaitMode::Sequential;
        c.offload = 0;
    }
    const std::string problem = validate(withDefaults(c));
    if (cancelled && cancelled()) {
        p.refused = true;
        p.reason = "not run: the sweep was cancelled";
        return p;
    }
    if (!problem.empty()) {
        p.refused = true;
        p.reason = problem;
        return p;
    }
    resetPeakResident();
    p.baseMemoryBytes = residentBytes();
    Run run(c);
    std::string error;
    if (!run.start(&error)) {
        p.refused = true;
        p.reason = error;
        return p;
    }
    while (!run.waitFor(std::chrono::milliseconds(100))) {
        if (cancelled && cancelled())
            run.cancel();
    }
    const RunSnapshot r = run.snapshot();
    p.peakMemoryBytes = peakResidentBytes();
    if (machine)
        *machine = r.machine;
    p.status = r.status;
    p.makespanS = r.summary.makespanS;
    p.tasksDone = r.summary.tasksDone;
    if (!r.errors.empty())
        p.reason = r.errors.front();
    // The OS said no (threads, descriptors, memory): a refusal, with its reason.
    if (r.status == RunStatus::Failed && p.reason.find("refused") != std::string::npos)
        p.refused = true;
    const int used = busyWorkers(c);
    p.memoryPerWorkerBytes = double(std::max<std::int64_t>(0, p.peakMemoryBytes - p.baseMemoryBytes)) / std::max(1, used);
    return p;
}

void fillSweepSpeedups(std::vector<SweepPoint>& points)
{
    std::map<Model, double> first;
    for (auto& p : points) {
        p.speedup = 0;
        if (p.refused || p.status != RunStatus::Completed || p.makespanS <= 0)
            continue;
        auto [it, inserted] = first.emplace(p.model, p.makespanS);
        p.speedup = it->second / p.makespanS;
    }
}

double amdahlSpeedup(double s, double n, double n0)
{
    if (n <= 0 || n0 <= 0)
        return 0;
    return 1.0 / (s + (1.0 - s) * n0 / n);
}

double fitSerialShare(const std::vector<SweepPoint>& points, Model model)
{
    std::vector<std::pair<double, double>> measured;
    double n0 = 0;
    for (const auto& p : points) {
        if (p.model != model || p.refused || p.speedup <= 0)
            continue;
        if (n0 <= 0)
            n0 = p.workers;
        measured.emplace_back(p.workers, p.speedup);
    }
    if (measured.size() < 2)
        return -1;
    // One parameter on [0, 1]: a fine grid is exact enough and cannot diverge.
    double best = 1, bestErr = -1;
    for (int i = 0; i <= 10000; ++i) {
        const double s = i / 10000.0;
        double err = 0;
        for (const auto& [n, sp] : measured) {
            // Compare in log space: a speedup of 100 and one of 2 weigh alike.
            const double d = std::log(amdahlSpeedup(s, n, n0)) - std::log(sp);
            err += d * d;
        }
        if (bestErr < 0 || err < bestErr) {
            bestErr = err;
            best = s;
        }
    }
    return best;
}

namespace {
std::int64_t statusField(const char* name)
{
#if defined(__linux__)
    std::ifstream in("/proc/self/status");
    const std::string prefix = std::string(name) + ":";
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) {
            std::istringstream fields(line.substr(prefix.size()));
            std::int64_t kb = 0;
            fields >> kb;
            return kb * 1024;
        }
    }
#else
    (void)name;
#endif
    return 0;
}
} // namespace

std::int64_t residentBytes() { return statusField("VmRSS"); }

std::int64_t peakResidentBytes()
{
    if (const std::int64_t hwm = statusField("VmHWM"); hwm > 0)
        return hwm;
#if defined(__unix__) || defined(__APPLE__)
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
#if defined(__APPLE__)
    return static_cast<std::int64_t>(u.ru_maxrss);
#else
    return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
#endif
#else
    return 0;
#endif
}

void resetPeakResident()
{
#if defined(__linux__)
    // "5" resets the peak resident set size (Linux 4.0+); harmless where it is refused.
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
#endif
}

QJsonObject toJson(const SweepResult& s)
{
    QJsonObject o;
    o[QStringLiteral("format")] = QStringLiteral("concurrency-explorer-sweep");
    o[QStringLiteral("version")] = 1;
    o[QStringLiteral("config")] = toJson(s.base);
    o[QStringLiteral("machine")] = QString::fromStdString(s.machine);
    o[QStringLiteral("cancelled")] = s.cancelled;
    QJsonArray workers;
    for (int w : s.workers)
        workers.append(w);
    o[QStringLiteral("workers")] = workers;
    QJsonArray models;
    for (Model m : s.models) {
        QJsonObject mo;
        mo[QStringLiteral("model")] = QString::fromUtf8(toString(m).data());
        const double share = fitSerialShare(s.points, m);
        if (share >= 0)
            mo[QStringLiteral("amdahl_serial_share")] = share;
        models.append(mo);
    }
    o[QStringLiteral("models")] = models;
    QJsonArray points;
    for (const auto& p : s.points) {
        QJsonObject po;
        po[QStringLiteral("model")] = QString::fromUtf8(toString(p.model).data());
        po[QStringLiteral("workers")] = p.workers;
        po[QStringLiteral("refused")] = p.refused;
        if (!p.reason.empty())
            po[QStringLiteral("reason")] = QString::fromStdString(p.reason);
        if (!p.refused) {
            po[QStringLiteral("status")] = QString::fromUtf8(toString(p.status).data());
            po[QStringLiteral("makespan_s")] = p.makespanS;
            po[QStringLiteral("peak_memory_bytes")] = static_cast<double>(p.peakMemoryBytes);
            po[QStringLiteral("base_memory_bytes")] = static_cast<double>(p.baseMemoryBytes);
            po[QStringLiteral("memory_per_worker_bytes")] = p.memoryPerWorkerBytes;
            po[QStringLiteral("speedup")] = p.speedup;
            po[QStringLiteral("tasks_done")] = p.tasksDone;
        }
        points.append(po);
    }
    o[QStringLiteral("points")] = points;
    return o;
}

namespace {
bool save(const QString& path, const QByteArray& bytes, std::string* error)
{
    return saveWhole(path, bytes, error);
}

std::string csvField(const std::string& s)
{
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}
} // namespace

bool writeSweepJson(const QString& path, const SweepResult& sweep, std::string* error)
{
    return save(path, QJsonDocument(toJson(sweep)).toJson(), error);
}

bool writeSweepCsv(const QString& path, const SweepResult& sweep, std::string* error)
{
    std::ostringstream os;
    os << "model,workers,refused,status,makespan_s,peak_memory_bytes,memory_per_worker_bytes,speedup,tasks_done,reason\n";
    for (const auto& p : sweep.points) {
        os << toString(p.model) << ',' << p.workers << ',' << (p.refused ? 1 : 0) << ',' << (p.refused ? "refused" : std::string(toString(p.status)))
           << ',' << p.makespanS << ',' << p.peakMemoryBytes << ',' << p.memoryPerWorkerBytes << ',' << p.speedup << ',' << p.tasksDone
           << ',' << csvField(p.reason) << '\n';
    }
    const std::string text = os.str();
    return save(path, QByteArray(text.data(), static_cast<qsizetype>(text.size())), error);
}

} // namespace ce
