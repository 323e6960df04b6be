#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through ctest, printing
# ctest's summary. Works on a fresh Debian 12 machine; CI runs exactly this.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -R storage # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

build=${KS_BUILD_DIR:-build}
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S . -B "$build" -G Ninja -DKS_WERROR="$werror" >/dev/null
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 900 "$@"
