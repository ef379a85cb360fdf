#pragma once

#include "ce/RunConfig.h"
#include "ce/Types.h"
#include "ce/record/RecordData.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ce {

// One interval of one lane. Times are ns since the run's start, on the machine's monotonic
// clock (the same clock in child processes).
struct PhaseRecord {
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    std::int64_t osId = 0;   // thread id (threads, tbb, eventloop) or process id (processes)
    std::int32_t task = -1;  // -1: the lane's own work, e.g. starting a pool process
    std::int32_t lane = 0;
    std::int16_t cpu = -1;   // core at the start of the interval, -1 unknown
    State state = State::Cpu;
    std::int64_t cpuNs = 0;  // CPU phases: the thread's CPU time in the interval (< wall when preempted)
};

struct CoreSample {
    std::int64_t timeNs = 0;  // end of the sampled interval
    std::int32_t core = 0;
    float totalPct = 0;       // everyone's use of that core
    float runPct = 0;         // this run's share (its threads and children)
};

struct LagSample {
    std::int64_t timeNs = 0;
    float lagMs = 0;          // how late the event loop's heartbeat fired
};

// Every task is handed to its model when the run starts (time 0): it is queued from 0 until
// startNs.
struct TaskRecord {
    int id = 0;
    int lane = -1;
    TaskStatus status = TaskStatus::Pending;
    std::int64_t startNs = -1;  // first phase start
    std::int64_t endNs = -1;    // last phase end
};

struct Summary {
    double makespanS = 0;
    double cpuTimeS = 0;       // this run's CPU time, children's included
    double meanBusyCores = 0;  // cpuTimeS / makespanS
    double cpuWorkS = 0;       // CPU time spent in CPU phases (thread CPU clocks, not wall time)
    double longestTaskS = 0;   // longest task's own work (CPU + waits, no queueing)
    double meanLatencyS = 0;   // mean over finished tasks of end - 0 (all queued at the start): what a caller waits
    double maxLatencyS = 0;
    double boundS = 0;         // physical lower bound: max(cpuWork / cores, longest task)
    int cores = 0;
    double gilWaitS = 0;
    double spawnS = 0;
    double ipcS = 0;
    double ioWaitS = 0;
    double maxLoopLagMs = 0;
    std::uint64_t gilSwitches = 0;
    int tasksDone = 0;
    int tasksFailed = 0;
    int tasksNotRun = 0;
    // Against a sequential baseline, when one was run (0 otherwise).
    double speedup = 0;
    double efficiency = 0;
    // The counter workload: time blocked on its mutex; steps done (the value a correct
    // count reaches), the value reached, and the difference (updates lost to the race).
    double lockWaitS = 0;
    std::int64_t counterExpected = 0;
    std::int64_t counterFinal = 0;
    std::int64_t lostUpdates = 0;
};

enum class RunStatus : std::uint8_t { Running, Completed, Cancelled, Failed };
std::string_view toString(RunStatus s);

// A consistent copy of a run, live or finished. Everything the CLI and the GUI show comes
// from one of these.
struct RunSnapshot {
    RunConfig config;
    RunStatus status = RunStatus::Running;
    std::int64_t elapsedNs = 0;
    int lanes = 0;
    std::vector<PhaseRecord> phases;   // grouped by lane, in recording order within a lane
    std::vector<TaskRecord> tasks;
    std::vector<CoreSample> coreSamples;
    std::vector<LagSample> lagSamples;
    std::vector<std::string> errors;   // worker crashes and the like, one sentence each
    Summary summary;                   // final figures once the run has ended
    bool runShareMeasured = false;     // whether CoreSample::runPct is measured on this OS
    std::string machine;               // CPU model, cores, OS
    RecordInfo record;                 // a recorded program (concurrency-explorer record), else inactive
};

// Where a consumer of live snapshots stands in one run: what it has been given so far, so
// that the next snapshot carries only what is new (Run::snapshotSince). Start with a
// default-constructed cursor; a cursor of another run starts over.
struct SnapshotCursor {
    std::uint64_t source = 0;                 // which run (0: none yet)
    std::vector<std::size_t> lanePhases;      // per lane: how many of its phases were given
    std::vector<std::uint32_t> statusBlocks;  // per block of tasks: the status version given
    std::vector<TaskStatus> statuses;         // per task: the status given
    std::vector<std::int32_t> recheck;        // finished tasks given as running: their phases were held back
    std::size_t lagSamples = 0;
    std::size_t coreSamples = 0;
    std::size_t errors = 0;
    bool final = false;                       // the run's end (summary, final status) was given
};

// What is new in a run since a cursor. Applied in order to one copy (applyDelta), deltas
// rebuild the run: their phases, concatenated and grouped by lane, are the full snapshot's.
// Each delta keeps the full snapshot's guarantee: a task given as finished has all its
// phases given, and no task given as pending has any.
struct RunDelta {
    bool restart = false;      // replace the copy by `head` (the first delta of a run)
    RunSnapshot head;          // config, status, elapsedNs, lanes, summary, machine...: replaced
                               // every time; its vectors are empty unless `restart`
    int taskCount = 0;         // the copy's tasks are [0, taskCount)
    std::vector<PhaseRecord> phases;                          // new, grouped by lane
    std::vector<std::pair<std::int32_t, TaskStatus>> statuses; // tasks whose status changed
    std::vector<CoreSample> coreSamples;                      // new
    std::vector<LagSample> lagSamples;                        // new
    std::vector<std::string> errors;                          // new
};

// Brings `copy` up to date with `delta`: linear in the delta's size, not the run's.
void applyDelta(RunSnapshot& copy, const RunDelta& delta);

// Widens each phase's task to cover it: lane, earliest start, latest end. Phases whose task
// is outside `tasks` are skipped (a late phase of a task the copy does not know yet).
void widenTasks(std::vector<TaskRecord>& tasks, const std::vector<PhaseRecord>& phases);

// The snapshot's fields but none of its vectors (phases, tasks, samples, errors).
RunSnapshot headOf(const RunSnapshot& snapshot);

// A delta that carries a whole snapshot (for sources that keep no cursor).
RunDelta wholeDelta(RunSnapshot snapshot);

} // namespace ce
