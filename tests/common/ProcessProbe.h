#pragma once

// What processes and threads exist right now (Linux /proc), for the "nothing left behind"
// checks. On other systems these report 0 and the checks pass vacuously.

#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>
#include <QThread>

#if defined(__linux__)
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace ce::test {

// Processes whose parent is `pid` (default: this process), zombies included: a child that
// ended but was never reaped is left behind too.
inline QStringList childProcesses(long long pid = -1)
{
    QStringList out;
#if defined(__linux__)
    if (pid < 0)
        pid = getpid();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& e : entries) {
        bool isPid = false;
        e.toLongLong(&isPid);
        if (!isPid)
            continue;
        QFile f(QStringLiteral("/proc/%1/stat").arg(e));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray stat = f.readAll();
        const int close = stat.lastIndexOf(')');
        const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
        // fields[0] is the state, fields[1] the parent pid
        if (fields.size() > 1 && fields[1].toLongLong() == pid)
            out << e + QStringLiteral(" ") + QString::fromLatin1(stat.left(close + 1)) + (fields[0] == "Z" ? QStringLiteral(" zombie") : QString());
    }
#else
    (void)pid;
#endif
    return out;
}

// Whether the children are all gone within `timeoutMs` (orphans take a moment to be
// re-parented to a subreaper, and a dying child a moment to be reaped). A bounded poll.
inline bool eventuallyNoChildren(int timeoutMs = 5000)
{
    for (int waited = 0;; waited += 20) {
#if defined(__linux__)
        // A test that makes itself a subreaper adopts the orphans of the programs it starts.
        // Once those programs were waited for, a zombie among our children is such an orphan
        // that has ended (it is not running, and nobody else will reap it): reap it here. A
        // child still running is what this check is about.
        for (const QString& c : childProcesses()) {
            if (c.endsWith(QStringLiteral(" zombie")))
                ::waitpid(static_cast<pid_t>(c.section(QLatin1Char(' '), 0, 0).toLongLong()), nullptr, WNOHANG);
        }
#endif
        if (childProcesses().isEmpty())
            return true;
        if (waited >= timeoutMs)
            return false;
        QThread::msleep(20);
    }
}

inline int threadCount()
{
#if defined(__linux__)
    return static_cast<int>(QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size());
#else
    return 0;
#endif
}

} // namespace ce::test
