#!/usr/bin/env bash
# Sets up, builds and starts Concurrency Explorer. With no arguments it runs the demo, which
# writes its files and says where; any arguments go to the program (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default
exec build/default/app/concurrency-explorer "$@"
