// Damaged run files against the real executable's `render`: every mutation of a real saved run
// or comparison is either drawn or refused with one line, never a crash or a hang.
//
// The seed files are written at test time by the real program (small, fast runs), then
// mutated deterministically (a fixed seed): truncations, byte flips, wrong types, missing keys,
// huge, negative and non-finite numbers, deep nesting, huge arrays. A failing mutant is kept
// in the build folder (fuzz-failures/) to reproduce it with `concurrency-explorer render FILE`.
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

namespace {

struct Mutant {
    QString name;      // what was done, for the report
    QByteArray bytes;
};

struct Outcome {
    int drawn = 0;
    int refused = 0;
    QStringList failures;
};

// Where every value of a JSON document sits, so one can be picked at random.
struct ValuePath {
    QList<QJsonValue> steps; // keys (strings) and indices (numbers)
};

void collectPaths(const QJsonValue& v, ValuePath path, std::vector<ValuePath>& out, int depth = 0)
{
    out.push_back(path);
    if (depth > 12)
        return;
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            ValuePath p = path;
            p.steps.append(it.key());
            collectPaths(it.value(), p, out, depth + 1);
        }
    } else if (v.isArray()) {
        const QJsonArray a = v.toArray();
        // The first few entries of a list stand for all of it.
        for (qsizetype i = 0; i < std::min<qsizetype>(a.size(), 3); ++i) {
            ValuePath p = path;
            p.steps.append(double(i));
            collectPaths(a.at(i), p, out, depth + 1);
        }
    }
}

// Replaces (or with `remove`, deletes) the value at `path`. QJsonValue is a value type, so
// the document is rebuilt along the path.
QJsonValue replaced(const QJsonValue& root, const QList<QJsonValue>& steps, qsizetype at, const QJsonValue& with, bool remove)
{
    if (at == steps.size())
        return with;
    const QJsonValue step = steps.at(at);
    if (root.isObject()) {
        QJsonObject o = root.toObject();
        const QString k = step.toString();
        if (remove && at + 1 == steps.size())
            o.remove(k);
        else
            o[k] = replaced(o.value(k), steps, at + 1, with, remove);
        return o;
    }
    QJsonArray a = root.toArray();
    const auto i = static_cast<qsizetype>(step.toDouble());
    if (remove && at + 1 == steps.size())
        a.removeAt(i);
    else
        a[i] = replaced(a.at(i), steps, at + 1, with, remove);
    return a;
}

const char* const kRaw = "@@RAW@@"; // a string replaced by raw text after serialising

std::vector<Mutant> mutate(const QByteArray& seed, const QString& seedName, int count, std::mt19937& rng)
{
    const QJsonDocument doc = QJsonDocument::fromJson(seed);
    std::vector<ValuePath> paths;
    collectPaths(doc.object(), {}, paths);
    auto pick = [&](auto n) { return std::uniform_int_distribution<long long>(0, static_cast<long long>(n) - 1)(rng); };
    auto serialise = [&](const QJsonValue& v, const QByteArray& raw) {
        QByteArray out = QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
        return raw.isEmpty() ? out : out.replace(QByteArray("\"") + kRaw + "\"", raw);
    };
    const QList<QByteArray> rawNumbers{"NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e308", "-1e308", "9e18", "-9e18", "1e18", "-1e18",
                                       "2147483647", "-2147483648", "4294967296", "9007199254740993", "-1", "0.5", "-0", "1e-320"};
    const QList<QJsonValue> wrongTypes{QJsonValue(QStringLiteral("x")), QJsonValue(true), QJsonValue(QJsonValue::Null), QJsonArray{},
                                       QJsonObject{}, QJsonValue(QString(5000, QLatin1Char('A')))};
    std::vector<Mutant> out;
    for (int n = 0; n < count; ++n) {
        Mutant m;
        const int kind = n % 9;
        const ValuePath& path = paths[static_cast<std::size_t>(pick(paths.size()))];
        QString where;
        for (const auto& s : path.steps)
            where += s.isString() ? QLatin1Char('.') + s.toString() : QStringLiteral("[%1]").arg(s.toDouble());
        const QJsonValue root = doc.object();
        switch (kind) {
        case 0: { // truncation
            const auto at = pick(seed.size());
            m.name = QStringLiteral("truncated at %1").arg(at);
            m.bytes = seed.left(at);
            break;
        }
        case 1: { // byte flips
            m.bytes = seed;
            const int flips = 1 + static_cast<int>(pick(8));
            for (int f = 0; f < flips; ++f)
                m.bytes[pick(seed.size())] ^= static_cast<char>(1 << pick(8));
            m.name = QStringLiteral("%1 byte flips").arg(flips);
            break;
        }
        case 2: // wrong type
            m.name = QStringLiteral("%1 of a wrong type").arg(where);
            m.bytes = serialise(replaced(root, path.steps, 0, wrongTypes[pick(wrongTypes.size())], false), {});
            break;
        case 3: // missing key
            m.name = QStringLiteral("%1 removed").arg(where);
            m.bytes = path.steps.isEmpty() ? QByteArray("{}") : serialise(replaced(root, path.steps, 0, {}, true), {});
            break;
        case 4:
        case 5: { // huge, negative, non-finite numbers
            const QByteArray raw = rawNumbers[pick(rawNumbers.size())];
            m.name = QStringLiteral("%1 = %2").arg(where, QString::fromLatin1(raw));
            m.bytes = serialise(replaced(root, path.steps, 0, QString::fromLatin1(kRaw), false), raw);
            break;
        }
        case 6: { // deep nesting
            const int depth = 100 + static_cast<int>(pick(20000));
            m.name = QStringLiteral("%1 nested %2 deep").arg(where).arg(depth);
            m.bytes = serialise(replaced(root, path.steps, 0, QString::fromLatin1(kRaw), false), QByteArray(depth, '[') + QByteArray(depth, ']'));
            break;
        }
        case 7: { // huge array: many copies of one entry (or of a number)
            const int size = 1000 + static_cast<int>(pick(200000));
            const QJsonValue v = [&] {
                QJsonValue cur = root;
                for (const auto& s : path.steps)
                    cur = s.isString() ? cur.toObject().value(s.toString()) : cur.toArray().at(static_cast<qsizetype>(s.toDouble()));
                return cur;
            }();
            const QByteArray one = v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)
                                 : v.isArray() && !v.toArray().isEmpty() && v.toArray().at(0).isObject()
                                     ? QJsonDocument(v.toArray().at(0).toObject()).toJson(QJsonDocument::Compact)
                                     : QByteArray("0");
            QByteArray raw = "[";
            raw.reserve(size * (one.size() + 1) + 2);
            for (int i = 0; i < size; ++i) {
                if (i)
                    raw += ',';
                raw += one;
            }
            raw += ']';
            m.name = QStringLiteral("%1 = %2 copies").arg(where).arg(size);
            m.bytes = serialise(replaced(root, path.steps, 0, QString::fromLatin1(kRaw), false), raw);
            break;
        }
        case 8: { // the value of one field swapped for another's
            const ValuePath& other = paths[static_cast<std::size_t>(pick(paths.size()))];
            QJsonValue v = root;
            for (const auto& s : other.steps)
                v = s.isString() ? v.toObject().value(s.toString()) : v.toArray().at(static_cast<qsizetype>(s.toDouble()));
            m.name = QStringLiteral("%1 given another field's value").arg(where);
            m.bytes = serialise(replaced(root, path.steps, 0, v, false), {});
            break;
        }
        }
        m.name = seedName + QStringLiteral(": ") + m.name;
        out.push_back(std::move(m));
    }
    return out;
}

} // namespace

class TestFuzz : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QList<QPair<QString, QByteArray>> m_seeds;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    bool writeSeed(const QString& name, const QStringList& args)
    {
        QProcess p;
        p.start(QStringLiteral(CE_EXECUTABLE), args + QStringList{QStringLiteral("--json"), path(name), QStringLiteral("--quiet")});
        if (!p.waitForFinished(180000) || p.exitCode() != 0) {
            qWarning() << "seed" << name << "failed:" << p.readAllStandardError();
            return false;
        }
        QFile f(path(name));
        if (!f.open(QIODevice::ReadOnly))
            return false;
        m_seeds.append({name, f.readAll()});
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString tasks = QStringLiteral("--tasks"), ms = QStringLiteral("--task-ms"), wait = QStringLiteral("--wait-ms");
        QVERIFY(writeSeed(QStringLiteral("threads-gil.json"), {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("threads"), QStringLiteral("--workers"),
                                                               QStringLiteral("2"), QStringLiteral("--gil"), QStringLiteral("--workload"), QStringLiteral("mixed"), tasks,
                                                               QStringLiteral("4"), ms, QStringLiteral("8"), wait, QStringLiteral("5"), QStringLiteral("--sample-ms"),
                                                               QStringLiteral("10")}));
        QVERIFY(writeSeed(QStringLiteral("eventloop.json"), {QStringLiteral("run"), QStringLiteral("--model"), QStringLiteral("eventloop"), QStringLiteral("--workload"),
                                                             QStringLiteral("mixed"), tasks, QStringLiteral("6"), ms, QStringLiteral("5"), wait, QStringLiteral("20")}));
        QVERIFY(writeSeed(QStringLiteral("compare.json"), {QStringLiteral("compare"), QStringLiteral("--models"), QStringLiteral("sequential,processes"),
                                                           QStringLiteral("--workers"), QStringLiteral("2"), tasks, QStringLiteral("3"), ms, QStringLiteral("10")}));
    }

    void seedsAreDrawn()
    {
        for (const auto& [name, bytes] : std::as_const(m_seeds)) {
            QProcess p;
            p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("render"), path(name), QStringLiteral("--png"), path(name + QStringLiteral(".png")),
                                                    QStringLiteral("--size"), QStringLiteral("800x600")});
            QVERIFY(p.waitForFinished(120000));
            QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
            QCOMPARE(QImage(path(name + QStringLiteral(".png"))).size(), QSize(800, 600));
        }
    }

    void everyMutantIsDrawnOrRefusedWithOneLine()
    {
        std::mt19937 rng(20261122);
        std::vector<Mutant> mutants;
        for (const auto& [name, bytes] : std::as_const(m_seeds)) {
            auto more = mutate(bytes, name, 100, rng);
            std::move(more.begin(), more.end(), std::back_inserter(mutants));
        }
        QVERIFY(mutants.size() >= 300);
        for (std::size_t i = 0; i < mutants.size(); ++i) {
            QFile f(path(QStringLiteral("m%1.json").arg(i)));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(mutants[i].bytes);
        }

        // A few at a time: each is its own process, bounded by a timeout.
        Outcome outcome;
        std::mutex mutex;
        std::atomic<std::size_t> next{0};
        const int timeoutMs = 60000;
        auto worker = [&] {
            for (std::size_t i; (i = next.fetch_add(1)) < mutants.size();) {
                const QString file = path(QStringLiteral("m%1.json").arg(i));
                const QString png = path(QStringLiteral("m%1.png").arg(i));
                QProcess p;
                p.start(QStringLiteral(CE_EXECUTABLE), {QStringLiteral("render"), file, QStringLiteral("--png"), png, QStringLiteral("--size"),
                                                        QStringLiteral("400x300")});
                QString failure;
                if (!p.waitForFinished(timeoutMs)) {
                    p.kill();
                    p.waitForFinished();
                    failure = QStringLiteral("hung (over %1 s)").arg(timeoutMs / 1000);
                } else {
                    const QByteArray err = p.readAllStandardError();
                    if (p.exitStatus() != QProcess::NormalExit)
                        failure = QStringLiteral("crashed: ") + QString::fromUtf8(err.right(300));
                    else if (p.exitCode() == 0 && QImage(png).size() != QSize(400, 300))
                        failure = QStringLiteral("exit 0 without a figure");
                    else if (p.exitCode() == 2 && (err.count('\n') != 1 || !err.startsWith("concurrency-explorer: " + file.toUtf8() + ": ")))
                        failure = QStringLiteral("refused without exactly one line: ") + QString::fromUtf8(err.left(300));
                    else if (p.exitCode() != 0 && p.exitCode() != 2)
                        failure = QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(QString::fromUtf8(err.left(300)));
                    else if (p.exitCode() == 2 && QFile::exists(png))
                        failure = QStringLiteral("refused but wrote a figure");
                }
                std::lock_guard lock(mutex);
                if (failure.isEmpty()) {
                    (p.exitCode() == 0 ? outcome.drawn : outcome.refused) += 1;
                } else {
                    QDir().mkpath(QStringLiteral("fuzz-failures"));
                    const QString kept = QStringLiteral("fuzz-failures/m%1.json").arg(i);
                    QFile::remove(kept);
                    QFile::copy(file, kept);
                    outcome.failures.append(QStringLiteral("%1 (%2): %3").arg(kept, mutants[i].name, failure));
                }
            }
        };
        std::vector<std::thread> threads;
        for (int t = 0; t < 3; ++t)
            threads.emplace_back(worker);
        for (auto& t : threads)
            t.join();
        qInfo("%zu mutants: %d drawn, %d refused with one line, %lld failures", mutants.size(), outcome.drawn, outcome.refused,
              static_cast<long long>(outcome.failures.size()));
        QVERIFY2(outcome.failures.isEmpty(), qPrintable(outcome.failures.join(QLatin1Char('\n'))));
        QCOMPARE(outcome.drawn + outcome.refused, static_cast<int>(mutants.size()));
        QVERIFY(outcome.refused > 0);
    }
};

QTEST_GUILESS_MAIN(TestFuzz)
#include "tst_fuzz.moc"
