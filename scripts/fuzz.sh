#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for a
# bounded time on a throw-away copy of its committed seed corpus, so CI
# never grows fuzz/corpus. One summary line per target; exits 1 when any
# target crashed, leaked, ran out of memory or hit the per-input timeout,
# after printing the reproducer and the command that replays it.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   # default 20, or $KS_FUZZ_SECONDS
#
# KS_FUZZ_TARGETS="fuzz_frame fuzz_cli_input" picks targets.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-${KS_FUZZ_SECONDS:-20}}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: SECONDS_PER_TARGET must be a positive integer, not '$seconds'" >&2
  exit 2
fi
targets=(${KS_FUZZ_TARGETS:-fuzz_frame fuzz_record_batch fuzz_kafka_request fuzz_cli_input})

scripts/setup.sh fuzz </dev/null

build=$root/build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DKS_FUZZ=ON -DKS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/ks-fuzz.XXXXXX")
failed=0
printf '%-20s %7s %12s %10s %10s  %s\n' target seconds executions corpus_in corpus_out result
for t in "${targets[@]}"; do
  dir=$work/$t
  mkdir -p "$dir/corpus"
  cp "fuzz/corpus/$t/"* "$dir/corpus/"
  in=$(find "$dir/corpus" -type f | wc -l)
  start=$(date +%s)
  rc=0
  # -timeout: one input taking longer is a hang; `timeout` guards the run.
  timeout --kill-after=10 $((seconds + 120)) "$build/fuzz/$t" -max_total_time="$seconds" \
    -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 -artifact_prefix="$dir/" \
    "$dir/corpus" </dev/null >"$dir/log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$dir/log")
  out=$(find "$dir/corpus" -type f | wc -l)
  artifact=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | head -1)
  result=ok
  if [[ $rc -ne 0 || -n "$artifact" ]]; then
    failed=1
    result="FAILED (exit $rc)"
    [[ -n "$artifact" ]] && result="FAILED: $(basename "$artifact" | cut -d- -f1)"
  fi
  printf '%-20s %7s %12s %10s %10s  %s\n' "$t" "$took" "${execs:-?}" "$in" "$out" "$result"
  if [[ $result != ok ]]; then
    # The report, from the sanitizer's first line to its SUMMARY.
    awk '/==ERROR|runtime error|deadly signal/ {on = 1} on {print "    " $0; if (++n == 40) exit} /^SUMMARY/ {exit}' "$dir/log"
    if [[ -n "$artifact" ]]; then
      echo "    reproducer: $artifact"
      echo "    re-run:     $build/fuzz/$t $artifact"
    fi
    echo "    full log:   $dir/log"
  fi
done

if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: a target failed; its files are kept in $work" >&2
  exit 1
fi
rm -rf "$work"
