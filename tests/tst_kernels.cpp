// CPU kernels: SHA-256 against known digests, calibration, and the task plans.
#include "Kernels.h"
#include "ce/Options.h"
#include "TaskPlan.h"

#include <QTest>

#include <cstring>

using namespace ce;

namespace {
QByteArray hex(const unsigned char* d)
{
    return QByteArray(reinterpret_cast<const char*>(d), 32).toHex();
}
} // namespace

class TestKernels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sha256KnownAnswers()
    {
        unsigned char out[32];
        sha256(reinterpret_cast<const unsigned char*>(""), 0, out);
        QCOMPARE(hex(out), QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        const char* abc = "abc";
        sha256(reinterpret_cast<const unsigned char*>(abc), 3, out);
        QCOMPARE(hex(out), QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        const char* two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        sha256(reinterpret_cast<const unsigned char*>(two), std::strlen(two), out);
        QCOMPARE(hex(out), QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    }

    void kernelsAreDeterministic()
    {
        for (Kernel k : allKernels())
            QCOMPARE(runKernel(k, 7, 50), runKernel(k, 7, 50));
        QCOMPARE(runKernel(Kernel::Spin, 0, 3), std::uint64_t(3000));
    }

    void calibrationGivesPositiveRates()
    {
        for (Kernel k : allKernels()) {
            QVERIFY2(unitsPerMs(k) > 0, std::string(toString(k)).c_str());
            QCOMPARE(unitsPerMs(k), unitsPerMs(k)); // measured once
        }
        QCOMPARE(unitsForMs(Kernel::Spin, 0), std::uint64_t(0));
        QVERIFY(unitsForMs(Kernel::Spin, 0.0001) >= 1);
    }

    void plansFollowTheWorkload()
    {
        RunConfig c;
        WorkSizes sizes{100, 10};
        c.workload = WorkloadKind::Mixed;
        c.rounds = 3;
        auto plan = planTask(c, sizes, 0);
        QCOMPARE(plan.size(), std::size_t(6));
        QCOMPARE(static_cast<int>(plan[0].kind), static_cast<int>(PhaseSpec::Kind::Cpu));
        QCOMPARE(static_cast<int>(plan[1].kind), static_cast<int>(PhaseSpec::Kind::Wait));
        c.workload = WorkloadKind::Convoy;
        QCOMPARE(planTask(c, sizes, 0).size(), std::size_t(1));
        QCOMPARE(planTask(c, sizes, 1).size(), std::size_t(3));
        QCOMPARE(static_cast<int>(planTask(c, sizes, 1)[0].kind), static_cast<int>(PhaseSpec::Kind::Wait));
        c.workload = WorkloadKind::Io;
        QCOMPARE(planTask(c, sizes, 0).size(), std::size_t(3));
    }

    void optionsReportBadValues()
    {
        RunConfig c;
        QVERIFY(applyOption(c, "tasks", "12").empty());
        QCOMPARE(c.tasks, 12);
        QVERIFY(!applyOption(c, "tasks", "12x").empty());
        QVERIFY(!applyOption(c, "task-ms", "nan").empty());
        QVERIFY(!applyOption(c, "model", "fibers").empty());
        QVERIFY(!applyOption(c, "nonsense", "1").empty());
        QVERIFY(applyOption(c, "workers", "cores").empty());
        QVERIFY(c.workers >= 1);
        c.tasks = 0;
        QVERIFY(!validate(withDefaults(c)).empty());
        RunConfig ok;
        ok.workerExecutable = "x";
        QVERIFY2(validate(withDefaults(ok)).empty(), validate(withDefaults(ok)).c_str());
    }
};

QTEST_GUILESS_MAIN(TestKernels)
#include "tst_kernels.moc"
