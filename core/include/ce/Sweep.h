#pragma once

#include "ce/RunConfig.h"
#include "ce/RunData.h"

#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ce {

// One workload over a list of worker counts (or tasks in flight), for one or more models:
// how far each model goes. A point the system or this program refuses keeps its place in
// the list, with the reason, so the figure shows where a model stopped.
struct SweepPoint {
    Model model = Model::Threads;
    int workers = 1;
    bool refused = false;
    std::string reason;             // why it was refused, or the run's first error
    RunStatus status = RunStatus::Failed;
    double makespanS = 0;
    std::int64_t peakMemoryBytes = 0;  // this process's peak resident memory during the run
    std::int64_t baseMemoryBytes = 0;  // resident memory just before it
    double memoryPerWorkerBytes = 0;   // (peak - base) / workers
    double speedup = 0;                // against the model's first measured point
    int tasksDone = 0;
};

struct SweepResult {
    RunConfig base;
    std::vector<Model> models;
    std::vector<int> workers;       // in the order asked
    std::vector<SweepPoint> points; // per model, in the order of `workers`
    std::string machine;
    bool cancelled = false;
};

// Runs one point: `base` under `model` with `workers`, to the end (blocking). A config that
// validate() or Run::start() refuses, or a run the OS stopped ("refused ..."), comes back
// refused with the reason. `cancelled` is polled about ten times a second.
SweepPoint runSweepPoint(const RunConfig& base, Model model, int workers, const std::function<bool()>& cancelled,
                         std::string* machine = nullptr);
// Fills each measured point's speedup against the first measured point of its model.
void fillSweepSpeedups(std::vector<SweepPoint>& points);

// Amdahl's law relative to the first point: speedup(n) = 1 / (s + (1 - s) * n0 / n).
double amdahlSpeedup(double serialShare, double workers, double firstWorkers);
// The serial share s in [0, 1] that fits the measured (workers, speedup) points best (least
// squares on the speedups); -1 when fewer than two points were measured.
double fitSerialShare(const std::vector<SweepPoint>& points, Model model);

// Resident memory of this process now, and a reset of its high-water mark (Linux: VmHWM,
// reset through /proc/self/clear_refs). Returns 0 where the OS does not tell.
std::int64_t residentBytes();
std::int64_t peakResidentBytes();
void resetPeakResident();

QJsonObject toJson(const SweepResult& sweep);
bool writeSweepJson(const QString& path, const SweepResult& sweep, std::string* error);
bool writeSweepCsv(const QString& path, const SweepResult& sweep, std::string* error);

} // namespace ce
