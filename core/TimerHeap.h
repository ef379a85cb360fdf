#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <vector>

namespace ce {

// Timers of one event loop: a binary min-heap on (deadline, insertion order) with a handle per
// timer, so that adding, cancelling and taking the earliest are O(log n) and equal deadlines
// expire in the order they were added (as asyncio's heap of TimerHandles does with its
// sequence). One QTimer per wait instead costs Qt's sorted list an O(n) insertion each, which
// made 100,000 sleeps quadratic. A timer due no earlier than the last one queued (a million
// sleeps of one length, started one after another) goes to a sorted FIFO instead: O(1) in and
// out, no cache-missing sift through a deep heap. Not thread-safe: the loop's thread alone
// uses it.
template <typename Payload>
class TimerHeap {
public:
    using Handle = std::uint32_t;
    static constexpr Handle kNone = std::numeric_limits<Handle>::max();

    struct Expired {
        Handle handle;
        std::int64_t deadlineNs;
        Payload payload;
    };

    bool empty() const { return m_live == 0; }
    std::size_t size() const { return m_live; }

    void reserve(std::size_t n)
    {
        m_heap.reserve(n);
        m_slots.reserve(n);
    }

    Handle add(std::int64_t deadlineNs, Payload payload)
    {
        Handle h;
        if (m_freeSlot != kNone) {
            h = m_freeSlot;
            m_freeSlot = m_slots[h].nextFree;
        } else {
            h = static_cast<Handle>(m_slots.size());
            m_slots.push_back({});
        }
        const Node node{deadlineNs, m_nextSeq++, h};
        ++m_live;
        if (m_fifo.empty() || m_fifo.back().deadlineNs <= deadlineNs) {
            m_slots[h] = Slot{kInFifo, kNone, std::move(payload), node.seq};
            m_fifo.push_back(node);
            return h;
        }
        m_slots[h] = Slot{static_cast<std::uint32_t>(m_heap.size()), kNone, std::move(payload), node.seq};
        m_heap.push_back(node);
        up(m_heap.size() - 1);
        return h;
    }

    // False when the handle is not (or no longer) a pending timer.
    bool cancel(Handle h)
    {
        if (!pending(h))
            return false;
        if (m_slots[h].pos == kInFifo) {
            release(h); // its node stays queued, dead: skipped when it reaches the front
            dropDeadFront();
            return true;
        }
        removeAt(m_slots[h].pos);
        release(h);
        return true;
    }

    bool pending(Handle h) const { return h < m_slots.size() && m_slots[h].pos != kNone; }

    // The earliest deadline, or nothing when no timer is pending.
    std::optional<std::int64_t> nextDeadline() const
    {
        const Node* n = earliest();
        if (!n)
            return std::nullopt;
        return n->deadlineNs;
    }

    // Removes and returns the earliest timer if its deadline is at or before `nowNs`.
    std::optional<Expired> popExpired(std::int64_t nowNs)
    {
        const Node* n = earliest();
        if (!n || n->deadlineNs > nowNs)
            return std::nullopt;
        const Node top = *n;
        Expired e{top.handle, top.deadlineNs, std::move(m_slots[top.handle].payload)};
        if (m_slots[top.handle].pos == kInFifo) {
            m_fifo.pop_front();
            release(top.handle);
            dropDeadFront();
        } else {
            removeAt(0);
            release(top.handle);
        }
        return e;
    }

private:
    struct Node {
        std::int64_t deadlineNs;
        std::uint64_t seq;
        Handle handle;
    };
    static constexpr std::uint32_t kInFifo = kNone - 1;
    struct Slot {
        std::uint32_t pos = kNone; // index in m_heap, kInFifo, or kNone when free
        Handle nextFree = kNone;
        Payload payload{};
        std::uint64_t seq = 0;     // the live node's: a FIFO node of a reused slot is dead
    };

    bool liveInFifo(const Node& n) const { return m_slots[n.handle].pos == kInFifo && m_slots[n.handle].seq == n.seq; }

    void dropDeadFront()
    {
        while (!m_fifo.empty() && !liveInFifo(m_fifo.front()))
            m_fifo.pop_front();
    }

    // The earlier of the heap's top and the FIFO's front (whose front is always live).
    const Node* earliest() const
    {
        const Node* h = m_heap.empty() ? nullptr : &m_heap.front();
        const Node* f = m_fifo.empty() ? nullptr : &m_fifo.front();
        if (!h)
            return f;
        if (!f)
            return h;
        return before(*f, *h) ? f : h;
    }

    static bool before(const Node& a, const Node& b)
    {
        return a.deadlineNs != b.deadlineNs ? a.deadlineNs < b.deadlineNs : a.seq < b.seq;
    }

    void place(std::size_t i, const Node& n)
    {
        m_heap[i] = n;
        m_slots[n.handle].pos = static_cast<std::uint32_t>(i);
    }

    void up(std::size_t i)
    {
        const Node n = m_heap[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!before(n, m_heap[parent]))
                break;
            place(i, m_heap[parent]);
            i = parent;
        }
        place(i, n);
    }

    void down(std::size_t i)
    {
        const Node n = m_heap[i];
        const std::size_t count = m_heap.size();
        for (;;) {
            std::size_t child = 2 * i + 1;
            if (child >= count)
                break;
            if (child + 1 < count && before(m_heap[child + 1], m_heap[child]))
                ++child;
            if (!before(m_heap[child], n))
                break;
            place(i, m_heap[child]);
            i = child;
        }
        place(i, n);
    }

    void removeAt(std::size_t i)
    {
        const std::size_t last = m_heap.size() - 1;
        if (i != last) {
            const Node moved = m_heap[last];
            m_heap.pop_back();
            place(i, moved);
            if (i > 0 && before(moved, m_heap[(i - 1) / 2]))
                up(i);
            else
                down(i);
        } else {
            m_heap.pop_back();
        }
    }

    void release(Handle h)
    {
        --m_live;
        m_slots[h].pos = kNone;
        m_slots[h].seq = ~std::uint64_t(0);
        m_slots[h].payload = Payload{};
        m_slots[h].nextFree = m_freeSlot;
        m_freeSlot = h;
    }

    std::vector<Node> m_heap;
    std::deque<Node> m_fifo; // sorted by (deadline, seq) by construction
    std::vector<Slot> m_slots;
    Handle m_freeSlot = kNone;
    std::uint64_t m_nextSeq = 0;
    std::size_t m_live = 0;
};

} // namespace ce
