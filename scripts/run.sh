#!/usr/bin/env bash
# Sets up, builds and starts Concurrency Explorer. With no arguments it runs the demo, which
# writes its files under ./concurrency-explorer-demo (in the folder you run this from) and
# says where; any arguments go to the program (try --help).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh"
(cd "$repo" && cmake --preset default >/dev/null && cmake --build --preset default)
exec "$repo/build/default/app/concurrency-explorer" "$@"
