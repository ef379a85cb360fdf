// Windows: NtQuerySystemInformation(SystemProcessorPerformanceInformation) gives per-core
// idle, kernel (which includes idle) and user time. A thread's last core is not offered
// cheaply, so a run's share is not split by core there.
#include "CpuCounters.h"

#include <windows.h>
#include <winternl.h>

#include <sstream>

namespace ce::platform {
namespace {

struct ProcessorPerformance {
    LARGE_INTEGER idleTime;
    LARGE_INTEGER kernelTime;
    LARGE_INTEGER userTime;
    LARGE_INTEGER reserved1[2];
    ULONG reserved2;
};

using NtQuerySystemInformationFn = LONG(WINAPI*)(ULONG, PVOID, ULONG, PULONG);
constexpr ULONG kSystemProcessorPerformanceInformation = 8;

class WindowsCounters final : public CpuCounters {
public:
    WindowsCounters()
    {
        if (HMODULE ntdll = GetModuleHandleW(L"ntdll.dll"))
            m_query = reinterpret_cast<NtQuerySystemInformationFn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "NtQuerySystemInformation")));
    }

    bool readCores(std::vector<CoreTicks>& out) override
    {
        if (!m_query)
            return false;
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        std::vector<ProcessorPerformance> info(si.dwNumberOfProcessors);
        ULONG returned = 0;
        const ULONG bytes = static_cast<ULONG>(info.size() * sizeof(ProcessorPerformance));
        if (m_query(kSystemProcessorPerformanceInformation, info.data(), bytes, &returned) != 0)
            return false;
        out.assign(returned / sizeof(ProcessorPerformance), CoreTicks{});
        for (std::size_t i = 0; i < out.size(); ++i) {
            const auto idle = static_cast<std::uint64_t>(info[i].idleTime.QuadPart);
            const auto total = static_cast<std::uint64_t>(info[i].kernelTime.QuadPart + info[i].userTime.QuadPart);
            out[i] = CoreTicks{total - idle, total};
        }
        return true;
    }

    std::string machineDescription() override
    {
        char brand[256] = "unknown CPU";
        DWORD size = sizeof brand;
        RegGetValueA(HKEY_LOCAL_MACHINE, "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0", "ProcessorNameString",
                     RRF_RT_REG_SZ, nullptr, brand, &size);
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        std::ostringstream s;
        s << brand << ", " << si.dwNumberOfProcessors << " logical cores, Windows";
        return s.str();
    }

private:
    NtQuerySystemInformationFn m_query = nullptr;
};

} // namespace

std::unique_ptr<CpuCounters> CpuCounters::create() { return std::make_unique<WindowsCounters>(); }

} // namespace ce::platform
