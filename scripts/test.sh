#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through ctest, printing
# ctest's summary. Works on a fresh Debian 12 machine; CI runs exactly this.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -R storage # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# kafkajs for tests/kafka, exactly as package-lock.json pins it: installed
# when node_modules is missing, or stale (package.json or the lock file
# changed since the last install, whose hash npm ci's fresh node_modules
# keeps in .ks-installed).
kafka_dir=tests/kafka
if [[ -f "$kafka_dir/package-lock.json" ]]; then
  stamp=$(cat "$kafka_dir/package.json" "$kafka_dir/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [[ ! -f "$kafka_dir/node_modules/.package-lock.json" ||
        "$(cat "$kafka_dir/node_modules/.ks-installed" 2>/dev/null)" != "$stamp" ]]; then
    (cd "$kafka_dir" && npm ci --loglevel=error --no-audit --no-fund --no-progress --no-update-notifier </dev/null >/dev/null)
    echo "$stamp" >"$kafka_dir/node_modules/.ks-installed"
  fi
fi

build=${KS_BUILD_DIR:-build}
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
cmake -S . -B "$build" -G Ninja -DKS_WERROR="$werror" >/dev/null
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 900 "$@"
