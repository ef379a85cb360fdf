// concurrency-explorer-worker: the processes model's worker program. It holds only the kernels,
// the task runner and the frame protocol (ce_worker_lib, no Qt), so it starts in a fraction of
// the time the whole application takes to load (tests/bench/bench_spawn.cpp measures both).
//   concurrency-explorer-worker [worker]   serve tasks on stdin/stdout until stdin closes
//   concurrency-explorer-worker forkserver fork workers on request (--start-method forkserver)
#include "ForkServer.h"
#include "WorkerProtocol.h"

#include <cstdio>
#include <cstring>

int main(int argc, char** argv)
{
    if (argc < 2 || std::strcmp(argv[1], "worker") == 0)
        return ce::runWorkerProcess();
    if (std::strcmp(argv[1], "forkserver") == 0)
        return ce::runForkServer();
    std::fprintf(stderr, "concurrency-explorer-worker: unknown mode '%s' (this program is started by concurrency-explorer)\n", argv[1]);
    return 2;
}
