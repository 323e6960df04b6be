#!/usr/bin/env bash
# `ks produce`: what goes in comes out byte for byte, keys land where
# Kafka's partitioner puts them, and bad input fails loudly without losing
# what came before it.
source "$(dirname "$0")/lib.sh"

# The headline: a million lines in, the same million lines out.
case_roundtrip_1e6_lines() {
  seq 1000000 >"$T/expect"
  local t0 t1 t2 rcs
  t0=$(now_ms)
  assert_exit 0 timeout 120 "$KS" produce numbers <"$T/expect"
  assert_file_empty "$OUT" "stdout of produce"
  t1=$(now_ms)
  pipes_off
  timeout 120 "$KS" consume numbers -e 2>"$T/consume.err" | cmp - "$T/expect" >"$T/cmp.out" 2>&1
  rcs=("${PIPESTATUS[@]}")
  pipes_on
  t2=$(now_ms)
  note "produce 1e6 lines: $((t1 - t0)) ms, consume -e: $((t2 - t1)) ms"
  if [[ ${rcs[0]} -ne 0 ]]; then fail "consume -e exited ${rcs[0]}: $(head -c 1000 "$T/consume.err")"; fi
  if [[ ${rcs[1]} -ne 0 ]]; then fail "consumed bytes differ from seq 1000000: $(cat "$T/cmp.out")"; fi
  assert_file_empty "$T/consume.err" "stderr of consume -e"
  assert_exit 0 ks topic describe numbers -o json
  json_check 'topic(d)["partitions"] == 1 and [(p["partition"], p["start"], p["end"]) for p in topic(d)["partition_info"]] == [(0, 0, 1000000)]' \
    "describe after 1e6 records" <"$OUT"
}

# Keyed records go to (murmur2(key) & 0x7fffffff) % partitions, checked
# through consume's %p and independently in the segment files on disk.
case_key_partition_murmur2() {
  murmur2_self_test
  assert_exit 0 ks topic create keyed -p 6
  local keys=(21 foobar abc a-little-bit-long-string a-little-bit-longer-string
    lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8) k i
  for (( i = 0; i < 60; i++ )); do keys+=("key-$i"); done
  : >"$T/in"
  : >"$T/expect"
  for k in "${keys[@]}"; do
    echo "$k:value of $k" >>"$T/in"
    echo "$(kafka_partition "$k" 6) $k" >>"$T/expect"
  done
  # Kafka's own vectors, worked out in partitioner_test.cc by hand as well.
  assert_eq "0 0 3 2 5 5" "$(head -n 6 "$T/expect" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')" \
    "partitions of Kafka's murmur2 vectors on 6 partitions"
  sort -o "$T/expect" "$T/expect"
  if [[ $(cut -d' ' -f1 "$T/expect" | sort -u | wc -l) -lt 6 ]]; then fail "test keys do not cover all 6 partitions"; fi

  assert_exit 0 ks produce keyed -K : <"$T/in"
  consume_all keyed -f '%p %k\n'
  sort "$OUT" >"$T/got"
  assert_file_eq "$T/expect" "$T/got" "partition of each key (consume %p %k)"

  # On disk, without consume: every record's key in data/keyed-P.
  local p
  for p in 0 1 2 3 4 5; do
    assert_exit 0 ks log dump "$KS_HOME/data/keyed-$p" -o json
    python3 -c '
import json, sys
for line in sys.stdin:
    for r in json.loads(line).get("records", []):
        print(sys.argv[1], r["key"])
' "$p" <"$OUT"
  done | sort >"$T/disk"
  assert_file_eq "$T/expect" "$T/disk" "partition directory of each key (ks log dump)"

  # A fixed --key goes through the same partitioner.
  echo fixed | assert_exit 0 ks produce keyed --key a-little-bit-long-string
  consume_all keyed -p 2 -f '%k %v\n'
  assert_eq "a-little-bit-long-string fixed" "$(tail -n 1 "$OUT")" "last record of partition 2 after --key"
}

# All 256 byte values and runs of NULs survive --raw (stdin and --file).
case_binary_raw_roundtrip() {
  local i
  for (( i = 0; i < 256; i++ )); do printf "\\x$(printf %02x "$i")"; done >"$T/all256"
  assert_eq 256 "$(stat -c %s "$T/all256")" "size of the 256-byte file (test bug)"
  { cat "$T/all256"; head -c 1000 /dev/zero; cat "$T/all256"; printf '\n\n\r\n'; head -c 10 /dev/zero; cat "$T/all256"; } >"$T/bin"

  assert_exit 0 ks produce rawbin --raw <"$T/bin"
  assert_file_empty "$OUT" "stdout of produce --raw"
  consume_all rawbin -f '%v'
  assert_file_eq "$T/bin" "$OUT" "--raw record printed with -f %v"
  consume_all rawbin
  { cat "$T/bin"; echo; } >"$T/bin-nl"
  assert_file_eq "$T/bin-nl" "$OUT" "--raw record with the default output (value + newline)"
  consume_all rawbin -f '%V\n'
  assert_eq "$(stat -c %s "$T/bin")" "$(cat "$OUT")" "%V of the --raw record"

  assert_exit 0 ks produce rawbin --raw --file "$T/bin"
  consume_all rawbin -f '%v\x1e'
  { cat "$T/bin"; printf '\x1e'; cat "$T/bin"; printf '\x1e'; } >"$T/two"
  assert_file_eq "$T/two" "$OUT" "stdin --raw record then --file record"

  # A big binary record.
  head -c 600000 /dev/urandom >"$T/big"
  assert_exit 0 ks produce rawbig --raw --file "$T/big"
  consume_all rawbig -f '%v'
  assert_file_eq "$T/big" "$OUT" "600 kB random --raw record"
}

# NUL-delimited records holding every other byte value, newlines included.
case_binary_nul_delimited() {
  local i
  for (( i = 1; i < 256; i++ )); do printf "\\x$(printf %02x "$i")"; done >"$T/r255"
  for (( i = 0; i < 50; i++ )); do printf 'rec%d ' "$i"; cat "$T/r255"; printf '\0'; done >"$T/in"
  assert_exit 0 ks produce nul -D '\0' <"$T/in"
  consume_all nul -D '\0'
  assert_file_eq "$T/in" "$OUT" "-D '\\0' in, -D '\\0' out"
  consume_all nul -f '%o\n'
  assert_eq 50 "$(count_lines "$OUT")" "records from 50 NUL-terminated chunks"
  printf 'x\0y' | assert_exit 0 ks produce nul2 -D '\0'
  consume_all nul2 -f '%v|'
  assert_eq 'x|y|' "$(cat "$OUT")" "last NUL-delimited record without its delimiter"
  consume_all nul -D '\x00' -n 1
  { printf 'rec0 '; cat "$T/r255"; printf '\0'; } >"$T/first"
  assert_file_eq "$T/first" "$OUT" "first record with -D '\\x00'"
}

# Multi-byte delimiters that straddle read boundaries: records of every
# length up to ~1 kB between 3-byte record and 2-byte key delimiters, fed
# once in big reads and once through a pipe in 7-byte writes.
case_delimiters_across_reads() {
  python3 - "$T" <<'EOF2'
import sys
t = sys.argv[1]
recs = []
for i in range(3000):
    n = (i * 37) % 1013
    body = bytes((j * 7 + i) % 256 for j in range(n)).replace(b"\x1e", b"R").replace(b"\x1f", b"U").replace(b"==", b"=-")
    key = b"k%d" % i
    recs.append(key + b"==" + body)
open(t + "/in", "wb").write(b"".join(r + b"\x1e\x1f\x1e" for r in recs))
open(t + "/values", "wb").write(b"".join(r.split(b"==", 1)[1] + b"\x1e\x1f\x1e" for r in recs))
open(t + "/keys", "wb").write(b"".join(r.split(b"==", 1)[0] + b"\n" for r in recs))
EOF2
  assert_exit 0 ks produce delim-big -D '\x1e\x1f\x1e' -K '==' <"$T/in"
  consume_all delim-big -D '\x1e\x1f\x1e'
  assert_file_eq "$T/values" "$OUT" "values split on a 3-byte delimiter (whole-file reads)"
  consume_all delim-big -f '%k\n'
  assert_file_eq "$T/keys" "$OUT" "keys split on a 2-byte key delimiter"

  local rcs
  pipes_off
  dd if="$T/in" bs=7 status=none | "$KS" produce delim-small -D '\x1e\x1f\x1e' -K '==' 2>"$T/p.err"
  rcs=("${PIPESTATUS[@]}")
  pipes_on
  assert_eq "0 0" "${rcs[*]}" "exit codes of dd bs=7 | ks produce ($(cat "$T/p.err"))"
  consume_all delim-small -D '\x1e\x1f\x1e'
  assert_file_eq "$T/values" "$OUT" "values split on a 3-byte delimiter (7-byte pipe writes)"
  consume_all delim-small -f '%k\n'
  assert_file_eq "$T/keys" "$OUT" "keys from 7-byte pipe writes"
}

# Several-byte delimiters, escapes, keys split at the first key delimiter,
# and a last line without a newline.
case_multibyte_delimiters() {
  printf 'k1::v1\x1e\x1ek2::v2 with\nnewline\x1e\x1ek3::v3::more\x1e\x1e' |
    assert_exit 0 ks produce md -D '\x1e\x1e' -K '::'
  consume_all md -f '%k=%v|'
  assert_eq $'k1=v1|k2=v2 with\nnewline|k3=v3::more|' "$(cat "$OUT")" "records split on \\x1e\\x1e with key delimiter ::"

  printf 'a\tb\nc\td e\n' | assert_exit 0 ks produce mt -K '\t'
  consume_all mt -f '%k/%v\n'
  assert_eq $'a/b\nc/d e' "$(cat "$OUT")" "tab key delimiter"

  printf '1\n2\n3' | assert_exit 0 ks produce nonl
  consume_all nonl
  printf '1\n2\n3\n' >"$T/want"
  assert_file_eq "$T/want" "$OUT" "last line without a newline is still a record"

  printf 'x--END--y--END--' | assert_exit 0 ks produce words -D '--END--'
  consume_all words
  assert_eq $'x\ny' "$(cat "$OUT")" "-D --END--"

  # Bad escapes are usage errors.
  assert_exit 2 ks produce md -D '\q' <<<x
  assert_exit 2 ks produce md -D '\x4' <<<x
  assert_exit 2 ks produce md -D '' <<<x
}

# --key, repeatable -H and -p, and -p beating the key's partition.
case_key_headers_partition() {
  assert_exit 0 ks topic create kh -p 3
  echo v | assert_exit 0 ks produce kh --key K -H a=1 -H b=2 -p 2
  echo w | assert_exit 0 ks produce kh -H 'x=y=z' -H 'e=' -p 0
  consume_all kh -p 2 -f '%p|%k|%v|%h\n'
  assert_eq "2|K|v|a=1,b=2" "$(cat "$OUT")" "record with --key, two -H and -p 2"
  consume_all kh -p 0 -f '%p|%K|%v|%h\n'
  assert_eq "0|-1|w|x=y=z,e=" "$(cat "$OUT")" "unkeyed record with header values containing = and empty"
  # -p wins over the key's own partition.
  local kp
  kp=$(kafka_partition foobar 3)
  local other=$(( (kp + 1) % 3 ))
  echo pinned | assert_exit 0 ks produce kh --key foobar -p "$other"
  consume_all kh -p "$other" -f '%k %v\n'
  assert_eq "foobar pinned" "$(tail -n 1 "$OUT")" "-p $other with a key that hashes to $kp"
  # A partition the topic does not have.
  assert_fails ks produce kh -p 3 <<<nope
  assert_file_nonempty "$ERR" "stderr for -p 3 on a 3-partition topic"
}

# Every acks mode delivers; acks 0 may take a moment to land.
case_acks_modes() {
  seq 1 100 | assert_exit 0 ks produce acks --acks 0
  seq 101 200 | assert_exit 0 ks produce acks --acks 1
  seq 201 300 | assert_exit 0 ks produce acks --acks all
  got300() { timeout 20 "$KS" consume acks -e >"$T/acks.out" 2>/dev/null && [[ $(count_lines "$T/acks.out") -ge 300 ]]; }
  if ! wait_until 30 got300; then fail "expected 300 records from three acks modes, got $(count_lines "$T/acks.out")"; fi
  sort -n "$T/acks.out" >"$T/got"
  seq 300 >"$T/want"
  assert_file_eq "$T/want" "$T/got" "records with --acks 0, 1 and all"
  assert_exit 2 ks produce acks --acks 2 <<<x
  assert_exit 2 ks produce acks --acks some <<<x
}

# A missing topic is created with one partition.
case_auto_create_one_partition() {
  echo hello | assert_exit 0 ks produce fresh-topic
  assert_exit 0 ks topic describe fresh-topic -o json
  json_check 'topic(d)["name"] == "fresh-topic" and topic(d)["partitions"] == 1' "auto-created topic" <"$OUT"
}

# A daemon run with --auto-create false: producing to a missing topic is
# "not found", and nothing appears.
case_auto_create_off_exit_4() {
  local h=$T/home pid
  "$KS" --home "$h" daemon run --auto-create false >"$T/run.out" 2>"$T/run.err" &
  pid=$!
  if ! wait_until 30 "$KS" --home "$h" --no-autostart topic list; then
    fail "daemon run --auto-create false did not come up: $(cat "$T/run.err")"
  fi
  assert_exit 4 ks --home "$h" produce missing <<<x
  assert_file_nonempty "$ERR" "stderr of produce to a missing topic"
  assert_exit 4 ks --home "$h" produce missing --json <<<'{"value":"x"}'
  assert_exit 0 ks --home "$h" topic list -o json
  json_check '"missing" not in json.dumps(d)' "topic list after a refused produce" <"$OUT"
  if compgen -G "$h/data/missing*" >/dev/null; then fail "partition directory created for a refused topic: $(ls "$h/data")"; fi
  assert_exit 4 timeout 20 "$KS" --home "$h" consume missing -e
  assert_exit 0 ks --home "$h" topic create present
  echo x | assert_exit 0 ks --home "$h" produce present
  stop_daemon --home "$h"
  local rc=0
  wait "$pid" || rc=$?
  assert_eq 0 "$rc" "exit code of daemon run after stop"
}

# Invalid names are usage errors and leave nothing on disk.
case_invalid_topic_names() {
  echo first | assert_exit 0 ks produce valid.name_OK-1
  local long249 long250
  long249=$(printf 'n%.0s' $(seq 249))
  long250=$(printf 'n%.0s' $(seq 250))
  ( cd "$KS_HOME" && find . \( -path ./daemon.log -o -path './meta.db-*' \) -prune -o -print | sort ) >"$T/before"
  local names=("" "." ".." "a/b" "../escape" "/abs" "$long250" "with space" "semi;colon" "a:b" $'tab\there'
    "star*" $'\xc3\xbcml' "new
line") n
  for n in "${names[@]}"; do
    assert_exit 2 ks produce "$n" <<<x
    assert_file_nonempty "$ERR" "stderr for topic name $(printf %q "$n")"
    assert_exit 2 ks topic create "$n"
  done
  ( cd "$KS_HOME" && find . \( -path ./daemon.log -o -path './meta.db-*' \) -prune -o -print | sort ) >"$T/after"
  assert_file_eq "$T/before" "$T/after" "files in the home after invalid topic names"
  if [[ -e "$IT_SCRATCH/escape-0" || -e "$(dirname "$KS_HOME")/escape-0" ]]; then fail "a topic name escaped the data directory"; fi
  assert_exit 0 ks topic list -o json
  json_check 'len([t for t in (d if isinstance(d, list) else d.get("topics", [])) ]) >= 1' "topic list" <"$OUT"

  # The longest valid name works.
  echo edge | assert_exit 0 ks produce "$long249"
  if [[ ! -d "$KS_HOME/data/$long249-0" ]]; then fail "no partition directory for a 249-byte topic name"; fi
  consume_all "$long249"
  assert_eq edge "$(cat "$OUT")" "record in a 249-byte-named topic"
}

# A record over max.message.bytes: the error names it, the records before
# it are delivered.
case_oversize_record() {
  assert_exit 0 ks topic create small -c max.message.bytes=1024
  { echo one; echo two; echo three; head -c 5000 /dev/zero | tr '\0' x; echo; echo five; } >"$T/in"
  assert_fails ks produce small <"$T/in"
  note "oversize record: exit $RC; stderr: $(head -c 300 "$ERR")"
  assert_matches "$(cat "$ERR")" '(line|record) #?4([^0-9]|$)' "error for the 5000-byte record on line 4"
  consume_all small -f '%o %v\n'
  assert_eq $'0 one\n1 two\n2 three' "$(head -n 3 "$OUT")" "records before the oversize one"
  if grep -q xxxxx "$OUT"; then fail "the oversize record was stored"; fi
}

# The NDJSON envelope round trip, byte exact: keys, values, headers
# (order, duplicates, nulls), timestamps, null versus empty.
case_json_roundtrip() {
  local base t0 t1
  base=$(( $(now_ms) - 3600000 ))
  python3 - "$base" >"$T/in" <<'EOF'
import base64, json, sys
base = int(sys.argv[1])
b64 = lambda b: {"base64": base64.b64encode(b).decode()}
recs = [
    {"key": "k1", "value": "hello", "timestamp": base,
     "headers": [{"key": "h1", "value": "x"}, {"key": "h1", "value": "y"},
                 {"key": "nul", "value": None}, {"key": "empty", "value": ""}]},
    {"key": None, "value": "no key", "timestamp": base + 1},
    {"key": "", "value": "", "timestamp": base + 2},
    {"key": "tomb", "value": None, "timestamp": base + 3},
    {"key": b64(b"\xff\xfe\x00\x80"), "value": b64(bytes(range(256))), "timestamp": base + 4,
     "headers": [{"key": "bin", "value": b64(b"\x00\xff")}]},
    {"value": "unicode h\u00e9llo \u2713 \U0001F600 and\nnewline\ttab \"quote\" back\\slash", "timestamp": base + 5},
    {"value": "nul\u0000inside", "timestamp": base + 6},
    {"key": "objhdr", "value": "v", "headers": {"a": "1", "b": "2"}, "timestamp": base + 7},
    {"value": "no timestamp"},
    {"value": b64(b"hi"), "timestamp": base - 86400000},
    {"key": "big", "value": "x" * 100000, "timestamp": base + 9},
]
for r in recs:
    print(json.dumps(r, ensure_ascii=(len(r) % 2 == 0)))
EOF
  t0=$(now_ms)
  assert_exit 0 ks produce ja --json <"$T/in"
  assert_file_empty "$OUT" "stdout of produce --json"
  t1=$(now_ms)
  consume_all ja --json
  cp "$OUT" "$T/a.ndjson"
  ndjson_norm <"$T/in" >"$T/in.norm"
  ndjson_norm <"$T/a.ndjson" >"$T/a.norm"
  python3 - "$T/in.norm" "$T/a.norm" "$t0" "$t1" <<'EOF'
import json, sys
want = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
t0, t1 = int(sys.argv[3]), int(sys.argv[4])
if len(want) != len(got):
    sys.exit("expected %d records, consume --json gave %d" % (len(want), len(got)))
for i, (w, g) in enumerate(zip(want, got)):
    if g[0] != 0: sys.exit("record %d: partition %r, expected 0" % (i, g[0]))
    if w[1] is None:
        if not (isinstance(g[1], int) and t0 - 1000 <= g[1] <= t1 + 1000):
            sys.exit("record %d: no timestamp given, got %r, expected the produce time in [%d, %d]" % (i, g[1], t0, t1))
    elif g[1] != w[1]:
        sys.exit("record %d: timestamp %r, expected %r" % (i, g[1], w[1]))
    for j, what in ((2, "key"), (3, "value"), (4, "headers")):
        if g[j] != w[j]:
            sys.exit("record %d: %s (hex) %r, expected %r" % (i, what, str(g[j])[:300], str(w[j])[:300]))
EOF
  # The consume envelope carries topic and offset too.
  head -n 1 "$T/a.ndjson" | json_check 'd["topic"] == "ja" and d["offset"] == 0 and d["partition"] == 0' "envelope fields"
  # Strings stay strings; only non-UTF-8 bytes become base64.
  sed -n 6p "$T/a.ndjson" | json_check 'isinstance(d["value"], str)' "a UTF-8 value in consume --json"
  sed -n 5p "$T/a.ndjson" | json_check 'isinstance(d["key"], dict) and set(d["key"]) == {"base64"}' "a non-UTF-8 key in consume --json"

  # consume --json | produce --json copies exactly.
  local rcs
  pipes_off
  timeout 60 "$KS" consume ja --json -e 2>"$T/c.err" | "$KS" produce jb --json 2>"$T/p.err"
  rcs=("${PIPESTATUS[@]}")
  pipes_on
  assert_eq "0 0" "${rcs[*]}" "exit codes of consume ja --json -e | produce jb --json ($(cat "$T/c.err" "$T/p.err"))"
  consume_all jb --json
  ndjson_norm <"$OUT" >"$T/b.norm"
  assert_file_eq "$T/a.norm" "$T/b.norm" "records copied with consume --json | produce --json"
}

# The copy keeps partitions when the target has them.
case_json_roundtrip_partitions() {
  assert_exit 0 ks topic create jp -p 3
  assert_exit 0 ks topic create jq -p 3
  local i
  for (( i = 0; i < 30; i++ )); do
    printf '{"partition":%d,"key":"k%d","value":"v%d","timestamp":%d,"headers":[{"key":"i","value":"%d"}]}\n' \
      $((i % 3)) "$i" "$i" $(( $(now_ms) - 1000 + i )) "$i"
  done >"$T/in"
  assert_exit 0 ks produce jp --json <"$T/in"
  consume_all jp --json
  ndjson_norm <"$OUT" | sort >"$T/a.norm"
  ndjson_norm <"$T/in" | sort >"$T/in.norm"
  assert_file_eq "$T/in.norm" "$T/a.norm" "records produced with an explicit partition field"
  local rcs
  pipes_off
  timeout 60 "$KS" consume jp --json -e 2>"$T/c.err" | "$KS" produce jq --json 2>"$T/p.err"
  rcs=("${PIPESTATUS[@]}")
  pipes_on
  assert_eq "0 0" "${rcs[*]}" "exit codes of the copy ($(cat "$T/c.err" "$T/p.err"))"
  consume_all jq --json
  ndjson_norm <"$OUT" | sort >"$T/b.norm"
  assert_file_eq "$T/a.norm" "$T/b.norm" "3-partition copy"
  # Order within each partition is kept.
  consume_all jq -p 1 -f '%v '
  assert_eq "v1 v4 v7 v10 v13 v16 v19 v22 v25 v28 " "$(cat "$OUT")" "order in partition 1 of the copy"
}

# A malformed --json line: error with its line number, earlier records
# delivered, exit 1.
case_json_malformed_line() {
  printf '%s\n' '{"value":"r1"}' '{"value":"r2"}' '{"value": ' '{"value":"r4"}' >"$T/in"
  assert_exit 1 ks produce jm --json <"$T/in"
  assert_matches "$(cat "$ERR")" 'line 3([^0-9]|$)' "error for malformed JSON on line 3"
  consume_all jm -f '%v\n'
  assert_eq $'r1\nr2' "$(head -n 2 "$OUT")" "records before the malformed line"

  printf '%s\n' '{"value":"ok"}' '{"value":{"base64":"!!!not base64"}}' >"$T/in2"
  assert_exit 1 ks produce jm2 --json <"$T/in2"
  assert_matches "$(cat "$ERR")" 'line 2([^0-9]|$)' "error for bad base64 on line 2"
  consume_all jm2 -f '%v\n'
  assert_eq ok "$(head -n 1 "$OUT")" "record before the bad base64 line"

  printf '%s\n' '[1,2]' >"$T/in3"
  assert_exit 1 ks produce jm3 --json <"$T/in3"
  assert_matches "$(cat "$ERR")" 'line 1([^0-9]|$)' "error for a non-object on line 1"

  printf '%s\n' '{"value":"a","timestamp":"yesterday"}' >"$T/in4"
  assert_exit 1 ks produce jm4 --json <"$T/in4"
  assert_matches "$(cat "$ERR")" 'line 1([^0-9]|$)' "error for a string timestamp"
}

# --skip-bad reports each bad line and delivers the rest.
case_json_skip_bad() {
  printf '%s\n' '{"value":"r1"}' '{"value":"r2"}' '{"value": ' '{"value":"r4"}' \
    '{"value":{"base64":"!!"}}' '[1]' '{"value":"r7"}' >"$T/in"
  assert_exit 0 ks produce js --json --skip-bad <"$T/in"
  assert_matches "$(cat "$ERR")" 'line 3([^0-9]|$)' "--skip-bad report of line 3"
  assert_matches "$(cat "$ERR")" 'line 5([^0-9]|$)' "--skip-bad report of line 5"
  assert_matches "$(cat "$ERR")" 'line 6([^0-9]|$)' "--skip-bad report of line 6"
  consume_all js -f '%v\n'
  assert_eq $'r1\nr2\nr4\nr7' "$(cat "$OUT")" "records delivered with --skip-bad"
}

# Producers writing one topic at the same time: nothing lost, each one's
# records in its own order.
case_concurrent_producers() {
  local i n=4
  for (( i = 1; i <= n; i++ )); do
    ( seq 1 50000 | sed "s/^/p$i-/" | "$KS" produce conc 2>"$T/err.$i"; echo "$?" >"$T/rc.$i" ) &
  done
  wait
  for (( i = 1; i <= n; i++ )); do
    assert_eq 0 "$(cat "$T/rc.$i")" "exit code of concurrent producer $i ($(cat "$T/err.$i"))"
  done
  consume_all conc
  assert_eq $(( n * 50000 )) "$(count_lines "$OUT")" "records from $n concurrent producers"
  for (( i = 1; i <= n; i++ )); do
    grep "^p$i-" "$OUT" | cut -d- -f2 >"$T/got.$i"
    seq 1 50000 >"$T/want"
    assert_file_eq "$T/want" "$T/got.$i" "order of producer $i's records"
  done
}

# A 1.5 MB line under a raised max.message.bytes, and empty input.
case_large_record_and_empty_input() {
  assert_exit 0 ks topic create large -c max.message.bytes=2000000
  { head -c 1500000 /dev/zero | tr '\0' y; echo; echo small; } >"$T/in"
  assert_exit 0 ks produce large <"$T/in"
  consume_all large
  assert_file_eq "$T/in" "$OUT" "a 1.5 MB record then a small one"
  assert_exit 0 ks produce large </dev/null
  assert_exit 0 ks produce large --json </dev/null
  consume_all large -f '%o\n'
  assert_eq $'0\n1' "$(cat "$OUT")" "offsets after producing empty input"
}

# --compression: each Kafka codec goes to disk compressed (ks log dump
# shows the codec of every batch), and comes back byte for byte, keys and
# headers included.
case_compression_codecs() {
  seq 50000 >"$T/lines"
  local c n
  for c in gzip snappy lz4 zstd; do
    assert_exit 0 ks produce "z-$c" --compression "$c" <"$T/lines"
    assert_file_empty "$ERR" "stderr of produce --compression $c"
    consume_all "z-$c"
    assert_file_eq "$T/lines" "$OUT" "consume -e of a $c topic"

    assert_exit 0 ks log dump "$KS_HOME/data/z-$c-0" -o json
    python3 -c '
import json, sys
codec, n, batches = sys.argv[1], 0, 0
for line in sys.stdin:
    b = json.loads(line)
    assert b["compression"] == codec, b["compression"]
    assert b["valid"], b
    assert len(b["records"]) == b["records_count"]
    n += b["records_count"]
    batches += 1
print(n, batches)
' "$c" <"$OUT" >"$T/counts" || fail "ks log dump -o json of z-$c: $(head -c 300 "$OUT")"
    read -r n _ <"$T/counts"
    assert_eq 50000 "$n" "records in z-$c according to ks log dump"
    assert_exit 0 ks log dump "$KS_HOME/data/z-$c-0"
    assert_contains "$(sed -n 2p "$OUT")" ", $c, " "batch line of the text dump"
    assert_contains "$(sed -n 3p "$OUT")" 'value "1"' "first record of the text dump"
    assert_exit 0 ks log verify "$KS_HOME/data/z-$c-0"

    # Keys, headers, binary values and nulls through the envelope.
    printf '%s\n' \
      '{"key":"k1","value":"v1","headers":{"h":"x","n":null}}' \
      '{"key":null,"value":{"base64":"AAECAwT/"}}' \
      '{"key":"k3","value":null}' \
      '{"key":"","value":""}' >"$T/env"
    for n in 1 2 3 4 5 6 7 8; do cat "$T/env"; done >"$T/env8"
    assert_exit 0 ks produce "j-$c" --json --compression "$c" <"$T/env8"
    consume_all "j-$c" --json
    ndjson_norm <"$OUT" | cut -d, -f3- >"$T/got"
    ndjson_norm <"$T/env8" | cut -d, -f3- >"$T/want"
    assert_file_eq "$T/want" "$T/got" "envelopes through $c"
    assert_exit 0 ks log dump "$KS_HOME/data/j-$c-0" --headers-only
    assert_contains "$(cat "$OUT")" ", $c, " "codec of the envelope batch"
  done
  assert_exit 0 ks produce z-none --compression none <"$T/lines"
  consume_all z-none
  assert_file_eq "$T/lines" "$OUT" "consume -e after --compression none"
}

# A batch compression would not shrink goes out uncompressed, as with
# librdkafka; an unknown codec is a usage error.
case_compression_fallback_and_bad_codec() {
  echo x | assert_exit 0 ks produce tiny --compression zstd
  assert_exit 0 ks log dump "$KS_HOME/data/tiny-0" --headers-only
  assert_contains "$(cat "$OUT")" ", none, " "codec of a one-byte batch"
  consume_all tiny
  assert_eq x "$(cat "$OUT")" "the one-byte record"
  echo x | assert_exit 2 ks produce tiny --compression brotli
  assert_contains "$(cat "$ERR")" "--compression" "error for an unknown codec"
}

case_progress_on_a_terminal_only() {
  # Long work shows a progress line on stderr when it is a terminal, and
  # nothing otherwise. A pseudo-terminal gets stderr; the records go to a
  # file or a pipe. Work is made to last over the 1 s before the first line.
  seq 2000000 >"$T/lines"
  # fsync per 1 KiB batch keeps the produce going for a few seconds.
  assert_exit 0 on_pty sh -c "'$KS' produce prog --file '$T/lines' --acks all --batch-bytes 1024"
  assert_matches "$(cat "$OUT")" "produce: [0-9,]+ records \([0-9]+%\)" "produce progress with the share of the file"
  assert_contains "$(cat "$OUT")" "records/s" "produce progress rate"
  # A reader that waits first holds consume back on a full pipe.
  assert_exit 0 on_pty sh -c "'$KS' consume prog -e | (sleep 2; cat >'$T/read')"
  assert_matches "$(cat "$OUT")" "consume: [0-9,]+ records \([0-9]+%\)" "consume -e progress"
  assert_eq 2000000 "$(wc -l <"$T/read")" "records read under a progress line"
  # Not a terminal: nothing on stderr.
  assert_exit 0 ks produce prog2 --file "$T/lines" --acks all --batch-bytes 1024
  assert_eq "" "$(cat "$ERR")" "produce stderr when not a terminal"
  pipes_off
  "$KS" consume prog -e 2>"$T/consume.err" | (sleep 2; cat >/dev/null)
  pipes_on
  assert_eq "" "$(cat "$T/consume.err")" "consume stderr when not a terminal"
}

case_mixed_keyed_and_sticky_records_respect_max_message_bytes() {
  # Keyless records fill a sticky batch; keyed ones wait in other
  # partitions' batches. When a full sticky batch moves on, the next
  # partition's batch must still stay under max.message.bytes.
  assert_exit 0 ks topic create mixed -p 4 -c max.message.bytes=16384
  python3 -c 'import sys
for i in range(40000):
    sys.stdout.write(("k%d:%d-%s\n" % (i % 7, i, "x" * 60)) if i % 3 == 0 else ("%d-%s\n" % (i, "y" * 60)))' >"$T/in"
  assert_exit 0 ks produce mixed -K: <"$T/in"
  assert_exit 0 timeout 60 "$KS" consume mixed -e -f '%v\n'
  assert_eq 40000 "$(wc -l <"$OUT")" "every record stored"
}

run_cases \
  mixed_keyed_and_sticky_records_respect_max_message_bytes \
  progress_on_a_terminal_only:180 \
  roundtrip_1e6_lines:150 \
  key_partition_murmur2 \
  binary_raw_roundtrip \
  binary_nul_delimited \
  multibyte_delimiters \
  delimiters_across_reads \
  key_headers_partition \
  acks_modes \
  auto_create_one_partition \
  auto_create_off_exit_4 \
  invalid_topic_names \
  oversize_record \
  json_roundtrip \
  json_roundtrip_partitions \
  json_malformed_line \
  json_skip_bad \
  concurrent_producers \
  large_record_and_empty_input \
  compression_codecs:120 \
  compression_fallback_and_bad_codec
