#pragma once

#include "ce/RunData.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ce {

struct ModelContext;

// The event loop's --offload-to processes: run_in_executor with a ProcessPoolExecutor. N
// worker processes (this program in worker mode, the processes model's protocol), each with
// its own interpreter lock, run the CPU parts sent to them; one thread of this process per
// worker sends a part and waits for its reply (the executor's call queue). Implemented in
// models/ProcessModel.cpp, the one file that includes Boost.Process.
class ProcessOffloadPool {
public:
    struct Result {
        bool ok = false;                  // the part ran to its end
        std::vector<PhaseRecord> phases;  // spawn, both sides of the transfer, the worker's CPU
        std::string error;                // when !ok and the run was not cancelled
    };

    // Workers start on first use, as the executor starts them when work arrives.
    ProcessOffloadPool(ModelContext& ctx, int workers);
    // Asks idle workers to leave (their input closes), reaps them, joins the threads.
    ~ProcessOffloadPool();
    ProcessOffloadPool(const ProcessOffloadPool&) = delete;
    ProcessOffloadPool& operator=(const ProcessOffloadPool&) = delete;

    // Queues one CPU part of `units` kernel units for `task` (recorded on `lane`); `done`
    // runs on a pool thread when it has finished or failed.
    void submit(int task, int lane, std::uint64_t units, std::function<void(Result)> done);
    // Kills the workers (only that unblocks a pipe read); queued parts end as failed.
    void cancel();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace ce
