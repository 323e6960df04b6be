#!/usr/bin/env bash
# ks's main job on an embedded default: sets up and builds, starts a daemon
# in a throw-away home, pipes lines into a topic, reads them back, describes
# the topic, and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build=${KS_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja >/dev/null
cmake --build "$build" --target ks >/dev/null
ks="$PWD/$build/ks"

home=$(mktemp -d /tmp/ks-demo-XXXXXX)
export KS_HOME="$home"
cleanup() { "$ks" daemon stop >/dev/null 2>&1 || true; rm -rf "$home"; }
trap cleanup EXIT

ks() { "$ks" "$@"; }
run() { printf '\n$ %s\n' "$*" >&2; eval "$@"; }

run "seq 1 100000 | ks produce numbers"
run "ks consume numbers --exit | tail -3"
run "ks produce orders -K: <<< \$'alice:book\\nbob:pen\\nalice:lamp'"
run "ks consume orders -e -f '%p/%o %k=%v\\n'"
run "ks topic describe numbers"
run "ks daemon stop"
run "ks log verify \"$home/data\""
