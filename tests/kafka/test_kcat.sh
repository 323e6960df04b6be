#!/usr/bin/env bash
# kcat (librdkafka 2.0.2) against the daemon's Kafka listener: metadata,
# produce, consume, consumer groups, offsets for times and compression,
# every record checked byte for byte with `ks consume` / `ks produce`.
source "$(dirname "$0")/lib.sh"
require_tools kcat
start_kafka_daemon

# Deterministic test lines: every byte but \n, long and short, UTF-8 and
# not; never empty, since kcat -P skips empty lines.
gen_lines() {  # COUNT SEED > FILE
  "$PY" - "$1" "$2" <<'EOF'
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
out = sys.stdout.buffer
alphabet = bytes(b for b in range(256) if b != 10)
for i in range(n):
    kind = i % 5
    if kind == 0:
        line = b"line %d" % i
    elif kind == 1:
        line = ("z\u00fcrich \u2603 %d \t tab" % i).encode()
    elif kind == 2:
        line = bytes(r.choice(alphabet) for _ in range(r.randint(1, 40)))
    elif kind == 3:
        line = b"x" * r.randint(500, 3000) + b"%d" % i
    else:
        line = b" "
    out.write(line + b"\n")
EOF
}

case_metadata_lists_broker_and_topics() {
  assert_exit 0 ks topic create meta3 -p 3
  assert_exit 0 ks topic create meta1
  assert_exit 0 ks daemon status -o json
  json_check "'kafka://$BROKER' in d['listeners']" "daemon status lists the Kafka listener" <"$OUT"

  assert_exit 0 kc -L -J
  json_check "d['brokers'] == [{'id': 1, 'name': '$BROKER'}]" "kcat -L: one broker, id 1, at the listener's address" <"$OUT"
  json_check "d.get('controllerid') == 1" "kcat -L: controller id 1" <"$OUT"
  json_check "sorted((p['partition'], p['leader'], [r['id'] for r in p['replicas']], [r['id'] for r in p['isrs']]) for t in d['topics'] if t['topic'] == 'meta3' for p in t['partitions']) == [(0, 1, [1], [1]), (1, 1, [1], [1]), (2, 1, [1], [1])]" \
    "kcat -L: meta3 has partitions 0-2 led by broker 1" <"$OUT"
  json_check "[len(t['partitions']) for t in d['topics'] if t['topic'] == 'meta1'] == [1]" "kcat -L: meta1 has 1 partition" <"$OUT"
  json_check "all('error' not in t for t in d['topics'] if t['topic'].startswith('meta'))" "kcat -L: no topic errors" <"$OUT"

  # One topic only.
  assert_exit 0 kc -L -J -t meta3
  json_check "[t['topic'] for t in d['topics']] == ['meta3'] and len(d['topics'][0]['partitions']) == 3" "kcat -L -t meta3" <"$OUT"

  # The plain listing, as a person reads it.
  assert_exit 0 kc -L
  assert_contains "$(cat "$OUT")" "broker 1 at $BROKER" "kcat -L text"
  assert_contains "$(cat "$OUT")" 'topic "meta3" with 3 partitions' "kcat -L text"

  # A topic deleted with ks is gone for Kafka clients too.
  assert_exit 0 ks topic delete -y meta1
  assert_exit 0 kc -L -J
  json_check "'meta1' not in [t['topic'] for t in d['topics']]" "kcat -L after ks topic delete -y meta1" <"$OUT"
}

case_produce_keyed_read_by_ks() {
  assert_exit 0 ks topic create pk -p 3
  local i
  for i in $(seq 0 599); do
    printf 'k%d:value %d z\xc3\xbcrich\tx=y:z\n' $((i % 23)) "$i"
  done >"$T/in"
  # Lines without the delimiter have a null key.
  printf 'no key here\nnor here\n' >>"$T/in"
  assert_exit 0 kc -P -t pk -K: -l "$T/in"
  assert_file_empty "$ERR" "kcat -P stderr"

  consume_all pk -f '%p\t%K\t%k\t%v\n'
  cp "$OUT" "$T/got"
  assert_eq 602 "$(count_lines "$T/got")" "records read by ks consume"
  # Byte-identical records (as key:value lines), per-key order kept, and
  # one partition per key.
  "$PY" - "$T/in" "$T/got" <<'EOF' || fail "kcat keyed records as read by ks consume: see above"
import collections, sys
want = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
got = [l.split(b"\t", 3) for l in open(sys.argv[2], "rb").read().split(b"\n")[:-1]]
want_by_key = collections.defaultdict(list)
for l in want:
    k, sep, v = l.partition(b":")
    want_by_key[k if sep else None].append(v if sep else l)
got_by_key = collections.defaultdict(list)
parts = collections.defaultdict(set)
for p, klen, k, v in got:
    key = None if klen == b"-1" else k
    got_by_key[key].append(v)
    parts[key].add(p)
ok = True
for k in want_by_key:
    if k is None:  # spread over partitions: no order to keep
        want_by_key[k].sort(); got_by_key.get(k, []).sort()
    if want_by_key[k] != got_by_key.get(k):
        print("key %r: sent %r..., ks consume read %r..." % (k, want_by_key[k][:3], (got_by_key.get(k) or [])[:3]), file=sys.stderr)
        ok = False
for k in got_by_key:
    if k not in want_by_key:
        print("unexpected key %r" % (k,), file=sys.stderr); ok = False
for k, ps in parts.items():
    if k is not None and len(ps) != 1:
        print("key %r in partitions %r" % (k, sorted(ps)), file=sys.stderr); ok = False
if len({p for ps in parts.values() for p in ps}) < 2:
    print("all keys in one partition: %r" % (parts,), file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
EOF
}

case_produce_10000_line_file() {
  assert_exit 0 ks topic create big
  gen_lines 10000 7 >"$T/big.txt"
  assert_exit 0 kc -P -t big -l "$T/big.txt"
  assert_exit 0 ks offsets big -o json
  json_check "[(p['partition'], p['latest']) for p in d] == [(0, 10000)]" "offsets after kcat -P of 10000 lines" <"$OUT"
  consume_all big
  assert_file_eq "$T/big.txt" "$OUT" "ks consume of 10000 lines produced by kcat -P"
  # And back out through Kafka Fetch, across many batches.
  assert_exit 0 kc -C -t big -e -q
  assert_file_eq "$T/big.txt" "$OUT" "kcat -C -e of the same 10000 lines"
}

case_produce_to_missing_topic_creates_it() {
  # The daemon auto-creates (its default); librdkafka producers ask for it
  # in Metadata.
  echo hello | assert_exit 0 kc -P -t autocreated
  wait_until 30 ks topic describe autocreated || fail "topic autocreated missing after kcat -P to it"
  consume_all autocreated
  assert_eq hello "$(cat "$OUT")" "record produced to an auto-created topic"
}

case_ks_produce_read_by_kcat() {
  assert_exit 0 ks topic create kc -p 3
  local i
  for i in $(seq 0 499); do
    if (( i % 7 == 0 )); then printf 'only value %d\n' "$i"; else printf 'key%d:v%d \xe2\x98\x83 \\ %%s\n' $((i % 31)) "$i"; fi
  done >"$T/in"
  assert_exit 0 ks produce kc -K: --file "$T/in"
  # The same fields through both tools: partition, offset, timestamp, key
  # and value lengths (-1 for null), key and value.
  consume_all kc -f '%p\t%o\t%t\t%K\t%k\t%V\t%v\n'
  sort_file "$OUT"
  mv "$OUT.sorted" "$T/ks.txt"
  assert_eq 500 "$(count_lines "$T/ks.txt")" "records read by ks consume"
  assert_exit 0 kc -C -t kc -e -q -f '%p\t%o\t%T\t%K\t%k\t%S\t%s\n'
  sort_file "$OUT"
  assert_file_eq "$T/ks.txt" "$OUT.sorted" "kcat -C -e -f of records written by ks produce"
  # Null keys really are null for Kafka (not empty).
  assert_eq "$(grep -c $'\t-1\t\t' "$T/ks.txt")" "$(grep -c '^only value' "$T/in")" "records with a null key"

  # One partition from an offset, with kcat's -K output (key, delimiter,
  # value) and its -f output.
  local want
  want=$(timeout 20 "$KS" consume kc -p 1 --from 2 -n 3 -f '%k|%v\n')
  assert_eq 3 "$(echo "$want" | wc -l)" "ks consume -p 1 --from 2 -n 3"
  assert_exit 0 kc -C -t kc -p 1 -o 2 -c 3 -e -q -K '|'
  assert_eq "$want" "$(cat "$OUT")" "kcat -C -p 1 -o 2 -c 3 -K '|'"
  want=$(timeout 20 "$KS" consume kc -p 1 --from 2 -n 3 -f '%o|%k|%v\n')
  assert_exit 0 kc -C -t kc -p 1 -o 2 -c 3 -e -q -f '%o|%k|%s\n'
  assert_eq "$want" "$(cat "$OUT")" "kcat -C -p 1 -o 2 -c 3 -f '%o|%k|%s\n'"

  # Headers, and a binary value of 300 kB with every byte value.
  printf 'a\nb\n' | assert_exit 0 ks produce kh -H h1=v1 -H 'h2=two words'
  assert_exit 0 kc -C -t kh -e -q -f '%s %h\n'
  assert_eq $'a h1=v1,h2=two words\nb h1=v1,h2=two words' "$(cat "$OUT")" "kcat %h of ks headers"
  "$PY" -c 'import os, sys; sys.stdout.buffer.write(bytes(range(256)) * 4 + os.urandom(300000))' >"$T/blob"
  assert_exit 0 ks produce kb --raw --file "$T/blob" --key blob
  assert_exit 0 kc -C -t kb -e -q -f '%k'
  assert_eq blob "$(cat "$OUT")" "key of the binary record"
  assert_exit 0 kc -C -t kb -e -q -f '%s' -X fetch.message.max.bytes=4096
  assert_file_eq "$T/blob" "$OUT" "300 kB binary value read by kcat (record larger than the fetch size)"
}

case_group_reads_everything_lag_0() {
  assert_exit 0 ks topic create gt -p 3
  seq 1000 | sed 's/^\(.*\)$/k\1:\1/' | assert_exit 0 ks produce gt -K:
  consume_all gt -f '%p\t%o\t%v\n'
  sort_file "$OUT"
  mv "$OUT.sorted" "$T/all"

  # -e: exit once every assigned partition reached its end; closing commits.
  assert_exit 0 kc -G kgrp -o beginning -e -q -f '%p\t%o\t%s\n' gt
  sort_file "$OUT"
  assert_file_eq "$T/all" "$OUT.sorted" "records read by kcat -G kgrp"
  wait_until 30 member_count_is kgrp 0 || fail "kcat's member still in kgrp after it closed: $(ks group describe kgrp -o json 2>&1)"
  assert_exit 0 ks group describe kgrp -o json
  assert_eq "$(ks offsets gt -o json | json_eval '"\n".join("gt/%d %d %d 0" % (p["partition"], p["latest"], p["latest"]) for p in sorted(d, key=lambda p: p["partition"]))')" \
    "$(describe_rows <"$OUT")" "ks group describe kgrp after kcat -G (committed end lag)"
  assert_exit 0 ks group list -o json
  json_check "[(g['lag'], g['topics']) for g in d if g['group'] == 'kgrp'] == [(0, ['gt'])]" "ks group list: kgrp with lag 0 on gt" <"$OUT"
}

case_group_member_visible_while_running() {
  assert_exit 0 ks topic create gl -p 3
  seq 300 | sed 's/^\(.*\)$/k\1:\1/' | assert_exit 0 ks produce gl -K:
  timeout 150 kcat -b "$BROKER" -G kgl -o beginning -q -u -f '%s\n' \
    -X heartbeat.interval.ms=500 -X session.timeout.ms=6000 gl >"$T/kcat.out" 2>"$T/kcat.err" &
  local pid=$!
  wait_until 60 lines_at_least "$T/kcat.out" 300 ||
    fail "kcat -G read $(count_lines "$T/kcat.out") of 300 records; stderr: $(head -c 1500 "$T/kcat.err")"
  assert_exit 0 ks group describe kgl -o json
  json_check "len(d['members']) == 1" "ks group describe: kcat is the one member of kgl" <"$OUT"
  json_check "sorted(o['partition'] for o in d['offsets'] if o['topic'] == 'gl' and o.get('owner') not in (None, '', '-')) == [0, 1, 2]" \
    "ks group describe: every partition of gl owned by the kcat member" <"$OUT"
  # New records reach the running member (Fetch long-poll).
  seq 301 310 | assert_exit 0 ks produce gl
  wait_until 60 lines_at_least "$T/kcat.out" 310 ||
    fail "kcat -G read $(count_lines "$T/kcat.out") of 310 records after more were produced"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  assert_eq 0 "$rc" "kcat -G exit status after SIGTERM"
  sort -n "$T/kcat.out" >"$T/sorted"
  seq 310 >"$T/want"
  assert_file_eq "$T/want" "$T/sorted" "records read by the live kcat member"
  wait_until 30 member_count_is kgl 0 || fail "member still listed after kcat closed"
  assert_exit 0 ks group describe kgl -o json
  json_check "sum(o['lag'] for o in d['offsets']) == 0 and sum(o['committed'] for o in d['offsets']) == 310" \
    "kgl committed everything on close" <"$OUT"
}

case_query_offsets_for_times() {
  assert_exit 0 ks topic create q -p 2
  local i
  for i in 0 1 2 3 4; do
    printf '{"value":"a%d","timestamp":%d,"partition":0}\n' "$i" $((1700000000000 + i * 1000))
  done >"$T/in"
  printf '{"value":"b","timestamp":1700000010000,"partition":1}\n' >>"$T/in"
  assert_exit 0 ks produce q --json --file "$T/in"
  # kcat -Q prints "TOPIC [PARTITION] offset N".
  assert_exit 0 kc -Q -t q:0:1700000002000
  assert_contains "$(cat "$OUT")" "q [0] offset 2" "first offset at 1700000002000 (exact)"
  assert_exit 0 kc -Q -t q:0:1700000002500 -t q:1:1700000000000
  assert_contains "$(cat "$OUT")" "q [0] offset 3" "first offset at or after 1700000002500"
  assert_contains "$(cat "$OUT")" "q [1] offset 0" "partition 1 at an earlier time"
  assert_exit 0 kc -Q -t q:0:1
  assert_contains "$(cat "$OUT")" "q [0] offset 0" "a time before every record"
  # Logical times: -1 the end, -2 the beginning.
  assert_exit 0 kc -Q -t q:0:-1 -t q:1:-2
  assert_contains "$(cat "$OUT")" "q [0] offset 5" "end offset (-1)"
  assert_contains "$(cat "$OUT")" "q [1] offset 0" "beginning offset (-2)"
  # Later than every record: Kafka answers offset -1 (no such record).
  assert_exit 0 kc -Q -t q:0:1800000000000
  assert_contains "$(cat "$OUT")" "q [0] offset -1" "a time after every record"
  # kcat -o s@TIME starts there.
  assert_exit 0 kc -C -t q -p 0 -o s@1700000003000 -e -q -f '%o %s\n'
  assert_eq $'3 a3\n4 a4' "$(cat "$OUT")" "kcat -C -o s@1700000003000"
}

case_compressed_produce_read_by_ks() {
  local codec i
  for i in $(seq 1 2000); do printf 'compressible record %06d %s\n' "$i" "the quick brown fox jumps over the lazy dog"; done >"$T/in"
  for codec in gzip snappy lz4 zstd; do
    assert_exit 0 ks topic create "cz-$codec"
    assert_exit 0 kc -P -t "cz-$codec" -X compression.codec=$codec -X linger.ms=50 -l "$T/in"
    assert_codec "cz-$codec" 0 "$codec"
    assert_exit 0 kc -C -t "cz-$codec" -e -q
    assert_file_eq "$T/in" "$OUT" "kcat -C of $codec batches"
  done
  for codec in gzip snappy lz4 zstd; do
    consume_all "cz-$codec"
    assert_file_eq "$T/in" "$OUT" "ks consume of $codec batches from kcat"
  done
  # The batches are stored as sent: much smaller than the records.
  local size
  size=$(ks topic describe cz-zstd -o json | json_eval 'sum(p["size"] for p in d["partition_info"])')
  assert_le "$size" $(( $(stat -c %s "$T/in") / 4 )) "bytes on disk for zstd batches"
}

run_cases metadata_lists_broker_and_topics:30 produce_keyed_read_by_ks:30 produce_10000_line_file:40 \
  produce_to_missing_topic_creates_it:30 ks_produce_read_by_kcat:40 group_reads_everything_lag_0:40 \
  group_member_visible_while_running:40 query_offsets_for_times:30 compressed_produce_read_by_ks:60
