#!/usr/bin/env bash
# Records, groups and offsets shared between the native protocol and the
# Kafka listener: lossless copies both ways (keys, values, headers,
# timestamps, binary bytes, nulls), `ks group reset` on an empty Kafka group
# with a Kafka consumer resuming there, commits from consumers outside any
# group membership, Kafka commits across a daemon restart, and the capture proxy (capture.py) in front of a real client.
source "$(dirname "$0")/lib.sh"
require_tools kcat kafka-python confluent-kafka
start_kafka_daemon

# Envelopes with every kind of field; header values are never null here
# because kafka-python cannot send a null header value.
envelopes() {
  cat <<'EOF'
{"partition":0,"timestamp":1700000000001,"key":"k1","value":"plain","headers":[{"key":"source","value":"web"},{"key":"source","value":"again"}]}
{"partition":1,"timestamp":1700000000002,"key":null,"value":"null key","headers":[]}
{"partition":1,"timestamp":1700000000003,"key":"tombstone","value":null,"headers":[]}
{"partition":0,"timestamp":1700000000004,"key":"","value":"","headers":[{"key":"empty","value":""}]}
{"partition":0,"timestamp":1600000000000,"key":{"base64":"AAECA/8="},"value":{"base64":"/v8AAQIDgIE="},"headers":[{"key":"bin","value":{"base64":"AP8A"}}]}
{"partition":1,"timestamp":1700000000006,"key":"z\u00fcrich \u2603","value":"line\nbreak\ttab \\ \"quoted\"","headers":[{"key":"\u00e9","value":"\u2603"}]}
EOF
}

# kp_client consume output → envelopes (what `ks produce --json` reads).
kp_to_envelopes() {
  "$PY" -c 'import base64, json, sys
def b(x): return None if x is None else {"base64": base64.b64encode(bytes.fromhex(x["hex"])).decode()}
for l in sys.stdin:
    o = json.loads(l)
    if "offset" not in o: continue
    print(json.dumps({"partition": o["partition"], "offset": o["offset"], "timestamp": o["timestamp"], "key": b(o["key"]),
                      "value": b(o["value"]), "headers": [{"key": k, "value": b(v)} for k, v in o["headers"]]}))'
}

# Envelopes in (partition, offset) order with the offset dropped, then normalized.
by_position() {
  "$PY" -c 'import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
rows.sort(key=lambda o: (o["partition"], o["offset"]))
for o in rows: print(json.dumps(o))' | ndjson_norm
}

case_kafka_producer_to_ks_consume_lossless() {
  assert_exit 0 ks topic create x1 -p 2
  envelopes >"$T/in"
  kp produce x1 --json <"$T/in" >"$T/meta" 2>"$T/err" || fail "kafka-python produce --json exited $?: $(tail -c 2000 "$T/err")"
  consume_all x1 --json
  # ks consume interleaves partitions; compare in (partition, offset) order
  # against the input in (partition, input) order.
  by_position <"$OUT" >"$T/got"
  "$PY" -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for i, o in enumerate(rows): o["offset"] = i
rows.sort(key=lambda o: o["partition"])
for o in rows: print(json.dumps(o))' "$T/in" | ndjson_norm >"$T/want"
  assert_file_eq "$T/want" "$T/got" "records from kafka-python as read by ks consume --json (normalized)"
}

case_ks_produce_to_kafka_consumer_lossless() {
  assert_exit 0 ks topic create x2 -p 2
  envelopes >"$T/in"
  # A null header value is fine for ks and Kafka consumers.
  printf '%s\n' '{"partition":0,"timestamp":1700000000100,"key":"nh","value":"v","headers":[{"key":"nullh","value":null}]}' >>"$T/in"
  assert_exit 0 ks produce x2 --json --file "$T/in"
  kp consume x2 --group x2g --min 7 >"$T/got" 2>"$T/err" || fail "kafka-python consumer exited $?: $(tail -c 2000 "$T/err")"
  kp_to_envelopes <"$T/got" | by_position >"$T/got.norm"
  consume_all x2 --json
  by_position <"$OUT" >"$T/ks.norm"
  assert_file_eq "$T/ks.norm" "$T/got.norm" "records from ks produce --json as read by kafka-python (normalized)"
  # And through kcat's JSON envelope (-J): partition, offset, timestamp,
  # key and payload of the records whose bytes are UTF-8 text.
  assert_exit 0 kc -C -t x2 -e -q -J
  cp "$OUT" "$T/kcat.json"
  consume_all x2 --json
  "$PY" - "$T/kcat.json" "$OUT" <<'PYEOF' || fail "kcat -J vs ks consume --json"
import json, sys
# kcat writes binary keys and payloads raw; those records are skipped below.
kc = {(o["partition"], o["offset"]): o for o in map(json.loads, open(sys.argv[1], errors="replace"))}
ks = [json.loads(l) for l in open(sys.argv[2])]
bad = 0
if len(kc) != len(ks):
    print("kcat read %d records, ks %d" % (len(kc), len(ks)), file=sys.stderr); bad += 1
for o in ks:
    if isinstance(o["key"], dict) or isinstance(o["value"], dict):
        continue
    k = kc.get((o["partition"], o["offset"]))
    want = (o["timestamp"], o["key"], o["value"])
    got = k and (k["ts"], k["key"], k["payload"])
    if got != want:
        print("at %d/%d: ks %r, kcat %r" % (o["partition"], o["offset"], want, got), file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PYEOF
}

case_group_reset_then_kafka_consumer_resumes() {
  assert_exit 0 ks topic create gr -p 2
  seq 0 9 | sed 's/^/a/' | assert_exit 0 ks produce gr -p 0
  seq 0 9 | sed 's/^/b/' | assert_exit 0 ks produce gr -p 1
  kp consume gr --group grg --min 20 --commit >"$T/run1" 2>"$T/err" || fail "first consumer exited $?: $(tail -c 2000 "$T/err")"
  wait_until 30 member_count_is grg 0 || fail "consumer still a member after close()"
  assert_exit 0 ks group describe grg -o json
  assert_eq $'gr/0 10 10 0\ngr/1 10 10 0' "$(describe_rows <"$OUT")" "ks group describe grg after the Kafka consumer committed"

  # Reset the empty Kafka group; the next Kafka consumer starts there.
  assert_exit 0 ks group reset grg --topic gr --to 6 --execute -y -o json
  json_check "sorted((o['partition'], o['before'], o['after']) for o in d['offsets']) == [(0, 10, 6), (1, 10, 6)]" "ks group reset grg --to 6" <"$OUT"
  kp consume gr --group grg --min 8 --commit >"$T/run2" 2>"$T/err" || fail "second consumer exited $?: $(tail -c 2000 "$T/err")"
  assert_eq "0 6 a6
0 7 a7
0 8 a8
0 9 a9
1 6 b6
1 7 b7
1 8 b8
1 9 b9" "$("$PY" -c 'import json, sys
rows = sorted((o["partition"], o["offset"], bytes.fromhex(o["value"]["hex"]).decode()) for o in map(json.loads, open(sys.argv[1])) if "offset" in o)
print("\n".join("%d %d %s" % r for r in rows))' "$T/run2")" "records read by the Kafka consumer after the reset"
  wait_until 30 member_count_is grg 0 || fail "second consumer still a member after close()"

  # With a live Kafka member, ks refuses to move the group's offsets.
  timeout 60 kcat -b "$BROKER" -G grg -q -u -f '%s\n' -X heartbeat.interval.ms=500 -X session.timeout.ms=6000 gr >"$T/kcat.out" 2>"$T/kcat.err" &
  local pid=$!
  wait_until 30 member_count_is grg 1 || fail "kcat -G grg never showed up as a member: $(head -c 1500 "$T/kcat.err")"
  assert_exit 1 ks group reset grg --topic gr --to beginning --execute -y
  assert_contains "$(cat "$ERR")" "stop the group's consumers first" "ks group reset with a live Kafka member"
  assert_exit 1 ks group delete -y grg
  kill -TERM "$pid"
  wait "$pid" || fail "kcat -G exited non-zero after SIGTERM: $(head -c 1500 "$T/kcat.err")"
  wait_until 30 member_count_is grg 0 || fail "kcat still a member after SIGTERM"
  assert_exit 0 ks group reset grg --topic gr --to beginning --execute -y
  kp consume gr --group grg --min 20 >"$T/run3" 2>"$T/err" || fail "third consumer exited $?: $(tail -c 2000 "$T/err")"
  assert_eq 0 "$("$PY" -c 'import json, sys
print(min(o["offset"] for o in map(json.loads, open(sys.argv[1])) if "offset" in o))' "$T/run3")" "first offset after reset --to beginning"
  # A deleted group starts over from auto.offset.reset.
  wait_until 30 member_count_is grg 0 || fail "third consumer still a member after close()"
  assert_exit 0 ks group delete -y grg
  assert_exit 4 ks group describe grg
}

case_capture_proxy_records_client_requests() {
  assert_exit 0 ks topic create cap
  local port
  port=$(free_port)
  timeout 60 "$PY" "$KAFKA_DIR/capture.py" --listen "127.0.0.1:$port" --upstream "$BROKER" --out "$T/captures" \
    >"$T/proxy.out" 2>"$T/proxy.err" &
  local proxy=$!
  wait_until 30 port_open "$port" || fail "capture.py did not listen: $(cat "$T/proxy.err")"
  # The metadata the client sees names the proxy, so every request goes
  # through it.
  timeout 30 kcat -b "127.0.0.1:$port" -m 15 -L -J >"$T/md" 2>"$T/err" || fail "kcat -L through the proxy exited $?: $(cat "$T/err")"
  json_check "d['brokers'] == [{'id': 1, 'name': '127.0.0.1:$port'}]" "broker address through the proxy" <"$T/md"
  printf 'one\ntwo\n' | timeout 30 kcat -b "127.0.0.1:$port" -m 15 -P -t cap 2>"$T/err" || fail "kcat -P through the proxy: $(cat "$T/err")"
  timeout 30 kcat -b "127.0.0.1:$port" -m 15 -C -t cap -e -q >"$T/got" 2>"$T/err" || fail "kcat -C through the proxy: $(cat "$T/err")"
  assert_eq $'one\ntwo' "$(cat "$T/got")" "records through the proxy"
  kill -TERM "$proxy"
  wait "$proxy" || true
  ls "$T/captures" >"$T/files"
  # At most two files per API key and version; each one's header matches
  # its name (api key and version), without the size prefix.
  local api
  for api in 18-ApiVersions 3-Metadata 0-Produce 1-Fetch 2-ListOffsets; do
    grep -q "^$api-v[0-9]*-1\.bin\$" "$T/files" || fail "no $api capture; captured: $(tr '\n' ' ' <"$T/files")"
  done
  "$PY" - "$T/captures" <<'PYEOF' || fail "capture files do not match their names"
import os, re, struct, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    m = re.fullmatch(r"(\d+)-(\w+)-v(\d+)-(\d+)\.bin", name)
    data = open(os.path.join(d, name), "rb").read()
    if not m or int(m.group(4)) > 2:
        sys.exit("unexpected capture file name %s" % name)
    key, version, corr = struct.unpack_from(">hhi", data, 0)
    if (key, version) != (int(m.group(1)), int(m.group(3))):
        sys.exit("%s starts with api key %d version %d" % (name, key, version))
PYEOF
  local produce
  produce=$(grep -m1 '^0-Produce-v[0-9]*-1\.bin$' "$T/files")
  grep -qa 'cap' "$T/captures/$produce" || fail "topic name missing from the Produce capture $produce"
}

case_commits_without_group_membership() {
  # Consumers that assign() partitions themselves commit with generation
  # -1 and no member id; the daemon keeps those commits like any other.
  assert_exit 0 ks topic create asn -p 2
  seq 10 | assert_exit 0 ks produce asn -p 1
  kp commit-assigned asn 1 4 --group asn-kp >"$T/o" 2>"$T/err" || fail "kafka-python commit without membership exited $?: $(tail -c 1500 "$T/err")"
  json_check "d == {'committed': 4}" "kafka-python committed() after commit({asn/1: 4})" <"$T/o"
  assert_exit 0 ks group describe asn-kp -o json
  json_check "[(o['topic'], o['partition'], o['committed'], o['lag']) for o in d['offsets'] if o['committed'] >= 0] == [('asn', 1, 4, 6)] and d['members'] == []" \
    "ks group describe asn-kp" <"$OUT"
  ck commit-assigned asn 1 7 --group asn-ck >"$T/o" 2>"$T/err" || fail "confluent-kafka commit without membership exited $?: $(tail -c 1500 "$T/err")"
  json_check "d == {'committed': 7}" "confluent-kafka committed() after commit(asn/1: 7)" <"$T/o"
  assert_exit 0 ks group describe asn-ck -o json
  json_check "[(o['topic'], o['partition'], o['committed'], o['lag']) for o in d['offsets'] if o['committed'] >= 0] == [('asn', 1, 7, 3)]" \
    "ks group describe asn-ck" <"$OUT"
}

# kafka-python's view of the cluster: "CLUSTER_ID CONTROLLER [BROKERS]".
cluster_of() {
  timeout 30 "$PY" -c 'import sys
from kafka.admin import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=10000)
d = a.describe_cluster()
print(d["cluster_id"], d["controller_id"], [b["node_id"] for b in d["brokers"]])
a.close()' "$BROKER"
}

# Last: it restarts the script's daemon (on the same port).
case_kafka_commits_survive_daemon_restart() {
  assert_exit 0 ks topic create rs -p 2
  seq 0 19 | sed 's/^\(.*\)$/k\1:\1/' | assert_exit 0 ks produce rs -K:
  kp consume rs --group rsg --min 20 --commit >"$T/run1" 2>"$T/err" || fail "consumer exited $?: $(tail -c 2000 "$T/err")"
  wait_until 30 member_count_is rsg 0 || fail "consumer still a member after close()"
  assert_exit 0 ks group describe rsg -o json
  describe_rows <"$OUT" >"$T/before"
  cluster_of > "$T/cluster-before" || fail "describe_cluster before the restart"
  assert_exit 0 timeout 30 "$KS" daemon stop
  assert_exit 0 timeout 30 "$KS" daemon start --kafka "$BROKER"
  wait_until 30 port_open "$KAFKA_PORT" || fail "no Kafka listener on $BROKER after the restart"
  # The same cluster id, broker id and controller after the restart.
  assert_eq "$(cat "$T/cluster-before")" "$(cluster_of)" "cluster id, controller and brokers across a restart"
  assert_matches "$(cat "$T/cluster-before")" '^[A-Za-z0-9_-]{22} 1 \[1\]$' "cluster id, controller, brokers"
  assert_exit 0 ks group describe rsg -o json
  assert_eq "$(cat "$T/before")" "$(describe_rows <"$OUT")" "ks group describe rsg after a daemon restart"
  # Two more records; a new consumer of the group reads just those.
  printf 'k20:20\nk21:21\n' | assert_exit 0 ks produce rs -K:
  kp consume rs --group rsg --min 2 --commit >"$T/run2" 2>"$T/err" || fail "consumer after the restart exited $?: $(tail -c 2000 "$T/err")"
  assert_eq $'20\n21' "$("$PY" -c 'import json, sys
print("\n".join(sorted(bytes.fromhex(o["value"]["hex"]).decode() for o in map(json.loads, open(sys.argv[1])) if "offset" in o)))' "$T/run2")" \
    "records read after the restart (the group resumed at its commits)"
}

run_cases kafka_producer_to_ks_consume_lossless:30 ks_produce_to_kafka_consumer_lossless:30 \
  group_reset_then_kafka_consumer_resumes:60 capture_proxy_records_client_requests:40 \
  commits_without_group_membership:30 kafka_commits_survive_daemon_restart:60
