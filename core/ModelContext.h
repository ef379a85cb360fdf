#pragma once

#include "CancelToken.h"
#include "CoreSampler.h"
#include "Gil.h"
#include "Recorder.h"
#include "SharedCounter.h"
#include "ce/RunConfig.h"
#include "TaskPlan.h"
#include "TaskRunner.h"
#include "Waits.h"

#include <atomic>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace ce {

// What every model gets from the engine for one run.
struct ModelContext {
    const RunConfig& config;
    WorkSizes sizes;
    WaitEnv env;
    Recorder& recorder;
    CancelToken& cancel;
    CoreSampler& sampler;
    Gil* gil = nullptr; // the parent process's lock, when --gil
    std::atomic<bool>* failed = nullptr; // set by fail(): the run ends as failed, not cancelled
    SharedCounter* counter = nullptr;    // the counter workload's shared value
};

// Ends the run because something it needs was refused (a thread, a process): records why,
// marks the run failed and cancels the rest. Whatever was recorded is kept.
void fail(ModelContext& ctx, std::string why);

// Starts a thread for the run, or fails the run with a clear message if the OS refuses.
// The thread counts as the run's (its CPU time and cores) while the body runs.
template <typename F>
bool startThread(ModelContext& ctx, std::vector<std::thread>& threads, const char* what, F&& body)
{
    try {
        // No exception leaves a run's thread (std::terminate would end the program): the run
        // fails with the reason, and what was recorded is kept.
        threads.emplace_back([&ctx, what, body = std::forward<F>(body)]() mutable {
            RunThreadScope scope(ctx.sampler);
            try {
                body();
            } catch (const std::exception& e) {
                try {
                    fail(ctx, std::string(what) + " stopped: " + e.what());
                } catch (...) {
                    ctx.cancel.cancel();
                }
            }
        });
        return true;
    } catch (const std::system_error& e) {
        fail(ctx, std::string("the system refused to start ") + what + " (" + e.what() + ") after "
                      + std::to_string(threads.size()) + " had started: lower --workers or --tasks");
        return false;
    }
}

// The TaskRunner settings for a thread of this run (its os id is the calling thread's).
TaskRunner::Context runnerContext(const ModelContext& ctx);

// How many lanes (workers drawn as rows) a model uses for a config.
int laneCount(const RunConfig& config);
// The event loop's lanes for tasks in flight; under the GIL one more lane follows them, the
// loop thread's own (its waits for the lock between callbacks).
int eventLoopTaskLanes(const RunConfig& config);

} // namespace ce
