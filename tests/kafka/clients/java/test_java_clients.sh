#!/usr/bin/env bash
# Apache Kafka's Java clients 4.4.0 with default settings (only
# bootstrap.servers, group.id and the (de)serializers are set) against the
# daemon's Kafka listener: KafkaProducer (so enable.idempotence=true,
# acks=all), KafkaConsumer with the classic group protocol and with
# group.protocol=consumer (KIP-848), a group of two with a rebalance and a
# member leaving, and commits (auto-commit on close) resumed by the next
# consumer. Cross-checked with `ks consume` and `ks group describe`.
# Programs: src/ks/Produce.java, Consume.java; checks: check.py.
source "$(dirname "$0")/lib.sh"
java_start

keyed_lines() {  # COUNT [FIRST]
  local i
  for (( i = ${2:-0}; i < ${2:-0} + $1; i++ )); do
    if (( i % 11 == 0 )); then printf 'no key %d\n' "$i"; else printf 'key-%d:value %d é\n' $((i % 13)) "$i"; fi
  done
}

# A Consume in the background: output in $T/NAME (stderr NAME.err), pid in
# $T/NAME.pid.
start_consumer() {  # NAME TOPIC GROUP PROTOCOL [Consume ARGS...]
  local name=$1 topic=$2 group=$3 proto=$4
  shift 4
  jconsume --topic "$topic" --group "$group" --protocol "$proto" "$@" >"$T/$name" 2>"$T/$name.err" &
  echo $! >"$T/$name.pid"
}

# Waits for a background consumer to exit; fails unless it exited 0.
wait_consumer() {  # NAME
  local rc=0
  wait "$(cat "$T/$1.pid")" || rc=$?
  [[ $rc -eq 0 ]] || fail "consumer $1 exited $rc; output: $(tail -c 600 "$T/$1"); stderr: $(tail -c 2000 "$T/$1.err")"
}

consumed_at_least() {  # N FILE...
  local n=$1
  shift
  [[ $("$PY" "$JAVA_DIR/check.py" count "$@") -ge $n ]]
}

wait_consumed() {  # N SECS FILE...
  local n=$1 secs=$2
  shift 2
  wait_until "$secs" consumed_at_least "$n" "$@" ||
    fail "consumers read $("$PY" "$JAVA_DIR/check.py" count "$@") of $n records in $secs s; stderr: $(for f in "$@"; do tail -c 800 "$f.err"; done)"
}

check_once() {  # IN FILE... : every input line consumed exactly once
  "$PY" "$JAVA_DIR/check.py" once "$@" 2>"$T/once.err" || fail "exactly once: $(cat "$T/once.err")"
}

# Every partition of GROUP has committed == end (ks group describe).
ks_group_caught_up() {  # GROUP PARTITIONS
  ks group describe "$1" -o json >"$T/group.json" || fail "ks group describe $1 exited $?"
  json_check "len(d['offsets']) == $2 and all(o['committed'] == o['end'] for o in d['offsets'])" \
    "ks group describe $1: every partition committed up to its end" <"$T/group.json"
}

case_producer_defaults() {
  local t=$RUN-jprod
  create_topic "$t" 3
  keyed_lines 300 >"$T/in"
  local rc=0
  jproduce --topic "$t" --keyed true --header src=java <"$T/in" >"$T/meta" 2>"$T/err" || rc=$?
  [[ $rc -eq 0 ]] || fail "KafkaProducer with default settings (enable.idempotence=true, acks=all) exited $rc: $(grep -v '^\[' "$T/err" | tail -c 1200)
  client log: $(grep '^\[' "$T/err" | tail -n 5 | cut -c1-400)"
  # The partition of each key is murmur2's, as with every Java client.
  local key part want
  while IFS=$'\t' read -r key part; do
    want=$(kafka_partition "$key" 3)
    assert_eq "$want" "$part" "partition of key $key"
  done < <(paste -d: "$T/in" "$T/meta" | "$PY" -c 'import json, sys
seen = {}
for l in sys.stdin:
    line, _, meta = l.rstrip("\n").rpartition(":{")
    k, sep, _ = line.partition(":")
    if sep: seen[k] = json.loads("{" + meta)["partition"]
for k, p in sorted(seen.items()): print("%s\t%d" % (k, p))')
  if on_ks; then
    consume_all "$t" -f '%p\t%o\t%K\t%k\t%v\n'
    check_produced "$T/in" "$T/meta" "$OUT" "KafkaProducer defaults"
    consume_all "$t" -f '%h\n' -n 1
    assert_contains "$(cat "$OUT")" "src" "header of a produced record (ks consume %h)"
  else
    "$PY" -c 'import collections, json, sys
per = collections.defaultdict(list)
for l in open(sys.argv[1]): m = json.loads(l); per[m["partition"]].append(m["offset"])
ok = sum(len(v) for v in per.values()) == 300 and all(sorted(v) == list(range(len(v))) for v in per.values())
sys.exit(0 if ok else 1)' "$T/meta" || fail "acknowledged offsets are not 0.. per partition: $(head -c 400 "$T/meta")"
  fi
}

# One consumer of PROTOCOL reads 100 records produced after it joined.
consumer_reads() {  # PROTOCOL
  local t=$RUN-jcons-$1 g=$RUN-jcons-$1-g
  create_topic "$t" 2
  start_consumer c1 "$t" "$g" "$1" --max 100
  wait_assigned "$T/c1" 2 60
  keyed_lines 100 >"$T/in"
  feed "$t" --header src=java <"$T/in"
  wait_consumer c1
  check_once "$T/in" "$T/c1"
  "$PY" "$JAVA_DIR/check.py" headers "$T/c1" src java || fail "headers lost"
  if on_ks; then ks_group_caught_up "$g" 2; fi
}

case_consumer_classic() { consumer_reads classic; }
case_consumer_kip848() { consumer_reads consumer; }

# Two members share four partitions; one leaves (committing on close) and
# the other takes its partitions over from the committed offsets.
group_of_two() {  # PROTOCOL
  local t=$RUN-jgrp-$1 g=$RUN-jgrp-$1-g
  create_topic "$t" 4
  start_consumer c1 "$t" "$g" "$1" --stop-file "$T/stop1" --max-seconds 150
  wait_assigned "$T/c1" 4 60
  start_consumer c2 "$t" "$g" "$1" --stop-file "$T/stop2" --max-seconds 150
  wait_assigned "$T/c2" 2 60
  wait_assigned "$T/c1" 2 30
  keyed_lines 200 >"$T/in1"
  feed "$t" <"$T/in1"
  wait_consumed 200 60 "$T/c1" "$T/c2"
  [[ $("$PY" "$JAVA_DIR/check.py" count "$T/c1") -gt 0 && $("$PY" "$JAVA_DIR/check.py" count "$T/c2") -gt 0 ]] ||
    fail "both members should have read some of the 200 records"
  touch "$T/stop1"
  wait_consumer c1
  wait_assigned "$T/c2" 4 60
  keyed_lines 100 200 >"$T/in2"
  feed "$t" <"$T/in2"
  wait_consumed 300 60 "$T/c1" "$T/c2"
  touch "$T/stop2"
  wait_consumer c2
  cat "$T/in1" "$T/in2" >"$T/in"
  check_once "$T/in" "$T/c1" "$T/c2"
  if on_ks; then ks_group_caught_up "$g" 4; fi
}

case_group_classic() { group_of_two classic; }
case_group_kip848() { group_of_two consumer; }

# A consumer reads 40 records and closes (auto-commit); 60 more arrive
# while the group is empty; the next consumer resumes at the committed
# offsets (not at the end, where auto.offset.reset=latest would put it).
commit_resume() {  # PROTOCOL
  local t=$RUN-jres-$1 g=$RUN-jres-$1-g
  create_topic "$t" 2
  start_consumer c1 "$t" "$g" "$1" --max 40
  wait_assigned "$T/c1" 2 60
  keyed_lines 40 >"$T/in1"
  feed "$t" <"$T/in1"
  wait_consumer c1
  if on_ks; then ks_group_caught_up "$g" 2; fi
  keyed_lines 60 40 >"$T/in2"
  feed "$t" <"$T/in2"
  start_consumer c2 "$t" "$g" "$1" --max 60
  wait_consumer c2
  cat "$T/in1" "$T/in2" >"$T/in"
  check_once "$T/in" "$T/c1" "$T/c2"
  if on_ks; then ks_group_caught_up "$g" 2; fi
}

case_resume_classic() { commit_resume classic; }
case_resume_kip848() { commit_resume consumer; }

run_cases producer_defaults:120 consumer_classic:120 consumer_kip848:120 \
  group_classic:240 group_kip848:240 resume_classic:150 resume_kip848:150
