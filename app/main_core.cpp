// The concurrency-explorer executable of the core-only build (CE_BUILD_GUI=OFF): the command
// line of core/cli with no figure export and no window. It links no Qt Gui or Widgets.
// Everything that draws is refused by ce::cli itself when no figure hook is given (--png,
// --svg, --pdf, render); the window's verbs are refused here, before any parsing.
#include "ce/cli/Cli.h"

#include <cstdio>
#include <cstring>

namespace {

constexpr int kExitUsage = 2;

bool isWindowVerb(const char* argument)
{
    return std::strcmp(argument, "open") == 0 || std::strcmp(argument, "window") == 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && isWindowVerb(argv[1])) {
        std::fprintf(stderr, "concurrency-explorer: %s needs the GUI build (this one was configured with -DCE_BUILD_GUI=OFF)\n", argv[1]);
        return kExitUsage;
    }
    // As the GUI build does without a display: no command runs the demo (JSON, CSV and
    // traces; it says that the figures are skipped).
    if (argc == 1)
        std::fputs("This build has no window (configured with -DCE_BUILD_GUI=OFF): running the demo instead.\n", stdout);
    return ce::cli::main(argc, argv);
}
