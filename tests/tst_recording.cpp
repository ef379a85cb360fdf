// The recording buffers: one writer, concurrent readers, no lock; snapshots are consistent.
#include "AppendBuffer.h"
#include "ce/Engine.h"
#include "Recorder.h"
#include "platform/Platform.h"

#include <QCoreApplication>

#include <QTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

using namespace ce;

namespace {

bool finishedStatus(TaskStatus s) { return s == TaskStatus::Done || s == TaskStatus::Failed || s == TaskStatus::Cancelled; }

// Phases per lane, in order: deltas give each lane as a growing prefix, so concatenated
// deltas and a full snapshot agree lane by lane (not in how lanes interleave).
std::map<int, std::vector<PhaseRecord>> byLane(const std::vector<PhaseRecord>& phases)
{
    std::map<int, std::vector<PhaseRecord>> lanes;
    for (const auto& p : phases)
        lanes[p.lane].push_back(p);
    return lanes;
}

bool samePhase(const PhaseRecord& a, const PhaseRecord& b)
{
    return a.startNs == b.startNs && a.endNs == b.endNs && a.task == b.task && a.lane == b.lane && a.state == b.state && a.cpuNs == b.cpuNs
        && a.osId == b.osId && a.cpu == b.cpu;
}

// Empty when `a` and `b` hold the same run (lane by lane), else what differs.
QString differences(const RunSnapshot& a, const RunSnapshot& b)
{
    if (a.lanes != b.lanes)
        return QStringLiteral("lanes %1 vs %2").arg(a.lanes).arg(b.lanes);
    if (a.tasks.size() != b.tasks.size())
        return QStringLiteral("tasks %1 vs %2").arg(a.tasks.size()).arg(b.tasks.size());
    for (std::size_t i = 0; i < a.tasks.size(); ++i) {
        const auto &x = a.tasks[i], &y = b.tasks[i];
        if (x.id != y.id || x.status != y.status || x.lane != y.lane || x.startNs != y.startNs || x.endNs != y.endNs)
            return QStringLiteral("task %1 differs").arg(i);
    }
    const auto la = byLane(a.phases), lb = byLane(b.phases);
    if (la.size() != lb.size())
        return QStringLiteral("lanes with phases %1 vs %2").arg(la.size()).arg(lb.size());
    for (const auto& [lane, phases] : la) {
        const auto it = lb.find(lane);
        if (it == lb.end() || it->second.size() != phases.size()
            || !std::equal(phases.begin(), phases.end(), it->second.begin(), samePhase))
            return QStringLiteral("lane %1 differs").arg(lane);
    }
    if (a.lagSamples.size() != b.lagSamples.size())
        return QStringLiteral("lag samples %1 vs %2").arg(a.lagSamples.size()).arg(b.lagSamples.size());
    if (a.errors != b.errors)
        return QStringLiteral("errors differ");
    return {};
}

// The guarantee of every snapshot, whole or delta-built: a finished task has all its phases
// (each task records `perTask`), a pending one none.
QString statusesAgreeWithLanes(const RunSnapshot& s, int perTask)
{
    std::vector<int> count(s.tasks.size(), 0);
    for (const auto& p : s.phases) {
        if (p.task >= 0 && p.task < static_cast<int>(count.size()))
            ++count[static_cast<std::size_t>(p.task)];
    }
    for (std::size_t i = 0; i < s.tasks.size(); ++i) {
        if (finishedStatus(s.tasks[i].status) && count[i] != perTask)
            return QStringLiteral("task %1 finished with %2 of %3 phases").arg(i).arg(count[i]).arg(perTask);
        if (s.tasks[i].status == TaskStatus::Pending && count[i] != 0)
            return QStringLiteral("task %1 pending with %2 phases").arg(i).arg(count[i]);
    }
    return {};
}

} // namespace

class TestRecording : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void appendBufferKeepsOrderAcrossChunks()
    {
        AppendBuffer<int> buffer;
        for (int i = 0; i < 100000; ++i)
            buffer.push(i);
        std::vector<int> out;
        QCOMPARE(buffer.copyTo(out), std::size_t(100000));
        for (int i = 0; i < 100000; ++i)
            QCOMPARE(out[static_cast<std::size_t>(i)], i);
        std::vector<int> tail;
        buffer.copyTo(tail, 99990);
        QCOMPARE(tail.size(), std::size_t(10));
        QCOMPARE(tail.front(), 99990);
    }

    void readersSeeAPrefixWhileTheWriterAppends()
    {
        AppendBuffer<std::uint64_t> buffer;
        std::atomic<bool> done{false};
        std::thread writer([&] {
            for (std::uint64_t i = 0; i < 300000; ++i)
                buffer.push(i * 3 + 1);
            done = true;
        });
        int snapshots = 0;
        bool consistent = true;
        while (!done.load() || snapshots < 5) {
            std::vector<std::uint64_t> out;
            buffer.copyTo(out);
            for (std::size_t i = 0; i < out.size(); ++i)
                consistent = consistent && out[i] == i * 3 + 1;
            ++snapshots;
        }
        writer.join();
        QVERIFY(consistent);
        QCOMPARE(buffer.size(), std::size_t(300000));
    }

    void recorderSnapshotGroupsTasks()
    {
        Recorder rec(2, 3, platform::monotonicNs());
        rec.setTaskStatus(0, TaskStatus::Running);
        rec.lane(0).add(PhaseRecord{10, 20, 1, 0, 0, 0, State::Cpu});
        rec.lane(0).add(PhaseRecord{20, 50, 1, 0, 0, 0, State::IoWait});
        rec.lane(1).add(PhaseRecord{5, 8, 2, 1, 1, 1, State::Cpu});
        rec.setTaskStatus(0, TaskStatus::Done);
        rec.setTaskStatus(0, TaskStatus::Done); // counted once
        rec.setTaskStatus(1, TaskStatus::Failed);
        rec.addError("worker died");
        QCOMPARE(rec.tasksFinished(), 2);
        RunSnapshot s;
        rec.snapshotInto(s);
        QCOMPARE(s.lanes, 2);
        QCOMPARE(s.phases.size(), std::size_t(3));
        QCOMPARE(s.tasks[0].startNs, std::int64_t(10));
        QCOMPARE(s.tasks[0].endNs, std::int64_t(50));
        QCOMPARE(s.tasks[0].lane, 0);
        QCOMPARE(static_cast<int>(s.tasks[1].status), static_cast<int>(TaskStatus::Failed));
        QCOMPARE(static_cast<int>(s.tasks[2].status), static_cast<int>(TaskStatus::Pending));
        QCOMPARE(s.tasks[2].startNs, std::int64_t(-1));
        QCOMPARE(s.errors.size(), std::size_t(1));
    }
    // Deltas taken while many threads record, applied in order, rebuild the full snapshot;
    // each one keeps statuses and lanes in agreement.
    void deltasConcatenateToTheFullSnapshot()
    {
        constexpr int kLanes = 8, kTasks = 4000, kPerTask = 5;
        Recorder rec(kLanes, kTasks, platform::monotonicNs());
        std::atomic<int> running{kLanes};
        std::vector<std::thread> writers;
        for (int lane = 0; lane < kLanes; ++lane) {
            writers.emplace_back([&, lane] {
                for (int t = lane; t < kTasks; t += kLanes) {
                    rec.setTaskStatus(t, TaskStatus::Running);
                    for (int k = 0; k < kPerTask; ++k)
                        rec.lane(lane).add(PhaseRecord{t * 10 + k, t * 10 + k + 1, lane, t, lane, 0, k % 2 ? State::IoWait : State::Cpu});
                    rec.setTaskStatus(t, t % 97 == 0 ? TaskStatus::Failed : TaskStatus::Done);
                    if (t % 997 == 0)
                        rec.addError("task " + std::to_string(t) + " failed");
                    if (lane == 0)
                        rec.addLag(LagSample{t, float(t % 7)});
                }
                running.fetch_sub(1);
            });
        }
        SnapshotCursor cursor;
        RunSnapshot copy;
        int deltas = 0;
        QString broken;
        std::size_t given = 0;
        while (running.load() > 0 || deltas < 3) {
            RunDelta d;
            rec.deltaSince(cursor, d);
            d.restart = deltas == 0;
            applyDelta(copy, d);
            given += d.phases.size();
            ++deltas;
            if (broken.isEmpty())
                broken = statusesAgreeWithLanes(copy, kPerTask);
        }
        for (auto& w : writers)
            w.join();
        RunDelta last;
        rec.deltaSince(cursor, last);
        applyDelta(copy, last);
        QVERIFY2(broken.isEmpty(), qPrintable(broken));
        QVERIFY2(statusesAgreeWithLanes(copy, kPerTask).isEmpty(), qPrintable(statusesAgreeWithLanes(copy, kPerTask)));
        RunSnapshot full;
        rec.snapshotInto(full);
        QCOMPARE(full.phases.size(), std::size_t(kTasks * kPerTask));
        QVERIFY2(differences(copy, full).isEmpty(), qPrintable(differences(copy, full)));
        QCOMPARE(given + last.phases.size(), full.phases.size()); // no phase given twice
        // Nothing new: an empty delta.
        RunDelta none;
        rec.deltaSince(cursor, none);
        QVERIFY(none.phases.empty() && none.statuses.empty() && none.lagSamples.empty() && none.errors.empty());
    }

    // A phase of a task read as pending was recorded after the statuses were read: it and
    // the rest of its lane wait for the next delta, and a task read as finished whose phases
    // are in that rest is given as running until then.
    void aLaneIsHeldBackFromATaskReadAsPending()
    {
        Recorder rec(1, 2, platform::monotonicNs());
        rec.lane(0).add(PhaseRecord{0, 5, 1, 0, 0, 0, State::Cpu}); // task 0: status not set yet
        rec.setTaskStatus(1, TaskStatus::Running);
        rec.lane(0).add(PhaseRecord{5, 9, 1, 1, 0, 0, State::Cpu});
        rec.setTaskStatus(1, TaskStatus::Done);
        SnapshotCursor cursor;
        RunSnapshot copy;
        RunDelta first;
        rec.deltaSince(cursor, first);
        applyDelta(copy, first);
        QVERIFY(copy.phases.empty());
        QCOMPARE(static_cast<int>(copy.tasks[1].status), static_cast<int>(TaskStatus::Running));
        QVERIFY(statusesAgreeWithLanes(copy, 1).isEmpty());
        rec.setTaskStatus(0, TaskStatus::Done);
        RunDelta second;
        rec.deltaSince(cursor, second);
        applyDelta(copy, second);
        QCOMPARE(second.phases.size(), std::size_t(2));
        QCOMPARE(static_cast<int>(copy.tasks[0].status), static_cast<int>(TaskStatus::Done));
        QCOMPARE(static_cast<int>(copy.tasks[1].status), static_cast<int>(TaskStatus::Done));
        RunSnapshot full;
        rec.snapshotInto(full);
        QVERIFY2(differences(copy, full).isEmpty(), qPrintable(differences(copy, full)));
    }

    // A real run followed frame by frame, across its end: the deltas rebuild the final
    // snapshot (summary and status included); after the end, deltas are empty; a cursor of
    // another run starts over.
    void aLiveRunFollowedByDeltasEndsAsItsSnapshot()
    {
        RunConfig c;
        c.model = Model::Threads;
        c.workers = 4;
        c.tasks = 40;
        c.workload = WorkloadKind::Mixed;
        c.taskMs = 4;
        c.gil = true;
        Run run(c);
        std::string error;
        QVERIFY2(run.start(&error), error.c_str());
        SnapshotCursor cursor;
        RunSnapshot copy;
        int frames = 0;
        QString broken;
        bool ended = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
        while (!ended && std::chrono::steady_clock::now() < deadline) {
            ended = run.isFinished(); // before the delta: then that delta is the last
            const RunDelta d = run.snapshotSince(cursor);
            if (frames == 0)
                QVERIFY(d.restart); // (and again when the recorder appears, after calibration)
            applyDelta(copy, d);
            ++frames;
            // Statuses agree with lanes in each frame: no pending task has work, a finished
            // one has its last phase (its end is after its start).
            for (const auto& t : copy.tasks) {
                if (broken.isEmpty() && t.status == TaskStatus::Pending && t.startNs >= 0)
                    broken = QStringLiteral("pending task %1 shows work").arg(t.id);
                if (broken.isEmpty() && finishedStatus(t.status) && t.endNs < 0)
                    broken = QStringLiteral("finished task %1 has no phases").arg(t.id);
            }
            if (!ended)
                run.waitFor(std::chrono::milliseconds(2));
        }
        QVERIFY(ended);
        QVERIFY2(broken.isEmpty(), qPrintable(broken));
        QVERIFY(cursor.final);
        const RunSnapshot full = run.snapshot();
        QCOMPARE(static_cast<int>(copy.status), static_cast<int>(full.status));
        QCOMPARE(copy.summary.tasksDone, full.summary.tasksDone);
        QCOMPARE(copy.summary.makespanS, full.summary.makespanS);
        QCOMPARE(copy.elapsedNs, full.elapsedNs);
        QCOMPARE(copy.coreSamples.size(), full.coreSamples.size());
        QVERIFY2(differences(copy, full).isEmpty(), qPrintable(differences(copy, full)));
        const RunDelta after = run.snapshotSince(cursor);
        QVERIFY(!after.restart && after.phases.empty() && after.statuses.empty() && after.coreSamples.empty());
        QCOMPARE(static_cast<int>(after.head.status), static_cast<int>(full.status));
        // Another run's cursor: this run starts over from everything.
        Run other(c);
        QVERIFY(other.start(&error));
        QVERIFY(other.waitFor(std::chrono::minutes(2)));
        const RunDelta fresh = other.snapshotSince(cursor);
        QVERIFY(fresh.restart);
        RunSnapshot otherCopy;
        applyDelta(otherCopy, fresh);
        QVERIFY2(differences(otherCopy, other.snapshot()).isEmpty(), qPrintable(differences(otherCopy, other.snapshot())));
    }
};

QTEST_GUILESS_MAIN(TestRecording)
#include "tst_recording.moc"
