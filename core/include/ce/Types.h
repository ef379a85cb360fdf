#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Plain enums and their names. No Qt here: this header is shared by the worker protocol,
// the platform counters and everything that records.
namespace ce {

enum class Model : std::uint8_t { Sequential, Threads, Tbb, Processes, EventLoop };
enum class WorkloadKind : std::uint8_t { Cpu, Io, Mixed, Convoy, Counter };
enum class Kernel : std::uint8_t { Spin, SumSq, Primes, Mandelbrot, Sha256 };
enum class IoKind : std::uint8_t { Sleep, File, Net };

// What a lane was doing during one recorded interval.
// The last four come from recording a real program (core/record): the OS's own view of a
// thread; there Cpu means "running on a core".
enum class State : std::uint8_t { Queued, Spawn, Ipc, Cpu, GilWait, IoWait, LockWait, Runnable, Sleeping, DiskWait, Stopped };
inline constexpr int kStateCount = 11;

// How the counter workload guards its shared value.
enum class LockKind : std::uint8_t { None, Mutex };
// How an event-loop task awaits its consecutive waits: one after another, or all at once.
enum class AwaitMode : std::uint8_t { Sequential, Gather };

enum class TaskStatus : std::uint8_t { Pending, Running, Done, Failed, Cancelled };

std::string_view toString(Model m);
std::string_view toString(WorkloadKind w);
std::string_view toString(Kernel k);
std::string_view toString(IoKind i);
std::string_view toString(State s);
std::string_view toString(TaskStatus s);
std::string_view toString(LockKind k);
std::string_view toString(AwaitMode a);

// Every name of the enum in declaration order, joined by `separator`: for help text and
// error messages, so that they list exactly what the parsers accept.
std::string modelNames(std::string_view separator = ", ");
std::string workloadNames(std::string_view separator = ", ");
std::string kernelNames(std::string_view separator = ", ");
std::string ioNames(std::string_view separator = ", ");

std::optional<Model> modelFromString(std::string_view s);
std::optional<WorkloadKind> workloadFromString(std::string_view s);
std::optional<Kernel> kernelFromString(std::string_view s);
std::optional<IoKind> ioFromString(std::string_view s);
std::optional<State> stateFromString(std::string_view s);
std::optional<LockKind> lockFromString(std::string_view s);
std::optional<AwaitMode> awaitFromString(std::string_view s);

// The names of an enum's values in declaration order: the one list that the parsers, --help,
// error messages, the option table's choices and the window's combo boxes all read.
template <typename E>
const std::vector<std::string_view>& namesOf();
template <> const std::vector<std::string_view>& namesOf<Model>();
template <> const std::vector<std::string_view>& namesOf<WorkloadKind>();
template <> const std::vector<std::string_view>& namesOf<Kernel>();
template <> const std::vector<std::string_view>& namesOf<IoKind>();
template <> const std::vector<std::string_view>& namesOf<LockKind>();
template <> const std::vector<std::string_view>& namesOf<AwaitMode>();

const std::vector<Model>& allModels();
const std::vector<Kernel>& allKernels();

} // namespace ce
