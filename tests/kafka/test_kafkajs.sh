#!/usr/bin/env bash
# kafkajs 2.2.4 (tests/kafka/node_modules, from package-lock.json) against
# the daemon's Kafka listener: producers with acks -1, 1 and 0, a consumer
# group of two members that rebalances when one leaves, and the admin
# client, cross-checked with `ks`. The client steps are in kjs_client.js.
source "$(dirname "$0")/lib.sh"
require_tools kafkajs
start_kafka_daemon

keyed_lines() {  # COUNT PREFIX
  local i
  for (( i = 0; i < $1; i++ )); do
    if (( i % 11 == 0 )); then printf '%s no key %d\n' "$2" "$i"; else printf 'k%d:%s %d \xce\xbb\n' $((i % 19)) "$2" "$i"; fi
  done
}

case_producer_acks_all_and_1() {
  assert_exit 0 ks topic create kj -p 3
  keyed_lines 300 all >"$T/in"
  kjs produce kj --acks -1 --spread 3 <"$T/in" >"$T/meta" 2>"$T/err" || fail "kafkajs send acks=-1 exited $?: $(tail -c 2000 "$T/err")"
  consume_all kj -f '%p\t%o\t%K\t%k\t%v\n'
  check_produced "$T/in" "$T/meta" "$OUT" "kafkajs acks=-1"

  keyed_lines 120 one >"$T/in1"
  kjs produce kj --acks 1 --spread 3 --batch 7 <"$T/in1" >"$T/meta1" 2>"$T/err" || fail "kafkajs send acks=1 exited $?: $(tail -c 2000 "$T/err")"
  cat "$T/in" "$T/in1" >"$T/both"
  cat "$T/meta" "$T/meta1" >"$T/bothmeta"
  consume_all kj -f '%p\t%o\t%K\t%k\t%v\n'
  check_produced "$T/both" "$T/bothmeta" "$OUT" "kafkajs acks=-1 then acks=1"

  # kafkajs's default partitioner (murmur2, as Java's) and ks produce agree.
  assert_exit 0 ks topic create kjk -p 5
  assert_exit 0 ks topic create kjk2 -p 5
  kjs produce kjk --acks -1 <"$T/in" >/dev/null 2>"$T/err" || fail "kafkajs send (default partitioner) exited $?: $(tail -c 2000 "$T/err")"
  assert_exit 0 ks produce kjk2 -K: --file "$T/in"
  consume_all kjk -f '%K\t%k\t%p\n'
  grep -v '^-1' "$OUT" | LC_ALL=C sort -u >"$T/kjs-parts"
  consume_all kjk2 -f '%K\t%k\t%p\n'
  grep -v '^-1' "$OUT" | LC_ALL=C sort -u >"$T/ks-parts"
  assert_eq 19 "$(count_lines "$T/kjs-parts")" "distinct keys (each in one partition)"
  assert_file_eq "$T/ks-parts" "$T/kjs-parts" "partition of each key: ks produce vs kafkajs"
}

case_producer_acks_0() {
  # acks=0: the broker sends no response; the records still arrive, and
  # the connection stays usable for the next request.
  assert_exit 0 ks topic create kj0
  seq 40 | sed 's/^/v/' >"$T/in"
  kjs produce kj0 --acks 0 --batch 10 <"$T/in" >/dev/null 2>"$T/err" || fail "kafkajs send acks=0 exited $?: $(tail -c 2000 "$T/err")"
  latest_is() { [[ "$(ks offsets kj0 -o json | json_eval 'd[0]["latest"]')" == 40 ]]; }
  wait_until 30 latest_is ||
    fail "records after acks=0 sends: $(ks offsets kj0 -o json)"
  consume_all kj0
  assert_file_eq "$T/in" "$OUT" "records sent with acks=0"
  printf 'after\n' | kjs produce kj0 --acks -1 --spread 1 >"$T/meta" 2>"$T/err" || fail "acks=-1 after acks=0 exited $?: $(tail -c 2000 "$T/err")"
  json_check "d == {'partition': 0, 'offset': 40}" "acks=-1 send after acks=0 sends" <"$T/meta"
}

case_consumer_group_rebalance_on_leave() {
  assert_exit 0 ks topic create kjr -p 4
  KJS_TIMEOUT=55 kjs rebalance kjr kjg 4 --max-seconds 50 >"$T/scenario" 2>"$T/err" ||
    fail "kafkajs rebalance scenario exited $?: $(tail -c 2500 "$T/err")
  progress: $(grep '"phase"' "$T/scenario")"
  grep '"phase"' "$T/scenario" | sed 's/^/  .. /' >&2
  # Every record produced is in ks too, and was read.
  consume_all kjr -f '%v\n'
  sort "$OUT" >"$T/ks-values"
  assert_eq 400 "$(count_lines "$T/ks-values")" "records in kjr"
  grep -v '"phase"' "$T/scenario" | "$PY" -c 'import json, sys
for l in sys.stdin: print(bytes.fromhex(json.loads(l)["value"]["hex"]).decode())' | sort -u >"$T/read"
  assert_file_eq "$T/ks-values" "$T/read" "values read by the two kafkajs members"
  # Members committed as they went (autoCommit) and left.
  wait_until 30 member_count_is kjg 0 || fail "members still listed after both disconnected"
  assert_exit 0 ks group describe kjg -o json
  json_check "len(d['offsets']) == 4 and all(o['lag'] == 0 for o in d['offsets'])" "ks group describe kjg after the scenario: lag 0 everywhere" <"$OUT"
}

case_admin_topics_and_offsets() {
  kjs admin create kja 3 >"$T/o" 2>"$T/err" || fail "admin.createTopics exited $?: $(tail -c 1500 "$T/err")"
  json_check "d == {'created': True}" "createTopics of a new topic" <"$T/o"
  assert_exit 0 ks topic describe kja -o json
  json_check "d['partitions'] == 3" "ks topic describe of a topic from createTopics" <"$OUT"
  kjs admin create kja 3 >"$T/o" 2>"$T/err" || fail "admin.createTopics (existing) exited $?: $(tail -c 1500 "$T/err")"
  json_check "d == {'created': False}" "createTopics of an existing topic" <"$T/o"
  assert_exit 0 ks topic create kja-ks
  kjs admin list >"$T/o" 2>"$T/err" || fail "admin.listTopics exited $?: $(tail -c 1500 "$T/err")"
  json_check "'kja' in d['topics'] and 'kja-ks' in d['topics']" "listTopics" <"$T/o"

  seq 5 | assert_exit 0 ks produce kja -p 0
  seq 2 | assert_exit 0 ks produce kja -p 2
  kjs admin topic-offsets kja >"$T/o" 2>"$T/err" || fail "admin.fetchTopicOffsets exited $?: $(tail -c 1500 "$T/err")"
  json_check "[(p['partition'], p['low'], p['high']) for p in d['offsets']] == [(0, 0, 5), (1, 0, 0), (2, 0, 2)]" "fetchTopicOffsets(kja)" <"$T/o"

  # A group's offsets: committed by a kafkajs consumer, moved by ks.
  kjs consume kja --group kjag --count 7 >"$T/got" 2>"$T/err" || fail "kafkajs consumer exited $?: $(tail -c 1500 "$T/err")"
  assert_eq $'0 0 1\n0 1 2\n0 2 3\n0 3 4\n0 4 5\n2 0 1\n2 1 2' "$("$PY" -c 'import json, sys
rows = sorted((o["partition"], o["offset"], bytes.fromhex(o["value"]["hex"]).decode()) for o in map(json.loads, open(sys.argv[1])))
print("\n".join("%d %d %s" % r for r in rows))' "$T/got")" "records from ks produce read by the kafkajs consumer (partition offset value)"
  wait_until 30 member_count_is kjag 0 || fail "consumer still a member after disconnect"
  kjs admin group-offsets kjag kja >"$T/o" 2>"$T/err" || fail "admin.fetchOffsets exited $?: $(tail -c 1500 "$T/err")"
  json_check "[(p['partition'], p['offset']) for p in d['offsets']] == [(0, 5), (1, -1), (2, 2)]" "fetchOffsets(kjag) after consuming" <"$T/o"
  assert_exit 0 ks group describe kjag -o json
  json_check "sorted((o['partition'], o['committed']) for o in d['offsets'] if o['committed'] >= 0) == [(0, 5), (2, 2)]" "ks group describe kjag" <"$OUT"
  assert_exit 0 ks group reset kjag --topic kja --to 1 --execute -y
  kjs admin group-offsets kjag kja >"$T/o" 2>"$T/err" || fail "admin.fetchOffsets exited $?: $(tail -c 1500 "$T/err")"
  json_check "[(p['partition'], p['offset']) for p in d['offsets']] == [(0, 1), (1, 0), (2, 1)]" "fetchOffsets(kjag) after ks group reset --to 1" <"$T/o"

  kjs admin groups >"$T/o" 2>"$T/err" || fail "admin.listGroups exited $?: $(tail -c 1500 "$T/err")"
  json_check "'kjag' in d['groups']" "listGroups" <"$T/o"
  kjs admin describe-group kjag >"$T/o" 2>"$T/err" || fail "admin.describeGroups exited $?: $(tail -c 1500 "$T/err")"
  json_check "d['groupId'] == 'kjag' and d['state'] == 'Empty' and d['members'] == 0" "describeGroups(kjag) with no members" <"$T/o"

  kjs admin delete kja kja-ks >"$T/o" 2>"$T/err" || fail "admin.deleteTopics exited $?: $(tail -c 1500 "$T/err")"
  assert_exit 4 ks topic describe kja
  assert_exit 4 ks topic describe kja-ks
  kjs admin list >"$T/o" 2>"$T/err" || fail "admin.listTopics exited $?: $(tail -c 1500 "$T/err")"
  json_check "'kja' not in d['topics'] and 'kja-ks' not in d['topics']" "listTopics after deleteTopics" <"$T/o"
}

run_cases producer_acks_all_and_1:45 producer_acks_0:30 consumer_group_rebalance_on_leave:60 admin_topics_and_offsets:45
