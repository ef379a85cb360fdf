#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

namespace bench {

inline bool smoke(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--smoke") == 0)
            return true;
    }
    return false;
}

// Median of `reps` timings of f(), in seconds.
template <typename F>
double median(int reps, F f)
{
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

inline void row(const char* what, double engine, double raw, const char* unit, double scale)
{
    std::printf("%-46s %10.2f %10.2f %s   x%.1f\n", what, engine * scale, raw * scale, unit, raw > 0 ? engine / raw : 0.0);
}

} // namespace bench
