#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite three times: the dev preset (the default build
# with warnings as errors), the core preset (CE_BUILD_GUI=OFF: the engine and the command line
# without Qt Gui, Widgets, Svg or QCustomPlot; its own folder build/core, its suite proves the
# executable links no Qt Gui), then the AddressSanitizer + UndefinedBehaviorSanitizer preset (the
# fuzz test of run files included). CI (.ci/run) calls exactly this. CE_TEST_PRESETS="default"
# runs one preset only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for preset in ${CE_TEST_PRESETS:-dev core asan}; do
  echo "== cmake --workflow --preset $preset" >&2
  cmake --workflow --preset "$preset"
done
