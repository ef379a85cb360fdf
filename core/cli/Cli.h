#pragma once

namespace ce::cli {

// The headless command line: run, compare, advise, list, serve, demo (and the hidden worker
// mode of the processes model). Returns the process exit code:
// 0 success, 1 the run or a file failed, 2 bad arguments, 130 cancelled by Ctrl+C.
int main(int argc, char** argv);

} // namespace ce::cli
