#!/usr/bin/env bash
# `ks bench produce | consume | e2e`: the counts it reports are the records
# that really went in or came out, the JSON has the fields scripts read,
# --rate holds it back, its own topic is gone afterwards, and bad flags are
# usage errors. No timing is asserted except the lower bound --rate sets:
# the machine running the tests may be slow or busy.
source "$(dirname "$0")/lib.sh"

# The value of KEY in `ks bench` text output (aligned `key value` lines).
field() {  # KEY FILE
  awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# Bench topics (bench-<pid>-<time>) the daemon still has.
bench_topics() {
  assert_exit 0 ks topic list -o json
  json_eval '" ".join(sorted(t["name"] for t in (d if isinstance(d, list) else d["topics"]) if t["name"].startswith("bench-")))' <"$OUT"
}

# The headline: N records in, N records of the asked size on the topic,
# spread over the partitions the topic was created with.
case_produce_writes_exactly_n_records() {
  assert_exit 0 ks bench produce bp --records 20000 --record-size 37 --partitions 3
  assert_file_empty "$ERR" "stderr of bench produce (not a terminal: no progress line)"
  cp "$OUT" "$T/figures"
  assert_eq produce "$(field mode "$T/figures")" "mode"
  assert_eq bp "$(field topic "$T/figures")" "topic"
  assert_eq 20000 "$(field records "$T/figures")" "records reported"
  assert_eq 740000 "$(field bytes "$T/figures")" "bytes reported (20000 x 37)"
  assert_eq 3 "$(field partitions "$T/figures")" "partitions reported"
  assert_eq no "$(field interrupted "$T/figures")" "interrupted"
  # Aligned: every value starts in the same column.
  local cols
  cols=$(awk '{ print index($0, $2) }' "$T/figures" | sort -u | wc -l)
  assert_eq 1 "$cols" "columns the values start in"

  assert_exit 0 ks offsets bp -o json
  json_check 'sum(p["latest"] - p["earliest"] for p in (d if isinstance(d, list) else d["partitions"])) == 20000' \
    "records on the topic (ks offsets)" <"$OUT"
  json_check 'len(d if isinstance(d, list) else d["partitions"]) == 3 and all(p["latest"] > 0 for p in (d if isinstance(d, list) else d["partitions"]))' \
    "every one of the 3 partitions got records" <"$OUT"
  consume_all bp -f '%K %V\n'
  assert_eq 20000 "$(count_lines "$OUT")" "records consumed"
  assert_eq "20000 -1 37" "$(sort "$OUT" | uniq -c | awk '{ print $1, $2, $3 }')" "key and value lengths (no key, 37-byte values)"
  # Values differ from record to record.
  consume_all bp -n 1000
  if [[ $(sort -u "$OUT" | wc -l) -lt 990 ]]; then fail "generated values repeat: $(sort -u "$OUT" | wc -l) distinct of 1000"; fi

  # An existing topic keeps its partitions and is not deleted.
  assert_exit 0 ks bench produce bp --records 500 --partitions 7 -o json
  json_check 'd["records"] == 500 and d["partitions"] == 3' "second run into bp" <"$OUT"
  assert_exit 0 ks offsets bp -o json
  json_check 'sum(p["latest"] for p in (d if isinstance(d, list) else d["partitions"])) == 20500' "records after the second run" <"$OUT"
}

case_produce_acks_and_compression() {
  local acks codec
  for acks in 0 1 all; do
    assert_exit 0 ks bench produce "ba-$acks" --records 3000 --acks "$acks" -o json
    json_check 'd["records"] == 3000 and d["acks"] == "'"$acks"'"' "bench produce --acks $acks" <"$OUT"
    if [[ $acks == 0 ]]; then
      json_check '"latency_us" not in d' "no latency without answers (--acks 0)" <"$OUT"
      wait_until 30 bash -c "\"\$KS\" offsets ba-0 | awk '{ s += \$3 } END { exit s == 3000 ? 0 : 1 }'" ||
        fail "ba-0 does not reach 3000 records after --acks 0"
    else
      json_check '"latency_us" in d' "latency with --acks $acks" <"$OUT"
      assert_exit 0 ks offsets "ba-$acks"
      assert_eq 3000 "$(awk '{ s += $3 } END { print s }' "$OUT")" "records in ba-$acks"
    fi
  done
  for codec in gzip snappy lz4 zstd; do
    assert_exit 0 ks bench produce "bc-$codec" --records 5000 --record-size 200 --compression "$codec" -o json
    json_check 'd["records"] == 5000 and d["compression"] == "'"$codec"'" and d["wire_bytes"] < d["bytes"]' \
      "bench produce --compression $codec (compressed on the wire)" <"$OUT"
    assert_exit 0 ks log dump "$KS_HOME/data/bc-$codec-0" --headers-only
    assert_contains "$(cat "$OUT")" ", $codec, " "codec of the stored batches"
    consume_all "bc-$codec" -f '%V\n'
    assert_eq "5000 200" "$(sort "$OUT" | uniq -c | awk '{ print $1, $2 }')" "records of bc-$codec"
  done
}

# --rate is a cap: record i leaves no earlier than i/rate s after the start.
case_rate_caps_throughput() {
  local t0 t1
  t0=$(now_ms)
  assert_exit 0 ks bench produce br --records 2000 --rate 4000 -o json
  t1=$(now_ms)
  note "2000 records at --rate 4000: $((t1 - t0)) ms"
  json_check 'd["records"] == 2000 and d["rate"] == 4000 and d["seconds"] >= 0.4' "2000 records at --rate 4000 take >= 0.4 s" <"$OUT"
  assert_le 400 $((t1 - t0)) "wall time of 2000 records at --rate 4000 (ms)"
  assert_exit 0 ks offsets br
  assert_eq 2000 "$(awk '{ s += $3 } END { print s }' "$OUT")" "records in br"
}

case_json_fields() {
  assert_exit 0 ks bench produce --records 10000 --record-size 50 -o json
  assert_eq 1 "$(count_lines "$OUT")" "lines of -o json when piped"
  json_check 'list(d)[:7] == ["mode", "topic", "records", "bytes", "seconds", "records_per_s", "mb_per_s"]' \
    "the leading fields, in order" <"$OUT"
  json_check 'd["mode"] == "produce" and d["records"] == 10000 and d["bytes"] == 500000 and d["seconds"] > 0' "produce counts" <"$OUT"
  json_check 'abs(d["records_per_s"] - d["records"] / d["seconds"]) <= 0.01 * d["records_per_s"] + 1' "records_per_s" <"$OUT"
  json_check 'abs(d["mb_per_s"] - d["bytes"] / d["seconds"] / 1e6) <= 0.01 * d["mb_per_s"] + 0.01' "mb_per_s (10^6 bytes)" <"$OUT"
  json_check 'set(d["latency_us"]) == {"p50", "p99", "p999", "max"}' "latency_us fields" <"$OUT"
  json_check '0 < d["latency_us"]["p50"] <= d["latency_us"]["p99"] <= d["latency_us"]["p999"] <= d["latency_us"]["max"]' \
    "latency_us order" <"$OUT"
  json_check 'all(k in d for k in ("partitions", "record_size", "acks", "compression", "batch_bytes", "linger_ms", "in_flight", "rate", "batches", "wire_bytes"))' \
    "produce settings" <"$OUT"
  json_check 'd["interrupted"] is False and d["topic"].startswith("bench-")' "interrupted, topic" <"$OUT"

  assert_exit 0 ks bench e2e --records 100 --warmup 10 -o json
  json_check 'd["mode"] == "e2e" and d["records"] == 100 and "latency_us" in d and d["warmup"] == 10 and d["acks"] == "1"' "e2e fields" <"$OUT"
  assert_exit 0 ks bench consume --records 1000 -o json
  json_check 'd["mode"] == "consume" and d["records"] == 1000 and "latency_us" not in d and "fetch_bytes" in d and "fetches" in d' \
    "consume fields" <"$OUT"
}

# Exactly what is there: every record of a topic, its bytes, or --records.
case_consume_counts_what_is_there() {
  seq 1 12345 >"$T/in"
  assert_exit 0 ks topic create bcons -p 3
  assert_exit 0 ks produce bcons <"$T/in"
  local bytes
  bytes=$(tr -d '\n' <"$T/in" | wc -c)
  assert_exit 0 ks bench consume bcons -o json
  json_check "d['records'] == 12345 and d['bytes'] == $bytes and d['partitions'] == 3" "bench consume of 12345 records ($bytes bytes)" <"$OUT"
  assert_exit 0 ks bench consume bcons --records 1000 -o json
  json_check 'd["records"] == 1000' "--records 1000 over 3 partitions" <"$OUT"
  assert_exit 0 ks bench consume bcons --records 99999 --fetch-bytes 1024 --in-flight 1 -o json
  json_check 'd["records"] == 12345' "--records past the end, small fetches" <"$OUT"
  assert_exit 0 ks bench consume bcons --records 0 -o json
  json_check 'd["records"] == 0 and d["bytes"] == 0' "--records 0" <"$OUT"

  # Without a topic: written first, then read back, compressed or not.
  assert_exit 0 ks bench consume --records 30000 --partitions 2 --record-size 64 --compression lz4 -o json
  json_check 'd["records"] == 30000 and d["bytes"] == 30000 * 64 and d["partitions"] == 2 and d["compression"] == "lz4"' \
    "bench consume of its own 30000 lz4 records" <"$OUT"
  assert_exit 0 ks bench consume --records 5000
  assert_eq 5000 "$(field records "$OUT")" "records (text output)"
  assert_file_empty "$ERR" "stderr of bench consume"
}

case_e2e_percentiles() {
  assert_exit 0 ks bench e2e --records 500 -o json
  json_check 'd["records"] == 500 and d["bytes"] == 50000 and d["warmup"] == 1000' "e2e counts" <"$OUT"
  json_check '0 < d["latency_us"]["p50"] <= d["latency_us"]["p99"] <= d["latency_us"]["p999"] <= d["latency_us"]["max"]' \
    "e2e p50 <= p99 <= p99.9 <= max" <"$OUT"
  assert_exit 0 ks bench e2e --records 200 --warmup 0 --record-size 1000 --acks all
  local p50 p99 max
  p50=$(field latency-p50-us "$OUT")
  p99=$(field latency-p99-us "$OUT")
  max=$(field latency-max-us "$OUT")
  assert_matches "$p50 $p99 $max" '^[0-9]+\.[0-9] [0-9]+\.[0-9] [0-9]+\.[0-9]$' "text latency figures"
  python3 -c "import sys; sys.exit(0 if $p50 <= $p99 <= $max else 1)" || fail "text: p50 $p50 <= p99 $p99 <= max $max"
}

# The fresh topic goes away after every mode, after a usage error found
# once connected, and stays with --keep.
case_default_topic_deleted() {
  assert_eq "" "$(bench_topics)" "bench topics before"
  assert_exit 0 ks bench produce --records 3000
  local name
  name=$(field topic "$OUT")
  assert_matches "$name" '^bench-[0-9]+-[0-9]+$' "generated topic name"
  assert_eq "" "$(bench_topics)" "bench topics after bench produce"
  assert_exit 0 ks bench consume --records 3000
  assert_eq "" "$(bench_topics)" "bench topics after bench consume"
  assert_exit 0 ks bench e2e --records 50 --warmup 5
  assert_eq "" "$(bench_topics)" "bench topics after bench e2e"
  assert_exit 2 ks bench produce --record-size 2000000
  assert_contains "$(cat "$ERR")" "max.message.bytes" "error for a record over max.message.bytes"
  assert_eq "" "$(bench_topics)" "bench topics after a usage error"

  assert_exit 0 ks bench produce --records 1234 --keep
  name=$(field topic "$OUT")
  assert_eq "$name" "$(bench_topics)" "the topic kept with --keep"
  assert_exit 0 ks offsets "$name"
  assert_eq 1234 "$(awk '{ s += $3 } END { print s }' "$OUT")" "records in the kept topic"
  assert_exit 0 ks topic delete -y "$name"
}

# Ctrl-C: the figures so far, exit 130, and the topic is still deleted.
case_sigint_prints_partial_figures() {
  local pid rc=0
  "$KS" bench produce --records 1000000 --rate 10000 -o json >"$T/out" 2>"$T/err" &
  pid=$!
  # SIGINT once records are in the bench topic, however slow the start.
  wait_until 60 bash -c '"$KS" offsets "$("$KS" topic list | grep -m1 "^bench-" | cut -f1 | cut -d" " -f1)" | awk "{ s += \$3 } END { exit s > 0 ? 0 : 1 }"' ||
    fail "no records in a bench topic after 60 s"
  kill -INT "$pid"
  wait "$pid" || rc=$?
  assert_eq 130 "$rc" "exit status after SIGINT"
  json_check 'd["interrupted"] is True and 0 < d["records"] < 1000000 and d["seconds"] > 0' "figures after SIGINT" <"$T/out"
  assert_file_empty "$T/err" "stderr after SIGINT"
  assert_eq "" "$(bench_topics)" "bench topics after SIGINT"
}

# On a terminal, a progress line on stderr, erased at the end.
case_progress_on_a_terminal() {
  if ! command -v script >/dev/null 2>&1; then
    note "script(1) is not installed; skipped"
    return 0
  fi
  assert_exit 0 script -qec "\"$KS\" bench produce --records 30000 --rate 15000 -o json 2>&1 >\"$T/json\"" "$T/tty"
  json_check 'd["records"] == 30000' "figures with a terminal on stderr" <"$T/json"
  grep -qa $'\rproduce: [0-9]* records, [0-9]* records/s, [0-9.]* MB/s' "$T/tty" ||
    fail "no progress line on the terminal: $(cat -v "$T/tty" | head -c 600)"
  grep -qa $'\r\e\\[K' "$T/tty" || fail "the progress line was not erased: $(cat -v "$T/tty" | head -c 600)"
}

case_bad_flags_exit_2() {
  local args
  while IFS= read -r args; do
    # shellcheck disable=SC2086
    assert_exit 2 ks bench $args
    assert_contains "$(cat "$ERR")" "ks: error:" "stderr of ks bench $args"
  done <<'EOF'
produce --acks 2
produce --records -1
produce --record-size -5
produce --compression brotli
produce --rate -3
produce --partitions 0
produce --batch-bytes 10
produce --in-flight 0
produce --bogus
produce -o yaml
produce bad/topic
consume --fetch-bytes 1
consume --rate 5
e2e topic
e2e --compression lz4
e2e --records x
nosuchmode

EOF
  assert_exit 4 ks bench consume no-such-topic
  assert_contains "$(cat "$ERR")" "no-such-topic" "error for a missing topic"
  mkdir -m 0700 "$T/empty"
  assert_exit 3 ks --home "$T/empty" --no-autostart bench produce --records 10
  assert_exit 3 ks --home "$T/empty" --no-autostart bench e2e --records 10
}

run_cases \
  produce_writes_exactly_n_records \
  produce_acks_and_compression \
  rate_caps_throughput \
  json_fields \
  consume_counts_what_is_there \
  e2e_percentiles \
  default_topic_deleted \
  sigint_prints_partial_figures \
  progress_on_a_terminal \
  bad_flags_exit_2
