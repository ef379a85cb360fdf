// Linux: /proc/stat for the cores, /proc/<pid>/task/<tid>/{schedstat,stat} for threads.
#include "CpuCounters.h"
#include "Platform.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace ce::platform {

namespace {


class LinuxCounters final : public CpuCounters {
public:
    bool readCores(std::vector<CoreTicks>& out) override
    {
        m_stat.resize(1 << 16);
        std::size_t length = 0;
        if (!readSmallFile("/proc/stat", m_stat.data(), m_stat.size(), &length))
            return false;
        out.clear();
        const char* p = m_stat.data();
        while (*p) {
            const char* eol = std::strchr(p, '\n');
            if (!eol)
                eol = p + std::strlen(p);
            if (std::strncmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9') {
                char* q = nullptr;
                const long index = std::strtol(p + 3, &q, 10);
                unsigned long long v[8] = {};
                for (auto& x : v)
                    x = std::strtoull(q, &q, 10);
                // user nice system idle iowait irq softirq steal
                const std::uint64_t busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
                const std::uint64_t idle = v[3] + v[4];
                if (index >= 0 && static_cast<std::size_t>(index) >= out.size())
                    out.resize(static_cast<std::size_t>(index) + 1);
                if (index >= 0)
                    out[static_cast<std::size_t>(index)] = CoreTicks{busy, busy + idle};
            }
            p = *eol ? eol + 1 : eol;
        }
        return !out.empty();
    }

    bool readThreads(const std::vector<std::int64_t>& pids, std::vector<ThreadTime>& out) override
    {
        out.clear();
        char path[320];
        char buffer[1024];
        for (const std::int64_t pid : pids) {
            std::snprintf(path, sizeof path, "/proc/%lld/task", static_cast<long long>(pid));
            DIR* dir = ::opendir(path);
            if (!dir)
                continue; // the process has gone: nothing to attribute
            while (const dirent* entry = ::readdir(dir)) {
                if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
                    continue;
                ThreadTime t;
                t.tid = std::atoll(entry->d_name);
                std::size_t length = 0;
                std::snprintf(path, sizeof path, "/proc/%lld/task/%s/schedstat", static_cast<long long>(pid), entry->d_name);
                if (!readSmallFile(path, buffer, sizeof buffer, &length))
                    continue;
                t.cpuNs = std::atoll(buffer);
                std::snprintf(path, sizeof path, "/proc/%lld/task/%s/stat", static_cast<long long>(pid), entry->d_name);
                if (readSmallFile(path, buffer, sizeof buffer, &length))
                    t.core = statProcessor(buffer);
                out.push_back(t);
            }
            ::closedir(dir);
        }
        return true;
    }

    std::string machineDescription() override
    {
        std::string model = "unknown CPU";
        std::ifstream cpuinfo("/proc/cpuinfo");
        for (std::string line; std::getline(cpuinfo, line);) {
            if (line.rfind("model name", 0) == 0) {
                const auto colon = line.find(':');
                if (colon != std::string::npos)
                    model = line.substr(colon + 2);
                break;
            }
        }
        utsname u{};
        std::string os = "Linux";
        if (::uname(&u) == 0)
            os = std::string(u.sysname) + " " + u.release;
        std::ostringstream s;
        s << model << ", " << std::thread::hardware_concurrency() << " logical cores, " << os;
        return s.str();
    }

private:
    std::vector<char> m_stat;
};

} // namespace

std::unique_ptr<CpuCounters> CpuCounters::create() { return std::make_unique<LinuxCounters>(); }

} // namespace ce::platform
