#pragma once

#include "AppendBuffer.h"
#include "ce/RunData.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ce {

// Where a worker puts what it did. Implementations are not thread-safe: each lane has
// exactly one writer.
class PhaseSink {
public:
    virtual ~PhaseSink() = default;
    virtual void add(const PhaseRecord& phase) = 0;
};

// Collects into a plain vector: used where phases are recorded away from their lane's
// writer (in a worker process, on an offload thread) and handed over later.
class VectorSink final : public PhaseSink {
public:
    void add(const PhaseRecord& phase) override { phases.push_back(phase); }
    std::vector<PhaseRecord> phases;
};

// The live recording of one run: one append buffer per lane (no lock on the hot path), a
// status per task, the event loop's lag samples and the errors. snapshotInto() may be
// called from any thread at any time while workers record.
class Recorder {
public:
    Recorder(int lanes, int tasks, std::int64_t startNs);

    // Before a run's clock starts: the lanes' first buffers, allocated and touched, so that
    // recording a phase costs no page faults (see AppendBuffer).
    static void prefault(int lanes, int tasks);

    int lanes() const { return static_cast<int>(m_lanes.size()); }
    int tasks() const { return m_taskCount; }
    std::int64_t startNs() const { return m_startNs; }
    std::int64_t nowNs() const; // ns since the run's start

    PhaseSink& lane(int index) { return *m_lanes[static_cast<std::size_t>(index)]; }
    void setTaskStatus(int task, TaskStatus status);
    TaskStatus taskStatus(int task) const;
    int tasksFinished() const { return m_finished.load(std::memory_order_relaxed); }

    void addLag(const LagSample& sample) { m_lag.push(sample); } // one writer: the loop thread
    void addError(std::string message);

    // Copies phases, task states, lag samples and errors into `out` (replacing them).
    // Linear in the phases and the lanes: built from one delta since an empty cursor.
    void snapshotInto(RunSnapshot& out) const;

    // Adds to `delta` what is new since `cursor` (phases, status changes, lag samples,
    // errors) and moves the cursor on. Only the consumer owning `cursor` may use it; any
    // number of consumers, each with its own cursor, may call this while workers record.
    // Sets delta.taskCount and head.lanes; leaves the rest of head alone.
    void deltaSince(SnapshotCursor& cursor, RunDelta& delta) const;

private:
    class LaneBuffer final : public PhaseSink {
    public:
        void add(const PhaseRecord& phase) override { buffer.push(phase); }
        AppendBuffer<PhaseRecord> buffer;
    };

    std::int64_t m_startNs;
    int m_taskCount;
    std::vector<std::unique_ptr<LaneBuffer>> m_lanes;
    std::unique_ptr<std::atomic<std::uint8_t>[]> m_status;
    // One version per block of kStatusBlock tasks, bumped after each status change in it: a
    // delta reads again only the blocks that changed since its cursor.
    static constexpr int kStatusBlock = 64;
    std::unique_ptr<std::atomic<std::uint32_t>[]> m_statusVersion;
    std::atomic<int> m_finished{0};
    AppendBuffer<LagSample> m_lag;
    mutable std::mutex m_errorMutex;
    std::vector<std::string> m_errors;
};

} // namespace ce
