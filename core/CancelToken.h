#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ce {

// Shared by the engine's threads. The flag is what hot loops poll; the condition variable
// wakes anyone sleeping in sleepFor() at once.
class CancelToken {
public:
    void cancel()
    {
        {
            std::lock_guard lock(m_mutex);
            m_cancelled.store(true, std::memory_order_release);
        }
        m_cv.notify_all();
    }
    bool isCancelled() const { return m_cancelled.load(std::memory_order_acquire); }

    // Sleeps for the given time; returns false if cancelled before it elapsed.
    bool sleepFor(std::chrono::nanoseconds d)
    {
        std::unique_lock lock(m_mutex);
        return !m_cv.wait_for(lock, d, [this] { return m_cancelled.load(std::memory_order_acquire); });
    }

private:
    std::atomic<bool> m_cancelled{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
};

} // namespace ce
