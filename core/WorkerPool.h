#pragma once

#include "CoreSampler.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ce {

// A fixed set of threads draining a FIFO of jobs: the event loop's executor for offloaded
// CPU work (asyncio.to_thread) and file I/O. The destructor finishes queued jobs and joins.
class WorkerPool {
public:
    // Throws std::system_error if the OS refuses a thread (after joining those it started).
    // A job that throws is reported to `onError` (from the pool's thread) instead of ending
    // the program; the pool goes on with the next job. With a sampler, the threads count as
    // the run's.
    explicit WorkerPool(int threads, CoreSampler* sampler = nullptr, std::function<void(const std::string&)> onError = {})
        : m_onError(std::move(onError))
    {
        try {
            for (int i = 0; i < threads; ++i)
                m_threads.emplace_back([this, sampler] {
                    if (!sampler)
                        return work();
                    RunThreadScope scope(*sampler);
                    work();
                });
        } catch (...) {
            stop();
            throw;
        }
    }
    ~WorkerPool() { stop(); }

private:
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_cv.notify_all();
        for (auto& t : m_threads)
            t.join();
        m_threads.clear();
    }

public:
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void submit(std::function<void()> job)
    {
        {
            std::lock_guard lock(m_mutex);
            m_jobs.push_back(std::move(job));
        }
        m_cv.notify_one();
    }

private:
    void work()
    {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(m_mutex);
                m_cv.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
                if (m_jobs.empty())
                    return;
                job = std::move(m_jobs.front());
                m_jobs.pop_front();
            }
            try {
                job();
            } catch (const std::exception& e) {
                if (m_onError)
                    m_onError(e.what());
            }
        }
    }

    std::function<void(const std::string&)> m_onError;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

} // namespace ce
