#include "ce/Types.h"

#include <array>

namespace ce {
namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view s)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == s)
            return static_cast<E>(i);
    }
    return std::nullopt;
}

template <std::size_t N>
std::string join(const std::array<std::string_view, N>& names, std::string_view separator)
{
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
        if (i > 0)
            out += separator;
        out += names[i];
    }
    return out;
}

constexpr std::array<std::string_view, 5> kModelNames{"sequential", "threads", "tbb", "processes", "eventloop"};
constexpr std::array<std::string_view, 5> kWorkloadNames{"cpu", "io", "mixed", "convoy", "counter"};
constexpr std::array<std::string_view, 5> kKernelNames{"spin", "sumsq", "primes", "mandelbrot", "sha256"};
constexpr std::array<std::string_view, 3> kIoNames{"sleep", "file", "net"};
constexpr std::array<std::string_view, kStateCount> kStateNames{"queued", "spawn", "ipc", "cpu", "gil-wait", "io-wait", "lock-wait", "runnable", "sleeping", "disk-wait", "stopped"};
constexpr std::array<std::string_view, 5> kStatusNames{"pending", "running", "done", "failed", "cancelled"};

constexpr std::array<std::string_view, 2> kLockNames{"none", "mutex"};
constexpr std::array<std::string_view, 2> kAwaitNames{"sequential", "gather"};

} // namespace

std::string_view toString(Model m) { return kModelNames[static_cast<std::size_t>(m)]; }
std::string_view toString(WorkloadKind w) { return kWorkloadNames[static_cast<std::size_t>(w)]; }
std::string_view toString(Kernel k) { return kKernelNames[static_cast<std::size_t>(k)]; }
std::string_view toString(IoKind i) { return kIoNames[static_cast<std::size_t>(i)]; }
std::string_view toString(State s) { return kStateNames[static_cast<std::size_t>(s)]; }
std::string_view toString(TaskStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }
std::string_view toString(LockKind k) { return kLockNames[static_cast<std::size_t>(k)]; }
std::string_view toString(AwaitMode a) { return kAwaitNames[static_cast<std::size_t>(a)]; }

std::string modelNames(std::string_view separator) { return join(kModelNames, separator); }
std::string workloadNames(std::string_view separator) { return join(kWorkloadNames, separator); }
std::string kernelNames(std::string_view separator) { return join(kKernelNames, separator); }
std::string ioNames(std::string_view separator) { return join(kIoNames, separator); }

std::optional<Model> modelFromString(std::string_view s) { return lookup<Model>(kModelNames, s); }
std::optional<WorkloadKind> workloadFromString(std::string_view s) { return lookup<WorkloadKind>(kWorkloadNames, s); }
std::optional<Kernel> kernelFromString(std::string_view s) { return lookup<Kernel>(kKernelNames, s); }
std::optional<IoKind> ioFromString(std::string_view s) { return lookup<IoKind>(kIoNames, s); }
std::optional<State> stateFromString(std::string_view s) { return lookup<State>(kStateNames, s); }
std::optional<LockKind> lockFromString(std::string_view s) { return lookup<LockKind>(kLockNames, s); }
std::optional<AwaitMode> awaitFromString(std::string_view s) { return lookup<AwaitMode>(kAwaitNames, s); }

namespace {
template <std::size_t N>
std::vector<std::string_view> asVector(const std::array<std::string_view, N>& names)
{
    return {names.begin(), names.end()};
}
} // namespace

template <> const std::vector<std::string_view>& namesOf<Model>() { static const auto v = asVector(kModelNames); return v; }
template <> const std::vector<std::string_view>& namesOf<WorkloadKind>() { static const auto v = asVector(kWorkloadNames); return v; }
template <> const std::vector<std::string_view>& namesOf<Kernel>() { static const auto v = asVector(kKernelNames); return v; }
template <> const std::vector<std::string_view>& namesOf<IoKind>() { static const auto v = asVector(kIoNames); return v; }
template <> const std::vector<std::string_view>& namesOf<LockKind>() { static const auto v = asVector(kLockNames); return v; }
template <> const std::vector<std::string_view>& namesOf<AwaitMode>() { static const auto v = asVector(kAwaitNames); return v; }

const std::vector<Model>& allModels()
{
    static const std::vector<Model> models{Model::Sequential, Model::Threads, Model::Tbb, Model::Processes, Model::EventLoop};
    return models;
}

const std::vector<Kernel>& allKernels()
{
    static const std::vector<Kernel> kernels{Kernel::Spin, Kernel::SumSq, Kernel::Primes, Kernel::Mandelbrot, Kernel::Sha256};
    return kernels;
}

} // namespace ce
