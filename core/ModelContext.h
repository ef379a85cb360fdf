#pragma once

#include "CancelToken.h"
#include "CoreSampler.h"
#include "Gil.h"
#include "Recorder.h"
#include "RunConfig.h"
#include "TaskPlan.h"
#include "Waits.h"

#include <memory>

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
};

// How many lanes (workers drawn as rows) a model uses for a config.
int laneCount(const RunConfig& config);

void runSequential(ModelContext& ctx);
void runThreads(ModelContext& ctx);
void runTbb(ModelContext& ctx);
void runProcesses(ModelContext& ctx);
// Returns false with `error` set when no QCoreApplication exists.
bool runEventLoop(ModelContext& ctx, std::string* error);

} // namespace ce
