#include "ce/Engine.h"

#include "CoreSampler.h"
#include "LoopbackService.h"
#include "ModelContext.h"
#include "models/EventLoopModel.h"
#include "models/InProcessModels.h"
#include "models/ProcessModel.h"
#include "platform/Platform.h"

#include <QCoreApplication>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

namespace ce {

namespace {

Summary summarize(const RunSnapshot& s, std::int64_t cpuTimeNs, std::uint64_t gilSwitches)
{
    Summary sum;
    sum.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::int64_t lastEnd = 0;
    std::int64_t cpuNs = 0, gilNs = 0, spawnNs = 0, ipcNs = 0, ioNs = 0, lockNs = 0;
    // Per task: CPU + waits, no queueing or overheads (indexed by task: a map of a million
    // tasks cost more than the run's whole summary).
    std::vector<std::int64_t> ownWorkNs(s.tasks.size() + 1, 0);
    auto own = [&](int task) -> std::int64_t& {
        return ownWorkNs[task >= 0 && static_cast<std::size_t>(task) < s.tasks.size() ? static_cast<std::size_t>(task) : s.tasks.size()];
    };
    for (const auto& p : s.phases) {
        lastEnd = std::max(lastEnd, p.endNs);
        const std::int64_t d = std::max<std::int64_t>(0, p.endNs - p.startNs);
        switch (p.state) {
        case State::Cpu:
            cpuNs += p.cpuNs;
            if (p.task >= 0) // not the event loop's own callbacks: no task's work
                own(p.task) += p.cpuNs;
            break;
        case State::IoWait: ioNs += d; own(p.task) += d; break;
        case State::GilWait: gilNs += d; break;
        case State::Spawn: spawnNs += d; break;
        case State::Ipc: ipcNs += d; break;
        case State::Queued: break;
        case State::LockWait: lockNs += d; break;
        case State::Runnable: case State::Sleeping: case State::DiskWait: case State::Stopped: break; // recordings only
        }
    }
    std::int64_t longest = 0;
    for (const std::int64_t ns : ownWorkNs)
        longest = std::max(longest, ns);
    sum.makespanS = double(lastEnd) / 1e9;
    sum.cpuTimeS = double(std::max<std::int64_t>(0, cpuTimeNs)) / 1e9;
    sum.meanBusyCores = sum.makespanS > 0 ? sum.cpuTimeS / sum.makespanS : 0;
    sum.cpuWorkS = double(cpuNs) / 1e9;
    sum.longestTaskS = double(longest) / 1e9;
    sum.boundS = std::max(sum.cpuWorkS / sum.cores, sum.longestTaskS);
    sum.gilWaitS = double(gilNs) / 1e9;
    sum.spawnS = double(spawnNs) / 1e9;
    sum.ipcS = double(ipcNs) / 1e9;
    sum.ioWaitS = double(ioNs) / 1e9;
    sum.lockWaitS = double(lockNs) / 1e9;
    for (const auto& l : s.lagSamples)
        sum.maxLoopLagMs = std::max(sum.maxLoopLagMs, double(l.lagMs));
    sum.gilSwitches = gilSwitches;
    double latencySum = 0;
    for (const auto& t : s.tasks) {
        if (t.status == TaskStatus::Done && t.endNs >= 0) {
            const double latency = double(t.endNs) / 1e9; // every task was queued at the start
            latencySum += latency;
            sum.maxLatencyS = std::max(sum.maxLatencyS, latency);
        }
        if (t.status == TaskStatus::Done)
            ++sum.tasksDone;
        else if (t.status == TaskStatus::Failed)
            ++sum.tasksFailed;
        else
            ++sum.tasksNotRun;
    }
    sum.meanLatencyS = sum.tasksDone > 0 ? latencySum / sum.tasksDone : 0;
    return sum;
}

std::string makeTempDir(std::string* error)
{
    static std::atomic<int> counter{0};
    std::error_code ec;
    const auto dir = std::filesystem::temp_directory_path(ec)
        / ("concurrency-explorer-" + std::to_string(platform::currentProcessId()) + "-" + std::to_string(counter.fetch_add(1)));
    if (!ec)
        std::filesystem::create_directories(dir, ec);
    if (ec) {
        if (error)
            *error = "cannot create a temporary directory for file waits: " + ec.message();
        return {};
    }
    return dir.string();
}

} // namespace

void applyBaseline(Summary& summary, const RunConfig& config, double sequentialMakespanS)
{
    if (summary.makespanS <= 0 || sequentialMakespanS <= 0)
        return;
    summary.speedup = sequentialMakespanS / summary.makespanS;
    // Efficiency per worker the model used: 100% means every worker pulled its full weight
    // (for CPU work: a core each; for waits: one wait each, overlapped).
    int usable = 1;
    if (config.model == Model::EventLoop)
        usable = config.offload > 0 ? config.offload : busyWorkers(config);
    else if (config.model != Model::Sequential)
        usable = config.spawnPerTask && config.model == Model::Threads ? config.tasks : busyWorkers(config);
    if (config.model == Model::EventLoop && config.offload == 0 && config.awaitMode == AwaitMode::Gather)
        usable *= config.rounds; // each task has all its waits out at once
    summary.efficiency = summary.speedup / usable;
}

struct Run::Impl {
    // Tells one run's snapshot cursors from another's.
    static std::uint64_t nextId()
    {
        static std::atomic<std::uint64_t> counter{0};
        return ++counter;
    }
    const std::uint64_t id = nextId();
    RunConfig config;
    CancelToken cancel;
    std::thread thread;
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    std::mutex finishMutex;
    std::condition_variable finishCv;

    mutable std::mutex stateMutex; // guards the pointers below and `final`
    std::shared_ptr<Recorder> recorder;
    std::shared_ptr<CoreSampler> sampler;
    RunSnapshot final;

    void controller()
    {
        // Calibrate here, not on the caller's thread (the GUI's, in the window), and before
        // the clock starts: the first use of a kernel measures its speed.
        const WorkSizes sizes = computeWorkSizes(config);
        std::unique_ptr<Gil> gil;
        if (config.gil)
            gil = std::make_unique<Gil>(std::chrono::nanoseconds(static_cast<std::int64_t>(config.switchIntervalMs * 1e6)));
        Recorder::prefault(laneCount(config), config.tasks); // before the clock: recording pays no page faults
        const std::int64_t startNs = platform::monotonicNs();
        auto rec = std::make_shared<Recorder>(laneCount(config), config.tasks, startNs);
        auto smp = std::make_shared<CoreSampler>(startNs, std::chrono::microseconds(static_cast<std::int64_t>(config.sampleMs * 1000)));
        {
            std::lock_guard lock(stateMutex);
            recorder = rec;
            sampler = smp;
        }
        // This thread works for the run from here (it is the worker of sequential and the
        // event loop's thread); the caller's thread never does.
        auto self = std::make_unique<RunThreadScope>(*smp);
        RunStatus status = RunStatus::Completed;
        std::vector<std::string> setupErrors;
        LoopbackService service;
        WaitEnv env;
        env.io = config.io;
        env.netPayload = 64;
        env.fileBytes = std::max<std::uint64_t>(64 * 1024, config.payloadBytes);
        const bool needsWaits = config.workload != WorkloadKind::Cpu && config.workload != WorkloadKind::Counter;
        std::string error;
        if (needsWaits && config.io == IoKind::Net) {
            if (service.start(&error))
                env.port = service.port();
            else
                setupErrors.push_back(error);
        }
        if (needsWaits && config.io == IoKind::File) {
            env.tmpDir = makeTempDir(&error);
            if (env.tmpDir.empty())
                setupErrors.push_back(error);
        }

        smp->excludeThread(service.threadId());
        const std::int64_t children0 = platform::reapedChildrenCpuNs();
        smp->start();

        std::atomic<bool> failed{false};
        SharedCounter counter;
        counter.lock = config.lock;
        if (setupErrors.empty()) {
            ModelContext ctx{config, sizes, env, *rec, cancel, *smp, gil.get(), &failed};
            if (config.workload == WorkloadKind::Counter)
                ctx.counter = &counter;
            try {
                switch (config.model) {
                case Model::Sequential: runSequential(ctx); break;
                case Model::Threads: runThreads(ctx); break;
                case Model::Tbb: runTbb(ctx); break;
                case Model::Processes: runProcesses(ctx); break;
                case Model::EventLoop:
                    if (!runEventLoop(ctx, &error))
                        setupErrors.push_back(error);
                    break;
                }
            } catch (const std::exception& e) {
                // The models join what they started before an exception leaves them.
                fail(ctx, std::string("the run stopped: ") + e.what());
            }
        }
        self.reset();
        smp->stop();
        service.stop();
        // Only the run's own threads and its reaped children: not the caller's thread, not the
        // sampler or the service, not any other thread of this process.
        smp->settleRunThreads();
        const std::int64_t cpuNs = smp->runThreadsCpuNs() + (platform::reapedChildrenCpuNs() - children0);
        if (!env.tmpDir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(env.tmpDir, ec);
        }

        for (auto& e : setupErrors)
            rec->addError(e);
        if (!setupErrors.empty() || failed.load())
            status = RunStatus::Failed;
        else if (cancel.isCancelled())
            status = RunStatus::Cancelled;

        RunSnapshot s;
        s.config = config;
        rec->snapshotInto(s);
        smp->snapshotInto(s.coreSamples);
        s.runShareMeasured = smp->runShareMeasured();
        s.machine = smp->machineDescription();
        s.summary = summarize(s, cpuNs, gil ? gil->switchCount() : 0);
        if (config.workload == WorkloadKind::Counter) {
            s.summary.counterExpected = static_cast<std::int64_t>(counter.stepsDone.load());
            s.summary.counterFinal = static_cast<std::int64_t>(counter.value.load());
            s.summary.lostUpdates = s.summary.counterExpected - s.summary.counterFinal;
        }
        if (status == RunStatus::Completed && s.summary.tasksDone < config.tasks)
            status = RunStatus::Failed;
        s.status = status;
        s.elapsedNs = rec->nowNs();
        {
            std::lock_guard lock(stateMutex);
            final = std::move(s);
        }
        {
            std::lock_guard lock(finishMutex);
            finished.store(true);
        }
        finishCv.notify_all();
    }
};

std::string checkMachineLimits(const RunConfig& c, std::int64_t fileLimit, std::int64_t openFiles, std::uint64_t memoryBudget)
{
    const std::int64_t lanes = laneCount(c);
    if (fileLimit > 0) {
        // What the run opens on top of what is open now: both ends of every connection in
        // flight (the service lives in this process), a temporary file per file wait in
        // flight, two pipe ends per worker process, and a little for the sampler and the loop.
        std::int64_t inFlight = c.tasks;
        if (c.model == Model::Sequential)
            inFlight = 1;
        else if (c.model == Model::EventLoop)
            inFlight = busyWorkers(c);
        else if (!(c.model == Model::Threads && c.spawnPerTask))
            inFlight = busyWorkers(c);
        if (c.awaitMode == AwaitMode::Gather)
            inFlight *= c.rounds; // every gathered wait is a connection of its own
        const bool waits = c.workload != WorkloadKind::Cpu;
        std::int64_t extra = 16;
        if (waits && c.io == IoKind::Net)
            extra += 2 * inFlight + 1;
        if (waits && c.io == IoKind::File)
            extra += inFlight;
        if (c.model == Model::Processes)
            extra += 2 * lanes + 2;
        const std::int64_t needed = std::max<std::int64_t>(0, openFiles) + extra;
        if (needed > fileLimit) {
            const std::string what = waits && c.io == IoKind::Net ? std::to_string(inFlight) + " requests in flight"
                                   : waits && c.io == IoKind::File ? std::to_string(inFlight) + " file waits in flight"
                                                                   : "this run";
            return what + " need about " + std::to_string(needed) + " open files here (" + std::to_string(std::max<std::int64_t>(0, openFiles))
                 + " open already), and the limit is " + std::to_string(fileLimit) + ": lower --workers (or --tasks), or raise the limit (ulimit -n)";
        }
    }
    if (c.model == Model::Processes && c.payloadBytes > 0 && memoryBudget > 0) {
        // Each transfer holds about four copies of its payload at its peak: two in the
        // parent's lane (the data and its frame) and two in the worker.
        const double needed = 4.0 * static_cast<double>(c.payloadBytes) * static_cast<double>(lanes);
        if (needed > static_cast<double>(memoryBudget)) {
            auto mib = [](double b) { return std::to_string(static_cast<long long>(b / (1 << 20))); };
            return std::to_string(lanes) + " worker processes each moving " + mib(static_cast<double>(c.payloadBytes))
                 + " MiB at once need about " + mib(needed) + " MiB of memory, more than this run may use here ("
                 + mib(static_cast<double>(memoryBudget)) + " MiB: half the physical memory or of the address-space limit): lower --payload-bytes or --workers";
        }
    }
    return {};
}

Run::Run(RunConfig config) : d(std::make_unique<Impl>())
{
    d->config = withDefaults(std::move(config));
}

Run::~Run()
{
    cancel();
    if (d->thread.joinable())
        d->thread.join();
}

bool Run::start(std::string* error)
{
    if (d->started.exchange(true)) {
        if (error)
            *error = "this run has already been started";
        return false;
    }
    auto refuse = [&](const std::string& why) {
        if (error)
            *error = why;
        std::lock_guard lock(d->stateMutex);
        d->final.config = d->config;
        d->final.status = RunStatus::Failed;
        d->final.errors = {why};
        d->finished.store(true);
        return false;
    };
    const std::string problem = validate(d->config);
    if (!problem.empty())
        return refuse(problem);
    if (d->config.model == Model::EventLoop && !QCoreApplication::instance())
        return refuse("the eventloop model needs a QCoreApplication (create one in main())");
    const std::int64_t fileLimit = platform::raiseFileLimit();
    const std::string limitProblem = checkMachineLimits(d->config, fileLimit, platform::openFileCount(), platform::memoryBudgetBytes());
    if (!limitProblem.empty())
        return refuse(limitProblem);
    // Calibration, the recorder and the clock start on the controller thread: start()
    // returns at once (the window's thread must not compute).
    d->thread = std::thread([impl = d.get()] { impl->controller(); });
    return true;
}

void Run::cancel() { d->cancel.cancel(); }

bool Run::isFinished() const { return d->finished.load(); }

bool Run::waitFor(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(d->finishMutex);
    return d->finishCv.wait_for(lock, timeout, [this] { return d->finished.load(); });
}

RunSnapshot Run::snapshot() const
{
    std::shared_ptr<Recorder> rec;
    std::shared_ptr<CoreSampler> smp;
    {
        std::lock_guard lock(d->stateMutex);
        if (d->finished.load())
            return d->final;
        rec = d->recorder;
        smp = d->sampler;
    }
    RunSnapshot s;
    s.config = d->config;
    if (!rec)
        return s;
    rec->snapshotInto(s);
    smp->snapshotInto(s.coreSamples);
    s.runShareMeasured = smp->runShareMeasured();
    s.machine = smp->machineDescription();
    s.elapsedNs = rec->nowNs();
    s.status = RunStatus::Running;
    return s;
}

RunDelta Run::snapshotSince(SnapshotCursor& cursor) const
{
    std::shared_ptr<Recorder> rec;
    std::shared_ptr<CoreSampler> smp;
    bool finished = false;
    RunDelta delta;
    {
        std::lock_guard lock(d->stateMutex);
        // Read before the recorder: once finished, everything is recorded.
        finished = d->finished.load();
        rec = d->recorder;
        smp = d->sampler;
        if (finished)
            delta.head = headOf(d->final);
    }
    if (!rec) {
        // Refused, or not started yet: no recording to follow, the whole (small) snapshot.
        cursor = SnapshotCursor{};
        return wholeDelta(snapshot());
    }
    if (cursor.source != d->id) {
        cursor = SnapshotCursor{};
        cursor.source = d->id;
        delta.restart = true;
    }
    if (!finished) {
        delta.head.config = d->config;
        delta.head.status = RunStatus::Running;
        delta.head.runShareMeasured = smp->runShareMeasured();
        delta.head.machine = smp->machineDescription();
    }
    rec->deltaSince(cursor, delta);
    cursor.coreSamples = smp->appendSince(delta.coreSamples, cursor.coreSamples);
    if (!finished)
        delta.head.elapsedNs = rec->nowNs();
    cursor.final = finished;
    return delta;
}

int Run::tasksFinished() const
{
    std::lock_guard lock(d->stateMutex);
    return d->recorder ? d->recorder->tasksFinished() : 0;
}

const RunConfig& Run::config() const { return d->config; }

RunSnapshot runToEnd(const RunConfig& config, std::string* error)
{
    Run run(config);
    if (!run.start(error))
        return run.snapshot();
    while (!run.waitFor(std::chrono::milliseconds(100))) {
    }
    return run.snapshot();
}

} // namespace ce
