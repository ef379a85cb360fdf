#pragma once

#include "ce/Flowchart.h"
#include "ce/RunData.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ce {

// Reading a saved run or comparison back (docs/run-format.md). A file may come from another
// machine, another version or a hostile hand, and what it holds goes straight into grids and
// arrays sized from it: so every value is checked on the way in, in core, before anything
// shows it. A file that passes is one the writer could have produced: every time lies within
// the run, every core index is below the machine's recorded core count, every lane and task
// index points at something, counts agree with the lists, and what the window allocates for it
// is proportional to the file's size. A file that fails is refused as a whole with one
// sentence naming the first value that is wrong ("core_samples.samples[0].t_ns is outside
// the run ...").
struct RunFile {
    std::vector<RunSnapshot> runs;
    bool comparison = false;        // "concurrency-explorer-compare"
    std::optional<Advice> advice;   // a comparison's flowchart advice, when it was saved
};

// Limits of what a file may hold, beyond those of the options (Limits in RunConfig.h).
struct RunFileLimits {
    static constexpr qint64 kMaxFileBytes = 512ll << 20;   // far above what a 10-minute, 64-core run writes
    static constexpr int kMaxCores = 4096;
    static constexpr int kMaxRuns = 64;                     // runs in one comparison
    static constexpr int kMaxStringChars = 4096;            // an error, the machine, an advice step
    static constexpr int kMaxAdviceSteps = 64;
    static constexpr double kMaxRunSeconds = 30.0 * 24 * 3600; // a month
    // The core grid the window allocates is cores x (run length / sample interval) cells: at
    // most this many, or 16 cells for every core sample in the file.
    static constexpr std::int64_t kGridCellsFree = 1 << 22;
    static constexpr std::int64_t kGridCellsPerSample = 16;
    static constexpr int kMaxRecordedLanes = 1 << 16;   // threads of a recorded program and its children
    static constexpr int kMaxCommandArgs = 4096;        // a recorded program's argv
};

// Parses and checks. On failure `out` is untouched and `why` says what is wrong, without
// the file's name.
bool parseRunFile(const QByteArray& bytes, RunFile& out, std::string* why);

// Reads `path` (a regular file, at most kMaxFileBytes) and parses it. On failure `out` is
// untouched and `error` is "PATH: what is wrong".
bool readRunFile(const QString& path, RunFile& out, std::string* error);

} // namespace ce
