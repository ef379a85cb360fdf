// What ModelContext.h declares for every model: lanes per config, failing a run, a thread's
// TaskRunner settings.
#include "ModelContext.h"

#include "platform/Platform.h"

#include <algorithm>

namespace ce {

int laneCount(const RunConfig& c)
{
    switch (c.model) {
    case Model::Sequential: return 1;
    case Model::Threads: return c.spawnPerTask ? c.tasks : busyWorkers(c);
    case Model::Tbb: return c.workers;
    case Model::Processes: return busyWorkers(c);
    case Model::EventLoop: return eventLoopTaskLanes(c) + (c.gil ? 1 : 0);
    }
    return 1;
}

int eventLoopTaskLanes(const RunConfig& c)
{
    return busyWorkers(c);
}

void fail(ModelContext& ctx, std::string why)
{
    ctx.recorder.addError(std::move(why));
    if (ctx.failed)
        ctx.failed->store(true);
    ctx.cancel.cancel();
}

TaskRunner::Context runnerContext(const ModelContext& ctx)
{
    TaskRunner::Context rc;
    rc.kernel = ctx.config.kernel;
    rc.sizes = ctx.sizes;
    rc.env = &ctx.env;
    rc.gil = ctx.gil;
    rc.cancel = &ctx.cancel;
    rc.runStartNs = ctx.recorder.startNs();
    rc.osId = platform::currentThreadId();
    rc.counter = ctx.counter;
    rc.releasesGil = ctx.config.releasesGil;
    return rc;
}

} // namespace ce
