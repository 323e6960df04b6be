#!/usr/bin/env bash
# confluent-kafka (Debian's python3-confluent-kafka on librdkafka 2.0.2)
# against the daemon's Kafka listener: a Producer per compression codec
# with every delivery report checked, a Consumer group reading it all back,
# and `ks consume` / `ks log dump` / `ks group describe` cross-checks. The
# client steps are in ck_client.py.
source "$(dirname "$0")/lib.sh"
require_tools confluent-kafka
start_kafka_daemon

CODECS="none gzip snappy lz4 zstd"

compressible_lines() {  # COUNT SEED
  local i
  for (( i = 0; i < $1; i++ )); do
    if (( i % 10 == 0 )); then
      printf 'no key, record %d of seed %d, \xe2\x82\xac\n' "$i" "$2"
    else
      printf 'k%d:%d record %06d %s\n' $((i % 13)) "$2" "$i" "lorem ipsum dolor sit amet, consectetur adipiscing elit"
    fi
  done
}

case_compressed_producers_then_group_reads_all() {
  local codec n=0
  for codec in $CODECS; do
    n=$((n + 1))
    assert_exit 0 ks topic create "ck-$codec" -p 2
    compressible_lines 1500 "$n" >"$T/in-$codec"
    ck produce "ck-$codec" --keyed --compression "$codec" <"$T/in-$codec" >"$T/dr-$codec" 2>"$T/err" ||
      fail "Producer compression.type=$codec exited $?: $(tail -c 2000 "$T/err")"
    "$PY" -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
bad = [x for x in r if x["error"] is not None or x["offset"] < 0]
sys.exit(1 if bad or len(r) != 1500 else 0)' "$T/dr-$codec" ||
      fail "delivery reports for $codec: $(grep -v '"error": null' "$T/dr-$codec" | head -5)"
    assert_codec "ck-$codec" 0 "$codec"
    assert_codec "ck-$codec" 1 "$codec"
  done

  # One consumer group over all five topics reads every record exactly once.
  ck consume ck-none ck-gzip ck-snappy ck-lz4 ck-zstd --group ckg --count 7500 >"$T/got" 2>"$T/err" ||
    fail "Consumer group ckg exited $?: $(tail -c 2000 "$T/err")"
  "$PY" - "$T" $CODECS <<'EOF' || fail "records read by the confluent-kafka consumer group"
import collections, json, sys
t, codecs = sys.argv[1], sys.argv[2:]
want = collections.Counter()
for c in codecs:
    for line in open("%s/in-%s" % (t, c), "rb").read().split(b"\n")[:-1]:
        k, sep, v = line.partition(b":")
        want[("ck-" + c, k if sep else None, v if sep else line)] += 1
got = collections.Counter()
seen = set()
for l in open(t + "/got"):
    o = json.loads(l)
    at = (o["topic"], o["partition"], o["offset"])
    if at in seen:
        print("read twice: %r" % (at,), file=sys.stderr); sys.exit(1)
    seen.add(at)
    got[(o["topic"], None if o["key"] is None else bytes.fromhex(o["key"]["hex"]), bytes.fromhex(o["value"]["hex"]))] += 1
if got != want:
    print("missing: %r" % list((want - got).items())[:5], file=sys.stderr)
    print("unexpected: %r" % list((got - want).items())[:5], file=sys.stderr)
    sys.exit(1)
EOF
  wait_until 30 member_count_is ckg 0 || fail "the consumer is still a member of ckg after close()"
  assert_exit 0 ks group describe ckg -o json
  json_check "len(d['offsets']) == 10 and all(o['committed'] == o['end'] and o['lag'] == 0 for o in d['offsets'])" \
    "ks group describe ckg: all 10 partitions committed at their end" <"$OUT"
  json_check "sum(o['end'] for o in d['offsets']) == 7500" "ks group describe ckg: ends add up to the records" <"$OUT"

  # ks consume reads (and decodes) every batch: each record where its
  # delivery report said, byte for byte.
  for codec in $CODECS; do
    consume_all "ck-$codec" -f '%p\t%o\t%K\t%k\t%v\n'
    check_produced "$T/in-$codec" "$T/dr-$codec" "$OUT" "ks consume of confluent-kafka records, compression.type=$codec"
  done
}

case_ks_produce_read_by_confluent_consumer() {
  # Headers, null and empty keys and values, binary bytes and timestamps
  # written by ks come out of librdkafka unchanged.
  cat >"$T/in" <<'EOF'
{"key":"k1","value":"v1","headers":[{"key":"h","value":"x"},{"key":"h","value":"y"}],"timestamp":1700000000123}
{"key":null,"value":"null key","timestamp":1700000000124}
{"key":"","value":"","timestamp":1700000000125}
{"key":"nv","value":null,"timestamp":1700000000126}
{"key":{"base64":"AAH/"},"value":{"base64":"gICA/w=="},"headers":[{"key":"bin","value":{"base64":"AP8="}},{"key":"nullh","value":null}],"timestamp":1700000000127}
EOF
  assert_exit 0 ks produce ckx --json --file "$T/in"
  ck consume ckx --group ckxg --count 5 >"$T/got" 2>"$T/err" || fail "consumer exited $?: $(tail -c 2000 "$T/err")"
  "$PY" - "$T/in" "$T/got" <<'EOF' || fail "records from ks produce --json as seen by confluent-kafka"
import base64, json, sys
def b(x):
    if x is None: return None
    if isinstance(x, dict): return base64.b64decode(x["base64"]).hex()
    return x.encode().hex()
want = []
for l in open(sys.argv[1]):
    o = json.loads(l)
    want.append((b(o.get("key")), b(o.get("value")), [[h["key"], b(h["value"])] for h in o.get("headers", [])], o["timestamp"]))
got = []
for l in open(sys.argv[2]):
    o = json.loads(l)
    h = lambda x: None if x is None else x["hex"]
    got.append((h(o["key"]), h(o["value"]), [[k, h(v)] for k, v in o["headers"]], o["timestamp"]))
if got != want:
    for w, g in zip(want, got):
        if w != g: print("wrote %r\n read %r" % (w, g), file=sys.stderr)
    if len(got) != len(want): print("%d records read, %d written" % (len(got), len(want)), file=sys.stderr)
    sys.exit(1)
EOF
}

case_admin_create_delete() {
  ck admin create cka 4 >"$T/o" 2>"$T/err" || fail "AdminClient.create_topics exited $?: $(tail -c 1500 "$T/err")"
  assert_exit 0 ks topic describe cka -o json
  json_check "d['partitions'] == 4" "partitions of a topic created with AdminClient" <"$OUT"
  ck admin list >"$T/o" 2>"$T/err" || fail "AdminClient.list_topics exited $?: $(tail -c 1500 "$T/err")"
  json_check "d['topics'].get('cka') == 4 and d['brokers'] == {'1': '$BROKER'}" "AdminClient.list_topics" <"$T/o"
  local rc=0
  ck admin create cka 4 >"$T/o" 2>"$T/err" || rc=$?
  assert_eq 1 "$rc" "exit status of creating an existing topic"
  assert_contains "$(cat "$T/err")" "TOPIC_ALREADY_EXISTS" "error of creating an existing topic"
  ck admin delete cka >"$T/o" 2>"$T/err" || fail "AdminClient.delete_topics exited $?: $(tail -c 1500 "$T/err")"
  assert_exit 4 ks topic describe cka
}

run_cases compressed_producers_then_group_reads_all:60 ks_produce_read_by_confluent_consumer:30 admin_create_delete:30
