#!/usr/bin/env bash
# Measures ks and its peers on this machine with the same workloads and prints
# a table of medians with ratios against the performance targets; a full run
# writes the same, with every run's values and the machine, to
# docs/BENCHMARKS.md. Peers: Apache Kafka 4.4 (a single-node KRaft broker,
# tests/kafka/apache/kafka.sh), driven by the same Kafka clients as ks's Kafka
# listener (Kafka's own Java perf tools and kcat), and Redis Streams and NATS
# JetStream (../shared/peers/peers.sh).
#
#   scripts/bench.sh                          # 5 rounds of everything (~40 min on 2 cores, more under load)
#   scripts/bench.sh --quick --runs 1         # smoke run, a few minutes
#   scripts/bench.sh --only kafka --runs 3    # one group again, table only
#
# Options:
#   --runs K        rounds; every figure is the median of K (default 5)
#   --records N     100-byte records per ks throughput figure (default
#                   2000000; 200000 with --quick)
#   --quick         fewer records and samples everywhere; writes no
#                   document unless --out is given
#   --only G,G...   run only these workload groups (table only, no document
#                   unless --out): core idle lag peers kafka keyed startup
#                   concurrency sizes scale e2eload file
#   --no-peers      skip peers.sh (no Redis/NATS columns)
#   --no-kafka      skip Apache Kafka (no Kafka columns; no java needed)
#   --startup-rounds K  measure stop and start-up with 10,000 partitions in
#                   the first K rounds only (default 1: on a loaded 2-core
#                   machine one stop and start took 5 minutes)
#   --out FILE      the Markdown report (default docs/BENCHMARKS.md for a
#                   full run)
#   --build-dir DIR build and use ks there (default $KS_BUILD_DIR, else
#                   build-bench, configured as Release when new)
#
# Each round starts fresh daemons in throw-away homes, so rounds share no
# state; the machine is shared and noisy, hence medians, and the peers run
# inside every round so that ratios compare like with like. The workload
# groups live in scripts/bench/ (ks_core.sh, ks_rows.sh, vs_kafka.sh) and
# the report in scripts/bench/report.py. Not part of the test suite.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
root=$PWD
bench_dir=$root/scripts/bench

all_groups=(core idle lag peers kafka keyed startup concurrency sizes scale e2eload file)
runs=5 records= quick=0 peers=1 kafka=1 out= out_given=0 only= startup_rounds=1
build=${KS_BUILD_DIR:-build-bench}
cmdline="scripts/bench.sh${*:+ $*}"
usage() { sed -n '14,33p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --records) records=${2:?}; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only=${2:?}; shift 2 ;;
    --no-peers) peers=0; shift ;;
    --no-kafka) kafka=0; shift ;;
    --startup-rounds) startup_rounds=${2:?}; shift 2 ;;
    --out) out=${2:?}; out_given=1; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ -n $records ]] || { records=2000000; [[ $quick == 1 ]] && records=200000; }
[[ $runs =~ ^[1-9][0-9]*$ && $records =~ ^[1-9][0-9]*$ && $startup_rounds =~ ^[0-9]+$ ]] ||
  { echo "bench.sh: --runs, --records and --startup-rounds take positive integers" >&2; exit 2; }
groups=()
for g in "${all_groups[@]}"; do
  [[ -z $only || ",$only," == *",$g,"* ]] || continue
  [[ $g == peers && $peers == 0 ]] && continue
  [[ $g == kafka && $kafka == 0 ]] && continue
  groups+=("$g")
done
if [[ -n $only ]]; then
  for g in ${only//,/ }; do
    [[ " ${all_groups[*]} " == *" $g "* ]] || { echo "bench.sh: unknown group '$g' (groups: ${all_groups[*]})" >&2; exit 2; }
  done
fi
[[ ${#groups[@]} -gt 0 ]] || { echo "bench.sh: no workload group left to run" >&2; exit 2; }
has() { [[ " ${groups[*]} " == *" $1 "* ]]; }
startup_this_round() { has startup && ((round <= startup_rounds)); }
if [[ $out_given == 0 && $quick == 0 && -z $only ]]; then out=docs/BENCHMARKS.md; fi

# Workload sizes: a full run of 5 rounds stays near 40 minutes on 2 cores.
peers_sh=$root/../shared/peers/peers.sh
e2e_samples=20000 lag_target=1000000000 idle_conns=1000
partition_counts=(1 10 100 1000)
kafka_records=1000000 kafka_e2e_samples=5000
keyed_records=1000000 keyed_keys=100000 keyed_partitions=(1 100 1000 10000) startup_partitions=10000
concurrency_levels=(1 2 4 8)
value_sizes=(10 100 1024 10240 102400) size_bytes=200000000
scale_small=1000000 scale_big=10000000
load_records=30000000
if [[ $quick == 1 ]]; then
  e2e_samples=2000 lag_target=100000000
  kafka_records=100000 kafka_e2e_samples=500
  # 10,000 partitions take minutes to create and to stop on a loaded machine.
  keyed_records=100000 keyed_keys=10000 keyed_partitions=(1 100 1000) startup_partitions=1000
  size_bytes=20000000 scale_small=100000 scale_big=1000000 load_records=5000000
fi
if has peers && [[ ! -x $peers_sh ]]; then
  echo "bench.sh: $peers_sh not found; use --no-peers" >&2; exit 1
fi

t_start=$EPOCHREALTIME
source "$bench_dir/lib.sh"

# --- build ------------------------------------------------------------------------
scripts/setup.sh
if [[ ! -f $build/CMakeCache.txt ]]; then
  say "configuring $build (Release)"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
case $build_type in
  Release|RelWithDebInfo) ;;
  *) say "warning: $build is a '${build_type:-no type}' build; figures will not be representative" ;;
esac
say "building ks and follow_latency in $build"
if ! cmake --build "$build" --target ks follow_latency >"$build/bench-build.log" 2>&1; then
  tail -40 "$build/bench-build.log" >&2
  die "the build failed (log: $build/bench-build.log)"
fi
ksbin=$root/$build/ks
[[ $build == /* ]] && ksbin=$build/ks
follow_latency=${ksbin%/ks}/bench/follow_latency

# --- a throw-away home, inputs -----------------------------------------------------------
work=$(mktemp -d /tmp/ks-bench.XXXXXX)
home=$work/home
mkdir -m 700 "$home"
source "$bench_dir/ks_core.sh"
source "$bench_dir/ks_rows.sh"
source "$bench_dir/vs_kafka.sh"
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
  for p in "$home" "$work/home-rows" "$work/home-kafka"; do
    [[ -S $p/ks.sock ]] && "$ksbin" --home "$p" --no-autostart daemon stop >/dev/null 2>&1 || true
  done
  [[ -f $work/kafka/pid ]] && bash "$kafka_sh" stop "$work/kafka" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# 1000 idle connections need as many descriptors in the daemon, which
# inherits this limit from `ks daemon start`.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

results=$work/results.tsv  # figure <TAB> round <TAB> value
: >"$results"
round=0

# `ks bench` (generated records, no stdin parsing or stdout formatting) is
# newer than this script's first version: use it when the build has it.
has_ks_bench=0
if "$ksbin" --help 2>/dev/null | grep -qE '^ +bench +'; then has_ks_bench=1; fi
e2e_tool=follow_latency
[[ $has_ks_bench == 1 ]] && e2e_tool=ks-bench
if has e2eload && [[ $has_ks_bench == 0 ]]; then
  say "'ks bench' is not in this build: no latency-under-load figure"
  groups=(${groups[@]/e2eload/})
fi

input=$work/lines.txt
say "writing $records lines of 100 bytes to $input"
make_lines "$input" "$records" 100
if has kafka; then
  kafka_input=$work/kafka-lines.txt
  make_lines "$kafka_input" "$kafka_records" 100
  say "Apache Kafka: java, mvn, kcat and the jars"
  kafka_setup
fi
if has keyed || has startup; then
  keyed_input=$work/keyed.txt
  say "writing $keyed_records keyed lines ($keyed_keys keys) to $keyed_input"
  make_lines "$keyed_input" "$keyed_records" 100 "$keyed_keys"
fi
if has scale; then
  scale_input=$work/scale.txt
  say "writing $scale_big lines of 100 bytes to $scale_input"
  make_lines "$scale_input" "$scale_big" 100
fi

# --- the rounds ----------------------------------------------------------------------
# The rows of ks_rows.sh run in a home of their own, kept across rounds (the
# keyed topics are created once), so the other groups' daemons do not open
# its 10,000 partitions.
rows_round() {
  local home=$work/home-rows dpid
  mkdir -p -m 700 "$home"
  daemon_restart
  if has file; then say "  ks produce < file, cat file > file"; fig_file; fi
  if has keyed; then say "  keyed produce and consume, partitions ${keyed_partitions[*]}"; fig_keyed; fi
  if startup_this_round; then say "  stop and start-up with $startup_partitions partitions"; fig_startup; fi
  if has concurrency; then say "  concurrent producers, consumers ${concurrency_levels[*]}"; fig_concurrency; fi
  if has sizes; then say "  value sizes ${value_sizes[*]}"; fig_sizes; fi
  if has scale; then say "  $scale_small against $scale_big records"; fig_scale; fi
  if has e2eload; then say "  end-to-end latency under a saturating producer"; fig_e2e_load; fi
  daemon_stop
}
[[ $e2e_tool == follow_latency ]] &&
  say "'ks bench' is not in this build: end-to-end latency comes from $follow_latency"
say "groups: ${groups[*]}"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= runs; round++)); do
  if has core || has idle; then
    say "round $round/$runs: ks (fresh daemon)"
    daemon_restart
    if has idle; then say "  $idle_conns idle connections"; fig_idle; fi
    if has core; then
      say "  produce"; fig_produce
      say "  consume"; fig_consume
      say "  end-to-end latency"; fig_e2e
      say "  group consume"; fig_group
      say "  partitions ${partition_counts[*]}"; fig_partitions
    fi
  fi
  if has lag; then
    say "round $round/$runs: lagging consumer ($((lag_target / 1000000)) MB, fresh daemon)"
    daemon_restart
    fig_lag
  fi
  daemon_stop
  if has keyed || has startup || has concurrency || has sizes || has scale || has e2eload || has file; then
    say "round $round/$runs: more ks rows (fresh daemon)"
    rows_round
  fi
  if has kafka; then
    say "round $round/$runs: Apache Kafka 4.4 and ks through Kafka clients (fresh brokers)"
    fig_kafka
  fi
  if has peers; then
    say "round $round/$runs: peers.sh all $records"
    fig_peers
  fi
done
daemon_stop

meta=$work/meta.tsv
{
  printf 'command\t%s\n' "$cmdline"
  printf 'started\t%s\n' "$started"
  printf 'finished\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf 'cpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  printf 'cpus\t%s\n' "$(nproc)"
  printf 'topology\t%s socket(s), %s core(s) per socket, %s thread(s) per core\n' \
    "$(lscpu | sed -n 's/^Socket(s): *//p')" "$(lscpu | sed -n 's/^Core(s) per socket: *//p')" \
    "$(lscpu | sed -n 's/^Thread(s) per core: *//p')"
  printf 'hypervisor\t%s\n' "$(lscpu | sed -n 's/^Hypervisor vendor: *//p')"
  printf 'memory\t%s\n' "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  printf 'kernel\t%s\n' "$(uname -sr)"
  printf 'os\t%s\n' "$(. /etc/os-release && echo "$PRETTY_NAME")"
  printf 'filesystem\t%s\n' "$(df -T "$work" | awk 'NR == 2 { print $2 " (" $1 ")" }')"
  printf 'compiler\t%s\n' "$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" | xargs -r -I{} sh -c '{} --version | head -1')"
  printf 'build\t%s (%s)\n' "$build" "$build_type"
  printf 'load_start\t%s\n' "$load_start"
  printf 'loadavg\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'runs\t%s\n' "$runs"
  printf 'records\t%s\n' "$records"
  printf 'quick\t%s\n' "$quick"
  printf 'peers\t%s\n' "$(has peers && echo 1 || echo 0)"
  printf 'e2e_tool\t%s\n' "$e2e_tool"
  printf 'e2e_samples\t%s\n' "$e2e_samples"
  printf 'lag_target\t%s\n' "$lag_target"
  printf 'idle_conns\t%s\n' "$idle_conns"
  printf 'partition_counts\t%s\n' "${partition_counts[*]}"
} >"$meta"
{
  printf 'groups\t%s\n' "${groups[*]}"
  printf 'kafka_records\t%s\n' "$kafka_records"
  printf 'kafka_e2e_samples\t%s\n' "$kafka_e2e_samples"
  printf 'keyed_records\t%s\n' "$keyed_records"
  printf 'keyed_keys\t%s\n' "$keyed_keys"
  printf 'keyed_partitions\t%s\n' "${keyed_partitions[*]}"
  printf 'startup_partitions\t%s\n' "$startup_partitions"
  printf 'startup_rounds\t%s\n' "$((startup_rounds < runs ? startup_rounds : runs))"
  printf 'concurrency_levels\t%s\n' "${concurrency_levels[*]}"
  printf 'value_sizes\t%s\n' "${value_sizes[*]}"
  printf 'size_bytes\t%s\n' "$size_bytes"
  printf 'scale_small\t%s\n' "$scale_small"
  printf 'scale_big\t%s\n' "$scale_big"
  printf 'load_records\t%s\n' "$load_records"
  printf 'java\t%s\n' "$(java -version 2>&1 | head -1)"
  printf 'kcat\t%s\n' "$(kcat -V 2>/dev/null | head -1)"
} >>"$meta"

# --- the table and the report -------------------------------------------------------------
report_out=
if [[ -n $out ]]; then
  report_out=$out
  [[ $out == /* ]] || report_out=$root/$out
  mkdir -p "$(dirname "$report_out")"
fi
python3 "$bench_dir/report.py" "$results" "$meta" "$report_out"
