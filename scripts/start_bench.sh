#!/usr/bin/env bash
# How long a daemon with many partitions takes to answer its first request,
# the way a user feels it: from `ks daemon start` to the first successful
# answer. Prints one line per round and the medians; not part of the test
# suite (speed is measured here, never asserted in a test).
#
#   scripts/start_bench.sh                       # 10,000 partitions (1 topic), 5 rounds
#   scripts/start_bench.sh --topics 100 --partitions 100 --runs 3
#
# Options:
#   --ks PATH        the ks binary (default build/ks)
#   --topics T       topics (default 1)
#   --partitions P   partitions per topic (default 10000)
#   --records N      records produced, spread over the partitions by key (default 20000)
#   --runs K         rounds per kind of start; figures are medians (default 5)
#   --home DIR       reuse (or keep) this home; made once, it takes minutes
#                    to fill (default: a temporary home, removed at the end)
#   --first CMD      the first request: produce (default; to the last
#                    partition of the last topic), list, or describe
#   --tail-mb M      instead: one partition, M MB written with --acks 1
#                    just before each kill -9 (the unsynced tail a crash
#                    leaves), K rounds of a timed start after it
#
# Two kinds of start, each K rounds: after `ks daemon stop` (clean), and
# after `kill -9` of a daemon that had just taken 20 records into a
# partition (crash); before either, `ks topic describe` of every topic
# makes the daemon open every partition, as one that ran a while has. Each round prints the start time (`ks daemon start`
# returns once the daemon listens), the time to the first answer after
# that, and their sum; then the medians of the sums and the load average.
# A clean stop of many partitions takes a while (every log is flushed,
# its indexes written and fsynced); it is not timed.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

ks=build/ks topics=1 partitions=10000 records=20000 runs=5 home= first=produce tail_mb=0
usage() { sed -n '8,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --ks) ks=${2:?}; shift 2 ;;
    --topics) topics=${2:?}; shift 2 ;;
    --partitions) partitions=${2:?}; shift 2 ;;
    --records) records=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --home) home=${2:?}; shift 2 ;;
    --first) first=${2:?}; shift 2 ;;
    --tail-mb) tail_mb=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
ks=$(realpath "$ks")
keep=1
if [[ -z $home ]]; then
  home=$(mktemp -d /tmp/ks-start-bench.XXXXXX)
  keep=0
fi
export KS_HOME=$home
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cleanup() {
  "$ks" daemon stop >/dev/null 2>&1 || true
  wait_exit
  if [[ $keep == 0 ]]; then rm -rf "$home"; fi
}
trap cleanup EXIT

# Until the home's daemon has exited (its socket goes before it does).
wait_exit() {
  local pid
  pid=$(cat "$home/daemon.pid" 2>/dev/null || true)
  while [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# --tail-mb: a crash with a large unsynced tail, K rounds.
if [[ $tail_mb -gt 0 ]]; then
  : >"/tmp/ks-start-bench.$$.tail"
  for ((r = 1; r <= runs; r++)); do
    "$ks" daemon start >/dev/null
    # 100-byte records, --acks 1: in the page cache when the daemon dies.
    awk -v n=$((tail_mb * 10000)) -v v="$(printf '%099d' "$r")" 'BEGIN { for (i = 0; i < n; i++) print v }' |
      "$ks" produce tail -p 0 >/dev/null
    pid=$(cat "$home/daemon.pid")
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    t0=$(now_ns)
    "$ks" daemon start >/dev/null
    t1=$(now_ns)
    echo "one" | "$ks" produce tail -p 0 >/dev/null
    total=$(ms_since "$t0")
    echo "tail round $r: $(du -sm "$home/data" | cut -f1) MB in the log, daemon start $(( (t1 - t0) / 1000000 )) ms," \
      "first produce $(ms_since "$t1") ms, total $total ms (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    echo "$total" >>"/tmp/ks-start-bench.$$.tail"
    "$ks" daemon stop >/dev/null 2>&1 || true
    wait_exit
  done
  echo "median from \`ks daemon start\` to the first answer after a kill -9 with $tail_mb MB unsynced:" \
    "$(median <"/tmp/ks-start-bench.$$.tail") ms"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -f "/tmp/ks-start-bench.$$.tail"
  exit 0
fi

# The home: T topics of P partitions, records spread by key.
if [[ ! -e $home/meta.db ]]; then
  echo "filling $home: $topics topic(s) x $partitions partitions, $records records each ..." >&2
  "$ks" daemon start --max-partitions $((topics * partitions + 16)) >/dev/null
  for ((t = 0; t < topics; t++)); do
    "$ks" topic create "bench$t" -p "$partitions" >/dev/null
    seq 1 "$records" | sed 's/.*/&:&/' | "$ks" produce "bench$t" -K: >/dev/null
  done
  "$ks" daemon stop >/dev/null 2>&1 || true
  wait_exit
fi

first_request() {
  case $first in
    # The last partition: the one a start opens last.
    produce) echo "one" | "$ks" produce "bench$((topics - 1))" -p $((partitions - 1)) >/dev/null ;;
    list) "$ks" topic list >/dev/null ;;
    describe) "$ks" topic describe bench0 >/dev/null ;;
    *) echo "unknown --first $first" >&2; exit 2 ;;
  esac
}

# One start: prints "start_ms first_ms total_ms".
timed_start() {
  local t0 t1
  t0=$(now_ns)
  "$ks" daemon start --max-partitions $((topics * partitions + 16)) >/dev/null
  t1=$(now_ns)
  first_request
  echo "$(( (t1 - t0) / 1000000 )) $(ms_since "$t1") $(ms_since "$t0")"
}

start_daemon() { "$ks" daemon start --max-partitions $((topics * partitions + 16)) >/dev/null; }
# `ks daemon stop` gives up waiting after 30 s; a daemon closing many
# partitions may need longer.
stop_daemon() {
  "$ks" daemon stop >/dev/null 2>&1 || true
  wait_exit
}
# Every partition opened, as a daemon that has run a while has them: a
# daemon that opens partitions lazily would otherwise leave most of them
# untouched (clean) between rounds.
open_all() {
  local t
  for ((t = 0; t < topics; t++)); do "$ks" topic describe "bench$t" >/dev/null; done
}
crash() {
  open_all
  seq 1 20 | "$ks" produce bench0 -p 1 >/dev/null
  local pid
  pid=$(cat "$home/daemon.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# Clean rounds: a timed start, the first request, a clean stop. Crash
# rounds: a timed start after a kill -9, the first request, 20 records to
# a partition, kill -9 again.
declare -A totals
for kind in clean crash; do
  : >"/tmp/ks-start-bench.$$.$kind"
  if [[ $kind == crash ]]; then
    start_daemon
    crash
  fi
  for ((r = 1; r <= runs; r++)); do
    read -r s f t < <(timed_start)
    echo "$kind round $r: daemon start ${s} ms, first $first ${f} ms, total ${t} ms (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    echo "$t" >>"/tmp/ks-start-bench.$$.$kind"
    if [[ $kind == crash ]]; then crash; else open_all; stop_daemon; fi
  done
  totals[$kind]=$(median <"/tmp/ks-start-bench.$$.$kind")
  rm -f "/tmp/ks-start-bench.$$.$kind"
done
# Leave the home clean for the next run.
start_daemon
stop_daemon
echo "partitions: $((topics * partitions)) ($topics topic(s)), first request: $first, rounds: $runs"
echo "median from \`ks daemon start\` to the first answer: clean ${totals[clean]} ms, after kill -9 ${totals[crash]} ms"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
