#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <vector>

namespace ce {

// An append-only buffer with one writer and any number of concurrent readers, lock-free on
// both sides. Storage is a list of chunks of doubling size (16, 32, 64, ...), so the
// writer never moves an element a reader may be copying; the writer publishes each element
// by a release store of the count, and a reader copies [0, count) after an acquire load.
template <typename T>
class AppendBuffer {
    // Small first chunk: an event loop with 10,000 tasks in flight has 10,000 lanes of a
    // phase or two each; doubling keeps long lanes to a few dozen chunks.
    static constexpr std::size_t kFirstChunk = 16;
    static constexpr std::size_t kMaxChunks = 40;

public:
    AppendBuffer() = default;
    ~AppendBuffer()
    {
        for (auto& c : m_chunks)
            delete[] c.load(std::memory_order_relaxed);
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
            storage = new T[kFirstChunk << chunk];
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
