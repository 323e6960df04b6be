# The ks figures the benchmark started with: produce and consume through the
# CLI, `ks bench`, end-to-end latency, a consumer group, partition counts,
# idle connections, a lagging consumer, and the peers (peers.sh). Sourced by
# scripts/bench.sh, which defines the helpers (scripts/bench/lib.sh).

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

fig_idle() {
  local before after conns
  read -r before after conns < <(python3 "$bench_dir/idle.py" "$home/ks.sock" "$dpid" "$idle_conns")
  [[ $conns -ge $idle_conns ]] || die "the daemon reports $conns connections, expected $idle_conns"
  put idle_rss_before_mib "$(awk -v k="$before" 'BEGIN { printf "%.1f", k / 1024 }')"
  put idle_rss_after_mib "$(awk -v k="$after" 'BEGIN { printf "%.1f", k / 1024 }')"
  put idle_growth_mib "$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1024 }')"
}

lag_produce() {
  local i
  for ((i = 0; i < lag_reps; i++)); do cat "$input"; done | ks produce "lag$round"
}
fig_lag() {
  lag_reps=$(((lag_target + records * 100 - 1) / (records * 100)))
  local target=$((lag_reps * records))
  ks topic create "lag$round" -p 1 >/dev/null
  python3 "$bench_dir/lag.py" "$home/ks.sock" "lag$round" "$dpid" "$target" >"$work/lag.json" 2>"$work/lag.err" &
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

