#include "Kernels.h"

#include "platform/Platform.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

namespace ce {
namespace {

// Keeps a value live without letting the optimiser fold the loop away.
template <typename T>
inline void keep(T& v)
{
#if defined(__GNUC__) || defined(__clang__)
    asm volatile("" : "+r"(v));
#else
    static volatile T sink;
    sink = v;
#endif
}

// The kernels take `poll`, called about every 0.1 us of work (see EvalBreaker).
template <typename Poll>
std::uint64_t spinUnits(std::uint64_t units, const Poll& poll)
{
    std::uint64_t counter = 0;
    for (std::uint64_t u = 0; u < units; ++u) {
        for (int part = 0; part < 4; ++part) {
            for (int i = 0; i < 250; ++i) {
                ++counter;
                keep(counter);
            }
            poll();
        }
    }
    return counter;
}

template <typename Poll>
std::uint64_t sumSqUnits(std::uint64_t first, std::uint64_t units, const Poll& poll)
{
    std::uint64_t total = 0;
    for (std::uint64_t u = first; u < first + units; ++u) {
        const std::uint64_t base = (u % 1000000) * 1000;
        for (std::uint64_t part = base; part < base + 1000; part += 200) {
            for (std::uint64_t i = part; i < part + 200; ++i) {
                total += i * i;
                keep(total);
            }
            poll();
        }
    }
    return total;
}

bool isPrime(std::uint32_t n)
{
    if (n < 2)
        return false;
    if (n % 2 == 0)
        return n == 2;
    for (std::uint32_t d = 3; d * d <= n; d += 2) {
        if (n % d == 0)
            return false;
    }
    return true;
}

// One unit tests 16 candidates from a window that wraps, so every unit costs about the same.
template <typename Poll>
std::uint64_t primeUnits(std::uint64_t first, std::uint64_t units, const Poll& poll)
{
    std::uint64_t count = 0;
    for (std::uint64_t u = first; u < first + units; ++u) {
        const auto base = static_cast<std::uint32_t>(100000 + (u % 4096) * 16);
        for (std::uint32_t n = base; n < base + 16; n += 2) {
            count += isPrime(n) ? 1 : 0;
            count += isPrime(n + 1) ? 1 : 0;
            poll();
        }
    }
    return count;
}

constexpr int kMandelSize = 64;
constexpr int kMandelIter = 64;

// One unit renders one row of a 64x64 view of the set; rows cycle.
template <typename Poll>
std::uint64_t mandelbrotUnits(std::uint64_t first, std::uint64_t units, const Poll& poll)
{
    std::uint64_t inside = 0;
    for (std::uint64_t u = first; u < first + units; ++u) {
        const int row = static_cast<int>(u % kMandelSize);
        const double ci = -1.2 + 2.4 * row / kMandelSize;
        for (int col = 0; col < kMandelSize; ++col) {
            const double cr = -2.1 + 2.8 * col / kMandelSize;
            double zr = 0, zi = 0;
            int it = 0;
            while (it < kMandelIter && zr * zr + zi * zi <= 4.0) {
                const double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                ++it;
            }
            inside += (it == kMandelIter) ? 1 : 0;
            if (col & 1)
                poll();
        }
    }
    return inside;
}

constexpr std::array<std::uint32_t, 64> kSha256K{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::array<std::uint32_t, 8> kSha256Init{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void sha256Block(std::array<std::uint32_t, 8>& h, const unsigned char* block)
{
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = (std::uint32_t(block[4 * i]) << 24) | (std::uint32_t(block[4 * i + 1]) << 16)
             | (std::uint32_t(block[4 * i + 2]) << 8) | std::uint32_t(block[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
        const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
        const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const std::uint32_t ch = (e & f) ^ (~e & g);
        const std::uint32_t t1 = hh + s1 + ch + kSha256K[i] + w[i];
        const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        const std::uint32_t t2 = s0 + maj;
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

// One unit hashes 64 bytes (one compression) of a 4 KiB buffer that the state feeds back into.
template <typename Poll>
std::uint64_t sha256Units(std::uint64_t first, std::uint64_t units, const Poll& poll)
{
    std::array<std::uint32_t, 8> h = kSha256Init;
    unsigned char block[64];
    for (int i = 0; i < 64; ++i)
        block[i] = static_cast<unsigned char>((first + i) & 0xff);
    for (std::uint64_t u = 0; u < units; ++u) {
        sha256Block(h, block); // about 0.3 us: one poll each
        poll();
        std::memcpy(block, h.data(), 32);
    }
    return (std::uint64_t(h[0]) << 32) | h[1];
}

const std::array<KernelInfo, 5> kInfos{{
    {Kernel::Spin, "1000 increments"},
    {Kernel::SumSq, "1000 terms of sum(i*i)"},
    {Kernel::Primes, "16 trial-division primality tests near 10^5"},
    {Kernel::Mandelbrot, "one 64-pixel row, at most 64 iterations a pixel"},
    {Kernel::Sha256, "one 64-byte SHA-256 compression"},
}};

std::array<std::atomic<double>, 5> g_rates{};
std::array<std::once_flag, 5> g_calibrated;

double measureRate(Kernel k)
{
    // On the thread's CPU clock, not the wall clock: --task-ms is CPU time on one core, and a
    // busy machine (other processes preempting this thread) must not shrink the work.
    // Grow the batch until one run takes >= 2 ms, then keep the best of five 4 ms runs.
    std::uint64_t batch = 16;
    for (;;) {
        const auto t0 = platform::threadCpuNs();
        runKernel(k, 0, batch);
        const auto dt = platform::threadCpuNs() - t0;
        if (dt >= 2000000 || batch > (1ull << 36))
            break;
        batch *= 2;
    }
    double best = 0.0;
    for (int i = 0; i < 5; ++i) {
        const auto t0 = platform::threadCpuNs();
        std::uint64_t done = 0;
        while (platform::threadCpuNs() - t0 < 4000000) {
            runKernel(k, done, batch);
            done += batch;
        }
        const double ms = double(platform::threadCpuNs() - t0) / 1e6;
        best = std::max(best, double(done) / ms);
    }
    return best;
}

} // namespace

const KernelInfo& kernelInfo(Kernel k) { return kInfos[static_cast<std::size_t>(k)]; }

namespace {
template <typename Poll>
std::uint64_t run(Kernel k, std::uint64_t firstUnit, std::uint64_t units, const Poll& poll)
{
    switch (k) {
    case Kernel::Spin: return spinUnits(units, poll);
    case Kernel::SumSq: return sumSqUnits(firstUnit, units, poll);
    case Kernel::Primes: return primeUnits(firstUnit, units, poll);
    case Kernel::Mandelbrot: return mandelbrotUnits(firstUnit, units, poll);
    case Kernel::Sha256: return sha256Units(firstUnit, units, poll);
    }
    return 0;
}
} // namespace

std::uint64_t runKernel(Kernel k, std::uint64_t firstUnit, std::uint64_t units, const EvalBreaker* breaker)
{
    // One code path with and without a breaker (then one that is never set): a kernel
    // compiled without the polls ran 1.7x faster per unit than with them, and the calibration
    // (no breaker) must size the work that runs under the GIL (a breaker).
    static const std::atomic<bool> kNever{false};
    static const EvalBreaker kNone{&kNever, [](void*) {}, nullptr};
    const EvalBreaker& b = breaker ? *breaker : kNone;
    return run(k, firstUnit, units, [&b] { b.poll(); });
}

double unitsPerMs(Kernel k)
{
    const auto i = static_cast<std::size_t>(k);
    std::call_once(g_calibrated[i], [&] { g_rates[i].store(measureRate(k)); });
    return g_rates[i].load();
}

std::uint64_t unitsForMs(Kernel k, double ms)
{
    if (ms <= 0.0)
        return 0;
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(unitsPerMs(k) * ms)));
}

void sha256(const unsigned char* data, std::uint64_t size, unsigned char out[32])
{
    std::array<std::uint32_t, 8> h = kSha256Init;
    std::uint64_t off = 0;
    for (; off + 64 <= size; off += 64)
        sha256Block(h, data + off);
    unsigned char tail[128] = {};
    const std::uint64_t rest = size - off;
    std::memcpy(tail, data + off, rest);
    tail[rest] = 0x80;
    const std::uint64_t blocks = (rest + 9 > 64) ? 2 : 1;
    const std::uint64_t bits = size * 8;
    for (int i = 0; i < 8; ++i)
        tail[blocks * 64 - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
    for (std::uint64_t b = 0; b < blocks; ++b)
        sha256Block(h, tail + 64 * b);
    for (int i = 0; i < 8; ++i) {
        out[4 * i] = static_cast<unsigned char>(h[i] >> 24);
        out[4 * i + 1] = static_cast<unsigned char>(h[i] >> 16);
        out[4 * i + 2] = static_cast<unsigned char>(h[i] >> 8);
        out[4 * i + 3] = static_cast<unsigned char>(h[i]);
    }
}

} // namespace ce
