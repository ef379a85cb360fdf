#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite twice: the dev preset (the default build with
# warnings as errors), then the AddressSanitizer + UndefinedBehaviorSanitizer preset (the fuzz
# test of run files included). CI (.ci/run) calls exactly this. CE_TEST_PRESETS="default" runs
# one preset only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for preset in ${CE_TEST_PRESETS:-dev asan}; do
  echo "== cmake --workflow --preset $preset" >&2
  cmake --workflow --preset "$preset"
done
