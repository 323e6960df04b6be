#!/usr/bin/env bash
# The daemon's limits, from outside: each must exist, refuse clearly (an
# error naming the limit, the documented exit status) and leave the daemon
# serving. Raw frames and names the CLI would not send go through
# fault_wire.py (the native protocol written again in Python).
#
#   bash tests/reliability/test_limits.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

fresh_daemon() {  # [daemon start args...]
  H=$T/h
  export KS_HOME=$H
  assert_exit 0 timeout 20 "$KS" --no-autostart daemon start "$@"
  PID=$(daemon_pid_of "$H")
  SOCK=$H/ks.sock
}

# A raw request's answer (JSON header line) in $OUT.
wire() { assert_exit 0 timeout 30 python3 "$FAULT_DIR/fault_wire.py" "$SOCK" "$@"; }

case_frame_size() {
  fresh_daemon
  # A length over the 64 MiB limit: an error, then the connection closes.
  wire raw "$(printf '%08x%08x' 0x7ffffff0 16)"
  json_check '"limit" in d["error"]["message"] and d["error"]["code"] == "invalid_argument"' "frame over the limit" <"$OUT"
  # A header longer than the frame.
  wire raw "$(printf '%08x%08x' 12 400)"
  json_check '"malformed" in d["error"]["message"]' "header longer than the frame" <"$OUT"
  # A header that is not JSON.
  wire raw "$(printf '%08x%08x' 9 5)6e6f6a736f"
  json_check '"JSON" in d["error"]["message"]' "header that is not JSON" <"$OUT"
  assert_daemon_serving "$H" "$PID" "after bad frames"
}

case_record_size() {
  fresh_daemon
  assert_exit 0 ks --no-autostart topic create small -c max.message.bytes=10000
  # The CLI refuses a record over the topic's limit, naming the line.
  { echo ok; head -c 20000 /dev/zero | tr '\0' x; echo; } >"$T/in"
  assert_exit 1 ks --no-autostart produce small <"$T/in"
  assert_matches "$(cat "$ERR")" "record 2|line 2" "produce names the oversize record"
  assert_contains "$(cat "$ERR")" "max.message.bytes" "produce names the limit"
  # The daemon refuses a batch over the limit from any client.
  wire produce small 0 15000
  json_check 'd["error"]["code"] == "invalid_argument" and "max.message.bytes" in d["error"]["message"]' "daemon-side max.message.bytes" <"$OUT"
  wire produce small 0 500 4
  json_check '"base_offset" in d' "a batch under the limit" <"$OUT"
  # The default limit (1048588) applies without an override.
  head -c 1100000 /dev/zero | tr '\0' y >"$T/big"
  assert_exit 1 ks --no-autostart produce dflt --raw --file "$T/big"
  assert_contains "$(cat "$ERR")" "max.message.bytes" "a 1.1 MB record against the default limit"
  assert_daemon_serving "$H" "$PID" "after oversize records"
}

case_topic_names() {
  fresh_daemon
  local name long249 long250
  long249=$(printf 'n%.0s' $(seq 1 249))
  long250=${long249}n
  for name in '../x' 'a/b' '/abs' '..' '.' '' 'sp ace' "$long250" 'x\y' 'é'; do
    assert_exit 2 ks --no-autostart topic create "$name"
    assert_matches "$(cat "$ERR")" "name" "topic create '$name': message"
    assert_exit 2 ks --no-autostart produce "$name" <<<v
  done
  # NUL and other names the shell cannot pass, straight to the daemon.
  local bad
  for bad in '"a\u0000b"' '"../../etc"' '"x\ny"'; do
    wire request "{\"op\": \"create_topic\", \"topic\": $bad}"
    json_check 'd.get("error", {}).get("code") == "invalid_argument"' "create_topic $bad" <"$OUT"
    wire request "{\"op\": \"produce\", \"topic\": $bad, \"partition\": 0, \"acks\": 1}"
    json_check '"error" in d' "produce to $bad" <"$OUT"
  done
  if find "$T" -name 'x-0' -o -name 'etc-0' -o -name 'b-0' | grep -q .; then
    fail "a partition directory appeared for a refused name: $(find "$T" -name '*-0')"
  fi
  if [[ $(ls "$H/data") != "" ]]; then fail "data/ is not empty after refused names: $(ls "$H/data")"; fi
  # The longest legal name works end to end, also after a restart.
  echo long | assert_exit 0 ks --no-autostart produce "$long249"
  stop_daemon
  start_daemon --no-autostart
  assert_exit 0 ks --no-autostart consume "$long249" -e
  assert_eq long "$(cat "$OUT")" "records of a 249-character topic"
}

case_group_names() {
  fresh_daemon
  echo v | assert_exit 0 ks --no-autostart produce g
  # Kafka takes any non-empty string as a group id; ks too, if it is UTF-8
  # without NUL and at most 32767 bytes.
  local name long
  long=$(head -c 32768 /dev/zero | tr '\0' g)
  for name in "$long" $'bad\xff'; do
    assert_exit 2 timeout 20 "$KS" --no-autostart consume g -g "$name" -e
    assert_matches "$(cat "$ERR")" "group id" "consume -g of a bad id: message"
  done
  wire request '{"op": "join_group", "group": "a\u0000b", "topics": ["g"]}'
  json_check 'd.get("error", {}).get("code") == "invalid_argument"' "join_group with a NUL in the id" <"$OUT"
  assert_exit 0 ks --no-autostart group list
  assert_file_empty "$OUT" "groups after refused ids"
  for name in '../g' 'sp ace' 'roundrobin,range'; do
    assert_exit 0 timeout 20 "$KS" --no-autostart consume g -g "$name" -e
  done
  assert_exit 0 ks --no-autostart group list
  assert_contains "$(cat "$OUT")" "roundrobin,range" "a group id with a comma is listed"
}

case_partition_count() {
  fresh_daemon
  assert_exit 2 ks --no-autostart topic create p0 -p 0
  assert_exit 2 ks --no-autostart topic create p10001 -p 10001
  assert_contains "$(cat "$ERR")" "10000" "the message names the per-topic limit"
  wire request '{"op": "create_topic", "topic": "pneg", "partitions": -5}'
  json_check 'd.get("error", {}).get("code") == "invalid_argument"' "create_topic with -5 partitions" <"$OUT"
  # A count that does not fit 32 bits must be refused, not wrapped to 1.
  wire request '{"op": "create_topic", "topic": "pbig", "partitions": 4294967297}'
  json_check '"error" in d' "create_topic with 2^32+1 partitions (answered OK: the count wrapped)" <"$OUT"
  assert_exit 0 ks --no-autostart topic create p2 -p 2
  assert_exit 2 ks --no-autostart topic alter p2 -p 10001
  assert_exit 0 ks --no-autostart topic list
  assert_eq p2 "$(cut -f1 "$OUT")" "topics after refused partition counts"
  assert_daemon_serving "$H" "$PID" "after refused partition counts"
}

# The total across topics (--max-partitions), when this daemon has it.
case_partition_total() {
  if ! "$KS" daemon run --help 2>/dev/null | grep -q -- --max-partitions; then
    note "no --max-partitions: no limit on partitions across topics (see the report)"
    return 0
  fi
  fresh_daemon --max-partitions 20
  assert_exit 0 ks --no-autostart topic create a -p 15
  assert_fails ks --no-autostart topic create b -p 10
  assert_matches "$(cat "$ERR")" "partition" "message of a topic over the total"
  assert_exit 0 ks --no-autostart topic create b -p 5
  assert_daemon_serving "$H" "$PID" "at the partition total"
}

case_connection_count() {
  if ! "$KS" daemon run --help 2>/dev/null | grep -q -- --max-connections; then
    note "no --max-connections: no limit on connections (see the report)"
    return 0
  fi
  fresh_daemon --max-connections 5
  exec 3> >(python3 "$FAULT_DIR/fault_wire.py" "$SOCK" hold 5 >"$T/hold.json")
  wait_until 60 test -s "$T/hold.json" || fail "could not open 5 connections"
  assert_fails timeout 60 "$KS" --no-autostart topic list
  assert_contains "$(cat "$ERR")" "too many connections" "a client over the connection limit"
  alive "$PID" || fail "daemon gone at the connection limit"
  exec 3>&-
  wait_until 60 "$KS" --no-autostart topic list || fail "topic list still refused after the 5 connections closed"
  assert_daemon_serving "$H" "$PID" "after the connection limit"
}

run_cases frame_size record_size topic_names group_names partition_count partition_total \
  connection_count
