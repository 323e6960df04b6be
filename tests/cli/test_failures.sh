#!/usr/bin/env bash
# Honest failures of `ks produce` (issue 14): a daemon killed mid-stream
# gives exit 5, one error and a count of what was acknowledged that the
# topic bears out; a --raw input over max.message.bytes is refused as it
# streams, in bounded memory; short-lived producers of records without a
# key spread over the partitions instead of all filling partition 0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../reliability/fault_lib.sh"

# A daemon of its own in $T/h, for cases that kill it.
own_home() {
  mkdir -m 0700 "$T/h"
  export KS_HOME=$T/h
  start_daemon
}

# Records stored in TOPIC (sum of latest - earliest); the daemon must run.
stored() {  # TOPIC
  "$KS" --no-autostart offsets "$1" -o json | json_eval 'sum(p["records"] for p in d)'
}

stored_at_least() {  # TOPIC N
  local n
  n=$(stored "$1" 2>/dev/null) || return 1
  [[ -n "$n" && $n -ge $2 ]]
}

# Starts `ks produce TOPIC ARGS...` reading the output of GENERATOR (a
# shell command) through a FIFO, in the background; its pid in PRODUCER.
start_producer() {  # GENERATOR TOPIC [ARGS...]
  local gen=$1
  shift
  mkfifo "$T/fifo"
  bash -c "$gen" >"$T/fifo" 2>/dev/null &
  "$KS" produce "$@" <"$T/fifo" >"$T/p.out" 2>"$T/p.err" &
  PRODUCER=$!
}

# Kills the daemon of $KS_HOME with SIGKILL once TOPIC holds N records,
# then waits for the producer; its exit status in PRC.
kill_daemon_mid_stream() {  # TOPIC N
  local pid
  pid=$(daemon_pid_of "$KS_HOME")
  wait_until 120 stored_at_least "$1" "$2" || fail "the producer did not store $2 records within 120 s: $(cat "$T/p.err")"
  kill -9 "$pid"
  PRC=0
  wait "$PRODUCER" || PRC=$?
}

# The checks every mid-stream death must pass: exit 5, one error line
# that counts what was acknowledged, no hint about a flag nobody gave, and
# after a restart the topic holds at least the acknowledged records, at
# most those plus the unacknowledged ones, as a prefix of the stream.
check_after_death() {  # TOPIC WHAT
  local topic=$1 what=$2 err acked open n
  err=$(cat "$T/p.err")
  note "$what: produce exited $PRC: $err"
  assert_eq 5 "$PRC" "$what: exit status of produce when the daemon died (stderr: $err)"
  assert_eq 1 "$(grep -c 'error:' "$T/p.err")" "$what: error lines on stderr (the error printed once)"
  if grep -q -- '--no-autostart\|KS_NO_AUTOSTART\|daemon start' "$T/p.err"; then
    fail "$what: a hint about a flag or command that does not apply: $err"
  fi
  [[ "$err" =~ ([0-9]+)\ records?\ acknowledged,\ ([0-9]+)\ not\ acknowledged ]] ||
    fail "$what: no 'N records acknowledged, M not acknowledged' in: $err"
  acked=${BASH_REMATCH[1]} open=${BASH_REMATCH[2]}
  start_daemon --no-autostart
  consume_all "$topic"
  n=$(count_lines "$OUT")
  note "$what: $acked acknowledged, $open not acknowledged, $n stored"
  assert_le "$acked" "$n" "$what: acknowledged records vs records stored"
  assert_le "$n" "$((acked + open))" "$what: records stored vs acknowledged + not acknowledged"
  seq 1 "$n" | sed 's/^/r/' >"$T/want"
  assert_file_eq "$T/want" "$OUT" "$what: the stored records are the start of the stream, in order"
}

# One record every 50 ms: the daemon dies between records, so the
# producer notices on its next send while earlier answers are unread.
case_daemon_killed_during_a_slow_stream() {
  own_home
  assert_exit 0 ks topic create slow
  start_producer 'for i in $(seq 1 2000); do echo r$i; sleep 0.05; done' slow
  kill_daemon_mid_stream slow 20
  check_after_death slow "slow stream, --acks 1"
}

# A fast stream with --acks all: many batches in flight when it dies.
case_daemon_killed_during_a_fast_stream_acks_all() {
  own_home
  assert_exit 0 ks topic create fast
  start_producer 'seq 1 50000000 | sed s/^/r/' fast --acks all
  kill_daemon_mid_stream fast 50000
  check_after_death fast "fast stream, --acks all"
}

# Runs ks produce TOPIC --raw on an endless input (`yes`) under
# /usr/bin/time -v; a watchdog kills it past CAP_KIB of RSS (the old
# behaviour read everything first, without bound). Exit status in RRC,
# peak RSS in KiB in PEAK.
produce_endless_raw() {  # TOPIC CAP_KIB
  local cap=$2 tpid kpid rss
  yes | /usr/bin/time -v -o "$T/time" "$KS" produce "$1" --raw >"$T/p.out" 2>"$T/p.err" &
  tpid=$!
  RRC=0
  # Bounded wait: the generous 60 s bound is for a sanitizer build on a
  # loaded machine; the producer normally exits in well under a second.
  local deadline=$(( $(now_ms) + 60000 ))
  while alive "$tpid"; do
    kpid=$(pgrep -P "$tpid" | head -1) || true
    if [[ -n "$kpid" ]]; then
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$kpid/status" 2>/dev/null) || true
      if [[ -n "$rss" && $rss -gt $cap ]]; then
        kill -9 "$kpid"
        wait "$tpid" || true
        fail "produce --raw from an endless pipe reached $rss KiB of RSS (cap $cap KiB): it reads before checking the size"
      fi
    fi
    if [[ $(now_ms) -gt $deadline ]]; then
      kill -9 "$kpid" 2>/dev/null || true
      wait "$tpid" || true
      fail "produce --raw from an endless pipe still running after 60 s"
    fi
    sleep 0.05
  done
  wait "$tpid" || RRC=$?
  PEAK=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T/time")
}

# --raw checks max.message.bytes as it reads: an input that never ends is
# refused with the size error, in bounded memory, and nothing is stored.
case_raw_endless_input_is_refused_as_it_streams() {
  assert_exit 0 ks topic create rawcap -c max.message.bytes=100000
  produce_endless_raw rawcap 262144
  note "yes | ks produce --raw (max.message.bytes=100000): exit $RRC, peak RSS $PEAK KiB: $(cat "$T/p.err")"
  assert_eq 1 "$RRC" "exit status of produce --raw over max.message.bytes (stderr: $(cat "$T/p.err"))"
  assert_contains "$(cat "$T/p.err")" "max.message.bytes (100000)" "the error names the topic's limit"
  assert_le "$PEAK" 262144 "peak RSS (KiB) of produce --raw from an endless pipe"
  # The default limit (1048588) applies to a topic without the config.
  assert_exit 0 ks topic create rawdefault
  produce_endless_raw rawdefault 262144
  assert_eq 1 "$RRC" "exit status of produce --raw over the default max.message.bytes"
  assert_contains "$(cat "$T/p.err")" "max.message.bytes (1048588)" "the error names the default limit"
  consume_all rawcap
  assert_file_empty "$OUT" "records stored in rawcap"
  # Under the limit, the whole input is one record, byte for byte.
  head -c 99000 /dev/urandom >"$T/blob"
  assert_exit 0 ks produce rawcap --raw --file "$T/blob"
  consume_all rawcap -f '%v'
  assert_file_eq "$T/blob" "$OUT" "a 99000-byte --raw record under a 100000-byte limit"
}

# Each `ks produce` starts its sticky partition at random. 60 one-record
# producers on 6 partitions: if the start were uniform, all 60 records
# land in at most 2 partitions with probability at most
# C(6,2) * (2/6)^60 = 15 * 3^-60, about 4e-28; so seeing fewer than 3
# partitions means the start is not random (before the fix: always 0).
case_unkeyed_records_of_short_producers_spread() {
  assert_exit 0 ks topic create spread -p 6
  local i
  for (( i = 0; i < 60; i++ )); do
    echo "x$i" | assert_exit 0 ks produce spread
  done
  consume_all spread -f '%p\n'
  assert_eq 60 "$(count_lines "$OUT")" "records in spread"
  local used
  used=$(sort -u "$OUT" | wc -l)
  note "60 one-record producers used $used of 6 partitions: $(sort "$OUT" | uniq -c | tr -s ' \n' ' ')"
  assert_le 3 "$used" "partitions used by 60 one-record producers"
}

run_cases \
  daemon_killed_during_a_slow_stream:180 \
  daemon_killed_during_a_fast_stream_acks_all:240 \
  raw_endless_input_is_refused_as_it_streams:180 \
  unkeyed_records_of_short_producers_spread:180
