#!/usr/bin/env bash
# Consumer groups with Apache Kafka's Java consumer 4.4 against the daemon:
# the KIP-848 consumer protocol (`group.protocol=consumer`: two members, a
# rebalance when one joins and when one leaves, commits, and a new member
# resuming from them) and static membership in the classic protocol (a
# member that crashes and comes back under its group.instance.id takes its
# partitions back without the other member rebalancing). The member is
# clients/java-groups/src/GroupsCheck.java; setup.sh fetches kafka-clients
# with mvn into ~/.m2 (once) and compiles it. The same static-member
# scenario runs with confluent-kafka (Debian's, librdkafka) too.
source "$(dirname "$0")/lib.sh"
require_tools confluent-kafka

if [[ -z "${IT_CASE:-}" ]]; then
  rc=0
  JG_CP=$(bash "$KAFKA_DIR/clients/java-groups/setup.sh") || rc=$?
  [[ $rc -eq 0 ]] || exit "$rc"
  export JG_CP
fi
start_kafka_daemon

# member NAME GROUP TOPIC PROTOCOL INSTANCE: starts a member in $T/NAME.
member() {
  mkdir -p "$T/$1"
  timeout -k 5 $(( 240 * ${KS_IT_TIMEOUT_SCALE:-1} )) java -cp "$JG_CP" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn GroupsCheck "$BROKER" "$2" "$3" "$4" "$5" "$T/$1" \
    >"$T/$1/out" 2>"$T/$1/err" &
  echo $! >"$T/$1/pid"
}
# ck_member NAME GROUP TOPIC INSTANCE: a confluent-kafka static member.
ck_member() {
  mkdir -p "$T/$1"
  timeout -k 5 $(( 240 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$KAFKA_DIR/ck_static_member.py" \
    "$BROKER" "$2" "$3" "$4" "$T/$1" >"$T/$1/out" 2>"$T/$1/err" &
  echo $! >"$T/$1/pid"
}
# stop NAME [crash]: stops the member (close(), or at once) and waits.
stop_member() {
  touch "$T/$1/${2:-stop}"
  local pid
  pid=$(cat "$T/$1/pid")
  wait_until 60 not_alive "$pid" || fail "member $1 did not stop: $(tail -c 1500 "$T/$1/err")"
}
assignment() { cat "$T/$1/assignment" 2>/dev/null || true; }
assignment_is() { [[ "$(assignment "$1")" == "$2" ]]; }
# Whether A and B together own every partition 0..3, two each.
split_evenly() {
  local a b
  a=$(assignment "$1")
  b=$(assignment "$2")
  [[ $(tr ',' '\n' <<<"$a" | grep -c .) -eq 2 && $(tr ',' '\n' <<<"$b" | grep -c .) -eq 2 ]] || return 1
  [[ "$(printf '%s\n%s\n' "$a" "$b" | tr ',' '\n' | sort -n | paste -sd,)" == "0,1,2,3" ]]
}
# Whether the members' records hold every value of FILE.
read_all() {  # FILE MEMBER...
  local want=$1
  shift
  local m files=()
  for m in "$@"; do files+=("$T/$m/records"); done
  [[ -z "$(comm -23 <(sort -u "$want") <(cat "${files[@]}" 2>/dev/null | awk '{print $3}' | sort -u))" ]]
}
produce_values() {  # TOPIC PREFIX COUNT: values PREFIX1..PREFIXCOUNT, appended to $T/values
  seq -f "$2%g" 1 "$3" | tee -a "$T/values" | ks produce "$1" >/dev/null
}
member_failed() { fail "$*; member logs: $(for d in "$T"/*/err; do echo "== $d"; tail -c 800 "$d"; done)"; }

case_consumer_protocol_rebalance_commit_resume() {
  assert_exit 0 ks topic create jg-c -p 4
  produce_values jg-c a 200
  member A jg-c-group jg-c consumer -
  wait_until 60 assignment_is A "0,1,2,3" || member_failed "A never owned all 4 partitions (has '$(assignment A)')"
  member B jg-c-group jg-c consumer -
  wait_until 60 split_evenly A B || member_failed "A and B never split 4 partitions 2/2 (A '$(assignment A)', B '$(assignment B)')"
  produce_values jg-c b 200
  wait_until 60 read_all "$T/values" A B || member_failed "A and B did not read all 400 records"
  # A partition goes to its new owner only after the old one revoked it.
  grep -q '^revoked' "$T/A/events" || member_failed "A never revoked a partition when B joined"
  stop_member B
  wait_until 60 assignment_is A "0,1,2,3" || member_failed "A did not take B's partitions after B left (has '$(assignment A)')"
  produce_values jg-c c 100
  wait_until 60 read_all "$T/values" A B || member_failed "the group did not read all 500 records"
  stop_member A
  # Everything read was committed: no lag.
  ks group describe jg-c-group -o json >"$T/describe.json"
  json_check 'd["lag"] == 0 and len(d["offsets"]) == 4' "group jg-c-group fully committed" <"$T/describe.json"
  # A new member resumes from the commits: only the new records.
  : >"$T/values"
  produce_values jg-c d 50
  member C jg-c-group jg-c consumer -
  wait_until 60 read_all "$T/values" C || member_failed "C did not read the 50 new records"
  stop_member C
  local old
  old=$(awk '$3 !~ /^d/' "$T/C/records" | head -3)
  [[ -z "$old" ]] || fail "C read records committed before it joined: $old"
}

# static_scenario TOPIC START: START NAME INSTANCE starts a static member.
static_scenario() {
  local topic=$1 start=$2 group=$1-group
  assert_exit 0 ks topic create "$topic" -p 4
  produce_values "$topic" a 100
  $start S1 "$group" "$topic" i1
  $start S2 "$group" "$topic" i2
  wait_until 60 split_evenly S1 S2 || member_failed "S1 and S2 never split 4 partitions (S1 '$(assignment S1)', S2 '$(assignment S2)')"
  wait_until 60 read_all "$T/values" S1 S2 || member_failed "S1 and S2 did not read all 100 records"
  local before s1 s2
  before=$(cat "$T/S1/events")
  s1=$(assignment S1)
  s2=$(assignment S2)
  # S2's process dies without leaving; a new one with the same instance id
  # takes its place (and its partitions) before the session times out.
  stop_member S2 crash
  $start S2b "$group" "$topic" i2
  wait_until 60 assignment_is S2b "$s2" || member_failed "the returning static member did not get $s2 back (has '$(assignment S2b)')"
  produce_values "$topic" b 100
  wait_until 60 read_all "$T/values" S1 S2 S2b || member_failed "the group did not read all 200 records"
  assert_eq "$before" "$(cat "$T/S1/events")" "S1's rebalance events (none while i2 came back)"
  assert_eq "$s1" "$(assignment S1)" "S1's partitions"
  stop_member S1
  stop_member S2b
}

java_static() { member "$1" "$2" "$3" classic "$4"; }

case_classic_static_member_comes_back_without_rebalance() {
  static_scenario jg-s java_static
}

case_librdkafka_static_member_comes_back_without_rebalance() {
  static_scenario jg-ck ck_member
}

run_cases consumer_protocol_rebalance_commit_resume:240 classic_static_member_comes_back_without_rebalance:240 \
  librdkafka_static_member_comes_back_without_rebalance:240
