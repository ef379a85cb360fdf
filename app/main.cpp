#include "cli/Cli.h"

int main(int argc, char** argv)
{
    return ce::cli::main(argc, argv);
}
