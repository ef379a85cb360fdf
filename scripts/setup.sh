#!/usr/bin/env bash
# Installs what Concurrency Explorer needs to build, from Debian's packages, when missing.
# Debian 12 / Ubuntu 22.04 or newer. Uses sudo when not root. Other systems: see README.md.
set -euo pipefail

packages=(
  build-essential cmake ninja-build
  qt6-base-dev            # Qt Core, Network, Test (all the core-only build needs of Qt) and Widgets
  qt6-svg-dev             # SVG export of the desktop window's plots
  libqcustomplot-dev libqcustomplot2.1-qt6   # the desktop window's plots (Qt 6 build)
  libtbb-dev              # oneTBB
  libboost-dev            # Boost.Asio and Boost.Process (header-only)
  g++-mingw-w64-x86-64    # the test suite compile-checks the Windows counters with it
  python3                 # the ctest reference_cpython runs the GIL lessons in real CPython
  dpkg-dev                # dpkg-shlibdeps: the Debian package declares what it links (scripts/package.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: apt-get not found; install these yourself: ${missing[*]} (README.md lists the equivalents)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: not root and no sudo; install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
