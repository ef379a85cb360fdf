// The loopback service: answers after its delay (never before), echoes the payload size,
// binds loopback only, and holds 10,000 concurrent connections (served from a separate
// `concurrency-explorer serve` process, so that both ends fit in the descriptor limit).
#include "CancelToken.h"
#include "LoopbackService.h"
#include "Waits.h"
#include "platform/Platform.h"

#include <QFile>
#include <QProcess>
#include <QTest>

#include <utility>

#include <boost/asio.hpp>

using namespace ce;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Opens `n` connections at once, sends each a request for `delayMs`, and counts the answers
// that arrived no earlier than the delay. Bounded by `deadline`.
struct LoadResult {
    int answered = 0;
    int early = 0;
    int failed = 0;
};

LoadResult load(std::uint16_t port, int n, double delayMs, std::chrono::seconds deadline)
{
    asio::io_context io;
    LoadResult result;
    const std::string request = encodeNetRequest(delayMs, 16);
    struct Conn {
        explicit Conn(asio::io_context& io) : socket(io) {}
        tcp::socket socket;
        std::array<unsigned char, 4 + 16> reply{};
        std::int64_t sentNs = 0;
    };
    std::vector<std::unique_ptr<Conn>> conns;
    conns.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        conns.push_back(std::make_unique<Conn>(io));
        Conn* c = conns.back().get();
        c->socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), [&, c](boost::system::error_code ec) {
            if (ec) {
                ++result.failed;
                return;
            }
            c->sentNs = platform::monotonicNs();
            asio::async_write(c->socket, asio::buffer(request), [&, c](boost::system::error_code ec2, std::size_t) {
                if (ec2) {
                    ++result.failed;
                    return;
                }
                asio::async_read(c->socket, asio::buffer(c->reply), [&, c](boost::system::error_code ec3, std::size_t) {
                    if (ec3) {
                        ++result.failed;
                        return;
                    }
                    ++result.answered;
                    if (platform::monotonicNs() - c->sentNs < static_cast<std::int64_t>(delayMs * 1e6))
                        ++result.early;
                    c->socket.close();
                });
            });
        });
    }
    io.run_for(deadline);
    return result;
}

// A connection that sends `bytes` as its request and returns whether the server closed it
// (EOF or reset) within `within`, without answering.
bool closedWithoutAnswer(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds within)
{
    asio::io_context io;
    tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
    if (ec)
        return true; // refused outright counts as closed
    asio::write(socket, asio::buffer(bytes), ec);
    std::array<unsigned char, 4> reply{};
    bool closed = false;
    asio::async_read(socket, asio::buffer(reply), [&](boost::system::error_code e, std::size_t n) { closed = e && n == 0; });
    io.run_for(within);
    return closed;
}

std::string header(std::uint32_t delayUs, std::uint32_t length)
{
    std::string h(8, '\0');
    for (int i = 0; i < 4; ++i) {
        h[i] = static_cast<char>(delayUs >> (8 * i));
        h[4 + i] = static_cast<char>(length >> (8 * i));
    }
    return h;
}

long residentKiB(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').front().toLong();
    }
    return -1;
}

} // namespace

class TestService : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { platform::raiseFileLimit(); }

    void answersAfterTheDelay()
    {
        LoopbackService service;
        std::string error;
        QVERIFY2(service.start(&error), error.c_str());
        QVERIFY(service.port() != 0);
        const LoadResult r = load(service.port(), 200, 30, std::chrono::seconds(60));
        QCOMPARE(r.failed, 0);
        QCOMPARE(r.answered, 200);
        QCOMPARE(r.early, 0);
        service.stop();
        QCOMPARE(service.served(), std::uint64_t(200));
    }

    void blockingClientIsCancellable()
    {
        LoopbackService service;
        std::string error;
        QVERIFY(service.start(&error));
        WaitEnv env;
        env.io = IoKind::Net;
        env.port = service.port();
        CancelToken cancel;
        QCOMPARE(blockingWait(env, 5, cancel, &error), WaitOutcome::Done);
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            cancel.cancel();
        });
        const auto t0 = platform::monotonicNs();
        QCOMPARE(blockingWait(env, 60000, cancel, &error), WaitOutcome::Cancelled);
        canceller.join();
        QVERIFY(platform::monotonicNs() - t0 < 30'000'000'000LL); // returned long before the 60 s answer
    }

    void refusedConnectionIsAnError()
    {
        std::uint16_t port = 0;
        {
            LoopbackService s;
            std::string e;
            QVERIFY(s.start(&e));
            port = s.port();
        } // closed again: nobody listens there now
        WaitEnv env;
        env.io = IoKind::Net;
        env.port = port;
        CancelToken cancel;
        std::string error;
        QCOMPARE(blockingWait(env, 1, cancel, &error), WaitOutcome::Failed);
        QVERIFY(!error.empty());
    }

    // Whatever a client sends, what it can make the service hold is bounded.
    void clientsCannotHoldTheServiceHostage()
    {
        LoopbackService service;
        ServiceLimits limits;
        limits.maxConnections = 4;
        limits.idleTimeout = std::chrono::milliseconds(300);
        std::string error;
        QVERIFY2(service.start(&error, 0, limits), error.c_str());
        const auto port = service.port();
        // A delay beyond the documented 60 s is not a request a run sends: closed at once.
        QVERIFY(closedWithoutAnswer(port, header(61'000'000, 0), std::chrono::seconds(5)));
        // A client that says nothing, or announces a body and stalls, is closed when idle.
        QVERIFY(closedWithoutAnswer(port, std::string(), std::chrono::seconds(5)));
        QVERIFY(closedWithoutAnswer(port, header(0, 1000) + std::string(10, 'x'), std::chrono::seconds(5)));
        service.stop();
        QCOMPARE(service.refused(), std::uint64_t(3));

        // Four connections held open fill a service: a fifth is closed at once, and the four
        // still get their answers. (Idle closing is left long here: no race with it.)
        LoopbackService full;
        limits.idleTimeout = std::chrono::seconds(60);
        QVERIFY2(full.start(&error, 0, limits), error.c_str());
        const auto fullPort = full.port();
        asio::io_context io;
        std::vector<std::unique_ptr<tcp::socket>> held;
        for (int i = 0; i < 4; ++i) {
            held.push_back(std::make_unique<tcp::socket>(io));
            held.back()->connect(tcp::endpoint(asio::ip::address_v4::loopback(), fullPort));
        }
        // The server counts a connection once it has accepted it: wait (bounded) for all four.
        for (int i = 0; i < 250 && full.peakConnections() < 4; ++i)
            QTest::qWait(20);
        QCOMPARE(full.peakConnections(), 4);
        QVERIFY(closedWithoutAnswer(fullPort, header(0, 0), std::chrono::seconds(5)));
        for (auto& sock : held) {
            asio::write(*sock, asio::buffer(header(1000, 3) + "abc"));
            std::array<unsigned char, 7> reply{};
            asio::read(*sock, asio::buffer(reply));
            QCOMPARE(reply[0], static_cast<unsigned char>(3));
        }
        full.stop();
        QCOMPARE(full.refused(), std::uint64_t(1));
    }

#if defined(__linux__)
    // 30 connections announcing 16 MiB bodies (and sending a little) cost what was sent, not
    // what was announced (it was 480 MiB).
    void announcedBodiesCostNothingUntilSent()
    {
        QProcess server;
        server.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("serve"), QStringLiteral("--seconds"), QStringLiteral("60")});
        QVERIFY(server.waitForStarted());
        QVERIFY(server.waitForReadyRead(30000));
        const QByteArray line = server.readLine().trimmed();
        const auto port = static_cast<std::uint16_t>(line.mid(line.lastIndexOf(':') + 1).toUInt());
        const long before = residentKiB(server.processId());
        asio::io_context io;
        std::vector<std::unique_ptr<tcp::socket>> conns;
        const std::string start = header(0, 16u << 20) + std::string(64 * 1024, 'x');
        for (int i = 0; i < 30; ++i) {
            conns.push_back(std::make_unique<tcp::socket>(io));
            conns.back()->connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
            asio::write(*conns.back(), asio::buffer(start));
        }
        // Bounded poll: give the server time to read what was sent (and to allocate, if it did).
        long after = 0;
        for (int i = 0; i < 25; ++i) {
            QTest::qWait(40);
            after = std::max(after, residentKiB(server.processId()));
        }
        conns.clear();
        server.terminate();
        QVERIFY(server.waitForFinished(30000));
        QVERIFY(before > 0 && after > 0);
        QVERIFY2(after - before < 100 * 1024, qPrintable(QStringLiteral("grew from %1 to %2 KiB").arg(before).arg(after)));
    }
#endif

    void tenThousandConcurrentConnections()
    {
        if (platform::raiseFileLimit() < 10500)
            QSKIP("the open-file limit is below 10,500 here");
        QProcess server;
        server.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("serve"), QStringLiteral("--seconds"), QStringLiteral("120")});
        QVERIFY(server.waitForStarted());
        QVERIFY(server.waitForReadyRead(30000));
        const QByteArray line = server.readLine().trimmed();
        QVERIFY2(line.startsWith("listening on 127.0.0.1:"), line.constData());
        const auto port = static_cast<std::uint16_t>(line.mid(line.lastIndexOf(':') + 1).toUInt());
        // Every connection waits 2 s on the server, so all 10,000 are open at the same time.
        const LoadResult r = load(port, 10000, 2000, std::chrono::seconds(120));
        server.terminate(); // SIGTERM: the service stops and reports
        QVERIFY(server.waitForFinished(30000));
        const QByteArray report = server.readAll();
        QCOMPARE(r.failed, 0);
        QCOMPARE(r.answered, 10000);
        QCOMPARE(r.early, 0);
        QVERIFY2(report.contains("served 10000 requests"), report.constData());
    }
};

QTEST_GUILESS_MAIN(TestService)
#include "tst_service.moc"
