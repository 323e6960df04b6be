#!/usr/bin/env bash
# Measures ks and its peers (Redis Streams, NATS JetStream, through
# ../shared/peers/peers.sh) on this machine with the same workload, 100-byte
# records, K rounds each, and prints a table of medians with ratios against
# the performance targets; writes the same, with every run's values and the
# machine, to docs/BENCHMARKS.md.
#
#   scripts/bench.sh                 # 5 rounds of 2,000,000 records, with peers
#   scripts/bench.sh --quick --no-peers --runs 1 --records 100000   # smoke test
#
# Options:
#   --runs K        rounds; every figure is the median of K (default 5)
#   --records N     records per throughput figure (default 2000000)
#   --quick         fewer latency samples and a 100 MB lag instead of 1 GB;
#                   writes no document unless --out is given
#   --no-peers      skip peers.sh (no Redis/NATS columns)
#   --out FILE      the Markdown report (default docs/BENCHMARKS.md)
#   --build-dir DIR build and use ks there (default $KS_BUILD_DIR, else
#                   build-bench, configured as Release when new)
#
# Each round starts a fresh daemon in a throw-away home, so the rounds do
# not share state; the machine is shared and noisy, hence medians, and peers
# run inside every round so that ratios compare like with like. Not part of
# the test suite.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
root=$PWD

runs=5 records=2000000 quick=0 peers=1 out= out_given=0
build=${KS_BUILD_DIR:-build-bench}
cmdline="scripts/bench.sh${*:+ $*}"
usage() { sed -n '8,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --records) records=${2:?}; shift 2 ;;
    --quick) quick=1; shift ;;
    --no-peers) peers=0; shift ;;
    --out) out=${2:?}; out_given=1; shift 2 ;;
    --build-dir) build=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $records =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --runs and --records take positive integers" >&2; exit 2; }
if [[ $out_given == 0 && $quick == 0 ]]; then out=docs/BENCHMARKS.md; fi

peers_sh=$root/../shared/peers/peers.sh
e2e_samples=20000 lag_target=1000000000 idle_conns=1000
partition_counts=(1 10 100 1000)
if [[ $quick == 1 ]]; then e2e_samples=2000 lag_target=100000000; fi
if [[ $peers == 1 && ! -x $peers_sh ]]; then
  echo "bench.sh: $peers_sh not found; use --no-peers" >&2; exit 1
fi

t_start=$EPOCHREALTIME
say() { printf 'bench: [%5.0fs] %s\n' "$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

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

# --- a throw-away home, input, helpers -------------------------------------------------
work=$(mktemp -d /tmp/ks-bench.XXXXXX)
home=$work/home
mkdir -m 700 "$home"
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null || true; done
  [[ -S $home/ks.sock ]] && "$ksbin" --home "$home" --no-autostart daemon stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# 1000 idle connections need as many descriptors in the daemon, which
# inherits this limit from `ks daemon start`.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

ks() { "$ksbin" --home "$home" --no-autostart "$@"; }

input=$work/lines.txt
say "writing $records lines of 100 bytes to $input"
python3 - "$input" "$records" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    for start in range(0, n, 100000):
        f.write(b"".join(b"%0100d\n" % i for i in range(start, min(n, start + 100000))))
EOF

results=$work/results.tsv  # figure <TAB> round <TAB> value
: >"$results"
put() { printf '%s\t%s\t%s\n' "$1" "$round" "$2" >>"$results"; }

dpid=
daemon_restart() {
  if [[ -S $home/ks.sock ]]; then ks daemon stop >/dev/null; fi
  ks daemon start >/dev/null
  dpid=$(ks daemon status -o json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  [[ -n $dpid && -d /proc/$dpid ]] || die "daemon did not start (see $home/daemon.log)"
}

# run_timed CMD...: runs CMD in this shell and sets T_WALL (s), T_CLIENT (CPU s
# of the processes CMD waited for) and T_DAEMON (CPU s of the daemon).
# Clock ticks are 10 ms, so the CPU figures are coarse for short runs.
tck=$(getconf CLK_TCK)
run_timed() {
  local st c0 c1 d0 d1 t0 t1
  read -ra st </proc/$BASHPID/stat; c0=$((st[15] + st[16]))
  read -ra st </proc/$dpid/stat; d0=$((st[13] + st[14]))
  t0=$EPOCHREALTIME
  "$@"
  t1=$EPOCHREALTIME
  read -ra st </proc/$dpid/stat; d1=$((st[13] + st[14]))
  read -ra st </proc/$BASHPID/stat; c1=$((st[15] + st[16]))
  T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  T_CLIENT=$(awk -v t=$((c1 - c0)) -v k="$tck" 'BEGIN { printf "%.2f", t / k }')
  T_DAEMON=$(awk -v t=$((d1 - d0)) -v k="$tck" 'BEGIN { printf "%.2f", t / k }')
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
# put_timed FIGURE N: the records/s of the last run_timed, and its CPU split.
put_timed() {
  put "$1" "$(rate "$2" "$T_WALL")"
  put "$1.wall_s" "$T_WALL"
  put "$1.client_cpu_s" "$T_CLIENT"
  put "$1.daemon_cpu_s" "$T_DAEMON"
}
# `ks bench` (generated records, no stdin parsing or stdout formatting) is
# newer than this script's first version: use it when the build has it.
has_ks_bench=0
if "$ksbin" --help 2>/dev/null | grep -qE '^ +bench +'; then has_ks_bench=1; fi
e2e_tool=follow_latency
[[ $has_ks_bench == 1 ]] && e2e_tool=ks-bench
json_field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

records_in() { ks offsets "$1" -o json | grep -o '"latest":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }'; }
check_records() {
  local got; got=$(records_in "$1")
  [[ $got == "$2" ]] || die "$1 holds $got records, expected $2"
}

# --- the figures ---------------------------------------------------------------------
produce_file() { ks produce "$1" "${@:2}" <"$input"; }
produce_cat() { cat "$input" | ks produce "$1"; }
consume_null() { ks consume "$1" -e >/dev/null; }
consume_wc() { COUNT=$(ks consume "$1" -e | wc -l); }

fig_produce() {
  ks topic create "p$round" -p 1 >/dev/null
  run_timed produce_file "p$round"
  check_records "p$round" "$records"
  put_timed produce "$records"
  if [[ $has_ks_bench == 1 ]]; then
    put bench_produce "$(json_field "$(ks bench produce --records "$records" -o json)" records_per_s)"
  fi

  ks topic create "c$round" -p 1 >/dev/null
  run_timed produce_cat "c$round"
  check_records "c$round" "$records"
  put_timed produce_cat "$records"
  ks topic delete -y "c$round" >/dev/null

  ks topic create "a$round" -p 1 >/dev/null
  run_timed produce_file "a$round" --acks all
  check_records "a$round" "$records"
  put_timed produce_all "$records"
  ks topic delete -y "a$round" >/dev/null
}

fig_consume() {
  run_timed consume_null "p$round"
  put_timed consume_null "$records"
  run_timed consume_wc "p$round"
  [[ $COUNT == "$records" ]] || die "ks consume p$round -e | wc -l printed $COUNT, expected $records"
  put_timed consume_wc "$records"
  if [[ $has_ks_bench == 1 ]]; then
    put bench_consume "$(json_field "$(ks bench consume "p$round" -o json)" records_per_s)"
  fi
  ks topic delete -y "p$round" >/dev/null
}

fig_e2e() {
  local json
  if [[ $e2e_tool == ks-bench ]]; then
    local extra=()
    ks bench e2e --help 2>/dev/null | grep -q -- '--records' && extra=(--records "$e2e_samples")
    json=$(ks bench e2e -o json "${extra[@]}")
  else
    # p50 50 us  p99 101 us  p99.9 384 us  max 1317 us
    json=$("$follow_latency" "$home" "$e2e_samples" |
      sed -n 's/.*p50 \([0-9.]*\) us *p99 \([0-9.]*\) us *p99.9 \([0-9.]*\) us *max \([0-9.]*\) us.*/{"latency_us":{"p50":\1,"p99":\2,"p999":\3,"max":\4}}/p')
  fi
  [[ -n $json ]] || die "no latency figures from $e2e_tool"
  local k v
  while read -r k v; do put "e2e_$k" "$v"; done < <(python3 -c '
import json, sys
lat = json.loads(sys.argv[1])["latency_us"]
for k in ("p50", "p99", "p999", "max"): print(k, lat[k])' "$json")
}

group_members() {
  local pids=() m
  for m in 1 2 3; do
    ks consume "g$round" -g "bench$round" -e >"$work/member$m.out" &
    pids+=($!)
  done
  bg_pids+=("${pids[@]}")
  for m in "${pids[@]}"; do wait "$m" || die "a group member exited $?"; done
  bg_pids=()
}
fig_group() {
  ks topic create "g$round" -p 3 >/dev/null
  produce_file "g$round"
  run_timed group_members
  local counts=() m total=0 n
  for m in 1 2 3; do
    n=$(wc -l <"$work/member$m.out"); counts+=("$n"); total=$((total + n)); rm -f "$work/member$m.out"
  done
  ((total >= records)) || die "3 group members read $total records, expected $records"
  put_timed group3 "$records"
  put group3.split "$(IFS=/; echo "${counts[*]}")"
  put group3.read "$total"
  ks topic delete -y "g$round" >/dev/null
}

fig_partitions() {
  local p
  for p in "${partition_counts[@]}"; do
    ks topic create "s$p-$round" -p "$p" >/dev/null
    run_timed produce_file "s$p-$round"
    check_records "s$p-$round" "$records"
    put_timed "partitions_$p" "$records"
    ks topic delete -y "s$p-$round" >/dev/null
  done
}

cat >"$work/idle.py" <<'EOF'
# Opens COUNT connections to the daemon's Unix socket, each saying hello and
# reading the answer (so the daemon has accepted it), leaves them idle for a
# second and prints the daemon's RSS before and after, and the number of
# connections the daemon reports.
import json, resource, socket, struct, sys, time

def frame(header, payload=b""):
    h = json.dumps(header).encode()
    return struct.pack(">II", 4 + len(h) + len(payload), len(h)) + h + payload

def read_exact(s, n):
    b = bytearray()
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError("the daemon closed the connection")
        b += chunk
    return bytes(b)

def call(s, header):
    s.sendall(frame(header))
    size, hlen = struct.unpack(">II", read_exact(s, 8))
    return json.loads(read_exact(s, size - 4)[:hlen])

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

sock_path, pid, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
time.sleep(0.5)
before = rss_kb(pid)
conns = []
for i in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    r = call(s, {"op": "hello", "id": 1, "client": "bench-idle"})
    if "error" in r:
        sys.exit(f"hello: {r['error']}")
    conns.append(s)
time.sleep(1.0)
after = rss_kb(pid)
status = call(conns[0], {"op": "status", "id": 2})
print(before, after, status.get("connections"))
for s in conns:
    s.close()
EOF
fig_idle() {
  local before after conns
  read -r before after conns < <(python3 "$work/idle.py" "$home/ks.sock" "$dpid" "$idle_conns")
  [[ $conns -ge $idle_conns ]] || die "the daemon reports $conns connections, expected $idle_conns"
  put idle_rss_before_mib "$(awk -v k="$before" 'BEGIN { printf "%.1f", k / 1024 }')"
  put idle_rss_after_mib "$(awk -v k="$after" 'BEGIN { printf "%.1f", k / 1024 }')"
  put idle_growth_mib "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1024 }')"
}

cat >"$work/lag.py" <<'EOF'
# A consumer that asks and never reads. While a producer writes TARGET
# records into TOPIC (one partition), it pipelines fetches, each for the next
# ~1 MiB of the log (max_wait_ms 0), on a connection it never reads from,
# sending what the socket takes; a second connection, read normally, follows
# the partition's end. Samples the daemon's RSS every 10 ms until 2 s after
# the last record, and prints one JSON object.
import json, socket, struct, sys, time

def frame(header, payload=b""):
    h = json.dumps(header).encode()
    return struct.pack(">II", 4 + len(h) + len(payload), len(h)) + h + payload

def read_exact(s, n):
    b = bytearray()
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError("the daemon closed the connection")
        b += chunk
    return bytes(b)

def call(s, header):
    s.sendall(frame(header))
    size, hlen = struct.unpack(">II", read_exact(s, 8))
    return json.loads(read_exact(s, size - 4)[:hlen])

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

sock_path, topic, pid, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fetch_bytes = 1 << 20
ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ctl.connect(sock_path)
stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stalled.connect(sock_path)
stalled.setblocking(False)

base = peak = rss_kb(pid)
next_offset, pending, rid = 0, b"", 0
asked = sent_bytes = 0
frame_ends = []  # cumulative byte count at the end of each fetch frame
end = size = 0
deadline = time.monotonic() + 900
done_at = None
print("ready", file=sys.stderr, flush=True)
while time.monotonic() < deadline:
    rid += 1
    info = call(ctl, {"op": "topics", "id": rid, "topics": [topic], "detail": True})
    if "error" in info:
        sys.exit(f"topics: {info['error']}")
    p0 = info["topics"][0]["partition_info"][0]
    end, size = p0["end"], p0["size"]
    if end > 0:
        stride = max(1, int(fetch_bytes / (size / end)))
        while next_offset < end and len(pending) < (64 << 10):
            rid += 1
            f = frame({"op": "fetch", "id": rid, "topic": topic,
                       "partitions": [{"partition": 0, "offset": next_offset}],
                       "max_wait_ms": 0, "min_bytes": 1, "max_bytes": fetch_bytes})
            pending += f
            frame_ends.append((frame_ends[-1] if frame_ends else 0) + len(f))
            asked += 1
            next_offset += stride
    if pending:
        try:
            n = stalled.send(pending)
            pending = pending[n:]
            sent_bytes += n
        except BlockingIOError:
            pass
    peak = max(peak, rss_kb(pid))
    if end >= target and done_at is None:
        done_at = time.monotonic()
    if done_at is not None and time.monotonic() - done_at > 2.0:
        break
    time.sleep(0.01)
final = rss_kb(pid)
sent = sum(1 for e in frame_ends if e <= sent_bytes)
print(json.dumps({"base_kb": base, "peak_kb": peak, "final_kb": final, "records": end, "log_bytes": size,
                  "fetches_asked": asked, "fetches_sent": sent, "sends_blocked": len(pending) > 0}))
stalled.close()
ctl.close()
EOF
lag_produce() {
  local i
  for ((i = 0; i < lag_reps; i++)); do cat "$input"; done | ks produce "lag$round"
}
fig_lag() {
  lag_reps=$(((lag_target + records * 100 - 1) / (records * 100)))
  local target=$((lag_reps * records))
  ks topic create "lag$round" -p 1 >/dev/null
  python3 "$work/lag.py" "$home/ks.sock" "lag$round" "$dpid" "$target" >"$work/lag.json" 2>"$work/lag.err" &
  local lp=$!
  bg_pids+=("$lp")
  while ! grep -q ready "$work/lag.err" 2>/dev/null; do
    kill -0 "$lp" 2>/dev/null || die "lag client failed: $(cat "$work/lag.err")"
    sleep 0.05
  done
  run_timed lag_produce
  wait "$lp" || die "lag client failed: $(cat "$work/lag.err")"
  bg_pids=()
  put_timed lag_produce "$target"
  local k v
  while read -r k v; do put "$k" "$v"; done < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("lag_gb", "%.2f" % (r["log_bytes"] / 1e9))
print("lag_rss_before_mib", "%.1f" % (r["base_kb"] / 1024))
print("lag_rss_peak_mib", "%.1f" % (r["peak_kb"] / 1024))
print("lag_growth_mib", "%.1f" % ((r["peak_kb"] - r["base_kb"]) / 1024))
print("lag_fetches_asked", r["fetches_asked"])
print("lag_fetches_sent", r["fetches_sent"])
print("lag_sends_blocked", 1 if r["sends_blocked"] else 0)' "$work/lag.json")
  ks topic delete -y "lag$round" >/dev/null
}

fig_peers() {
  local k v
  "$peers_sh" all "$records" >"$work/peers.txt" || die "peers.sh failed"
  while read -r k v; do
    [[ -n $v ]] && put "$k" "$v"
  done <"$work/peers.txt"
}

# --- the rounds ----------------------------------------------------------------------
[[ $e2e_tool == follow_latency ]] &&
  say "'ks bench' is not in this build: end-to-end latency comes from $follow_latency"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= runs; round++)); do
  say "round $round/$runs: ks (fresh daemon)"
  daemon_restart
  say "  $idle_conns idle connections"; fig_idle
  say "  produce"; fig_produce
  say "  consume"; fig_consume
  say "  end-to-end latency"; fig_e2e
  say "  group consume"; fig_group
  say "  partitions ${partition_counts[*]}"; fig_partitions
  say "round $round/$runs: lagging consumer ($((lag_target / 1000000)) MB, fresh daemon)"
  daemon_restart
  fig_lag
  if [[ $peers == 1 ]]; then
    say "round $round/$runs: peers.sh all $records"
    fig_peers
  fi
done
ks daemon stop >/dev/null

# --- the machine ------------------------------------------------------------------------
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
  printf 'peers\t%s\n' "$peers"
  printf 'e2e_tool\t%s\n' "$e2e_tool"
  printf 'e2e_samples\t%s\n' "$e2e_samples"
  printf 'lag_target\t%s\n' "$lag_target"
  printf 'idle_conns\t%s\n' "$idle_conns"
  printf 'partition_counts\t%s\n' "${partition_counts[*]}"
} >"$meta"

# --- the table and the report -------------------------------------------------------------
cat >"$work/report.py" <<'EOF'
# Reads results.tsv (figure, round, value) and meta.tsv; prints the table of
# medians and, given a path, writes the Markdown report.
import statistics, sys

results_path, meta_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
meta = dict(line.rstrip("\n").split("\t", 1) for line in open(meta_path))
vals = {}
for line in open(results_path):
    k, r, v = line.rstrip("\n").split("\t")
    vals.setdefault(k, []).append(v)
runs = int(meta["runs"])
N = int(meta["records"])

def nums(k):
    return [float(v) for v in vals.get(k, [])]

def med(k):
    xs = nums(k)
    return statistics.median(xs) if xs else None

def fmt(x, unit):
    if x is None:
        return "—"
    if unit == "rec/s":
        return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k"
    if unit == "µs":
        return f"{x:.0f}" if x >= 10 else f"{x:.1f}"
    return f"{x:.1f}"

# figure, label, unit, Redis metric, NATS metric, absolute target, ratio target vs Redis
ROWS = [
    ("produce", "produce, acks 1: `ks produce T < file`", "rec/s",
     "redis.xadd_pipelined_rps", "nats.js_async_publish_rps", (">=", 4e6), 5.0),
    ("produce_cat", "produce, acks 1: `cat file | ks produce T`", "rec/s",
     "redis.xadd_pipelined_rps", "nats.js_async_publish_rps", (">=", 4e6), 5.0),
    ("produce_all", "produce, `--acks all`", "rec/s",
     "redis.xadd_pipelined_fsync_always_rps", None, (">=", 2e6), 6.0),
    ("consume_null", "consume: `ks consume T -e > /dev/null`", "rec/s",
     "redis.xrange_rps", "nats.js_ordered_consume_rps", (">=", 10e6), 4.5),
    ("consume_wc", "consume: `ks consume T -e | wc -l`", "rec/s",
     "redis.xrange_rps", "nats.js_ordered_consume_rps", None, None),
    ("bench_produce", "`ks bench produce` (generated records, 16 requests in flight)", "rec/s",
     "redis.xadd_pipelined_rps", "nats.js_async_publish_rps", None, None),
    ("bench_consume", "`ks bench consume T` (decodes, prints nothing)", "rec/s",
     "redis.xrange_rps", "nats.js_ordered_consume_rps", None, None),
    ("e2e_p50", "end-to-end, one in flight, p50", "µs", "redis.e2e_p50_us", "nats.js_e2e_p50_us", ("<=", 60), None),
    ("e2e_p99", "end-to-end, one in flight, p99", "µs", "redis.e2e_p99_us", "nats.js_e2e_p99_us", ("<=", 120), None),
    ("e2e_p999", "end-to-end, one in flight, p99.9", "µs", None, None, None, None),
    ("group3", "group consume, 3 members, 3 partitions", "rec/s", None, None, None, None),
] + [
    (f"partitions_{p}", f"produce into {p} partition{'s' if p != '1' else ''}", "rec/s", None, None, None, None)
    for p in meta["partition_counts"].split()
] + [
    ("idle_growth_mib", f"daemon RSS growth, {meta['idle_conns']} idle connections", "MiB", None, None, ("<", 50), None),
    ("lag_rss_peak_mib", "daemon peak RSS, consumer reading nothing lags "
     f"{int(meta['lag_target']) / 1e9:g} GB", "MiB", None, None, None, None),
    ("lag_growth_mib", "daemon RSS growth during that lag", "MiB", None, None, ("<", 100), None),
]

def check(x, target):
    op, t = target
    return {"<=": x <= t, ">=": x >= t, "<": x < t}[op]

def target_text(unit, target, ratio):
    parts = []
    if target:
        op, t = target
        sym = {"<=": "≤", ">=": "≥", "<": "<"}[op]
        parts.append(f"{sym} {fmt(t, unit)} {unit}")
    if ratio:
        parts.append(f"≥ {ratio:g}× Redis")
    return ", ".join(parts) or "—"

table = []
for key, label, unit, rk, nk, target, ratio in ROWS:
    x = med(key)
    if x is None:
        continue
    r = med(rk) if rk else None
    n = med(nk) if nk else None
    xr = x / r if r else None
    xn = x / n if n else None
    verdict = []
    if target:
        verdict.append(check(x, target))
    if ratio and xr is not None:
        verdict.append(xr >= ratio)
    met = "—" if not verdict else ("yes" if all(verdict) else "no")
    if ratio and xr is None:
        met += "; ratio not measured"
    table.append({"key": key, "label": label, "unit": unit, "ks": fmt(x, unit),
                  "redis": fmt(r, unit) if rk else "—", "xr": f"{xr:.2f}×" if xr else "—",
                  "nats": fmt(n, unit) if nk else "—", "xn": f"{xn:.2f}×" if xn else "—",
                  "target": target_text(unit, target, ratio), "met": met})

def plain_table():
    cols = [("figure", "label"), ("unit", "unit"), ("ks", "ks"), ("Redis", "redis"), ("ks/Redis", "xr"),
            ("NATS", "nats"), ("ks/NATS", "xn"), ("target", "target"), ("met", "met")]
    rows = [[c[0] for c in cols]] + [[t[c[1]].replace("`", "") for c in cols] for t in table]
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    for i, r in enumerate(rows):
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))

print(f"\nks vs peers: medians of {runs} run(s), {N} records of 100 bytes"
      + ("" if meta["peers"] == "1" else " (no peers: --no-peers)"))
if meta["e2e_tool"] == "follow_latency":
    print("end-to-end latency from bench/follow_latency: `ks bench` is not in this build")
plain_table()
if out_path == "":
    sys.exit(0)

# --- Markdown ---
o = []
w = o.append
w("# Benchmarks")
w("")
w(f"Generated by `{meta['command']}` ({meta['started']} to {meta['finished']}). "
  f"Every figure is the median of {runs} rounds; each round starts a fresh daemon in a throw-away home"
  + (" and runs the peers right after ks, so ratios compare runs made under the same load."
     if meta["peers"] == "1" else ".")
  + " The machine is a shared, noisy VM: compare ratios from one run, not absolute numbers across runs "
  "or machines. Regenerate with `scripts/bench.sh`.")
w("")
w("## Machine")
w("")
w("| | |")
w("|---|---|")
for k, label in [("cpu", "CPU"), ("cpus", "CPUs"), ("topology", "topology"), ("hypervisor", "hypervisor"),
                 ("memory", "memory"), ("kernel", "kernel"), ("os", "OS"), ("filesystem", "filesystem (temp dir)"),
                 ("compiler", "compiler"), ("build", "ks build"), ("load_start", "load average (1, 5, 15 min) at the start"),
                 ("loadavg", "load average at the end")]:
    if meta.get(k):
        w(f"| {label} | {meta[k]} |")
w("")
w("## Results")
w("")
w(f"{N:,} records of 100 bytes (a line of 100 digits each) per throughput figure; "
  "records/s count records, not bytes. `ks/Redis` and `ks/NATS` divide the ks median by the peer's "
  "(for latencies lower is better, so below 1× is better).")
w("")
w("| figure | unit | ks | Redis | ks/Redis | NATS | ks/NATS | target | met |")
w("|---|---|---:|---:|---:|---:|---:|---|---|")
def cell(text):
    return text.replace("|", "\\|")
for t in table:
    w(f"| {cell(t['label'])} | {t['unit']} | {t['ks']} | {t['redis']} | {t['xr']} | {t['nats']} | {t['xn']} | {t['target']} | {t['met']} |")
w("")
w("Peer figures, from `../shared/peers/peers.sh all N` (see its README): Redis Streams pipelined XADD "
  "(1000 in flight, no persistence), XRANGE COUNT 1000, XADD → blocked XREAD one in flight, and XADD "
  "pipelined with `appendfsync always`; NATS JetStream async publish to a file-backed stream, an ordered "
  "push consumer, and publish → push consumer one in flight. NATS has no fsync-per-write mode in "
  "peers.sh, so `--acks all` is compared with Redis only." if meta["peers"] == "1" else
  "Peers were not measured (`--no-peers`).")
w("")

w("### Every run")
w("")
w("| figure | " + " | ".join(f"run {i + 1}" for i in range(runs)) + " |")
w("|---|" + "---:|" * runs)
def tidy(v):
    try:
        x = float(v)
    except ValueError:
        return v
    return str(int(x)) if x.is_integer() and "." in v else v
def run_row(label, key):
    vs = vals.get(key)
    if vs:
        w(f"| {cell(label)} | " + " | ".join(tidy(v) for v in vs) + " |")
for key, label, unit, *_ in ROWS:
    run_row(f"{label} ({unit})", key)
run_row("end-to-end max (µs)", "e2e_max")
run_row("group: records read by each member", "group3.split")
run_row(f"daemon RSS before the {meta['idle_conns']} connections (MiB)", "idle_rss_before_mib")
run_row(f"daemon RSS with them open (MiB)", "idle_rss_after_mib")
run_row("daemon RSS before the lag (MiB)", "lag_rss_before_mib")
run_row("log written during the lag (GB)", "lag_gb")
run_row("lag: fetches the client pipelined", "lag_fetches_asked")
run_row("lag: fetches the socket took", "lag_fetches_sent")
run_row("lag: the client's socket blocked (1 = yes)", "lag_sends_blocked")
run_row("produce while lagging (rec/s)", "lag_produce")
for k in sorted(k for k in vals if k.startswith(("redis.", "nats."))):
    run_row(f"peer `{k}`", k)
# The same ratios round by round: noise on a shared machine often hits ks
# and the peers of one round alike.
for key, label, unit, rk, nk, target, ratio in ROWS:
    if ratio and vals.get(key) and vals.get(rk) and len(vals[key]) == len(vals[rk]):
        w(f"| ks/Redis, {cell(label)} | " + " | ".join(
            f"{float(a) / float(b):.2f}×" for a, b in zip(vals[key], vals[rk])) + " |")
w("")

w("## Commands")
w("")
w("Each round, in a fresh home `H` with `ks --home H daemon start` (all `ks` commands below carry "
  "`--home H --no-autostart`); `lines.txt` is written once per invocation:")
w("")
w("```sh")
w(f"python3 -c '...'   # lines.txt: {N} lines, each 100 digits (the line number, zero-padded) and a newline")
w("ks topic create pR -p 1;  ks produce pR < lines.txt                 # produce, acks 1")
w("ks topic create cR -p 1;  cat lines.txt | ks produce cR             # produce through a pipe")
w("ks topic create aR -p 1;  ks produce aR --acks all < lines.txt      # produce, acks all")
w("ks consume pR -e > /dev/null                                        # consume")
w("ks consume pR -e | wc -l                                            # consume through a pipe (count checked)")
w("ks bench produce --records N -o json;  ks bench consume pR -o json  # when the build has `ks bench`")
if meta["e2e_tool"] == "ks-bench":
    w(f"ks bench e2e --records {meta['e2e_samples']} -o json                               # end-to-end latency")
else:
    w(f"build/bench/follow_latency H {meta['e2e_samples']}                          # end-to-end latency (`ks bench` was not in this build)")
w("ks topic create gR -p 3;  ks produce gR < lines.txt")
w("for m in 1 2 3; do ks consume gR -g benchR -e > member$m.out & done; wait   # group consume, timed")
w(f"for P in {meta['partition_counts']}; do ks topic create sP-R -p P; ks produce sP-R < lines.txt; done  # partitions")
w("```")
w("")
w("Each produce is checked with `ks offsets -o json` (the partitions' latest offsets add up to N); the")
w("group figure is N divided by the time until all three members exit, and the members' line counts")
w("must add up to at least N. Wall time is taken around the command, so it includes starting `ks`.")
w("CPU times come from `/proc` (the shell's waited-for children for the client side, the daemon's")
w("own utime + stime), in 10 ms ticks.")
w("")
w(f"Idle connections: a Python client opens {meta['idle_conns']} Unix-socket connections to `H/ks.sock`, "
  "sends `hello` on each and reads the answer, waits a second, and reads `VmRSS` from "
  "`/proc/PID/status` of the daemon (just restarted) before and after; the daemon's `status` must "
  "count the connections.")
w("")
w(f"Lagging consumer (daemon restarted first): while `cat lines.txt` × k `| ks produce lagR` writes "
  f"about {int(meta['lag_target']) / 1e9:g} GB into one partition, a Python client pipelines `fetch` requests, each for "
  "the next ~1 MiB of the log with `max_wait_ms` 0, on a connection it never reads, sending whatever "
  "the socket accepts; a second connection follows the partition's end. The daemon's `VmRSS` is "
  "sampled every 10 ms until 2 s after the last record.")
w("")

# What bounds it: only what the figures above show.
w("## What bounds it")
w("")
w("Only what these runs show (medians):")
w("")
ncpu = meta["cpus"]
w(f"- The machine was shared: load average {meta['load_start'].split()[0]} at the start and "
  f"{meta['loadavg'].split()[0]} at the end, on {ncpu} CPUs.")
def cpu_line(key, what):
    wall, c, d = med(key + ".wall_s"), med(key + ".client_cpu_s"), med(key + ".daemon_cpu_s")
    if wall is None:
        return
    w(f"- {what}: {wall:.2f} s wall; the client side used {c:.2f} s of CPU ({100 * c / wall:.0f}% of one CPU), "
      f"the daemon {d:.2f} s ({100 * d / wall:.0f}%).")
cpu_line("produce", "`ks produce` (acks 1)")
cpu_line("produce_all", "`ks produce --acks all`")
cpu_line("consume_null", "`ks consume -e > /dev/null`")
cpu_line("consume_wc", "`ks consume -e | wc -l` (client side includes `wc`)")
cpu_line("group3", "group consume with 3 members")
def ratio_line(a, b, text):
    x, y = med(a), med(b)
    if x and y:
        w(f"- {text}: {x / y:.2f}× ({fmt(x, 'rec/s')} vs {fmt(y, 'rec/s')} rec/s).")
ratio_line("produce_cat", "produce", "`cat file |` against `< file`")
ratio_line("produce", "bench_produce", "`ks produce < file` against `ks bench produce` (no input parsing)")
ratio_line("consume_null", "bench_consume", "`ks consume -e > /dev/null` against `ks bench consume` (no output formatting)")
ratio_line("produce_all", "produce", "`--acks all` against acks 1")
ratio_line("consume_wc", "consume_null", "`| wc -l` against `> /dev/null`")
pcs = meta["partition_counts"].split()
ratio_line(f"partitions_{pcs[-1]}", f"partitions_{pcs[0]}", f"{pcs[-1]} partitions against {pcs[0]}")
if vals.get("group3.split"):
    w(f"- Group consume, records read by each of the 3 members per run: {', '.join(vals['group3.split'])}.")
g = med("idle_growth_mib")
if g is not None:
    per = g * 1024 / int(meta["idle_conns"])
    w(f"- {meta['idle_conns']} idle connections added {g:.1f} MiB to the daemon's RSS (about {per:.1f} KiB each).")
if med("lag_rss_peak_mib") is not None:
    blocked = sum(int(v) for v in vals["lag_sends_blocked"])
    w(f"- Lagging consumer: the daemon's RSS went from {med('lag_rss_before_mib'):.1f} to a peak of "
      f"{med('lag_rss_peak_mib'):.1f} MiB while {med('lag_gb'):.2f} GB were written; the client pipelined "
      f"{med('lag_fetches_asked'):.0f} fetches (about 1 MiB each), its socket took "
      f"{med('lag_fetches_sent'):.0f}, and its sends were blocked at the end in {blocked} of {runs} runs.")
p50, rp50 = med("e2e_p50"), med("redis.e2e_p50_us")
if p50 is not None and rp50:
    w(f"- End-to-end p50: ks {p50:.0f} µs, Redis {rp50:.0f} µs on the same machine.")
w("")
# Before/after figures of past changes, kept by hand next to the report.
import os
history = os.path.join(os.path.dirname(out_path), "benchmarks-changes.md")
if os.path.exists(history):
    o.append(open(history).read())
open(out_path, "w").write("\n".join(o))
print(f"\nwrote {out_path}")
EOF
report_out=
if [[ -n $out ]]; then
  report_out=$out
  [[ $out == /* ]] || report_out=$root/$out
  mkdir -p "$(dirname "$report_out")"
fi
python3 "$work/report.py" "$results" "$meta" "$report_out"
