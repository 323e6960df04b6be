# The ks rows added with the Kafka comparison (issue 17): keyed produce over
# many partitions, concurrent clients, value sizes, 1M against 10M records,
# start-up with 10,000 partitions, latency under load, and `ks produce <
# file` against `cat file > file`. Sourced by scripts/bench.sh; each fig_*
# runs against the daemon in $home.

# --- keyed produce into 1 .. 10,000 partitions, and consume -------------------------
# `ks produce T -K :` of "kI:VALUE" lines (keyed_keys distinct keys, 100-byte
# lines) into a fresh topic of P partitions: the partitioner spreads them
# over all of them; then `ks consume T -e > /dev/null`. Creating the topic
# is not timed (10,000 partitions take from seconds to minutes: each
# partition's directory is fsynced).
fig_keyed() {
  local p t
  for p in "${keyed_partitions[@]}"; do
    t=k$p-$round
    ks topic create "$t" -p "$p" >/dev/null
    run_timed eval 'ks produce "$t" -K : <"$keyed_input"'
    check_records "$t" "$keyed_records"
    put_timed "keyed_produce_$p" "$keyed_records"
    run_timed eval 'ks consume "$t" -e >/dev/null'
    put_timed "keyed_consume_$p" "$keyed_records"
    # The largest stays for the start-up figure when it runs this round.
    [[ $p == "$startup_partitions" ]] && startup_this_round || ks topic delete -y "$t" >/dev/null
  done
}

# --- start-up with 10,000 partitions ------------------------------------------------
# The daemon holding a topic of startup_partitions (10,000; 1,000 with
# --quick) partitions with the keyed records
# (fig_keyed's, else written here) is stopped (the time until its process
# is gone: a clean shutdown writes each partition's state), then started
# again: the time from `ks daemon start` to the first answer of `ks offsets`
# for that topic.
fig_startup() {
  local t=k$startup_partitions-$round t0 t1
  if ! ks topic describe "$t" >/dev/null 2>&1; then
    ks topic create "$t" -p "$startup_partitions" >/dev/null
    ks produce "$t" -K : <"$keyed_input"
  fi
  t0=$EPOCHREALTIME
  daemon_stop
  t1=$EPOCHREALTIME
  put shutdown_many_ms "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"
  t0=$EPOCHREALTIME
  ks daemon start >/dev/null
  until ks offsets "$t" -o json >/dev/null 2>&1; do sleep 0.001; done
  t1=$EPOCHREALTIME
  dpid=$(ks daemon status -o json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  put startup_many_ms "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"
  put startup_many_rss_mib "$(mib "$(status_kb "$dpid" VmRSS)")"
  ks topic delete -y "$t" >/dev/null
}

# --- 1, 2, 4, 8 concurrent producers and consumers ------------------------------------
# C producers, each `ks produce T < piece` of 1/C of the input, into one topic
# of 8 partitions (each producer's records go round robin over them); then C
# consumers, each reading the whole topic. Records/s: all records written
# (read) by all of them, over the time until the last one exits.
concurrent() {  # C CMD... (each runs as CMD... I, I = 0 .. C-1)
  local c=$1 i pids=() rc=0
  shift
  for ((i = 0; i < c; i++)); do
    "$@" "$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=$?; done
  [[ $rc == 0 ]] || die "one of $c concurrent '$*' exited $rc"
}
piece_produce() { ks produce "$1" <"$work/piece.$2"; }
piece_consume() { ks consume "$1" -e >/dev/null; }
fig_concurrency() {
  local c t
  for c in "${concurrency_levels[@]}"; do
    t=cc$c-$round
    rm -f "$work"/piece.*
    split -n "l/$c" -d -a 1 "$input" "$work/piece."
    ks topic create "$t" -p 8 >/dev/null
    run_timed concurrent "$c" piece_produce "$t"
    check_records "$t" "$records"
    put_timed "concurrent_produce_$c" "$records"
    run_timed concurrent "$c" piece_consume "$t"
    put_timed "concurrent_consume_$c" $((c * records))
    ks topic delete -y "$t" >/dev/null
  done
  rm -f "$work"/piece.*
}

# --- value sizes 10 B .. 100 KiB --------------------------------------------------------
# For each size, min(records, size_bytes / size) lines of that many bytes:
# `ks produce T < file` and `ks consume T -e > /dev/null`.
fig_sizes() {
  local s n t f
  for s in "${value_sizes[@]}"; do
    n=$((size_bytes / s)); ((n > records)) && n=$records
    f=$work/size$s.txt
    [[ -f $f ]] || make_lines "$f" "$n" "$s"
    t=v$s-$round
    ks topic create "$t" -p 1 >/dev/null
    run_timed eval 'ks produce "$t" <"$f"'
    check_records "$t" "$n"
    put_timed "size_produce_$s" "$n"
    run_timed eval 'ks consume "$t" -e >/dev/null'
    put_timed "size_consume_$s" "$n"
    put "size_records_$s" "$n"
    ks topic delete -y "$t" >/dev/null
  done
}

# --- 1M against 10M records: the cost of a record --------------------------------------
# `ks produce T < file` and `ks consume T -e > /dev/null` of scale_small and
# scale_big 100-byte lines (the small file is the big one's head).
fig_scale() {
  local n t f
  for n in "$scale_small" "$scale_big"; do
    f=$work/scale$n.txt
    [[ -f $f ]] || head -n "$n" "$scale_input" >"$f"
    t=sc$n-$round
    ks topic create "$t" -p 1 >/dev/null
    run_timed eval 'ks produce "$t" <"$f"'
    check_records "$t" "$n"
    put_timed "scale_produce_$n" "$n"
    run_timed eval 'ks consume "$t" -e >/dev/null'
    put_timed "scale_consume_$n" "$n"
    ks topic delete -y "$t" >/dev/null
  done
}

# --- end-to-end latency while another producer saturates the daemon --------------------
# `ks bench produce` (16 requests in flight, as fast as it goes) into another
# topic while `ks bench e2e` measures; the producer is stopped after. Puts
# whether it was still running when the latency run ended (1 = yes).
fig_e2e_load() {
  local lp json still=0 extra=()
  ks bench produce "load$round" --records "$load_records" -o json >"$work/load.json" 2>/dev/null &
  lp=$!
  bg_pids+=("$lp")
  sleep 0.5
  ks bench e2e --help 2>/dev/null | grep -q -- '--records' && extra=(--records "$e2e_samples")
  json=$(ks bench e2e -o json "${extra[@]}")
  kill -0 "$lp" 2>/dev/null && still=1
  kill "$lp" 2>/dev/null || true
  wait "$lp" 2>/dev/null || true
  bg_pids=()
  local k v
  while read -r k v; do put "e2e_load_$k" "$v"; done < <(python3 -c '
import json, sys
lat = json.loads(sys.argv[1])["latency_us"]
for k in ("p50", "p99", "p999", "max"): print(k, lat[k])' "$json")
  put e2e_load_saturated "$still"
  ks topic delete -y "load$round" >/dev/null 2>&1 || true
}

# --- `ks produce < file` against `cat file > file` on the same bytes ---------------------
# Each starts after a `sync`, so neither pays for the other's (or an input
# file's) dirty pages.
copy_cat() { cat "$input" >"$work/copy.txt"; }
fig_file() {
  ks topic create "f$round" -p 1 >/dev/null
  sync
  run_timed eval 'ks produce "f$round" <"$input"'
  check_records "f$round" "$records"
  put_timed file_produce "$records"
  rm -f "$work/copy.txt"
  sync
  run_timed copy_cat
  put_timed file_cat "$records"
  rm -f "$work/copy.txt"
  ks topic delete -y "f$round" >/dev/null
}
