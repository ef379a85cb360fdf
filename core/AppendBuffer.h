#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace ce {

// An append-only buffer with one writer and any number of concurrent readers, lock-free on
// both sides. Storage is a list of chunks of doubling size (16, 32, 64, ...), so the
// writer never moves an element a reader may be copying; the writer publishes each element
// by a release store of the count, and a reader copies [0, count) after an acquire load.
//
// Chunks come from a process-wide pool: a buffer that ends gives its chunks back, and
// prefault() fills the pool before a run's clock starts, so a worker's push does not pay
// for fresh memory (allocation and first-touch page faults) while it is being measured.
template <typename T>
class AppendBuffer {
    // Small first chunk: an event loop with 1,000,000 sleeps in flight has 1,000,000 lanes of
    // a phase or two each (a first chunk of 16 and 40 chunk pointers cost 1.1 GB there);
    // doubling keeps long lanes to a few dozen chunks. 32 chunks hold 4 * (2^32 - 1) elements.
    static constexpr std::size_t kFirstChunk = 4;
    static constexpr std::size_t kMaxChunks = 32;

public:
    AppendBuffer() = default;
    ~AppendBuffer()
    {
        for (std::size_t k = 0; k < kMaxChunks; ++k) {
            if (T* c = m_chunks[k].load(std::memory_order_relaxed))
                giveChunk(k, c);
        }
    }

    // Puts into the pool, allocated and touched, the chunks `buffers` buffers need for their
    // first `elements` elements each (within the pool's cap).
    static void prefault(std::size_t buffers, std::size_t elements)
    {
        Pool& p = pool();
        for (std::size_t k = 0; k < kMaxChunks && kFirstChunk * ((std::size_t(1) << k) - 1) < elements; ++k) {
            const std::size_t bytes = chunkBytes(k);
            for (std::size_t b = 0; b < buffers; ++b) {
                {
                    std::lock_guard lock(p.mutex);
                    if (p.free[k].size() >= buffers || p.bytes + bytes > kPoolBytes)
                        break;
                    p.bytes += bytes;
                }
                T* c = new T[kFirstChunk << k](); // value-initialised: every page touched now
                std::lock_guard lock(p.mutex);
                p.free[k].push_back(c);
            }
        }
    }
    AppendBuffer(const AppendBuffer&) = delete;
    AppendBuffer& operator=(const AppendBuffer&) = delete;

    // Writer only.
    void push(const T& value)
    {
        const std::size_t i = m_count.load(std::memory_order_relaxed);
        const auto [chunk, offset] = locate(i);
        T* storage = m_chunks[chunk].load(std::memory_order_relaxed);
        if (!storage) {
            storage = takeChunk(chunk);
            m_chunks[chunk].store(storage, std::memory_order_release);
        }
        storage[offset] = value;
        m_count.store(i + 1, std::memory_order_release);
    }

    std::size_t size() const { return m_count.load(std::memory_order_acquire); }

    // Any thread: appends the elements [from, size()) to `out`; returns the new size.
    std::size_t copyTo(std::vector<T>& out, std::size_t from = 0) const { return copyRange(out, from, size()); }

    // Any thread: appends the elements [from, to) to `out`, `to` being a size() read before.
    // Grows `out` geometrically: a caller appending many buffers one after another (a snapshot
    // of 100,000 lanes) must not reallocate the whole vector once per buffer.
    std::size_t copyRange(std::vector<T>& out, std::size_t from, std::size_t to) const
    {
        if (to > from && out.capacity() < out.size() + (to - from))
            out.reserve(std::max(out.size() + (to - from), out.capacity() * 2));
        std::size_t i = from;
        while (i < to) {
            const auto [chunk, offset] = locate(i);
            const T* storage = m_chunks[chunk].load(std::memory_order_acquire);
            const std::size_t chunkSize = kFirstChunk << chunk;
            const std::size_t take = std::min(chunkSize - offset, to - i);
            out.insert(out.end(), storage + offset, storage + offset + take);
            i += take;
        }
        return to;
    }

    // Any thread: the element at `i` < a size() read before.
    const T& at(std::size_t i) const
    {
        const auto [chunk, offset] = locate(i);
        return m_chunks[chunk].load(std::memory_order_acquire)[offset];
    }

private:
    // Chunks kept for reuse, by chunk index, up to kPoolBytes in all.
    static constexpr std::size_t kPoolBytes = std::size_t(64) << 20;
    struct Pool {
        std::mutex mutex;
        std::array<std::vector<T*>, kMaxChunks> free;
        std::size_t bytes = 0;
    };
    static Pool& pool()
    {
        // Never destroyed: a buffer that outlives static destruction still has somewhere to
        // give its chunks back (what it holds stays reachable, not leaked).
        static Pool* p = new Pool;
        return *p;
    }
    static std::size_t chunkBytes(std::size_t chunk) { return (kFirstChunk << chunk) * sizeof(T); }
    static T* takeChunk(std::size_t chunk)
    {
        Pool& p = pool();
        {
            std::lock_guard lock(p.mutex);
            if (!p.free[chunk].empty()) {
                T* c = p.free[chunk].back();
                p.free[chunk].pop_back();
                p.bytes -= chunkBytes(chunk);
                return c;
            }
        }
        return new T[kFirstChunk << chunk];
    }
    static void giveChunk(std::size_t chunk, T* c)
    {
        Pool& p = pool();
        {
            std::lock_guard lock(p.mutex);
            if (p.bytes + chunkBytes(chunk) <= kPoolBytes) {
                p.free[chunk].push_back(c);
                p.bytes += chunkBytes(chunk);
                return;
            }
        }
        delete[] c;
    }

    static std::pair<std::size_t, std::size_t> locate(std::size_t i)
    {
        // chunk k holds indices [kFirstChunk*(2^k - 1), kFirstChunk*(2^(k+1) - 1)).
        const std::size_t q = i / kFirstChunk + 1;
        const std::size_t chunk = static_cast<std::size_t>(std::bit_width(q) - 1);
        const std::size_t start = kFirstChunk * ((std::size_t(1) << chunk) - 1);
        return {chunk, i - start};
    }

    std::array<std::atomic<T*>, kMaxChunks> m_chunks{};
    std::atomic<std::size_t> m_count{0};
};

} // namespace ce
