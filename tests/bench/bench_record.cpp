// What recording a program costs: the sampler's own CPU time, as a share of one core, and the
// sampling rate it reached, against the number of threads it reads every sample (a helper
// program with 1, 16, 128 and 512 sleeping threads), at the default 5 ms and at 20 ms. Side
// by side in one run; the cost of one sample (reading every thread's stat and schedstat) is
// the figure that carries over to other machines.
#include "BenchUtil.h"
#include "ce/record/Recording.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

int main(int argc, char** argv)
{
    if (!ce::Recording::supported()) {
        std::puts("recording is Linux only");
        return 0;
    }
    const bool smoke = bench::smoke(argc, argv);
    const std::string helper = CE_RECORD_HELPER;
    const double seconds = smoke ? 0.3 : 3.0;
    std::printf("%-10s %-10s %12s %12s %14s %16s\n", "threads", "asked", "reached", "samples", "sampler CPU", "per sample");
    for (const int threads : smoke ? std::vector<int>{4} : std::vector<int>{1, 16, 128, 512}) {
        for (const double ms : {5.0, 20.0}) {
            ce::Recording rec;
            ce::Recording::Options o;
            o.command = {helper, "--threads", std::to_string(threads), "--seconds", std::to_string(seconds)};
            o.sampleMs = ms;
            std::string error;
            if (!rec.start(o, &error)) {
                std::fprintf(stderr, "%s\n", error.c_str());
                return 1;
            }
            while (!rec.waitFor(std::chrono::milliseconds(100))) {
            }
            const ce::RunSnapshot r = rec.snapshot();
            const double wall = r.summary.makespanS;
            std::printf("%-10d %7.1f ms %9.2f ms %12lld %11.2f %% %13.1f us\n", threads, ms, r.record.sampleMsMeasured,
                        static_cast<long long>(r.record.samples), wall > 0 ? 100.0 * r.record.samplerCpuS / wall : 0.0,
                        r.record.samples > 0 ? 1e6 * r.record.samplerCpuS / double(r.record.samples) : 0.0);
        }
    }
    std::puts("sampler CPU: the sampling thread's own CPU time over the recording's wall time (100 % = one core)");
    return 0;
}
