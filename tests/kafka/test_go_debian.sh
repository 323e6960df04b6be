#!/usr/bin/env bash
# Debian's Go Kafka clients with their default settings, which predate
# Kafka 0.11 and speak the old message formats (magic 0/1 message sets,
# Produce v0-v2, Fetch v0-v3) that ks converts to and from its v2 batches
# (common/legacy_messages.h): sarama 1.22 (Kafka 0.8.2 by default; its
# ConsumerGroup at 0.10.2, the first version it has one for) and
# segmentio kafka-go 0.2.1. Cross-checked with `ks consume` and
# `ks group describe`. The programs are in clients/go-debian/ and built
# by its build.sh (which installs the Debian packages).
source "$(dirname "$0")/lib.sh"

GO_DEBIAN_BIN=${XDG_CACHE_HOME:-$HOME/.cache}/ks-tests/go-debian
export GO_DEBIAN_BIN
if [[ -z "${IT_CASE:-}" ]]; then
  rc=0
  bash "$KAFKA_DIR/clients/go-debian/build.sh" "$GO_DEBIAN_BIN" || rc=$?
  [[ $rc -eq 0 ]] || exit "$rc"
fi
start_kafka_daemon

sarama() { timeout -k 5 $(( 90 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$GO_DEBIAN_BIN/sarama122" -broker "$BROKER" "$@"; }
kgo() { timeout -k 5 $(( 90 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$GO_DEBIAN_BIN/kafkago021" -broker "$BROKER" "$@"; }

# "partition offset key value" lines (key "-" for null), sorted, from the
# programs' JSON lines.
rows_of() {  # FILE
  "$PY" -c 'import json, sys
rows = []
for l in open(sys.argv[1]):
    o = json.loads(l)
    rows.append("%d %d %s %s" % (o["partition"], o["offset"], o.get("key", "-"), o["value"]))
print("\n".join(sorted(rows)))' "$1"
}

# The same rows from `ks consume`.
ks_rows() {  # TOPIC
  consume_all "$1" -f '%p %o %k %v\n'
  "$PY" -c 'import sys
rows = []
for l in open(sys.argv[1]).read().split("\n")[:-1]:
    p, o, rest = l.split(" ", 2)
    k, v = rest.split(" ", 1) if not rest.startswith(" ") else ("-", rest[1:])
    rows.append("%s %s %s %s" % (p, o, k, v))
print("\n".join(sorted(rows)))' "$OUT"
}

case_sarama_default_producer_and_consumer() {
  assert_exit 0 ks topic create sp -p 2
  sarama produce sp 60 >"$T/meta" 2>"$T/err" || fail "sarama produce exited $?: $(tail -c 2000 "$T/err")"
  assert_eq 60 "$(count_lines "$T/meta")" "messages acknowledged"
  # Every acknowledgement names where ks stored the value, offsets from 0.
  "$PY" -c 'import json, sys
m = [json.loads(l) for l in open(sys.argv[1])]
per = {}
for x in m: per.setdefault(x["partition"], []).append(x["offset"])
ok = all(v == list(range(len(v))) for v in per.values())
sys.exit(0 if ok else 1)' "$T/meta" || fail "acknowledged offsets not contiguous from 0: $(head -c 800 "$T/meta")"
  ks_rows sp >"$T/ks"
  "$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l); print("%d %d %s" % (o["partition"], o["offset"], o["value"]))' "$T/meta" | sort >"$T/want"
  cut -d' ' -f1,2,4- "$T/ks" | sort >"$T/got"
  assert_file_eq "$T/want" "$T/got" "sarama's acknowledgements vs ks consume"
  # Magic 0 has no timestamps: the records carry the broker's time.
  consume_all sp -f '%t\n'
  local now t
  now=$(now_ms)
  while read -r t; do
    (( t > now - 600000 && t <= now )) || fail "record timestamp $t is not the broker's recent time (now $now)"
  done <"$OUT"

  # sarama's default consumer (Fetch v0, magic 0) reads them back.
  sarama consume sp 60 >"$T/read" 2>"$T/err" || fail "sarama consume exited $?: $(tail -c 2000 "$T/err")"
  rows_of "$T/read" >"$T/read.rows"
  assert_file_eq "$T/ks" "$T/read.rows" "sarama consume vs ks consume"
}

case_sarama_reads_what_others_wrote() {
  # Written as v2 batches (keys, headers, compression): down-converted.
  assert_exit 0 ks topic create sr -p 1
  printf 'k%d:value %d\n' $(seq 1 400 | sed 's/.*/& &/') >"$T/in"
  assert_exit 0 ks produce sr -K: --file "$T/in" -H h=x
  assert_exit 0 ks produce sr -K: --file "$T/in" --compression gzip
  ks_rows sr >"$T/ks"
  sarama consume sr "$(count_lines "$T/ks")" >"$T/read" 2>"$T/err" || fail "sarama consume exited $?: $(tail -c 2000 "$T/err")"
  rows_of "$T/read" >"$T/read.rows"
  assert_file_eq "$T/ks" "$T/read.rows" "sarama (Fetch v0) vs ks consume"
}

case_sarama_offset_manager_commits_and_resumes() {
  assert_exit 0 ks topic create so -p 1
  seq 1 20 | assert_exit 0 ks produce so
  sarama committed so sog 0 >"$T/first" 2>"$T/err" || fail "committed exited $?: $(tail -c 2000 "$T/err")"
  sarama commit so sog 0 13 2>"$T/err" || fail "commit exited $?: $(tail -c 2000 "$T/err")"
  "$KS" group describe sog -o json | describe_rows >"$T/desc"
  assert_eq "so/0 13 20 7" "$(cat "$T/desc")" "ks group describe after sarama's commit"
  sarama committed so sog 0 >"$T/next" 2>"$T/err" || fail "committed exited $?: $(tail -c 2000 "$T/err")"
  assert_eq 13 "$(cat "$T/next")" "sarama's next offset after its commit"
}

# Member NAME of GROUP with PROGRAM (sarama|kgo), in the background,
# reading up to N messages until $MEMBER_IDLE (default 12s) passes without
# one; its pid in $MEMBER_PID, output in $T/NAME.
start_member() {  # PROGRAM TOPIC GROUP NAME N
  MEMBER=$4 "$1" -idle "${MEMBER_IDLE:-12s}" group "$2" "$3" "$5" >"$T/$4" 2>"$T/$4.err" &
  MEMBER_PID=$!
}

# Both members' messages cover every record of TOPIC exactly once at least
# and the group has committed the end of every partition.
check_group_covered() {  # TOPIC GROUP FILES...
  local topic=$1 group=$2
  shift 2
  ks_rows "$topic" >"$T/ks"
  cat "$@" >"$T/all"
  rows_of "$T/all" | sort -u >"$T/all.rows"
  assert_file_eq "$T/ks" "$T/all.rows" "the members' messages vs ks consume"
  "$KS" group describe "$group" -o json | describe_rows >"$T/desc"
  awk '$4 != 0 { bad = 1 } END { exit bad }' "$T/desc" || fail "lag left after the group: $(cat "$T/desc")"
}

run_group_of_two() {  # PROGRAM TOPIC GROUP PRODUCE...
  local prog=$1 topic=$2 group=$3
  shift 3
  assert_exit 0 ks topic create "$topic" -p 4
  seq 1 100 | sed 's/^/a/' | assert_exit 0 ks produce "$topic"
  start_member "$prog" "$topic" "$group" one 100000
  local one=$MEMBER_PID
  wait_until 60 member_count_is "$group" 1 || fail "the first member never joined: $(tail -c 1500 "$T/one.err")"
  wait_until 60 lines_at_least "$T/one" 100 || fail "member one read $(count_lines "$T/one") of 100: $(tail -c 1500 "$T/one.err")"
  start_member "$prog" "$topic" "$group" two 100000
  local two=$MEMBER_PID
  wait_until 90 member_count_is "$group" 2 || fail "the second member never joined (rebalance): $(tail -c 1500 "$T/two.err")"
  "$@"
  wait "$one" || fail "member one exited $?: $(tail -c 1500 "$T/one.err")"
  wait "$two" || fail "member two exited $?: $(tail -c 1500 "$T/two.err")"
  [[ -s "$T/two" ]] || fail "member two got no partition after the rebalance"
  check_group_covered "$topic" "$group" "$T/one" "$T/two"
  # Resume: a new member starts from the commits and reads only new records.
  seq 1 10 | sed 's/^/c/' | assert_exit 0 ks produce "$topic"
  MEMBER=three "$prog" -idle "${RESUME_IDLE:-10s}" group "$topic" "$group" 10 >"$T/three" 2>"$T/three.err" ||
    fail "member three exited $?: $(tail -c 1500 "$T/three.err")"
  assert_eq 10 "$(grep -c '"value":"c' "$T/three")" "records read after resuming (only the 10 new ones)"
  assert_eq 0 "$(grep -c '"value":"[ab]' "$T/three")" "old records read again after resuming"
}

# Records spread over 10 s, so that some arrive after the rebalance has
# handed the second member its partitions (the join is seen before that).
produce_more() {
  local i
  for i in $(seq 0 9); do
    seq $((i * 10 + 1)) $((i * 10 + 10)) | sed 's/^/b/' | assert_exit 0 ks produce "$1"
    sleep 1
  done
}

case_sarama_group_of_two_rebalances_commits_resumes() {
  run_group_of_two sarama sg sgg produce_more sg
}

case_kafka_go_writer_and_reader() {
  assert_exit 0 ks topic create kw -p 3
  kgo produce kw 90 >"$T/meta" 2>"$T/err" || fail "kafka-go produce exited $?: $(tail -c 2000 "$T/err")"
  ks_rows kw >"$T/ks"
  assert_eq 90 "$(count_lines "$T/ks")" "records ks consume reads"
  cut -d' ' -f3- "$T/ks" | sort >"$T/got"
  rows_of "$T/meta" | cut -d' ' -f3- | sort >"$T/want"
  assert_file_eq "$T/want" "$T/got" "kafka-go's messages (key, value) vs ks consume"
  # The Reader (Fetch v2, magic 1) reads each partition with its times.
  local p n
  : >"$T/read"
  for p in 0 1 2; do
    n=$(awk -v p="$p" '$1 == p' "$T/ks" | wc -l)
    [[ $n -gt 0 ]] || continue
    kgo consume kw "$p" "$n" >>"$T/read" 2>"$T/err" || fail "kafka-go consume $p exited $?: $(tail -c 2000 "$T/err")"
  done
  rows_of "$T/read" >"$T/read.rows"
  assert_file_eq "$T/ks" "$T/read.rows" "kafka-go Reader vs ks consume"
  consume_all kw -f '%t\n'
  "$PY" -c 'import json, sys
ks = sorted(int(l) for l in open(sys.argv[1]))
kg = sorted(json.loads(l)["time_ms"] for l in open(sys.argv[2]))
sys.exit(0 if ks == kg else 1)' "$OUT" "$T/read" || fail "timestamps differ between ks consume and kafka-go"
}

# kafka-go 0.2.1's defaults make every fetch wait for 1 MB or 10 s
# (MinBytes = MaxBytes = 1e6, MaxWait 10s), on any broker: a member can go
# 10 s without a message while records are there, so the members wait
# longer before calling the group idle. Its Reader.Close does not leave the
# group either (it sends LeaveGroup only after errors), so the member that
# resumes waits in JoinGroup until both old members' sessions (30 s) expire,
# as it would on Kafka.
case_kafka_go_group_of_two_rebalances_commits_resumes() {
  MEMBER_IDLE=25s RESUME_IDLE=50s run_group_of_two kgo kg kgg produce_more kg
}

run_cases sarama_default_producer_and_consumer:120 sarama_reads_what_others_wrote:120 \
  sarama_offset_manager_commits_and_resumes:120 sarama_group_of_two_rebalances_commits_resumes:300 \
  kafka_go_writer_and_reader:120 kafka_go_group_of_two_rebalances_commits_resumes:300
