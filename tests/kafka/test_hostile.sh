#!/usr/bin/env bash
# Hostile input on the Kafka listener (tests/kafka/hostile.py): malformed
# and lying frames, unknown APIs and versions, corrupt and oversized record
# batches, random bytes; and two protocol rules no client checks: a fetch
# long-polls (and wakes on a produce), acks=0 gets no answer. The daemon
# answers or closes just that connection,
# a client connected all along keeps being served, nothing bad is stored,
# and the daemon is the same process at the end.
source "$(dirname "$0")/lib.sh"
start_kafka_daemon

hostile() { timeout 150 python3 "$KAFKA_DIR/hostile.py" "$BROKER" "$@"; }

case_bad_frames_close_only_their_connection() {
  local pid; pid=$("$KS" daemon status -o json | json_eval "d['pid']")
  hostile frames || fail "hostile.py frames"
  [[ $("$KS" daemon status -o json | json_eval "d['pid']") == "$pid" ]] || fail "the daemon restarted"
}

case_unknown_api_versions_version_gets_error_35() {
  hostile versions || fail "hostile.py versions"
}

case_corrupt_batches_refused_good_ones_kept() {
  hostile records || fail "hostile.py records"
  # Only the three good records were stored, readable by ks.
  "$KS" consume hostile-records -e > "$IT_SCRATCH/out" || fail "ks consume"
  printf 'one\ntwo\nthree\n' | diff - "$IT_SCRATCH/out" || fail "stored records differ"
  "$KS" log verify "$IT_HOME/data/hostile-records-0" >/dev/null || fail "the partition does not verify"
}

case_oversized_batch_gets_message_too_large() {
  "$KS" topic create small -c max.message.bytes=2000 || fail "create"
  head -c 5000 /dev/zero | tr '\0' x | timeout 30 kcat -b "$BROKER" -P -t small -X message.timeout.ms=5000 \
    2> "$IT_SCRATCH/err" && fail "kcat accepted an oversized record"
  grep -q "Message size too large" "$IT_SCRATCH/err" || fail "kcat said: $(cat "$IT_SCRATCH/err")"
  [[ $("$KS" offsets small -o json | json_eval "d[0]['latest']") == 0 ]] || fail "something was stored"
}

case_fetch_long_polls_and_acks_0_gets_no_answer() {
  hostile protocol || fail "hostile.py protocol"
}

case_random_bytes_do_not_hurt() {
  local pid; pid=$("$KS" daemon status -o json | json_eval "d['pid']")
  SECONDS_BUDGET=8 hostile random || fail "hostile.py random"
  [[ $("$KS" daemon status -o json | json_eval "d['pid']") == "$pid" ]] || fail "the daemon restarted"
  seq 3 | timeout 30 kcat -b "$BROKER" -P -t after-random || fail "kcat after the random bytes"
  [[ $("$KS" consume after-random -e | wc -l) == 3 ]] || fail "records after the random bytes"
}

run_cases bad_frames_close_only_their_connection:40 unknown_api_versions_version_gets_error_35:20 \
  corrupt_batches_refused_good_ones_kept:30 oversized_batch_gets_message_too_large:30 \
  fetch_long_polls_and_acks_0_gets_no_answer:180 random_bytes_do_not_hurt:40
