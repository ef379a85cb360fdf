#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ce {

// An emulation of CPython's global interpreter lock, following the algorithm of
// Python/ceval_gil.c (the "new GIL" of CPython 3.2+ with FORCE_SWITCHING):
// - the lock is a flag guarded by a mutex, its changes signalled on a condition variable;
// - a thread that wants it waits on that condition for one switch interval at a time; if an
//   interval passes with no switch at all, it sets the drop request;
// - the holder polls the drop request at its slice boundaries (CPython: the eval breaker)
//   and, when set, drops the lock and then waits until some other thread has taken it, so
//   the requester really goes next instead of the holder grabbing it straight back.
// C++ has no interpreter lock: this exists so the explorer can show what CPython does.
class Gil {
public:
    explicit Gil(std::chrono::nanoseconds switchInterval);

    // Blocks until the caller holds the lock. `who` identifies the thread (its state).
    // Returns whether another thread held it on entry, i.e. whether the caller had to wait.
    bool take(const void* who);
    // Releases the lock. If a drop was requested, waits until another thread took it
    // (FORCE_SWITCHING), so that a forced switch really switches.
    void drop(const void* who);
    // Polled by the holder between slices: someone has waited a whole interval.
    bool dropRequested() const { return m_dropRequest.load(std::memory_order_relaxed); }
    // The same flag, for a kernel's eval breaker to poll (Kernels.h).
    const std::atomic<bool>& dropRequestFlag() const { return m_dropRequest; }

    std::uint64_t switchCount() const;
    std::chrono::nanoseconds interval() const { return m_interval; }

private:
    const std::chrono::nanoseconds m_interval;
    mutable std::mutex m_mutex;        // CPython: gil->mutex
    std::condition_variable m_cond;    // CPython: gil->cond
    bool m_locked = false;
    std::uint64_t m_switchNumber = 0;
    std::mutex m_switchMutex;          // CPython: gil->switch_mutex
    std::condition_variable m_switchCond;
    const void* m_lastHolder = nullptr; // guarded by m_switchMutex
    std::atomic<bool> m_dropRequest{false};
};

} // namespace ce
