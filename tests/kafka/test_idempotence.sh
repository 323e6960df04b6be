#!/usr/bin/env bash
# Idempotent producers against the daemon's Kafka listener: librdkafka
# (confluent-kafka) and kafkajs with idempotence on, records read back
# exactly once and in order; hand-built batches (idem_client.py) for each
# sequence rule and its error code; and retried batches after a graceful
# restart and after kill -9, which must not be stored twice.
source "$(dirname "$0")/lib.sh"
require_tools confluent-kafka kafkajs
start_kafka_daemon

idem() { timeout -k 5 $(( 90 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$KAFKA_DIR/idem_client.py" --broker "$BROKER" "$@"; }

# The end offset of TOPIC's partition P as `ks offsets` reports it.
end_of() {  # TOPIC P
  "$KS" offsets "$1" -o json | json_eval "[p for p in d if p['partition'] == $2][0]['latest']"
}

# Sends a hand-built batch and checks the answer's error and base offset.
send_expect() {  # TOPIC P PID EPOCH SEQ COUNT ERROR BASE WHAT
  idem send "$1" "$2" --pid "$3" --epoch "$4" --seq "$5" --count "$6" >"$T/send" 2>"$T/err" ||
    fail "$9: idem_client send exited $?: $(cat "$T/err")"
  json_check "d['error'] == $7 and ($7 != 0 or d['base_offset'] == $8)" "$9 (want error $7, base offset $8)" <"$T/send"
}

new_pid() {
  idem init >"$T/init" 2>"$T/err" || fail "InitProducerId exited $?: $(cat "$T/err")"
  json_check "d['error'] == 0 and d['producer_id'] >= 0 and d['epoch'] == 0" "InitProducerId" <"$T/init"
  json_eval "d['producer_id']" <"$T/init"
}

# kill -9 (KILL) or a graceful stop (STOP) of the script's daemon, then a
# start on the same Kafka port with the same home.
restart_daemon() {  # KILL|STOP [ENV=VALUE...]
  local pid
  pid=$(tr -dc 0-9 <"$IT_HOME/daemon.pid")
  if [[ "$1" == KILL ]]; then
    kill -9 "$pid"
  else
    assert_exit 0 timeout 30 "$KS" daemon stop
  fi
  wait_until 30 not_alive "$pid" || fail "daemon $pid still alive"
  shift
  env "$@" timeout 60 "$KS" daemon start --kafka "127.0.0.1:$KAFKA_PORT" >"$T/start" 2>&1 ||
    fail "daemon restart: $(cat "$T/start")"
  wait_until 30 port_open "$KAFKA_PORT" || fail "nothing listens on $KAFKA_PORT after the restart"
}

case_librdkafka_idempotent_exactly_once() {
  assert_exit 0 ks topic create ick -p 4
  CK_TIMEOUT=120 idem ck-produce ick --partitions 4 --count 6000 >"$T/o" 2>"$T/err" ||
    fail "confluent-kafka idempotent produce exited $?: $(tail -c 2000 "$T/err") $(cat "$T/o")"
  idem ck-read ick --partitions 4 --count 6000 >"$T/o" 2>"$T/err" || fail "reading back: $(tail -c 2000 "$T/err")"
  json_check "d['records'] == 6000" "records read back" <"$T/o"
  # The batches carry the producer id (ks log dump).
  "$KS" log dump --headers-only -o json "$IT_HOME/data/ick-0" >"$T/dump" || fail "ks log dump"
  json_check_lines() { "$PY" -c 'import json, sys
hs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if hs and all(h["producer_id"] >= 0 for h in hs) else "batches of ick-0 without a producer id: %r" % hs[:2])' "$1"; }
  json_check_lines "$T/dump" || fail "producer ids in ick-0's batch headers"
}

case_kafkajs_idempotent_exactly_once() {
  assert_exit 0 ks topic create ikj -p 3
  timeout -k 5 $(( 90 * ${KS_IT_TIMEOUT_SCALE:-1} )) node "$KAFKA_DIR/idem_kjs.js" "$BROKER" ikj 3 3000 >"$T/o" 2>"$T/err" ||
    fail "kafkajs idempotent producer exited $?: $(tail -c 2000 "$T/err")"
  json_check "d['acked'] == 3000" "kafkajs acknowledged" <"$T/o"
  idem ck-read ikj --partitions 3 --count 3000 >"$T/o" 2>"$T/err" || fail "reading back: $(tail -c 2000 "$T/err")"
}

case_sequence_rules_raw() {
  local pid pid2
  assert_exit 0 ks topic create iraw
  pid=$(new_pid)
  pid2=$(new_pid)
  [[ "$pid2" -gt "$pid" ]] || fail "two InitProducerId answers gave ids $pid then $pid2"
  send_expect iraw 0 "$pid" 0 0 3 0 0 "first batch (seq 0-2)"
  send_expect iraw 0 "$pid" 0 3 2 0 3 "next batch (seq 3-4)"
  # A retried batch: Kafka answers NONE with the offsets the first copy got.
  send_expect iraw 0 "$pid" 0 3 2 0 3 "duplicate of seq 3-4"
  send_expect iraw 0 "$pid" 0 0 3 0 0 "duplicate of seq 0-2"
  assert_eq 5 "$(end_of iraw 0)" "end offset after two duplicates"
  send_expect iraw 0 "$pid" 0 9 1 45 -1 "a gap (seq 9 after 4): OUT_OF_ORDER_SEQUENCE_NUMBER"
  send_expect iraw 0 "$pid" 0 1 1 45 -1 "seq 1 (not a cached batch): OUT_OF_ORDER_SEQUENCE_NUMBER"
  send_expect iraw 0 "$pid" 1 3 1 45 -1 "a new epoch not starting at 0: OUT_OF_ORDER_SEQUENCE_NUMBER"
  send_expect iraw 0 "$pid" 1 0 1 0 5 "a new epoch from 0"
  send_expect iraw 0 "$pid" 0 5 1 47 -1 "the old epoch: INVALID_PRODUCER_EPOCH"
  # A producer id the partition does not know may start anywhere (KIP-360).
  send_expect iraw 0 "$pid2" 0 77 1 0 6 "unknown producer starting at seq 77"
  send_expect iraw 0 "$pid2" 0 78 1 0 7 "and going on at 78"
  # Non-idempotent batches are untouched.
  send_expect iraw 0 -1 -1 -1 2 0 8 "a batch without producer id"
  send_expect iraw 0 -1 -1 -1 2 0 10 "the same again: stored again"
  assert_eq 12 "$(end_of iraw 0)" "end offset"
  # Transactions do not exist: a clear, fatal code.
  idem init --transactional-id tx1 >"$T/o" 2>"$T/err" || fail "InitProducerId(tx) exited $?: $(cat "$T/err")"
  json_check "d['error'] == 53 and d['producer_id'] == -1" "InitProducerId with a transactional id" <"$T/o"
}

case_retry_after_graceful_restart() {
  local pid
  assert_exit 0 ks topic create irs -p 2
  pid=$(new_pid)
  send_expect irs 1 "$pid" 0 0 4 0 0 "before the restart"
  send_expect irs 1 "$pid" 0 4 3 0 4 "last batch before the restart"
  restart_daemon STOP
  send_expect irs 1 "$pid" 0 4 3 0 4 "the last batch resent after a graceful restart"
  assert_eq 7 "$(end_of irs 1)" "end offset: no duplicate stored"
  send_expect irs 1 "$pid" 0 8 1 45 -1 "a gap after the restart"
  send_expect irs 1 "$pid" 0 7 1 0 7 "the next batch"
  # A new id after the restart is not one given out before it.
  [[ "$(new_pid)" -gt "$pid" ]] || fail "producer id reused after the restart"
}

case_retry_after_kill9() {
  local pid i
  assert_exit 0 ks topic create ik9
  pid=$(new_pid)
  for (( i = 0; i < 20; i++ )); do send_expect ik9 0 "$pid" 0 $(( i * 5 )) 5 0 $(( i * 5 )) "batch $i"; done
  restart_daemon KILL
  send_expect ik9 0 "$pid" 0 95 5 0 95 "the last batch resent after kill -9"
  send_expect ik9 0 "$pid" 0 90 5 0 90 "an earlier cached batch resent after kill -9"
  assert_eq 100 "$(end_of ik9 0)" "end offset: nothing stored twice"
  send_expect ik9 0 "$pid" 0 100 1 0 100 "the next batch after kill -9"
  consume_all ik9 -f '%v\n'
  assert_eq 101 "$(count_lines "$OUT")" "records in ik9"
  sort -u "$OUT" >"$T/distinct"
  assert_eq 101 "$(count_lines "$T/distinct")" "distinct records in ik9"
}

case_idle_producer_expires() {
  local pid
  restart_daemon STOP KS_PRODUCER_ID_EXPIRATION_MS=2000
  assert_exit 0 ks topic create iexp
  pid=$(new_pid)
  send_expect iexp 0 "$pid" 0 0 1 0 0 "a first batch"
  send_expect iexp 0 "$pid" 0 5 1 45 -1 "a gap while the producer is known"
  sleep 4
  # Forgotten: its next batch may start anywhere, as for an unknown id.
  send_expect iexp 0 "$pid" 0 5 1 0 1 "a gap after producer.id.expiration.ms"
}

run_cases librdkafka_idempotent_exactly_once:150 kafkajs_idempotent_exactly_once:120 sequence_rules_raw:90 \
  retry_after_graceful_restart:90 retry_after_kill9:120 idle_producer_expires:90
