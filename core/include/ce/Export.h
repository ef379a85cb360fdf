#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"

#include <QJsonObject>
#include <QString>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ce {

// The run file formats (documented in docs/run-format.md). Every writer writes through
// QSaveFile, so a failed or interrupted write never leaves a half-written file behind.

QJsonObject toJson(const RunSnapshot& run);
QJsonObject toJson(const Advice& advice);
QJsonObject toJson(const RunConfig& config);

// A single run, or a comparison (several runs and the advice).
bool writeRunJson(const QString& path, const RunSnapshot& run, std::string* error);
bool writeCompareJson(const QString& path, const std::vector<RunSnapshot>& runs, const Advice& advice, std::string* error);
// The same without advice (a comparison cancelled before its end): "advice" is left out.
bool writeCompareJson(const QString& path, const std::vector<RunSnapshot>& runs, const Advice* advice, std::string* error);
// Core samples, lag samples and phases, one row each, in one long-format table.
bool writeCsv(const QString& path, const std::vector<RunSnapshot>& runs, std::string* error);
// Chrome trace-event JSON (opens in Perfetto's UI and chrome://tracing): one process per run,
// one track per lane, per-core counters.
bool writeTrace(const QString& path, const std::vector<RunSnapshot>& runs, std::string* error);

// Every writer takes "-" for standard output.

// Reads back what writeRunJson or writeCompareJson wrote: the runs of readRunFile()
// (RunFile.h), which checks every value. A damaged or foreign file gives false and one
// sentence in `error`.
bool readRunsJson(const QString& path, std::vector<RunSnapshot>& runs, std::string* error);

// Checks up front that a file can be written at `path`: "-" (standard output), or a path that
// is not an existing directory, device, FIFO or socket, in a folder that exists and takes a
// new file. Returns "" or one sentence.
std::string checkWritable(const QString& path);

// Writes to standard output: the process's, or the descriptor set here (the CLI keeps the
// real stdout for a file written to "-" and sends its own messages to stderr).
bool writeStandardOutput(const QByteArray& bytes, std::string* error);
// Writes a whole file through a temporary file renamed into place (never half-written), or
// to standard output for "-".
bool saveWhole(const QString& path, const QByteArray& bytes, std::string* error);
void setStandardOutputFd(int fd);

// Text from the user or a file, made safe to echo on one line: control characters escaped.
std::string printable(std::string_view text);

} // namespace ce
