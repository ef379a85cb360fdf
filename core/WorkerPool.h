#pragma once

#include "CoreSampler.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ce {

// Threads draining a FIFO of jobs: the event loop's executor for offloaded CPU work
// (asyncio.to_thread) and file I/O. The destructor finishes queued jobs and joins.
//
// Eager pools start all their threads at once. Lazy pools start them as ThreadPoolExecutor
// does (_adjust_thread_count): a job that finds no idle thread starts a new one while there
// are fewer than the maximum, and whoever submitted it can wait at the new thread's gate,
// as Thread.start() waits until the new thread runs (under the GIL that takes the lock:
// see EventLoopModel). A thread counts as idle once for each job it has finished, as the
// executor's idle semaphore does.
class WorkerPool {
public:
    enum class Start { Eager, Lazy };

    // Opens once a lazily started thread has run its start hook.
    class Gate {
    public:
        void open()
        {
            {
                std::lock_guard lock(m_mutex);
                m_open = true;
            }
            m_cv.notify_all();
        }
        // True once open; false if `limit` passed first.
        bool waitFor(std::chrono::milliseconds limit)
        {
            std::unique_lock lock(m_mutex);
            return m_cv.wait_for(lock, limit, [this] { return m_open; });
        }

    private:
        std::mutex m_mutex;
        std::condition_variable m_cv;
        bool m_open = false;
    };

    struct Hooks {
        std::function<void()> onThreadStart; // on a new thread, before its gate opens
        std::function<void()> beforeWait;    // on a pool thread about to block for a job
    };

    // Throws std::system_error if the OS refuses a thread (after joining those it started).
    // A job that throws is reported to `onError` (from the pool's thread) instead of ending
    // the program; the pool goes on with the next job. With a sampler, the threads count as
    // the run's.
    explicit WorkerPool(int threads, CoreSampler* sampler = nullptr, std::function<void(const std::string&)> onError = {}, Start start = Start::Eager,
                        Hooks hooks = {})
        : m_onError(std::move(onError))
        , m_hooks(std::move(hooks))
        , m_max(threads)
        , m_sampler(sampler)
    {
        if (start == Start::Lazy)
            return;
        try {
            std::lock_guard lock(m_mutex);
            for (int i = 0; i < threads; ++i)
                startThread(nullptr);
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

    // Queues a job. In a lazy pool, returns the gate of the thread it started for it, if it
    // started one (null otherwise). Throws std::system_error if a thread was needed and the
    // OS refused it while the pool had none to run the job.
    std::shared_ptr<Gate> submit(std::function<void()> job)
    {
        std::shared_ptr<Gate> gate;
        {
            std::lock_guard lock(m_mutex);
            m_jobs.push_back(std::move(job));
            if (m_idle > 0) {
                --m_idle;
            } else if (static_cast<int>(m_threads.size()) < m_max) {
                gate = std::make_shared<Gate>();
                try {
                    startThread(gate);
                } catch (...) {
                    if (m_threads.empty()) {
                        m_jobs.pop_back();
                        throw;
                    }
                    gate.reset(); // the threads it has will run the job
                }
            }
        }
        m_cv.notify_one();
        return gate;
    }

    int threadCount() const
    {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(m_threads.size());
    }

private:
    // With m_mutex held.
    void startThread(std::shared_ptr<Gate> gate)
    {
        m_threads.emplace_back([this, gate] {
            auto run = [this, &gate] {
                if (gate) {
                    if (m_hooks.onThreadStart)
                        m_hooks.onThreadStart();
                    gate->open();
                }
                work();
            };
            if (!m_sampler)
                return run();
            RunThreadScope scope(*m_sampler);
            run();
        });
    }

    void work()
    {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(m_mutex);
                if (m_jobs.empty() && !m_stopping && m_hooks.beforeWait) {
                    lock.unlock();
                    m_hooks.beforeWait();
                    lock.lock();
                }
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
            std::lock_guard lock(m_mutex);
            ++m_idle;
        }
    }

    std::function<void(const std::string&)> m_onError;
    Hooks m_hooks;
    const int m_max;
    CoreSampler* m_sampler;
    int m_idle = 0; // jobs finished and not yet matched by a submit (the idle semaphore)
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};

} // namespace ce
