#include "Gil.h"

namespace ce {

Gil::Gil(std::chrono::nanoseconds switchInterval)
    : m_interval(switchInterval.count() > 0 ? switchInterval : std::chrono::nanoseconds(1000))
{
}

bool Gil::take(const void* who)
{
    // As take_gil, the mutex is held from the first look to the last write (the waits let it
    // go): which waiter a drop wakes depends on it, and so does who gets the lock.
    std::unique_lock lock(m_mutex);
    const bool contended = m_locked;
    while (m_locked) {
        const std::uint64_t switchBefore = m_switchNumber;
        const bool timedOut = m_cond.wait_for(lock, m_interval) == std::cv_status::timeout;
        // A whole interval passed and nobody switched: ask the holder to let go.
        if (timedOut && m_locked && m_switchNumber == switchBefore)
            m_dropRequest.store(true, std::memory_order_relaxed);
    }
    {
        std::lock_guard switchLock(m_switchMutex);
        m_locked = true;
        // As take_gil: only a change of holder is a switch. A thread taking back the lock it
        // dropped does not count, so it does not reset the interval of a thread waiting
        // for a switch (that one still asks for the lock when its interval runs out).
        if (m_lastHolder != who) {
            m_lastHolder = who;
            ++m_switchNumber;
        }
        m_switchCond.notify_one();
    }
    // Whoever takes the lock satisfies any pending request.
    m_dropRequest.store(false, std::memory_order_relaxed);
    return contended;
}

void Gil::drop(const void* who)
{
    {
        // As drop_gil: signalled with the mutex held.
        std::lock_guard lock(m_mutex);
        m_locked = false;
        m_cond.notify_one();
    }

    if (m_dropRequest.load(std::memory_order_relaxed)) {
        std::unique_lock switchLock(m_switchMutex);
        if (m_lastHolder == who) {
            m_dropRequest.store(false, std::memory_order_relaxed);
            // Forced switching: do not return (and possibly re-take) before another
            // thread has been scheduled with the lock.
            m_switchCond.wait(switchLock, [&] { return m_lastHolder != who; });
        }
    }
}

std::uint64_t Gil::switchCount() const
{
    std::lock_guard lock(m_mutex);
    return m_switchNumber;
}

} // namespace ce
