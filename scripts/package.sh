#!/usr/bin/env bash
# Builds the Debian package: configures and builds the default preset (Release with debug
# info), then runs cpack in the build folder. Prints the package's path.
#   scripts/package.sh            then: sudo apt install ./build/default/concurrency-explorer_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
  echo "package: dpkg-shlibdeps not found (apt-get install dpkg-dev): it declares the package's dependencies" >&2
  exit 1
fi
cmake --preset default >/dev/null
cmake --build --preset default
cd build/default
rm -f concurrency-explorer_*.deb
cpack -G DEB >/dev/null
deb=$(ls concurrency-explorer_*.deb)
echo "$(pwd)/$deb"
dpkg-deb --field "$deb" Depends | tr ',' '\n' | sed 's/^ */  needs: /' >&2
