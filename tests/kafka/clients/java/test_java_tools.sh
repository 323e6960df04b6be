#!/usr/bin/env bash
# Apache Kafka 4.4.0's own command-line tools, run from the jars (the main
# classes behind bin/kafka-*.sh), against the daemon's Kafka listener:
# kafka-topics, kafka-configs, kafka-consumer-groups, the console producer
# and consumer, kafka-get-offsets, kafka-delete-records, and
# VerifiableProducer / VerifiableConsumer (what Kafka's system tests use to
# check delivery: every acknowledged record consumed exactly once).
# Cross-checked with `ks` where it helps.
source "$(dirname "$0")/lib.sh"
java_start

# Runs a tool; fails with its output unless it exits 0. Output in $OUT/$ERR.
tool_ok() {  # NAME ARGS...
  local rc=0
  OUT=$T/out ERR=$T/err
  ktool "$@" >"$OUT" 2>"$ERR" || rc=$?
  [[ $rc -eq 0 ]] || fail "kafka-$1 ${*:2} exited $rc
  stdout: $(tail -c 800 "$OUT")
  stderr: $(grep -v 'KIP-848) is production-ready' "$ERR" | tail -c 1500)"
  # Some tools print errors and still exit 0.
  if grep -q '^Error\|ERROR' "$OUT" "$ERR"; then
    fail "kafka-$1 ${*:2} reported an error: $(grep -h -A3 '^Error\|ERROR' "$OUT" "$ERR" | grep -v '^\s*at ' | head -8)"
  fi
}

# For wait_until: whether kafka-topics --list shows TOPIC.
topic_listed() {  # TOPIC
  ktool topics --bootstrap-server "$BROKER" --list 2>/dev/null >"$T/list.out"
  grep -qx "$1" "$T/list.out"
}

# For wait_until: whether kafka-configs --describe of TOPIC has a line
# matching ERE.
topic_config_has() {  # TOPIC ERE
  ktool configs --bootstrap-server "$BROKER" --describe --entity-type topics --entity-name "$1" 2>/dev/null >"$T/cfg.out"
  grep -Eq "$2" "$T/cfg.out"
}

# The broker's node id, from kafka-topics --describe of TOPIC.
leader_of() {  # TOPIC
  tool_ok topics --bootstrap-server "$BROKER" --describe --topic "$1"
  grep -o 'Leader: [0-9-]*' "$OUT" | head -1 | cut -d' ' -f2
}

case_topics() {
  local t=$RUN-tt
  tool_ok topics --bootstrap-server "$BROKER" --create --topic "$t" --partitions 3 --replication-factor 1 --config retention.ms=3600000
  assert_contains "$(cat "$OUT")" "Created topic $t."
  tool_ok topics --bootstrap-server "$BROKER" --list
  grep -qx "$t" "$OUT" || fail "kafka-topics --list lacks $t: $(head -c 600 "$OUT")"
  if on_ks; then
    ks topic describe "$t" -o json | json_check 'topic(d)["partitions"] == 3' "ks topic describe after kafka-topics --create"
  fi
  tool_ok topics --bootstrap-server "$BROKER" --delete --topic "$t"
  # Apache Kafka deletes a topic asynchronously.
  wait_until 60 eval '! topic_listed "$t"' || fail "$t still listed 60 s after kafka-topics --delete"
  if on_ks; then assert_fails ks topic describe "$t"; fi
}

case_topics_describe() {
  local t=$RUN-ttd
  create_topic "$t" 3 retention.ms=3600000
  tool_ok topics --bootstrap-server "$BROKER" --describe --topic "$t"
  assert_contains "$(cat "$OUT")" "PartitionCount: 3" "kafka-topics --describe"
  assert_contains "$(cat "$OUT")" "retention.ms=3600000" "kafka-topics --describe configs"
  assert_eq 3 "$(grep -c "Topic: $t	Partition: " "$OUT")" "partition lines of kafka-topics --describe"
}

case_topics_alter_partitions() {
  local t=$RUN-tta
  create_topic "$t" 3
  tool_ok topics --bootstrap-server "$BROKER" --alter --topic "$t" --partitions 5
  # kafka-get-offsets prints a line per partition (kafka-topics --describe
  # is case topics_describe's).
  wait_until 60 eval '[[ $(ktool get-offsets --bootstrap-server "$BROKER" --topic "$t" --time -1 2>/dev/null | grep -c "^$t:") -eq 5 ]]' ||
    fail "the topic does not have 5 partitions 60 s after kafka-topics --alter --partitions 5"
  if on_ks; then
    ks topic describe "$t" -o json | json_check 'topic(d)["partitions"] == 5' "ks topic describe after kafka-topics --alter"
  fi
}

case_configs() {
  local t=$RUN-tc
  create_topic "$t" 1 retention.ms=3600000
  tool_ok configs --bootstrap-server "$BROKER" --describe --entity-type topics --entity-name "$t"
  assert_contains "$(cat "$OUT")" "retention.ms=3600000" "kafka-configs --describe (dynamic configs)"
  tool_ok configs --bootstrap-server "$BROKER" --alter --entity-type topics --entity-name "$t" \
    --add-config retention.ms=7200000,max.message.bytes=300000
  assert_contains "$(cat "$OUT")" "Completed updating config for topic $t."
  # Apache Kafka applies an alter asynchronously (KRaft metadata).
  wait_until 60 topic_config_has "$t" 'retention.ms=7200000' ||
    fail "kafka-configs --describe does not show retention.ms=7200000 after --alter: $(cat "$T/cfg.out")"
  tool_ok configs --bootstrap-server "$BROKER" --alter --entity-type topics --entity-name "$t" --delete-config max.message.bytes
  wait_until 60 eval '! topic_config_has "$t" max.message.bytes=300000' ||
    fail "max.message.bytes still set after --delete-config: $(cat "$T/cfg.out")"
  tool_ok configs --bootstrap-server "$BROKER" --describe --entity-type topics --entity-name "$t" --all
  assert_contains "$(cat "$OUT")" "cleanup.policy=delete" "kafka-configs --describe --all (defaults)"
  local node
  node=$(leader_of "$t")
  tool_ok configs --bootstrap-server "$BROKER" --describe --entity-type brokers --entity-name "$node" --all
  assert_contains "$(cat "$OUT")" "num.partitions=" "kafka-configs --describe broker $node --all"
  if on_ks; then
    ks topic describe "$t" -o json | json_check '"7200000" in json.dumps(d)' "ks topic describe after kafka-configs --alter"
  fi
}

# The console producer with keys and headers (its defaults: idempotence on).
case_console_producer() {
  local t=$RUN-tconp
  create_topic "$t" 1
  printf 'h1:a,h2:b\tk1\tv1\nh1:c\tk2\tv2 with spaces\nh3:\tk3\tv3\n' >"$T/in"
  tool_ok console-producer --bootstrap-server "$BROKER" --topic "$t" \
    --reader-property parse.key=true --reader-property parse.headers=true <"$T/in"
  jconsume --topic "$t" --group "$RUN-tconp-g" --prop auto.offset.reset=earliest --max 3 >"$T/c" 2>"$T/c.err" ||
    fail "reading back with a Java consumer: $(tail -c 1500 "$T/c.err")"
  "$PY" - "$T/c" <<'PYEOF' || fail "what the console producer sent, read back: $(cat "$T/c")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"o"' in l]
got = [(r["o"], r["k"], r["v"], r["h"]) for r in recs]
want = [(0, "k1", "v1", [["h1", "a"], ["h2", "b"]]), (1, "k2", "v2 with spaces", [["h1", "c"]]), (2, "k3", "v3", [["h3", ""]])]
sys.exit(0 if got == want else 1)
PYEOF
}

# The console consumer from the beginning, printing keys and headers.
case_console_consumer() {
  local t=$RUN-tconc
  create_topic "$t" 1
  printf 'k1:v1\nk2:v2 with spaces\n' | feed "$t" --header h1=a
  tool_ok console-consumer --bootstrap-server "$BROKER" --topic "$t" --from-beginning --max-messages 2 --timeout-ms 30000 \
    --formatter-property print.key=true --formatter-property print.headers=true --formatter-property print.offset=true
  printf 'Offset:0\th1:a\tk1\tv1\nOffset:1\th1:a\tk2\tv2 with spaces\n' >"$T/want"
  assert_file_eq "$T/want" "$OUT" "console consumer output"
}

case_get_offsets() {
  local t=$RUN-toff
  create_topic "$t" 2
  seq 1 30 | sed 's/.*/k&:v&/' | feed "$t"
  tool_ok get-offsets --bootstrap-server "$BROKER" --topic "$t" --time -1
  local total
  total=$(awk -F: '{ s += $3 } END { print s }' "$OUT")
  assert_eq 30 "$total" "kafka-get-offsets --time -1: sum of end offsets ($(tr '\n' ' ' <"$OUT"))"
  tool_ok get-offsets --bootstrap-server "$BROKER" --topic "$t" --time -2
  printf '%s\n' "$t:0:0" "$t:1:0" >"$T/want"
  LC_ALL=C sort "$OUT" >"$T/got"
  assert_file_eq "$T/want" "$T/got" "kafka-get-offsets --time -2"
  tool_ok get-offsets --bootstrap-server "$BROKER" --topic "$t" --time -3
  assert_eq 2 "$(grep -c "^$t:[01]:[0-9]" "$OUT")" "kafka-get-offsets --time -3 (max timestamp) lines: $(tr '\n' ' ' <"$OUT"), stderr: $(tail -c 600 "$ERR")"
}

case_delete_records() {
  local t=$RUN-tdel
  create_topic "$t" 2
  seq 1 30 | sed 's/.*/k&:v&/' | feed "$t"
  local end0
  end0=$(ktool get-offsets --bootstrap-server "$BROKER" --topic "$t" --partitions 0 --time -1 2>/dev/null | cut -d: -f3)
  [[ "$end0" -ge 2 ]] || fail "partition 0 holds $end0 records; the test needs 2"
  printf '{"partitions":[{"topic":"%s","partition":0,"offset":2}],"version":1}\n' "$t" >"$T/del.json"
  tool_ok delete-records --bootstrap-server "$BROKER" --offset-json-file "$T/del.json"
  assert_contains "$(cat "$OUT")" "partition: $t-0	low_watermark: 2" "kafka-delete-records output"
  tool_ok get-offsets --bootstrap-server "$BROKER" --topic "$t" --partitions 0 --time -2
  assert_eq "$t:0:2" "$(cat "$OUT")" "kafka-get-offsets --time -2 after delete-records"
}

case_consumer_groups() {
  local t=$RUN-tgrp g=$RUN-tgrp-g
  create_topic "$t" 2
  seq 1 40 | sed 's/.*/k&:v&/' | feed "$t"
  # A member of the group reads everything and commits (VerifiableConsumer
  # commits after each batch), then leaves.
  ktool verifiable-consumer --bootstrap-server "$BROKER" --topic "$t" --group-id "$g" --max-messages 40 >"$T/vc" 2>"$T/vc.err" ||
    fail "VerifiableConsumer exited $?: $(tail -c 1500 "$T/vc.err")"
  tool_ok consumer-groups --bootstrap-server "$BROKER" --list
  grep -qx "$g" "$OUT" || fail "kafka-consumer-groups --list lacks $g: $(head -c 600 "$OUT")"
  tool_ok consumer-groups --bootstrap-server "$BROKER" --describe --group "$g"
  "$PY" - "$OUT" "$t" <<'PYEOF' || fail "kafka-consumer-groups --describe: $(cat "$OUT")"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.split()[1:2] == [sys.argv[2]]]
# GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
assert len(rows) == 2, rows
assert all(r[3] == r[4] and r[5] == "0" for r in rows), rows
assert sum(int(r[4]) for r in rows) == 40, rows
PYEOF
  tool_ok consumer-groups --bootstrap-server "$BROKER" --reset-offsets --group "$g" --topic "$t" --to-earliest --execute
  tool_ok consumer-groups --bootstrap-server "$BROKER" --describe --group "$g"
  [[ $(awk -v t="$t" '$2 == t && $4 == 0' "$OUT" | wc -l) -eq 2 ]] ||
    fail "offsets not reset to 0: $(cat "$OUT")"
  if on_ks; then
    ks group describe "$g" -o json | json_check 'all(o["committed"] == 0 for o in d["offsets"])' "ks group describe after --reset-offsets"
  fi
}

# A group without members that has committed offsets for both partitions
# of a new topic (kafka-consumer-groups --reset-offsets creates them).
group_with_commits() {  # TOPIC GROUP
  create_topic "$1" 2
  seq 1 40 | sed 's/.*/k&:v&/' | feed "$1"
  tool_ok consumer-groups --bootstrap-server "$BROKER" --reset-offsets --group "$2" --topic "$1" --to-latest --execute
}

case_consumer_groups_delete_offsets() {
  local t=$RUN-tgdo g=$RUN-tgdo-g
  group_with_commits "$t" "$g"
  tool_ok consumer-groups --bootstrap-server "$BROKER" --reset-offsets --group "$g" --topic "$t:1" --to-offset 3 --execute
  tool_ok consumer-groups --bootstrap-server "$BROKER" --delete-offsets --group "$g" --topic "$t:0"
  tool_ok consumer-groups --bootstrap-server "$BROKER" --describe --group "$g"
  [[ $(awk -v t="$t" '$2 == t && $3 == 1 && $4 == 3' "$OUT" | wc -l) -eq 1 &&
     $(awk -v t="$t" '$2 == t && $3 == 0' "$OUT" | wc -l) -eq 0 ]] ||
    fail "after --delete-offsets of partition 0, only partition 1 at 3 should be left: $(cat "$OUT")"
}

case_consumer_groups_delete() {
  local t=$RUN-tgd g=$RUN-tgd-g
  group_with_commits "$t" "$g"
  tool_ok consumer-groups --bootstrap-server "$BROKER" --delete --group "$g"
  assert_contains "$(cat "$OUT")" "Deletion of requested consumer groups ('$g') was successful."
  tool_ok consumer-groups --bootstrap-server "$BROKER" --list
  if grep -qx "$g" "$OUT"; then fail "$g still listed after --delete"; fi
  if on_ks; then assert_fails ks group describe "$g"; fi
}

# VerifiableProducer (defaults: acks=all, idempotence on) then
# VerifiableConsumer (PROTOCOL); every acknowledged (partition, offset)
# must be consumed exactly once.
verifiable() {  # PROTOCOL
  local t=$RUN-tver-$1 g=$RUN-tver-$1-g
  create_topic "$t" 3
  ktool verifiable-producer --bootstrap-server "$BROKER" --topic "$t" --max-messages 1000 >"$T/vp" 2>"$T/vp.err" ||
    fail "VerifiableProducer exited $?: $(grep -v '^{' "$T/vp.err" | tail -c 1500)"
  ktool verifiable-consumer --bootstrap-server "$BROKER" --topic "$t" --group-id "$g" --group-protocol "$1" \
    --max-messages 1000 >"$T/vc" 2>"$T/vc.err" ||
    fail "VerifiableConsumer exited $?: $(tail -c 1500 "$T/vc.err")"
  "$PY" - "$T/vp" "$T/vc" 2>"$T/delivery.err" <<'PYEOF' || true
import collections, json, sys
acked = set()
for l in open(sys.argv[1]):
    if not l.startswith("{"): continue
    e = json.loads(l)
    if e["name"] == "producer_send_error":
        print("send error:", e, file=sys.stderr); sys.exit(1)
    if e["name"] == "producer_send_success":
        acked.add((e["partition"], e["offset"]))
consumed = collections.Counter()
committed = {}
for l in open(sys.argv[2]):
    if not l.startswith("{"): continue
    e = json.loads(l)
    if e["name"] == "records_consumed":
        for p in e["partitions"]:
            for o in range(p["minOffset"], p["maxOffset"] + 1):
                consumed[(p["partition"], o)] += 1
    if e["name"] == "offsets_committed":
        if not e["success"]:
            print("commit failed:", e, file=sys.stderr); sys.exit(1)
        for p in e["offsets"]:
            committed[p["partition"]] = p["offset"]
bad = []
if len(acked) != 1000: bad.append("%d of 1000 acknowledged" % len(acked))
missing = acked - set(consumed)
if missing: bad.append("%d acknowledged records never consumed, e.g. %r" % (len(missing), sorted(missing)[:5]))
dups = [k for k, n in consumed.items() if n > 1]
if dups: bad.append("%d records consumed more than once, e.g. %r" % (len(dups), dups[:5]))
extra = set(consumed) - acked
if extra: bad.append("%d consumed records were never acknowledged, e.g. %r" % (len(extra), sorted(extra)[:5]))
ends = collections.defaultdict(int)
for p, o in acked: ends[p] = max(ends[p], o + 1)
if committed != dict(ends): bad.append("last commits %r, expected the ends %r" % (committed, dict(ends)))
for b in bad: print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
  if [[ -s "$T/delivery.err" ]]; then
    fail "VerifiableProducer/VerifiableConsumer: $(cat "$T/delivery.err")
  VerifiableConsumer stderr: $(grep -v '^\s*at ' "$T/vc.err" | tail -c 1500)"
  fi
  if on_ks; then
    ks group describe "$g" -o json | json_check 'sum(o["committed"] for o in d["offsets"]) == 1000' "ks group describe $g"
  fi
}

case_verifiable_classic() { verifiable classic; }
case_verifiable_kip848() { verifiable consumer; }

run_cases topics:120 topics_describe:90 topics_alter_partitions:120 configs:120 \
  console_producer:90 console_consumer:90 get_offsets:120 delete_records:120 \
  consumer_groups:180 consumer_groups_delete_offsets:120 consumer_groups_delete:120 \
  verifiable_classic:120 verifiable_kip848:120
