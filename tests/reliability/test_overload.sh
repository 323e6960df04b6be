#!/usr/bin/env bash
# Overload against a real daemon: many concurrent `ks` clients, consumers
# that send fetches and never read the answers, and 10,000 connections
# dropped at every stage of a frame. Throughout, a witness client
# (overload_clients.py) must get every answer, from the same daemon pid,
# and the daemon's resident memory must stay bounded (< 128 MiB):
# backpressure, not buffering. Each case prints its figures (peak RSS,
# sizes) as `..` notes.
#
#   bash tests/reliability/test_overload.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

RSS_LIMIT_KIB=$((128 * 1024))
# Under AddressSanitizer (scripts/test.sh's sanitize stage) freed memory sits
# in a 256 MiB quarantine and every allocation carries redzones and shadow:
# the bound then only catches runaway growth.
if [[ "$(ldd "$KS" 2>/dev/null)" == *libasan* ]]; then  # (no pipe: pipefail and grep -q)
  RSS_LIMIT_KIB=$((512 * 1024))
  note "ks is built with AddressSanitizer: RSS bound raised to 512 MiB"
fi

overload() { python3 "$FAULT_DIR/overload_clients.py" "$@"; }

fresh_daemon() {
  H=$T/h
  export KS_HOME=$H
  start_daemon --no-autostart
  PID=$(daemon_pid_of "$H")
  SOCK=$H/ks.sock
}

# Checks the summary line of overload_clients.py in $1 and prints it.
check_summary() {  # FILE WHAT
  local f=$1 what=$2
  note "$what: $(tail -1 "$f")"
  tail -1 "$f" | json_check 'd["witness_error_count"] == 0 and d["witness_ok"] > 0' "$what: the witness got every answer"
  assert_daemon_serving "$H" "$PID" "$what"
  local peak
  peak=$(tail -1 "$f" | json_eval 'max(d["rss_max_kib"], d["hwm_kib"])')
  if [[ $peak -ge $RSS_LIMIT_KIB ]]; then
    fail "$what: the daemon's peak RSS was $((peak / 1024)) MiB, over $((RSS_LIMIT_KIB / 1024)) MiB: $(tail -1 "$f")"
  fi
}

# 100 `ks produce` and 100 `ks consume` processes at once, on 10 topics.
case_many_clients() {
  fresh_daemon
  local t i pids=() rc=0
  for t in 0 1 2 3 4 5 6 7 8 9; do assert_exit 0 ks --no-autostart topic create "t$t" -p 2; done
  exec 3> >(overload "$SOCK" "$PID" watch >"$T/watch.json")
  wait_until 60 test -s "$T/watch.json" || fail "the witness did not start"
  for t in 0 1 2 3 4 5 6 7 8 9; do
    for i in 0 1 2 3 4 5 6 7 8 9; do
      timeout 400 "$KS" --no-autostart consume "t$t" -n 20000 -f '%p %v\n' >"$T/c$t.$i" 2>"$T/c$t.$i.err" &
      pids+=($!)
    done
  done
  for t in 0 1 2 3 4 5 6 7 8 9; do
    for i in 0 1 2 3 4 5 6 7 8 9; do
      seq -f "t$t-p$i-%g" 1 2000 | timeout 400 "$KS" --no-autostart produce "t$t" 2>"$T/p$t.$i.err" &
      pids+=($!)
    done
  done
  local failed=0
  for i in "${pids[@]}"; do wait "$i" || failed=$((failed + 1)); done
  exec 3>&-
  wait_until 120 eval '[[ $(wc -l <"$T/watch.json") -ge 2 ]]' || fail "no summary from the witness"
  if [[ $failed -ne 0 ]]; then
    fail "$failed of 200 clients failed; e.g. $(cat "$T"/p*.err "$T"/c*.err | sort | uniq -c | head -5)"
  fi
  for t in 0 1 2 3 4 5 6 7 8 9; do
    for i in 0 1 2 3 4 5 6 7 8 9; do
      assert_eq 20000 "$(count_lines "$T/c$t.$i")" "records read by consumer $i of t$t"
    done
    # In order within each partition (the producer may move to the other
    # partition between batches, and a consumer interleaves partitions),
    # and every one exactly once.
    assert_eq "$(seq 1 2000)" "$(awk -v p="t$t-p0-" 'index($2, p) == 1 { print substr($2, length(p) + 1) }' "$T/c$t.0" | sort -n)" \
      "t$t: producer 0's records, each once"
    awk -v p="t$t-p0-" 'index($2, p) == 1 { n = substr($2, length(p) + 1) + 0; if (n <= last[$1]) bad = 1; last[$1] = n }
      END { exit bad }' "$T/c$t.0" || fail "t$t: producer 0's records out of order within a partition"
  done
  check_summary "$T/watch.json" "100 producers + 100 consumers"
}

# Fills topic big with ~MB MiB of 1000-byte records.
fill_big() {  # MB
  assert_exit 0 timeout 120 "$KS" --no-autostart bench produce big --records $(($1 * 1000)) --record-size 1000
}

# One consumer connection pipelines 200 fetches of up to 64 MiB (the
# daemon caps them at half its frame limit) and never reads, while
# producers add 60 MiB.
case_one_unread_consumer() {
  fresh_daemon
  fill_big 40
  exec 3> >(overload "$SOCK" "$PID" slow 1 200 67108864 0 1 big >"$T/slow.json")
  wait_until 60 test -s "$T/slow.json" || fail "the slow consumer did not start"
  fill_big 30
  fill_big 30
  exec 3>&-
  wait_until 60 eval '[[ $(wc -l <"$T/slow.json") -ge 2 ]]' || fail "no summary from the slow consumer"
  note "on disk: $(ks --no-autostart daemon status -o json | json_eval 'd["bytes"]') bytes"
  check_summary "$T/slow.json" "one consumer that never reads (200 fetches x 32 MiB)"
}

# Eight such consumers: the bound must not be per connection.
case_eight_unread_consumers() {
  fresh_daemon
  fill_big 40
  exec 3> >(overload "$SOCK" "$PID" slow 8 50 67108864 0 1 big >"$T/slow.json")
  wait_until 60 test -s "$T/slow.json" || fail "the slow consumers did not start"
  fill_big 10
  exec 3>&-
  wait_until 60 eval '[[ $(wc -l <"$T/slow.json") -ge 2 ]]' || fail "no summary from the slow consumers"
  check_summary "$T/slow.json" "eight consumers that never read (50 fetches x 32 MiB each)"
}

# One connection parks 100 long-polling fetches (min_bytes 1 GiB, so they
# wait) and never reads; then 5 single-record produce calls. Each append
# wakes the parked fetches: re-checking them must not re-read the
# partition each time. Measured by the bytes the daemon read
# (/proc/PID/io rchar), not by time.
case_parked_long_polls() {
  fresh_daemon
  fill_big 8
  exec 3> >(overload "$SOCK" "$PID" slow 1 100 8388608 300000 1073741824 big >"$T/slow.json")
  wait_until 60 test -s "$T/slow.json" || fail "the long-polling consumer did not start"
  sleep 0.5  # let the daemon park them (no assertion depends on it)
  local before after i
  before=$(awk '/^rchar:/ { print $2 }' "/proc/$PID/io")
  for i in 1 2 3 4 5; do echo "wake-$i" | assert_exit 0 timeout 120 "$KS" --no-autostart produce big; done
  after=$(awk '/^rchar:/ { print $2 }' "/proc/$PID/io")
  exec 3>&-
  wait_until 60 eval '[[ $(wc -l <"$T/slow.json") -ge 2 ]]' || fail "no summary from the long-polling consumer"
  note "parked long polls: the daemon read $(( (after - before) / 1048576 )) MiB for 5 one-record appends"
  check_summary "$T/slow.json" "100 parked long polls"
  if [[ $((after - before)) -gt $((500 * 1048576)) ]]; then
    fail "5 one-record appends made the daemon read $(( (after - before) / 1048576 )) MiB: every wake-up of a parked fetch (100 of them) re-reads up to max_bytes (8 MiB) of records"
  fi
}

# 10,000 connections, 200 at a time, dropped in 8 ways: right after
# connecting, inside the length prefix, inside the header, inside a produce
# payload, after 3 requests whose answers are never read, after a 1 MiB
# fetch never read, after garbage, after announcing a 60 MiB frame.
case_connection_churn() {
  fresh_daemon
  fill_big 4
  overload "$SOCK" "$PID" churn 10000 200 big >"$T/churn.json" || fail "overload_clients.py churn failed"
  tail -1 "$T/churn.json" | json_check 'd["connections"] == 10000 and d["refused"] == 0' "all 10,000 connections made"
  check_summary "$T/churn.json" "10,000 dropped connections"
  wait_until 60 eval '[[ $("$KS" --no-autostart daemon status -o json | json_eval "d[\"connections\"]") -le 1 ]]' ||
    fail "the daemon still counts connections after they all closed: $("$KS" --no-autostart daemon status)"
  # The daemon still takes and serves data.
  seq 1 100 | assert_exit 0 ks --no-autostart produce after
  assert_exit 0 ks --no-autostart consume after -e
  assert_eq "$(seq 1 100)" "$(cat "$OUT")" "records produced after the churn"
}

run_cases many_clients:150 one_unread_consumer:90 eight_unread_consumers:90 parked_long_polls:120 \
  connection_churn:90
