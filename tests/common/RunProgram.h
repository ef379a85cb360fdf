#pragma once

// Runs a program to its end (bounded) and keeps what it said, for the command-line tests.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace ce::test {

struct ProgramResult {
    int code = -1; // -1 when it crashed or had to be killed
    QByteArray out;
    QByteArray err;
};

inline ProgramResult runProgram(const QString& program, const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace ce::test
