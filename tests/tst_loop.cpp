// The event loop at scale: the timer heap, the loop's own event dispatcher, and a run of
// 100,000 concurrent sleeps. Invariants only (order, delivery, every task once, no sleep
// shorter than asked): nothing here depends on how fast or how loaded the machine is.
#include "ce/Engine.h"
#include "Invariants.h"
#include "LoopDispatcher.h"
#include "TimerHeap.h"
#include "platform/Platform.h"

#include <QAbstractEventDispatcher>
#include <QEventLoop>
#include <QScopeGuard>
#include <QSocketNotifier>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <array>
#include <atomic>
#include <random>
#include <vector>

#ifdef Q_OS_LINUX
#include <sys/socket.h>
#include <unistd.h>
#endif

using namespace ce;
using namespace ce::test;

namespace {

// `tasks` sleeps of `waitMs` each, all in flight at once on one event loop.
RunConfig sleepsOnOneLoop(int tasks, double waitMs)
{
    RunConfig c;
    c.model = Model::EventLoop;
    c.workload = WorkloadKind::Io;
    c.io = IoKind::Sleep;
    c.tasks = tasks;
    c.workers = 0;
    c.waitMs = waitMs;
    c.sampleMs = 50;
    return c;
}

template <typename Pred>
bool eventually(Pred pred, int ms = 20000)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (pred())
            return true;
        QTest::qWait(10);
    }
    return pred();
}

// A thread running a QEventLoop on the loop dispatcher, with a context object living there.
struct LoopThread {
    QThread thread;
    QObject* context = nullptr;
    QAbstractEventDispatcher* dispatcher = nullptr;

    bool start()
    {
        dispatcher = createLoopDispatcher();
        if (!dispatcher)
            return false;
        thread.setEventDispatcher(dispatcher);
        thread.start();
        context = new QObject;
        context->moveToThread(&thread);
        return true;
    }
    template <typename F>
    void run(F f) { QMetaObject::invokeMethod(context, f, Qt::BlockingQueuedConnection); }
    ~LoopThread()
    {
        if (context)
            QMetaObject::invokeMethod(context, [c = context] { delete c; }, Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
    }
};

} // namespace

class TstLoop : public QObject {
    Q_OBJECT

private slots:
    // The sockets below are opened by the test itself, before any run has raised the limit
    // as the program does: a soft limit of 256 (a shell's ulimit -n) made socketpair fail.
    void initTestCase() { platform::raiseFileLimit(); }

    void heapOrdersByDeadlineThenInsertion()
    {
        TimerHeap<int> heap;
        heap.add(30, 0);
        heap.add(10, 1);
        heap.add(20, 2);
        heap.add(10, 3); // same deadline as 1, added later: expires after it
        heap.add(10, 4);
        QCOMPARE(*heap.nextDeadline(), std::int64_t(10));
        QVERIFY(!heap.popExpired(9));
        std::vector<int> order;
        while (auto e = heap.popExpired(25))
            order.push_back(e->payload);
        QCOMPARE(order, (std::vector<int>{1, 3, 4, 2}));
        QCOMPARE(heap.size(), std::size_t(1));
        QCOMPARE(heap.popExpired(30)->payload, 0);
        QVERIFY(heap.empty());
        QVERIFY(!heap.nextDeadline());
    }

    void heapCancel()
    {
        TimerHeap<int> heap;
        const auto a = heap.add(5, 0);
        const auto b = heap.add(6, 1);
        const auto c = heap.add(7, 2);
        QVERIFY(heap.cancel(b));
        QVERIFY(!heap.cancel(b)); // twice: no longer pending
        QVERIFY(!heap.pending(b));
        QVERIFY(heap.pending(a) && heap.pending(c));
        QVERIFY(heap.cancel(a)); // the earliest
        QCOMPARE(*heap.nextDeadline(), std::int64_t(7));
        QCOMPARE(heap.popExpired(100)->payload, 2);
        QVERIFY(!heap.cancel(c)); // already expired
        QVERIFY(heap.empty());
        // Handles are reused: a new timer in a freed slot is pending, the old handle's cancel
        // does not reach a timer it never named once it has been reissued.
        const auto d = heap.add(1, 3);
        QVERIFY(heap.pending(d));
        QCOMPARE(heap.popExpired(1)->payload, 3);
    }

    void heapManyTimersRandomOrderAndCancels()
    {
        TimerHeap<int> heap;
        std::mt19937 rng(7);
        const int n = 200000;
        std::vector<std::int64_t> deadline(n);
        std::vector<TimerHeap<int>::Handle> handle(n);
        for (int i = 0; i < n; ++i) {
            deadline[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(rng() % 1000); // many equal
            handle[static_cast<std::size_t>(i)] = heap.add(deadline[static_cast<std::size_t>(i)], i);
        }
        std::vector<bool> cancelled(n, false);
        for (int i = 0; i < n; i += 3) {
            QVERIFY(heap.cancel(handle[static_cast<std::size_t>(i)]));
            cancelled[static_cast<std::size_t>(i)] = true;
        }
        std::int64_t lastDeadline = -1;
        int lastIndex = -1;
        int popped = 0;
        while (auto e = heap.popExpired(1000)) {
            const int i = e->payload;
            QVERIFY2(!cancelled[static_cast<std::size_t>(i)], "a cancelled timer expired");
            QCOMPARE(e->deadlineNs, deadline[static_cast<std::size_t>(i)]);
            QVERIFY(e->deadlineNs >= lastDeadline);
            if (e->deadlineNs == lastDeadline)
                QVERIFY2(i > lastIndex, "equal deadlines out of insertion order");
            lastDeadline = e->deadlineNs;
            lastIndex = i;
            ++popped;
        }
        QCOMPARE(popped, n - (n + 2) / 3);
        QVERIFY(heap.empty());
    }

    // Timers added in deadline order take the FIFO path; a cancel in the middle and an earlier
    // one added later (to the heap) still come out in (deadline, insertion) order.
    void heapSortedRunsAndLateEarlierTimers()
    {
        TimerHeap<int> heap;
        std::vector<TimerHeap<int>::Handle> h;
        for (int i = 0; i < 10; ++i)
            h.push_back(heap.add(100 + 10 * i, i)); // 100, 110, ..., 190
        QVERIFY(heap.cancel(h[3]));
        QVERIFY(heap.cancel(h[0])); // the front
        heap.add(105, 10);          // earlier than the last queued: the heap
        heap.add(110, 11);          // equal to timer 1's deadline, added after it
        heap.add(190, 12);
        QCOMPARE(heap.size(), std::size_t(11));
        QCOMPARE(*heap.nextDeadline(), std::int64_t(105));
        std::vector<int> order;
        while (auto e = heap.popExpired(1000))
            order.push_back(e->payload);
        QCOMPARE(order, (std::vector<int>{10, 1, 11, 2, 4, 5, 6, 7, 8, 9, 12}));
        QVERIFY(heap.empty());
        // Reused slots: a dead queued node of a reissued handle is never delivered.
        const auto a = heap.add(5, 20);
        QVERIFY(heap.cancel(a));
        const auto b = heap.add(6, 21); // reuses a's slot
        QVERIFY(heap.pending(b));
        QCOMPARE(heap.popExpired(100)->payload, 21);
        QVERIFY(!heap.popExpired(100));
    }

    void dispatcherDeliversTimersPostedEventsAndWakes()
    {
        LoopThread loop;
        if (!loop.start())
            QSKIP("no loop dispatcher on this platform (Qt's is used)");
        std::atomic<int> blocks{0}, wakes{0}, fired{0}, repeated{0};
        QObject::connect(loop.dispatcher, &QAbstractEventDispatcher::aboutToBlock, loop.dispatcher, [&] { ++blocks; }, Qt::DirectConnection);
        QObject::connect(loop.dispatcher, &QAbstractEventDispatcher::awake, loop.dispatcher, [&] { ++wakes; }, Qt::DirectConnection);
        QTimer* repeating = nullptr;
        loop.run([&] {
            QTimer::singleShot(30, Qt::PreciseTimer, loop.context, [&] { ++fired; });
            QTimer::singleShot(0, loop.context, [&] { ++fired; });
            repeating = new QTimer(loop.context);
            QObject::connect(repeating, &QTimer::timeout, loop.context, [&] {
                if (++repeated == 3)
                    repeating->stop();
            });
            repeating->start(5);
        });
        QVERIFY(eventually([&] { return fired.load() == 2 && repeated.load() == 3; }));
        // Nothing pending: the loop sleeps; an event posted from here must wake it (wakeUp).
        QVERIFY(eventually([&] { return blocks.load() > 0; }));
        for (int i = 0; i < 5; ++i) {
            std::atomic<bool> ran{false};
            QMetaObject::invokeMethod(loop.context, [&] { ran = true; }, Qt::QueuedConnection);
            QVERIFY(eventually([&] { return ran.load(); }));
        }
        QCOMPARE(repeated.load(), 3); // stopped: no fourth beat
        QVERIFY(wakes.load() > 0);
        // aboutToBlock and awake alternate around each sleep (awake also opens each pass).
        QVERIFY(wakes.load() >= blocks.load());
        int remaining = -2;
        loop.run([&] {
            QTimer t;
            t.start(60000);
            remaining = t.remainingTime();
            QCOMPARE(loop.dispatcher->registeredTimers(&t).size(), qsizetype(1));
        });
        QVERIFY(remaining > 50000 && remaining <= 60000);
    }

    void dispatcherSocketNotifiersFire()
    {
#ifndef Q_OS_LINUX
        QSKIP("the loop dispatcher is Linux only");
#else
        LoopThread loop;
        if (!loop.start())
            QSKIP("no loop dispatcher");
        // Many idle pairs and a few active ones: only those written to are reported, once each
        // write is read, and a removed notifier is never called again.
        constexpr int kPairs = 200;
        const std::int64_t open = std::max<std::int64_t>(0, platform::openFileCount());
        if (platform::raiseFileLimit() < open + 2 * kPairs + 16)
            QSKIP("the open-file limit here is below the 400 descriptors this test opens");
        std::vector<std::array<int, 2>> pairs(kPairs, std::array<int, 2>{-1, -1});
        // Closed however the test ends: a failure must not leave the later tests short of them.
        const auto closeAll = qScopeGuard([&] {
            for (auto& p : pairs) {
                for (int fd : p) {
                    if (fd >= 0)
                        ::close(fd);
                }
            }
        });
        for (auto& p : pairs)
            QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p.data()), 0);
        std::vector<std::atomic<int>> hits(kPairs);
        std::vector<QSocketNotifier*> notifiers(kPairs);
        loop.run([&] {
            for (int i = 0; i < kPairs; ++i) {
                auto* n = new QSocketNotifier(pairs[static_cast<std::size_t>(i)][0], QSocketNotifier::Read, loop.context);
                QObject::connect(n, &QSocketNotifier::activated, loop.context, [&, i](QSocketDescriptor fd) {
                    char buf[64];
                    while (::read(static_cast<int>(fd), buf, sizeof buf) > 0) {
                    }
                    ++hits[static_cast<std::size_t>(i)];
                });
                notifiers[static_cast<std::size_t>(i)] = n;
            }
        });
        for (int i : {3, 77, 150})
            QCOMPARE(::write(pairs[static_cast<std::size_t>(i)][1], "x", 1), ssize_t(1));
        QVERIFY(eventually([&] { return hits[3] >= 1 && hits[77] >= 1 && hits[150] >= 1; }));
        // A writable notifier fires as well (an empty socket buffer is writable).
        std::atomic<int> writable{0};
        loop.run([&] {
            auto* w = new QSocketNotifier(pairs[5][1], QSocketNotifier::Write, loop.context);
            QObject::connect(w, &QSocketNotifier::activated, loop.context, [&, w] {
                ++writable;
                w->setEnabled(false);
            });
        });
        QVERIFY(eventually([&] { return writable.load() == 1; }));
        // Remove one and write to it: nothing is delivered for it.
        loop.run([&] { delete notifiers[77]; });
        QCOMPARE(::write(pairs[77][1], "y", 1), ssize_t(1));
        QCOMPARE(::write(pairs[3][1], "z", 1), ssize_t(1));
        QVERIFY(eventually([&] { return hits[3] >= 2; }));
        QCOMPARE(hits[77].load(), 1);
        int quiet = 0;
        for (int i = 0; i < kPairs; ++i)
            quiet += (i != 3 && i != 77 && i != 150 && hits[static_cast<std::size_t>(i)] == 0) ? 1 : 0;
        QCOMPARE(quiet, kPairs - 3);
        QCOMPARE(writable.load(), 1);
        loop.run([&] {
            for (auto* n : loop.context->findChildren<QSocketNotifier*>())
                delete n;
        });
#endif
    }

    // 100,000 sleeps on one loop: each task ran once, on its own lane, and no sleep ended
    // before the time it asked for.
    void hundredThousandSleeps()
    {
        RunConfig c = sleepsOnOneLoop(100000, 200);
        std::string error;
        const RunSnapshot r = runToEnd(c, &error);
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(r.status == RunStatus::Completed);
        QCOMPARE(everyTaskRanOnce(r), QString());
        QCOMPARE(phasesWithinRun(r), QString());
        std::vector<int> waits(static_cast<std::size_t>(c.tasks), 0);
        for (const auto& p : r.phases) {
            if (p.task < 0)
                continue;
            QVERIFY(p.state == State::IoWait);
            ++waits[static_cast<std::size_t>(p.task)];
            QVERIFY2(p.endNs - p.startNs >= std::int64_t(200) * 1000000, qPrintable(QStringLiteral("finished early: ") + phaseText(p)));
        }
        QCOMPARE(*std::min_element(waits.begin(), waits.end()), 1);
        QCOMPARE(*std::max_element(waits.begin(), waits.end()), 1);
    }

    // Each run's loop thread gets its own dispatcher (an epoll set and an eventfd on Linux);
    // the thread's end must take them along, or a window that runs often would leak them.
    void dispatcherLeavesNoDescriptorsBehind()
    {
        RunConfig c = sleepsOnOneLoop(50, 5);
        std::string error;
        runToEnd(c, &error); // first run: whatever is opened once per process
        const std::int64_t before = platform::openFileCount();
        for (int i = 0; i < 5; ++i) {
            const RunSnapshot r = runToEnd(c, &error);
            QVERIFY(r.status == RunStatus::Completed);
        }
        QCOMPARE(platform::openFileCount(), before);
    }

    // Cancel while 100,000 long sleeps are out: the run ends (bounded wait, far below the
    // sleeps' 60 s), as cancelled, and no task reads as done.
    void cancelWithManySleepsOut()
    {
        RunConfig c = sleepsOnOneLoop(100000, 60000);
        Run run(c);
        std::string error;
        QVERIFY2(run.start(&error), error.c_str());
        // Cancel once the loop has tasks out (or, on a very slow machine, has ended anyway).
        QVERIFY(eventually([&] {
            const RunSnapshot s = run.snapshot();
            return run.isFinished() || std::any_of(s.tasks.begin(), s.tasks.end(), [](const TaskRecord& t) { return t.status == TaskStatus::Running; });
        }));
        run.cancel();
        QVERIFY2(run.waitFor(std::chrono::seconds(30)), "the run did not end after cancel");
        const RunSnapshot r = run.snapshot();
        QVERIFY(r.status == RunStatus::Cancelled);
        for (const auto& t : r.tasks)
            QVERIFY(t.status != TaskStatus::Done);
    }

    void millionIsTheSleepLimit()
    {
        RunConfig c = sleepsOnOneLoop(Limits::kMaxEventLoopSleepTasks, 100);
        QCOMPARE(QString::fromStdString(validate(c)), QString());
        c.tasks = Limits::kMaxEventLoopSleepTasks + 1;
        QVERIFY(!validate(c).empty());
        c.tasks = Limits::kMaxTasks + 1;
        c.io = IoKind::Net; // bounded by descriptors, and by the general limit
        QVERIFY(!validate(c).empty());
        c.model = Model::Threads;
        c.io = IoKind::Sleep;
        c.workers = 4;
        QVERIFY(!validate(c).empty());
    }
};

QTEST_GUILESS_MAIN(TstLoop)
#include "tst_loop.moc"
