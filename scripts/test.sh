#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite, printing each stage's
# summary. Works on a fresh Debian 12 machine; CI runs exactly this.
#
#   scripts/test.sh            # everything: the three stages below
#   scripts/test.sh -R storage # extra arguments go to ctest (first stage only)
#
# Stages (KS_TEST_STAGES picks some, e.g. KS_TEST_STAGES=tests):
#   tests     the ctest suite in build/ (unit, CLI, Kafka clients, reliability)
#   sanitize  the same suite built with AddressSanitizer + UBSan in build-asan/
#   fuzz      each libFuzzer target for KS_FUZZ_SECONDS (default 20) seconds,
#             built with clang in build-fuzz/ (scripts/fuzz.sh)
# With extra ctest arguments only `tests` runs unless KS_TEST_STAGES says more.
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

stages=${KS_TEST_STAGES:-}
if [[ -z $stages ]]; then
  if [[ $# -gt 0 ]]; then stages=tests; else stages="tests sanitize fuzz"; fi
fi
werror=OFF
[[ "${CI:-}" == "true" ]] && werror=ON
stage() { printf '\n=== %s ===\n' "$*"; }

for s in $stages; do
  case $s in
    tests)
      build=${KS_BUILD_DIR:-build}
      stage "tests ($build)"
      cmake -S . -B "$build" -G Ninja -DKS_WERROR="$werror" >/dev/null
      cmake --build "$build"
      ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 900 "$@"
      ;;
    sanitize)
      # Every process the suite starts (ks, the daemons it spawns, the unit
      # tests) runs instrumented; a report fails the test that caused it.
      stage "tests under AddressSanitizer + UBSan (build-asan)"
      cmake -S . -B build-asan -G Ninja -DKS_SANITIZE=ON -DKS_WERROR="$werror" >/dev/null
      cmake --build build-asan
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j "$(nproc)" --timeout 1800 "$@"
      ;;
    fuzz)
      stage "fuzz targets, ${KS_FUZZ_SECONDS:-20} s each (build-fuzz)"
      scripts/fuzz.sh "${KS_FUZZ_SECONDS:-20}"
      ;;
    *) echo "test.sh: unknown stage '$s' (tests, sanitize, fuzz)" >&2; exit 2 ;;
  esac
done
