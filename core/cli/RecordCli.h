#pragma once

#include "ce/cli/Cli.h"

namespace ce::cli {

// `concurrency-explorer record [options] -- PROGRAM ARGS...` (argv[1] is "record"): records
// a real program until it exits or is stopped (Ctrl+C, SIGTERM, SIGHUP: exit 130, what was
// recorded is kept). Exit codes: 0 the program succeeded, 1 it failed or a file could not be
// written, 2 bad arguments or a program that cannot be run.
int recordMain(int argc, char** argv, const Hooks& hooks);

// The record command's part of --help.
const char* recordHelp();

} // namespace ce::cli
