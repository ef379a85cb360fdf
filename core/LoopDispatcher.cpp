#include "LoopDispatcher.h"

#include <QThread>

#ifdef Q_OS_LINUX

#include "TimerHeap.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimerEvent>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <unordered_map>
#include <vector>

namespace ce {
namespace {

std::int64_t steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class EpollDispatcher final : public QAbstractEventDispatcher {
public:
    EpollDispatcher()
        : m_epoll(epoll_create1(EPOLL_CLOEXEC))
        , m_wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {
        if (m_epoll >= 0 && m_wake >= 0) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = m_wake;
            epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev);
        }
    }

    ~EpollDispatcher() override
    {
        if (m_wake >= 0)
            ::close(m_wake);
        if (m_epoll >= 0)
            ::close(m_epoll);
    }

    bool valid() const { return m_epoll >= 0 && m_wake >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override
    {
        m_interrupted.store(false, std::memory_order_relaxed);
        Q_EMIT awake();
        // Take the wake-up before sending posted events: an event posted before this point is
        // sent below; one posted after finds the flag clear and writes the eventfd, so the
        // wait below cannot sleep on it.
        if (m_wakePending.exchange(false, std::memory_order_acq_rel)) {
            eventfd_t value = 0;
            eventfd_read(m_wake, &value); // non-blocking: the write may still be on its way
        }
        // Posted events first, as Qt's dispatchers do (invokeMethod, deleteLater, ...).
        QCoreApplication::sendPostedEvents();

        const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
        const bool includeSockets = !(flags & QEventLoop::ExcludeSocketNotifiers);
        // As Qt's dispatcher: no sleep (and no aboutToBlock) while an event posted since waits
        // to be sent; the poll below then only looks.
        const bool mayWait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load(std::memory_order_relaxed)
                          && !m_wakePending.load(std::memory_order_acquire);
        int timeoutMs = 0;
        if (mayWait) {
            timeoutMs = -1;
            if (includeTimers) {
                if (const auto next = m_timers.nextDeadline()) {
                    // Round up: a wait that ends before the deadline only spins once more.
                    const std::int64_t left = *next - steadyNs();
                    timeoutMs = left <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(INT_MAX, (left + 999999) / 1000000));
                }
            }
            Q_EMIT aboutToBlock();
        }
        if (m_interrupted.load(std::memory_order_relaxed))
            return false;

        std::array<epoll_event, 256> events{};
        int n = epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()), timeoutMs);
        if (n < 0)
            n = 0; // EINTR: go round again
        if (mayWait)
            Q_EMIT awake();

        int delivered = 0;
        m_ready.clear();
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
            if (fd == m_wake) {
                eventfd_t value = 0;
                eventfd_read(m_wake, &value); // the flag is cleared where posted events are sent
                ++delivered;
                continue;
            }
            if (!includeSockets)
                continue;
            // A hang-up or an error wakes readers and writers, as poll() does in Qt's.
            if (what & (EPOLLIN | EPOLLHUP | EPOLLERR))
                m_ready.push_back({fd, QSocketNotifier::Read});
            if (what & (EPOLLOUT | EPOLLERR))
                m_ready.push_back({fd, QSocketNotifier::Write});
            if (what & EPOLLPRI)
                m_ready.push_back({fd, QSocketNotifier::Exception});
        }
        for (const auto& [fd, type] : m_ready) {
            // Look the notifier up again: an earlier one's handler may have removed it.
            const auto it = m_sockets.find(fd);
            if (it == m_sockets.end())
                continue;
            QSocketNotifier* notifier = it->second[static_cast<std::size_t>(type)];
            if (!notifier)
                continue;
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(notifier, &event);
            ++delivered;
        }
        if (includeTimers)
            delivered += activateTimers();
        return delivered > 0;
    }

    void registerSocketNotifier(QSocketNotifier* notifier) override
    {
        const int fd = static_cast<int>(notifier->socket());
        auto& watched = m_sockets[fd];
        const bool added = !watched[0] && !watched[1] && !watched[2];
        watched[static_cast<std::size_t>(notifier->type())] = notifier;
        updateInterest(fd, watched, added ? EPOLL_CTL_ADD : EPOLL_CTL_MOD);
    }

    void unregisterSocketNotifier(QSocketNotifier* notifier) override
    {
        const int fd = static_cast<int>(notifier->socket());
        const auto it = m_sockets.find(fd);
        if (it == m_sockets.end())
            return;
        auto& slot = it->second[static_cast<std::size_t>(notifier->type())];
        if (slot != notifier)
            return;
        slot = nullptr;
        if (!it->second[0] && !it->second[1] && !it->second[2]) {
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); // fails harmlessly if fd is already closed
            m_sockets.erase(it);
        } else {
            updateInterest(fd, it->second, EPOLL_CTL_MOD);
        }
    }

    void registerTimer(int timerId, qint64 interval, Qt::TimerType type, QObject* object) override
    {
        Timer t;
        t.intervalNs = std::max<qint64>(0, interval) * 1000000;
        t.type = type;
        t.object = object;
        t.deadlineNs = steadyNs() + t.intervalNs;
        t.handle = m_timers.add(t.deadlineNs, timerId);
        m_timerInfo[timerId] = t;
    }

    bool unregisterTimer(int timerId) override
    {
        const auto it = m_timerInfo.find(timerId);
        if (it == m_timerInfo.end())
            return false;
        m_timers.cancel(it->second.handle);
        m_timerInfo.erase(it);
        return true;
    }

    bool unregisterTimers(QObject* object) override
    {
        bool any = false;
        for (auto it = m_timerInfo.begin(); it != m_timerInfo.end();) {
            if (it->second.object == object) {
                m_timers.cancel(it->second.handle);
                it = m_timerInfo.erase(it);
                any = true;
            } else {
                ++it;
            }
        }
        return any;
    }

    QList<TimerInfo> registeredTimers(QObject* object) const override
    {
        QList<TimerInfo> out;
        for (const auto& [id, t] : m_timerInfo)
            if (t.object == object)
                out.append(TimerInfo(id, static_cast<int>(t.intervalNs / 1000000), t.type));
        return out;
    }

    int remainingTime(int timerId) override
    {
        const auto it = m_timerInfo.find(timerId);
        if (it == m_timerInfo.end())
            return -1;
        const std::int64_t left = it->second.deadlineNs - steadyNs();
        return left <= 0 ? 0 : static_cast<int>((left + 999999) / 1000000);
    }

    // Any thread.
    void wakeUp() override
    {
        // One write per sleep is enough; the flag spares a syscall per posted event.
        if (!m_wakePending.exchange(true, std::memory_order_acq_rel))
            eventfd_write(m_wake, 1);
    }

    void interrupt() override
    {
        m_interrupted.store(true, std::memory_order_relaxed);
        wakeUp();
    }

private:
    struct Timer {
        std::int64_t intervalNs = 0;
        std::int64_t deadlineNs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject* object = nullptr;
        TimerHeap<int>::Handle handle = TimerHeap<int>::kNone;
        bool firing = false; // its event is being delivered: no second delivery from a nested loop
    };
    using Watched = std::array<QSocketNotifier*, 3>; // by QSocketNotifier::Type: Read, Write, Exception

    void updateInterest(int fd, const Watched& watched, int op)
    {
        epoll_event ev{};
        ev.data.fd = fd;
        if (watched[QSocketNotifier::Read])
            ev.events |= EPOLLIN;
        if (watched[QSocketNotifier::Write])
            ev.events |= EPOLLOUT;
        if (watched[QSocketNotifier::Exception])
            ev.events |= EPOLLPRI;
        if (epoll_ctl(m_epoll, op, fd, &ev) == 0)
            return;
        // The kernel forgets a closed descriptor; a reused number may still be known here.
        if (errno == EEXIST)
            epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
        else if (errno == ENOENT)
            epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
    }

    // Fires every timer due now, each at most once per call (a 0 ms timer that re-arms itself
    // waits for the next iteration, so it cannot starve sockets and posted events).
    int activateTimers()
    {
        const std::int64_t now = steadyNs();
        m_due.clear();
        while (auto e = m_timers.popExpired(now)) {
            const auto it = m_timerInfo.find(e->payload);
            if (it == m_timerInfo.end())
                continue;
            Timer& t = it->second;
            // Next deadline from the one due (a steady beat), or from now when behind.
            t.deadlineNs = e->deadlineNs + t.intervalNs;
            if (t.deadlineNs <= now)
                t.deadlineNs = now + t.intervalNs;
            m_due.push_back(e->payload);
        }
        // Re-arm all before delivering any, so a handler that kills its timer finds it.
        for (int id : m_due)
            m_timerInfo[id].handle = m_timers.add(m_timerInfo[id].deadlineNs, id);
        int fired = 0;
        for (int id : m_due) {
            const auto it = m_timerInfo.find(id);
            if (it == m_timerInfo.end() || it->second.firing)
                continue;
            it->second.firing = true;
            QObject* object = it->second.object;
            QTimerEvent event(id);
            QCoreApplication::sendEvent(object, &event);
            ++fired;
            if (const auto again = m_timerInfo.find(id); again != m_timerInfo.end())
                again->second.firing = false;
        }
        return fired;
    }

    int m_epoll = -1;
    int m_wake = -1;
    std::atomic<bool> m_wakePending{false};
    std::atomic<bool> m_interrupted{false};
    std::unordered_map<int, Watched> m_sockets;
    std::unordered_map<int, Timer> m_timerInfo;
    TimerHeap<int> m_timers;
    std::vector<std::pair<int, QSocketNotifier::Type>> m_ready;
    std::vector<int> m_due;
};

} // namespace

QAbstractEventDispatcher* createLoopDispatcher()
{
    auto* d = new EpollDispatcher;
    if (!d->valid()) {
        delete d;
        return nullptr;
    }
    return d;
}

} // namespace ce

#else

namespace ce {
QAbstractEventDispatcher* createLoopDispatcher() { return nullptr; }
} // namespace ce

#endif

namespace ce {

bool installLoopDispatcherOnThisThread()
{
    if (QAbstractEventDispatcher::instance())
        return false;
    // CE_LOOP_DISPATCHER=qt keeps Qt's own dispatcher: to compare the two on one build.
    if (qgetenv("CE_LOOP_DISPATCHER") == "qt")
        return false;
    QAbstractEventDispatcher* d = createLoopDispatcher();
    if (!d)
        return false;
    QThread::currentThread()->setEventDispatcher(d);
    if (QAbstractEventDispatcher::instance() != d) {
        delete d;
        return false;
    }
    return true;
}

} // namespace ce
