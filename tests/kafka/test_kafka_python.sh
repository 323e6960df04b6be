#!/usr/bin/env bash
# kafka-python (Debian's python3-kafka 2.0.2) against the daemon's Kafka
# listener: KafkaProducer, KafkaConsumer in a group with manual commits, and
# KafkaAdminClient, cross-checked with `ks consume`, `ks group describe` and
# `ks topic describe`. The client steps are in kp_client.py.
source "$(dirname "$0")/lib.sh"
require_tools kafka-python
start_kafka_daemon

keyed_lines() {  # COUNT
  local i
  for (( i = 0; i < $1; i++ )); do
    if (( i % 9 == 0 )); then printf 'no key %d\n' "$i"; else printf 'key-%d:value %d \xff\xfe \xc3\xa9\n' $((i % 17)) "$i"; fi
  done
}

case_producer_send_flush_read_by_ks() {
  assert_exit 0 ks topic create kpp -p 3
  keyed_lines 500 >"$T/in"
  kp produce kpp --keyed --acks all <"$T/in" >"$T/meta" 2>"$T/err" || fail "kp_client produce exited $?: $(tail -c 2000 "$T/err")"
  consume_all kpp -f '%p\t%o\t%K\t%k\t%v\n'
  check_produced "$T/in" "$T/meta" "$OUT" "KafkaProducer acks=all"

  # acks=1 into the same topic: offsets continue.
  keyed_lines 50 >"$T/in1"
  kp produce kpp --keyed --acks 1 <"$T/in1" >"$T/meta1" 2>"$T/err" || fail "kp_client produce --acks 1 exited $?: $(tail -c 2000 "$T/err")"
  consume_all kpp -f '%p\t%o\t%K\t%k\t%v\n'
  "$PY" -c 'import json, sys
m = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if len(m) == 50 and min(x["offset"] for x in m) >= 100 else 1)' "$T/meta1" ||
    fail "acks=1 offsets should follow the first 500 records: $(head -c 600 "$T/meta1")"
  cat "$T/in" "$T/in1" >"$T/both"
  cat "$T/meta" "$T/meta1" >"$T/bothmeta"
  check_produced "$T/both" "$T/bothmeta" "$OUT" "KafkaProducer acks=all then acks=1"

  # kafka-python and ks produce agree on the partition of a key (murmur2).
  assert_exit 0 ks topic create kpp2 -p 3
  assert_exit 0 ks produce kpp2 -K: --file "$T/in"
  consume_all kpp2 -f '%k\t%p\n'
  sort -u "$OUT" | grep -v '^	' >"$T/ks-parts"
  consume_all kpp -f '%k\t%p\n'
  sort -u "$OUT" | grep -v '^	' >"$T/kp-parts"
  assert_eq 17 "$(count_lines "$T/kp-parts")" "distinct keys"
  assert_file_eq "$T/ks-parts" "$T/kp-parts" "partition of each key: ks produce vs KafkaProducer"
}

# "topic/partition offset" of the last record read per partition + 1,
# from kp_client consume's output.
positions_of() {  # FILE
  "$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "positions" in o:
        print("\n".join("%s %d" % kv for kv in sorted(o["positions"].items())))' "$1"
}

case_consumer_commit_and_resume() {
  assert_exit 0 ks topic create kpc -p 3
  seq 0 89 | sed 's/^\(.*\)$/k\1:\1/' | assert_exit 0 ks produce kpc -K:
  # First run: at least 30 records, then commit() and close.
  kp consume kpc --group kpg --min 30 --max-poll-records 10 --commit >"$T/run1" 2>"$T/err" ||
    fail "first consumer exited $?: $(tail -c 2000 "$T/err")"
  local n1
  n1=$(grep -c '"offset"' "$T/run1")
  [[ $n1 -ge 30 && $n1 -lt 90 ]] || fail "first consumer read $n1 records; wanted 30 to 89 (max_poll_records 10)"
  positions_of "$T/run1" >"$T/pos1"
  # The positions are the offsets after the records it read, from 0.
  "$PY" - "$T/run1" <<'EOF' || fail "first consumer's records and positions disagree"
import collections, json, sys
recs = collections.defaultdict(list); pos = None
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "positions" in o: pos = o["positions"]
    else: recs["%s/%d" % (o["topic"], o["partition"])].append(o["offset"])
for tp, offs in recs.items():
    if offs != list(range(len(offs))) or pos.get(tp) != len(offs):
        print("%s: offsets %r, position %r" % (tp, offs, pos.get(tp)), file=sys.stderr); sys.exit(1)
EOF
  # ks sees exactly these commits, the lag and no live member.
  wait_until 30 member_count_is kpg 0 || fail "the consumer is still a member after close()"
  assert_exit 0 ks group describe kpg -o json
  local ends
  ends=$(ks offsets kpc -o json | json_eval '" ".join(str(p["latest"]) for p in sorted(d, key=lambda p: p["partition"]))')
  "$PY" - "$T/pos1" "$OUT" "$ends" <<'EOF' || fail "ks group describe kpg after commit(): $(cat "$OUT")"
import json, sys
pos = dict(l.split() for l in open(sys.argv[1]) if l.strip())
d = json.load(open(sys.argv[2]))
ends = [int(x) for x in sys.argv[3].split()]
rows = {"%s/%d" % (o["topic"], o["partition"]): o for o in d["offsets"]}
ok = True
for p, end in enumerate(ends):
    tp = "kpc/%d" % p
    want = int(pos.get(tp, -1))
    o = rows.get(tp)
    if want == -1 and (o is None or o["committed"] == -1):
        continue
    if o is None or o["committed"] != want or o["end"] != end or o["lag"] != end - want:
        print("%s: expected committed %d end %d lag %d, got %r" % (tp, want, end, end - want, o), file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
EOF
  # The admin API sees the same group and offsets.
  kp admin groups >"$T/groups" 2>"$T/err" || fail "admin list_consumer_groups exited $?: $(tail -c 1500 "$T/err")"
  json_check "'kpg' in d['groups']" "KafkaAdminClient.list_consumer_groups" <"$T/groups"
  kp admin group-offsets kpg >"$T/goffs" 2>"$T/err" || fail "admin list_consumer_group_offsets exited $?: $(tail -c 1500 "$T/err")"
  assert_eq "$(cat "$T/pos1")" "$(json_eval '"\n".join("%s %d" % kv for kv in sorted(d["offsets"].items()) if kv[1] >= 0)' <"$T/goffs")" \
    "list_consumer_group_offsets(kpg)"

  # Second run resumes at the committed offsets and reads the rest.
  kp consume kpc --group kpg --min $((90 - n1)) --commit >"$T/run2" 2>"$T/err" ||
    fail "second consumer exited $?: $(tail -c 2000 "$T/err")"
  "$PY" - "$T/run1" "$T/run2" <<'EOF' || fail "the restarted consumer did not resume at the committed offsets"
import collections, json, sys
def recs(f):
    r = collections.defaultdict(list)
    for l in open(f):
        o = json.loads(l)
        if "offset" in o: r[o["partition"]].append((o["offset"], bytes.fromhex(o["value"]["hex"]).decode()))
    return r
a, b = recs(sys.argv[1]), recs(sys.argv[2])
ok = True
for p in range(3):
    first = [o for o, v in a.get(p, [])]
    second = [o for o, v in b.get(p, [])]
    if second and second[0] != len(first):
        print("partition %d: first run read offsets 0..%d, second started at %d" % (p, len(first) - 1, second[0]), file=sys.stderr); ok = False
    if first + second != list(range(len(first) + len(second))):
        print("partition %d: offsets %r + %r" % (p, first, second), file=sys.stderr); ok = False
values = sorted(int(v) for r in (a, b) for p in r for o, v in r[p])
if values != list(range(90)):
    print("values read over both runs: %r" % values, file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
EOF
  wait_until 30 member_count_is kpg 0 || fail "the second consumer is still a member after close()"
  assert_exit 0 ks group describe kpg -o json
  json_check "sorted((o['partition'], o['committed'], o['lag']) for o in d['offsets']) == [(p, e, 0) for p, e in enumerate([$(echo "$ends" | tr ' ' ,)])]" \
    "ks group describe kpg after reading everything" <"$OUT"

  # Without commit() nothing is committed (auto commit is off).
  kp consume kpc --group kpnocommit --min 10 >"$T/run3" 2>"$T/err" || fail "non-committing consumer exited $?: $(tail -c 2000 "$T/err")"
  local rc=0
  ks group describe kpnocommit -o json >"$T/d3" 2>/dev/null || rc=$?
  if [[ $rc -eq 0 ]]; then
    json_check "all(o['committed'] == -1 for o in d['offsets'])" "kpnocommit has no committed offsets" <"$T/d3"
  elif [[ $rc -ne 4 ]]; then
    fail "ks group describe kpnocommit exited $rc"
  fi
}

case_admin_create_list_delete() {
  assert_exit 0 ks topic create made-by-ks -p 2
  kp admin create kpa 3 >"$T/o" 2>"$T/err" || fail "create_topics exited $?: $(tail -c 1500 "$T/err")"
  json_check "d == {'created': 'kpa'}" "create_topics(kpa)" <"$T/o"
  assert_exit 0 ks topic describe kpa -o json
  json_check "d['partitions'] == 3" "ks topic describe of a topic created with KafkaAdminClient" <"$OUT"

  kp admin list >"$T/o" 2>"$T/err" || fail "list_topics exited $?: $(tail -c 1500 "$T/err")"
  json_check "'kpa' in d['topics'] and 'made-by-ks' in d['topics']" "list_topics" <"$T/o"

  kp admin create kpa 3 >"$T/o" 2>"$T/err" || fail "create_topics (again) exited $?: $(tail -c 1500 "$T/err")"
  json_check "d.get('error') == 'TopicAlreadyExistsError'" "create_topics of an existing topic" <"$T/o"

  printf 'a\nb\n' | kp produce kpa >/dev/null 2>"$T/err" || fail "produce to kpa exited $?: $(tail -c 1500 "$T/err")"
  consume_all kpa
  assert_eq $'a\nb' "$(sort "$OUT")" "records in the admin-created topic"

  kp admin delete kpa made-by-ks >"$T/o" 2>"$T/err" || fail "delete_topics exited $?: $(tail -c 1500 "$T/err")"
  json_check "d == {'deleted': ['kpa', 'made-by-ks']}" "delete_topics" <"$T/o"
  assert_exit 4 ks topic describe kpa
  assert_exit 4 ks topic describe made-by-ks
  kp admin list >"$T/o" 2>"$T/err" || fail "list_topics exited $?: $(tail -c 1500 "$T/err")"
  json_check "'kpa' not in d['topics'] and 'made-by-ks' not in d['topics']" "list_topics after delete_topics" <"$T/o"

  kp admin delete no-such-topic >"$T/o" 2>"$T/err" || fail "delete_topics (missing) exited $?: $(tail -c 1500 "$T/err")"
  json_check "d.get('error') == 'UnknownTopicOrPartitionError'" "delete_topics of a missing topic" <"$T/o"
}

# Times in one gzip batch (the lookup decompresses it, as Kafka does); the
# largest time twice, so -3 must name the first record carrying it.
case_offsets_for_times_and_max_timestamp() {
  assert_exit 0 ks topic create kpt -p 1
  for ts in 1000 5000 3000 5000 2000; do printf '{"value": "at %s", "timestamp": %s, "partition": 0}\n' "$ts" "$ts"; done |
    kp produce kpt --json --compression gzip >"$T/o" 2>"$T/err" || fail "produce exited $?: $(tail -c 1500 "$T/err")"
  kp offsets-for-times kpt 0 0 1000 1001 4000 5000 5001 >"$T/o" 2>"$T/err" ||
    fail "offsets_for_times exited $?: $(tail -c 1500 "$T/err")"
  assert_eq '0 0 1000
1000 0 1000
1001 1 5000
4000 1 5000
5000 1 5000
5001 None None' "$("$PY" -c '
import json, sys
for l in sys.stdin: d = json.loads(l); print(d["ts"], d["offset"], d["timestamp"])' <"$T/o")" "offsets_for_times: offset and timestamp of the first record at or after each time"
  # -1 the end, -2 the start, -3 the largest time, -4 earliest local,
  # -5 latest tiered (none); a time: its record and that record's time.
  local v times want
  for v in 1 7; do
    # -3, -4 and -5 exist from v7, v8 and v9; a v1 client cannot ask them.
    times='-1 -2 2500' want=$'0 -1 5\n0 -1 0\n0 5000 1'
    [[ $v == 7 ]] && times='-1 -2 -3 -4 -5 2500' want=$'0 -1 5\n0 -1 0\n0 5000 1\n0 -1 0\n0 -1 -1\n0 5000 1'
    # shellcheck disable=SC2086
    "$PY" "$KAFKA_DIR/list_offsets.py" "$BROKER" "$v" kpt 0 $times >"$T/o" 2>"$T/err" ||
      fail "ListOffsets v$v exited $?: $(tail -c 1500 "$T/err")"
    assert_eq "$want" "$("$PY" -c '
import json, sys
for l in sys.stdin: d = json.loads(l); print(d["error"], d["timestamp"], d["offset"])' <"$T/o")" "ListOffsets v$v: error, timestamp, offset"
  done
}

run_cases offsets_for_times_and_max_timestamp:40 producer_send_flush_read_by_ks:40 consumer_commit_and_resume:60 admin_create_list_delete:40
