#!/bin/sh
# ctest reference_cpython: compares the explorer with real CPython (tests/reference/compare.py).
# Without python3 there is nothing to compare with: exit 77, which CTest reports as skipped.
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: reference_cpython skipped"; exit 77; }
exec python3 "$(dirname "$0")/compare.py" "$@"
