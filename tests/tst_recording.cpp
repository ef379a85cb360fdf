// The recording buffers: one writer, concurrent readers, no lock; snapshots are consistent.
#include "AppendBuffer.h"
#include "Recorder.h"
#include "platform/Platform.h"

#include <QTest>

#include <atomic>
#include <thread>

using namespace ce;

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
};

QTEST_GUILESS_MAIN(TestRecording)
#include "tst_recording.moc"
