#!/usr/bin/env bash
# `ks produce` into many partitions: keyed records are packed, many
# partitions to a request (produce_many), and still land whole, in order
# per partition, where Kafka's partitioner puts them; a batch waits no
# longer than its own linger, whatever the other partitions do.
source "$(dirname "$0")/lib.sh"

# 100,000 keyed records over 1,000 partitions: every record once, each
# partition's records in input order, keys where murmur2 puts them.
case_keyed_many_partitions() {
  assert_exit 0 ks topic create wide -p 1000
  awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "k%d:%d\n", (i * 7919) % 30011, i }' >"$T/in"
  assert_exit 0 timeout 120 "$KS" produce wide -K: <"$T/in"
  consume_all wide -f '%p %k %v\n'
  assert_eq 100000 "$(count_lines "$OUT")" "records consumed"
  # Every input line once.
  awk '{ print $2 ":" $3 }' "$OUT" | sort >"$T/got"
  sort "$T/in" >"$T/want"
  assert_file_eq "$T/want" "$T/got" "the records, as a set"
  # In input order within each partition (the value is the line number).
  awk '{ if ($3 <= last[$1]) { print "partition " $1 ": " $3 " after " last[$1]; exit 1 } last[$1] = $3 }' "$OUT" \
    >"$T/order" || fail "out of order: $(cat "$T/order")"
  # One partition per key, and Kafka's (a sample; murmur2 in bash is slow).
  awk '{ print $1, $2 }' "$OUT" | sort -u >"$T/pk"
  assert_eq "$(cut -d' ' -f2 "$T/pk" | sort | uniq -d | head -3)" "" "keys seen in two partitions"
  local n=0 p k
  while read -r p k; do
    assert_eq "$(kafka_partition "$k" 1000)" "$p" "partition of key $k"
    n=$((n + 1))
    [[ $n -lt 150 ]] || break
  done < <(shuf -n 150 --random-source="$T/in" "$T/pk")
  # More partitions were written than ever fit one request per partition
  # in flight: the topic's partitions hold records across the range.
  assert_exit 0 ks topic describe wide -o json
  json_check 'sum(1 for p in topic(d)["partition_info"] if p["end"] > 0) > 950' "partitions with records" <"$OUT"
}

# Input that pauses: each partition's batch goes when its own linger runs
# out, while the input is still open, including one whose linger runs out
# after another's was sent.
case_linger_per_partition_while_input_waits() {
  assert_exit 0 ks topic create slow -p 8
  local fifo="$T/fifo"
  mkfifo "$fifo"
  "$KS" produce slow -K: --linger-ms 300 <"$fifo" 2>"$T/p.err" &
  local producer=$!
  exec 7>"$fifo"
  local k1=a k2=
  # A second key in another partition than the first.
  for k2 in b c d e f g h i j; do
    [[ $(kafka_partition "$k2" 8) != $(kafka_partition "$k1" 8) ]] && break
  done
  echo "$k1:first" >&7
  sleep 0.15
  echo "$k2:second" >&7
  # Both are readable while the producer still waits for input.
  wait_until 20 bash -c "\"$KS\" consume slow -e -f '%v\n' 2>/dev/null | sort | tr '\n' ' ' | grep -qx 'first second '" ||
    fail "not both records readable within 20 s while the input waited"
  alive "$producer" || fail "producer exited before its input ended: $(cat "$T/p.err")"
  echo "$k1:third" >&7
  exec 7>&-
  wait "$producer" || fail "produce exited $?: $(cat "$T/p.err")"
  consume_all slow -f '%v\n'
  assert_eq "first second third" "$(sort "$OUT" | tr '\n' ' ' | sed 's/ $//')" "records after the input closed"
}

run_cases keyed_many_partitions:120 linger_per_partition_while_input_waits
