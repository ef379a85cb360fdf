// macOS: host_processor_info() gives per-core ticks. The OS does not say on which core a
// thread last ran, so a run's share is not split by core there.
#include "CpuCounters.h"

#include <mach/mach.h>
#include <mach/processor_info.h>
#include <sys/sysctl.h>
#include <sys/utsname.h>

#include <sstream>

namespace ce::platform {
namespace {

class MacCounters final : public CpuCounters {
public:
    bool readCores(std::vector<CoreTicks>& out) override
    {
        natural_t count = 0;
        processor_info_array_t info = nullptr;
        mach_msg_type_number_t infoCount = 0;
        if (host_processor_info(mach_host_self(), PROCESSOR_CPU_LOAD_INFO, &count, &info, &infoCount) != KERN_SUCCESS)
            return false;
        out.assign(count, CoreTicks{});
        const auto* load = reinterpret_cast<const processor_cpu_load_info_data_t*>(info);
        for (natural_t i = 0; i < count; ++i) {
            const auto& t = load[i].cpu_ticks;
            const std::uint64_t busy = std::uint64_t(t[CPU_STATE_USER]) + t[CPU_STATE_SYSTEM] + t[CPU_STATE_NICE];
            out[i] = CoreTicks{busy, busy + t[CPU_STATE_IDLE]};
        }
        vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(info), infoCount * sizeof(integer_t));
        return true;
    }

    std::string machineDescription() override
    {
        char brand[256] = "unknown CPU";
        size_t size = sizeof brand;
        sysctlbyname("machdep.cpu.brand_string", brand, &size, nullptr, 0);
        int cores = 0;
        size = sizeof cores;
        sysctlbyname("hw.logicalcpu", &cores, &size, nullptr, 0);
        utsname u{};
        uname(&u);
        std::ostringstream s;
        s << brand << ", " << cores << " logical cores, macOS (Darwin " << u.release << ")";
        return s.str();
    }
};

} // namespace

std::unique_ptr<CpuCounters> CpuCounters::create() { return std::make_unique<MacCounters>(); }

} // namespace ce::platform
