#!/usr/bin/env bash
# Kafka's partition, record, group and cluster admin APIs against the
# daemon, through Debian's kafka-python 2.0.2 (admin_client.py): create
# partitions, delete records, offsets for a leader epoch, log dirs, delete
# groups, delete offsets, describe cluster; cross-checked with `ks topic
# describe`, `ks offsets`, `ks consume`, `ks group describe`, the partition
# directories, and a restart after `kill -9`.
source "$(dirname "$0")/lib.sh"
require_tools kafka-python
start_kafka_daemon

adm() { timeout -k 5 $(( 60 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$KAFKA_DIR/admin_client.py" --broker "$BROKER" "$@"; }

# `kill -9` the script's daemon and start it again on the same port.
crash_and_restart() {
  local p
  for p in $(daemon_pids "$IT_HOME"); do kill -9 "$p"; done
  wait_until 30 bash -c '! "$0" daemon status >/dev/null 2>&1' "$KS" || fail "the daemon survived kill -9"
  assert_exit 0 timeout 30 "$KS" daemon start --kafka "$BROKER"
  wait_until 30 port_open "$KAFKA_PORT" || fail "no Kafka listener on $BROKER after the restart"
}

partition_count() { "$KS" topic describe "$1" -o json | json_eval 'd["partitions"] if isinstance(d["partitions"], int) else len(d["partitions"])'; }

case_create_partitions_grows_and_keeps_records() {
  assert_exit 0 ks topic create cp -p 2
  seq 0 39 | sed 's/^/k/; s/$/:v/' | assert_exit 0 ks produce cp -K:
  consume_all cp -f '%p %o %k\n'
  sort "$OUT" >"$T/before"
  adm create-partitions cp 4 >"$OUT"
  json_check "d[0]['error_code'] == 0" "create_partitions cp to 4" <"$OUT"
  assert_eq 4 "$(partition_count cp)" "ks topic describe cp after growth"
  consume_all cp -f '%p %o %k\n'
  assert_eq "$(cat "$T/before")" "$(sort "$OUT")" "records of the old partitions, same partitions and offsets"
  # Kafka's errors: never shrink, not the same count, unknown topic, bad assignments.
  adm create-partitions cp 3 >"$OUT"; json_check "d[0]['errno'] == 37" "shrinking: INVALID_PARTITIONS" <"$OUT"
  adm create-partitions cp 4 >"$OUT"; json_check "d[0]['errno'] == 37" "same count: INVALID_PARTITIONS" <"$OUT"
  adm create-partitions nosuch 4 >"$OUT"; json_check "d[0]['errno'] == 3" "unknown topic: UNKNOWN_TOPIC_OR_PARTITION" <"$OUT"
  adm create-partitions cp 6 --assign 2 --assign 1 >"$OUT"; json_check "d[0]['errno'] == 39" "assignment to broker 2: INVALID_REPLICA_ASSIGNMENT" <"$OUT"
  adm create-partitions cp 6 --assign 1 >"$OUT"; json_check "d[0]['errno'] == 39" "one assignment for two new partitions" <"$OUT"
  adm create-partitions cp 6 --validate-only >"$OUT"; json_check "d[0]['error_code'] == 0" "validate_only" <"$OUT"
  assert_eq 4 "$(partition_count cp)" "validate_only changed nothing"
  adm create-partitions cp 6 --assign 1 --assign 1 >"$OUT"; json_check "d[0]['error_code'] == 0" "assignments [1],[1]" <"$OUT"
  # A keyed producer maps keys over the new count (murmur2, like ks produce -K).
  printf 'k7:after\n' | assert_exit 0 ks produce cp -K:
  consume_all cp -f '%p %k %v\n'
  assert_contains "$(cat "$OUT")" "$(kafka_partition k7 6) k7 after" "k7 after growth goes to murmur2(k7) % 6"
  crash_and_restart
  assert_eq 6 "$(partition_count cp)" "partition count after kill -9 and restart"
  consume_all cp -f '%p %o %k\n'
  assert_eq 41 "$(count_lines "$OUT")" "records after the restart"
}

case_delete_records_moves_the_start_durably() {
  assert_exit 0 ks topic create dr -p 1 --config segment.bytes=1024
  local i
  # Ten produces, ten batches of ten records: about two batches a segment.
  for i in 0 10 20 30 40 50 60 70 80 90; do
    seq "$i" $((i + 9)) | sed 's/$/ some padding to fill segments quickly/' | assert_exit 0 ks produce dr --acks all
  done
  local before after
  before=$(ls "$IT_HOME/data/dr-0" | grep -c '\.log$')
  adm delete-records dr 0 40 >"$OUT"
  json_check "d == [{'topic': 'dr', 'partition': 0, 'low_watermark': 40, 'error_code': 0}]" "delete_records dr/0 to 40" <"$OUT"
  after=$(ls "$IT_HOME/data/dr-0" | grep -c '\.log$')
  [[ $after -lt $before ]] || fail "no segment deleted below offset 40 ($before .log files before, $after after)"
  adm earliest dr 0 >"$OUT"
  json_check "d == {'earliest': 40, 'latest': 100}" "ListOffsets earliest/latest after delete_records" <"$OUT"
  assert_exit 0 ks offsets dr -o json
  json_check "d[0]['earliest'] == 40 and d[0]['latest'] == 100" "ks offsets dr: earliest 40" <"$OUT"
  consume_all dr -f '%o\n'
  assert_eq 40 "$(head -n1 "$OUT")" "ks consume dr starts at the new log start"
  adm fetch-at dr 0 10 >"$OUT"
  json_check "d.get('error') == 'OffsetOutOfRangeError'" "a fetch below the start: OFFSET_OUT_OF_RANGE" <"$OUT"
  adm delete-records dr 0 20 >"$OUT"
  json_check "d[0]['low_watermark'] == 40 and d[0]['error_code'] == 0" "below the start: no change" <"$OUT"
  adm delete-records dr 0 101 >"$OUT"
  json_check "d[0]['error_code'] == 1 and d[0]['low_watermark'] == -1" "past the high watermark: OFFSET_OUT_OF_RANGE" <"$OUT"
  adm delete-records dr 5 0 >"$OUT"
  json_check "d[0]['error_code'] == 3" "unknown partition" <"$OUT"
  adm delete-records dr 0 -1 >"$OUT"
  json_check "d[0]['low_watermark'] == 100" "-1: the high watermark" <"$OUT"
  crash_and_restart
  adm earliest dr 0 >"$OUT"
  json_check "d == {'earliest': 100, 'latest': 100}" "the log start after kill -9 and restart" <"$OUT"
  printf 'new\n' | assert_exit 0 ks produce dr
  consume_all dr -f '%o %v\n'
  assert_eq "100 new" "$(cat "$OUT")" "the next record after the restart"
}

case_offset_for_leader_epoch() {
  assert_exit 0 ks topic create ep -p 1
  seq 1 7 | assert_exit 0 ks produce ep
  adm epoch ep 0 0 >"$OUT"; json_check "d == [{'error_code': 0, 'partition': 0, 'leader_epoch': 0, 'end_offset': 7}]" "epoch 0: the log end" <"$OUT"
  adm epoch ep 0 3 >"$OUT"; json_check "d[0]['leader_epoch'] == -1 and d[0]['end_offset'] == -1" "an epoch ahead: UNDEFINED" <"$OUT"
  adm epoch ep 0 0 1 >"$OUT"; json_check "d[0]['error_code'] == 75" "current epoch 1: UNKNOWN_LEADER_EPOCH" <"$OUT"
  adm epoch ep 9 0 >"$OUT"; json_check "d[0]['error_code'] == 3" "unknown partition" <"$OUT"
}

case_describe_log_dirs_and_cluster() {
  assert_exit 0 ks topic create ld -p 2
  seq 1 50 | assert_exit 0 ks produce ld -p 1
  adm log-dirs >"$OUT"
  json_check "len(d) == 1 and d[0]['error_code'] == 0 and d[0]['log_dir'].endswith('/data') and 'ld:0' in d[0]['partitions']" "log dirs, every partition" <"$OUT"
  local size
  size=$(stat -c %s "$IT_HOME"/data/ld-1/*.log | awk '{ s += $1 } END { print s }')
  json_check "d[0]['partitions']['ld:1'] == {'size': $size, 'lag': 0, 'future': False}" "ld:1 size on disk" <"$OUT"
  adm log-dirs ld:0 nosuch:0 >"$OUT"
  json_check "list(d[0]['partitions']) == ['ld:0']" "only the partitions asked for that exist" <"$OUT"
  adm cluster >"$OUT"
  json_check "d['error_code'] == 0 and d['controller_id'] == 1 and [b['node_id'] for b in d['brokers']] == [1] and d['left'] == 0" "describe cluster" <"$OUT"
  json_check "d['authorized_operations'] == 8096" "cluster operations (no authorizer: all of them)" <"$OUT"
  local id
  id=$(json_eval 'd["cluster_id"]' <"$OUT")
  assert_eq "$id" "$("$PY" -c 'import sys
from kafka.admin import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=10000)
print(a.describe_cluster()["cluster_id"])
a.close()' "$BROKER" || true)" "cluster id: DescribeCluster and Metadata (kafka-python's describe_cluster) agree"
}

case_delete_groups() {
  assert_exit 0 ks topic create dg -p 1
  seq 1 5 | assert_exit 0 ks produce dg
  assert_exit 0 ks group reset gone --topic dg --to 3 --execute -y
  adm member busy dg 30 >"$T/member" 2>"$T/member.err" &
  wait_until 25 grep -q joined "$T/member" || fail "the member of busy never joined: $(tail -c 1000 "$T/member.err")"
  adm delete-groups gone busy nosuch >"$OUT"
  json_check "d == {'gone': None, 'busy': 68, 'nosuch': 69}" "delete_consumer_groups: ok, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND" <"$OUT"
  assert_exit 4 ks group describe gone
  crash_and_restart
  assert_exit 4 ks group describe gone
}

case_offset_delete() {
  assert_exit 0 ks topic create oa -p 1
  assert_exit 0 ks topic create ob -p 1
  seq 1 5 | assert_exit 0 ks produce oa
  seq 1 5 | assert_exit 0 ks produce ob
  assert_exit 0 ks group reset od --topic oa --topic ob --to 2 --execute -y
  adm offset-delete nosuch oa:0 >"$OUT"; json_check "d['error_code'] == 69" "unknown group: GROUP_ID_NOT_FOUND" <"$OUT"
  adm member od oa 30 >"$T/member" 2>"$T/member.err" &
  wait_until 25 grep -q joined "$T/member" || fail "the member of od never joined: $(tail -c 1000 "$T/member.err")"
  adm offset-delete od oa:0 ob:0 >"$OUT"
  json_check "d == {'error_code': 0, 'partitions': {'oa:0': 86, 'ob:0': 0}}" "oa is subscribed (GROUP_SUBSCRIBED_TO_TOPIC), ob goes" <"$OUT"
  assert_exit 0 ks group describe od -o json
  json_check "sorted((o['topic'], o['committed']) for o in d['offsets'] if o['committed'] is not None) == [('oa', 2)]" "ks group describe od after OffsetDelete" <"$OUT"
}

run_cases create_partitions_grows_and_keeps_records:90 delete_records_moves_the_start_durably:90 \
  offset_for_leader_epoch:40 describe_log_dirs_and_cluster:40 delete_groups:90 offset_delete:60
