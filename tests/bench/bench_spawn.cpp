// Spawn cost against the parent's size: Boost.Process with fork (its default) and with vfork
// (what the processes model uses), from a small parent and from one with 2 GiB touched.
#include "BenchUtil.h"

#include <utility>
#if !defined(_WIN32)
#define BOOST_POSIX_HAS_VFORK 1
#endif
#include <boost/process.hpp>
#if !defined(_WIN32)
#include <boost/process/posix.hpp>
#endif

#include <cstring>
#include <memory>

namespace bp = boost::process;

namespace {

double spawnSeconds(int n, bool vfork)
{
    return bench::median(3, [&] {
        for (int i = 0; i < n; ++i) {
            bp::opstream in;
            bp::ipstream out;
#if !defined(_WIN32)
            if (vfork) {
                bp::child c(bp::exe = CE_EXECUTABLE, bp::args = {"--version"}, bp::std_in < in, bp::std_out > out, bp::posix::use_vfork);
                c.wait();
                continue;
            }
#endif
            bp::child c(bp::exe = CE_EXECUTABLE, bp::args = {"--version"}, bp::std_in < in, bp::std_out > out);
            c.wait();
        }
    }) / n;
}

} // namespace

int main(int argc, char** argv)
{
    const bool smoke = bench::smoke(argc, argv);
    const int n = smoke ? 2 : 20;
    const std::size_t bigMiB = smoke ? 64 : 2048;
    std::printf("Spawn cost of this program (--version), per process, median of 3 runs of %d\n", n);
    const double forkSmall = spawnSeconds(n, false);
    const double vforkSmall = spawnSeconds(n, true);
    std::unique_ptr<char[]> big(new char[bigMiB << 20]);
    std::memset(big.get(), 1, bigMiB << 20); // touch it, so the page tables are really there
    const double forkBig = spawnSeconds(n, false);
    const double vforkBig = spawnSeconds(n, true);
    std::printf("%-30s %12s %12s %10s\n", "", "small parent", "big parent", "big/small");
    std::printf("%-30s %9.2f ms %9.2f ms %9.1fx\n", "fork (Boost default)", forkSmall * 1e3, forkBig * 1e3, forkBig / forkSmall);
    std::printf("%-30s %9.2f ms %9.2f ms %9.1fx\n", "vfork (processes model)", vforkSmall * 1e3, vforkBig * 1e3, vforkBig / vforkSmall);
    std::printf("big parent: %zu MiB touched; fork/vfork with the big parent: %.1fx\n", bigMiB, forkBig / vforkBig);
    return 0;
}
