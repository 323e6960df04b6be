#!/usr/bin/env bash
# `ks group list | describe | reset | delete` against a real daemon: the
# admin side of consumer groups, with offsets committed by `group reset
# --execute` rather than by group members. Cases with live members
# (`ks consume -g`) come last and only run when consume has -g.
source "$(dirname "$0")/lib.sh"

# Reset rows of `group reset ... -o json` as "topic/partition before after"
# lines, sorted.
reset_rows() {  # < JSON
  json_eval '"\n".join("%s/%d %d %d" % (o["topic"], o["partition"], o["before"], o["after"]) for o in sorted(d["offsets"], key=lambda o: (o["topic"], o["partition"])))'
}

# Committed offsets of `group describe -o json` as "topic/partition
# committed end lag" lines, sorted.
describe_rows() {  # < JSON
  json_eval '"\n".join("%s/%d %d %d %d" % (o["topic"], o["partition"], o["committed"], o["end"], o["lag"]) for o in sorted(d["offsets"], key=lambda o: (o["topic"], o["partition"])))'
}

# Fails unless GROUP has no committed offset: unknown to the daemon (exit 4)
# or described with committed -1 everywhere.
assert_no_commits() {  # GROUP WHAT
  local rc=0
  "$KS" group describe "$1" -o json >"$T/nc.out" 2>"$T/nc.err" || rc=$?
  if [[ $rc -eq 4 ]]; then return 0; fi
  if [[ $rc -ne 0 ]]; then fail "$2: \`ks group describe $1\` exited $rc: $(cat "$T/nc.err")"; fi
  json_check 'all(o["committed"] == -1 for o in d.get("offsets", []))' "$2: no committed offsets" <"$T/nc.out"
}

# Two partitions: 10 records in 0, 4 in 1.
make_dry_topic() {  # NAME
  assert_exit 0 ks topic create "$1" -p 2
  seq 10 | assert_exit 0 ks produce "$1" -p 0
  seq 4 | assert_exit 0 ks produce "$1" -p 1
}

case_list_empty_on_fresh_home() {
  export KS_HOME=$T/home
  mkdir -m 0700 "$KS_HOME"
  assert_exit 0 ks group list
  assert_file_empty "$OUT" "group list on a fresh home"
  assert_exit 0 ks group list -o json
  json_check 'd == []' "group list -o json on a fresh home" <"$OUT"
}

case_describe_unknown_exit_4() {
  assert_exit 4 ks group describe no-such-group
  assert_file_nonempty "$ERR" "stderr for describing an unknown group"
  assert_exit 4 ks group describe no-such-group -o json
  assert_file_empty "$OUT" "stdout of describe -o json of an unknown group"
}

case_reset_dry_run_every_position() {
  make_dry_topic dry
  local -A want=(
    [beginning]="dry/0 -1 0
dry/1 -1 0"
    [end]="dry/0 -1 10
dry/1 -1 4"
    [3]="dry/0 -1 3
dry/1 -1 3"
    [7]="dry/0 -1 7
dry/1 -1 4"
    [-3]="dry/0 -1 7
dry/1 -1 1"
    [-20]="dry/0 -1 0
dry/1 -1 0"
    [+2]="dry/0 -1 2
dry/1 -1 2"
    [+6]="dry/0 -1 6
dry/1 -1 4"
    [@0]="dry/0 -1 0
dry/1 -1 0"
    [@-1h]="dry/0 -1 0
dry/1 -1 0"
    [@4102444800000]="dry/0 -1 10
dry/1 -1 4"
  )
  local to
  for to in "${!want[@]}"; do
    assert_exit 0 ks group reset gdry --topic dry --to "$to" -o json
    assert_eq "${want[$to]}" "$(reset_rows <"$OUT")" "dry run --to $to (topic/partition before after)"
    assert_contains "$(cat "$ERR")" "dry run: nothing changed; add --execute to apply" "stderr of a dry run --to $to"
    json_check 'd["group"] == "gdry" and d["executed"] is False' "dry run -o json group/executed" <"$OUT"
  done
  # --to=-3 spells the same.
  assert_exit 0 ks group reset gdry --topic dry --to=-3 -o json
  assert_eq "${want[-3]}" "$(reset_rows <"$OUT")" "dry run --to=-3"
  # Piped table: TOPIC PARTITION BEFORE AFTER, tab-separated, "-" for no commit.
  assert_exit 0 ks group reset gdry --topic dry --to 3
  assert_eq "$(printf 'dry\t0\t-\t3\ndry\t1\t-\t3')" "$(cat "$OUT")" "dry run table, piped"
  assert_contains "$(cat "$ERR")" "dry run: nothing changed" "stderr of a dry run"
  # -y is accepted and changes nothing about a dry run.
  assert_exit 0 ks group reset gdry --topic dry --to end -y
  assert_no_commits gdry "after dry runs"
  assert_exit 0 ks group list -o json
  json_check '"gdry" not in [g["group"] for g in d]' "group list after dry runs only" <"$OUT"
}

case_reset_execute_absolute() {
  assert_exit 0 ks topic create ex -p 3
  assert_exit 0 ks topic create ex2
  local p
  for p in 0 1 2; do seq 10 | assert_exit 0 ks produce ex -p "$p"; done
  seq 5 | assert_exit 0 ks produce ex2
  assert_exit 0 ks group reset gex --topic ex --topic ex2 --to 4 --execute -y -o json
  json_check 'd["executed"] is True' "reset --execute -o json executed" <"$OUT"
  assert_eq "$(printf 'ex/0 -1 4\nex/1 -1 4\nex/2 -1 4\nex2/0 -1 4')" "$(reset_rows <"$OUT")" "reset --execute rows"
  if [[ "$(cat "$ERR")" == *"dry run"* ]]; then fail "--execute said dry run: $(cat "$ERR")"; fi

  assert_exit 0 ks group describe gex -o json
  assert_eq "$(printf 'ex/0 4 10 6\nex/1 4 10 6\nex/2 4 10 6\nex2/0 4 5 1')" "$(describe_rows <"$OUT")" \
    "describe after reset --to 4 (committed end lag)"
  json_check 'd["group"] == "gex" and d["members"] == []' "describe group/members" <"$OUT"
  json_check 'all(not o.get("owner") for o in d["offsets"])' "no owner without members" <"$OUT"

  # Piped describe: header block, blank line, one row per partition.
  assert_exit 0 ks group describe gex
  assert_contains "$(cat "$OUT")" "$(printf 'group\tgex')" "describe header, piped"
  assert_contains "$(cat "$OUT")" "$(printf 'members\t0')" "describe header, piped"
  assert_contains "$(cat "$OUT")" "$(printf 'ex\t1\t4\t10\t6\t-')" "describe row, piped"
  assert_contains "$(cat "$OUT")" "$(printf 'ex2\t0\t4\t5\t1\t-')" "describe row, piped"

  assert_exit 0 ks group list -o json
  json_check '[(g["group"], g["lag"]) for g in d if g["group"] == "gex"] == [("gex", 19)]' "group list lag of gex" <"$OUT"
  assert_exit 0 ks group list
  assert_contains "$(cut -f1 "$OUT")" gex "group list names, piped"

  # The next dry run shows the committed offsets as BEFORE.
  assert_exit 0 ks group reset gex --topic ex --to -2 -o json
  assert_eq "$(printf 'ex/0 4 8\nex/1 4 8\nex/2 4 8')" "$(reset_rows <"$OUT")" "dry run after a commit"
  assert_exit 0 ks group describe gex -o json
  assert_eq "$(printf 'ex/0 4 10 6\nex/1 4 10 6\nex/2 4 10 6\nex2/0 4 5 1')" "$(describe_rows <"$OUT")" \
    "describe after a dry run (unchanged)"
  # Past the end clamps to the end; lag 0.
  assert_exit 0 ks group reset gex --topic ex2 --to 99 --execute -y
  assert_exit 0 ks group describe gex -o json
  json_check '[(o["committed"], o["lag"]) for o in d["offsets"] if o["topic"] == "ex2"] == [(5, 0)]' \
    "ex2 after --to 99 (clamped to the end)" <"$OUT"
}

case_reset_to_time() {
  assert_exit 0 ks topic create tm -p 2
  printf 'a%s\n' 1 2 3 | assert_exit 0 ks produce tm -p 0
  printf 'b%s\n' 1 2 | assert_exit 0 ks produce tm -p 1
  sleep 0.3
  local t
  t=$(now_ms)
  sleep 0.3
  printf 'a%s\n' 4 5 | assert_exit 0 ks produce tm -p 0
  printf 'b%s\n' 3 4 5 6 | assert_exit 0 ks produce tm -p 1

  assert_exit 0 ks group reset gtm --topic tm --to "@$t" -o json
  assert_eq "$(printf 'tm/0 -1 3\ntm/1 -1 2')" "$(reset_rows <"$OUT")" "dry run --to @<epoch ms between the waves>"
  # The same instant in RFC 3339.
  local rfc
  rfc=$(date -u -d "@$((t / 1000)).$(printf '%03d' $((t % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ)
  assert_exit 0 ks group reset gtm --topic tm --to "@$rfc" -o json
  assert_eq "$(printf 'tm/0 -1 3\ntm/1 -1 2')" "$(reset_rows <"$OUT")" "dry run --to @$rfc"

  assert_exit 0 ks group reset gtm --topic tm --to "@$t" --execute -y
  assert_exit 0 ks group describe gtm -o json
  assert_eq "$(printf 'tm/0 3 5 2\ntm/1 2 6 4')" "$(describe_rows <"$OUT")" "describe after reset --to @TIME"
  # What the group reads next is the second wave.
  consume_all tm -p 0 --from 3
  assert_eq "$(printf 'a4\na5')" "$(cat "$OUT")" "records from the reset offset of partition 0"
}

case_delete_group() {
  assert_exit 0 ks topic create del
  seq 3 | assert_exit 0 ks produce del
  assert_exit 0 ks group reset gdel --topic del --to 1 --execute -y
  assert_exit 0 ks group describe gdel
  assert_exit 0 ks group delete -y gdel
  assert_exit 4 ks group describe gdel
  assert_exit 0 ks group list -o json
  json_check '"gdel" not in [g["group"] for g in d]' "group list after delete" <"$OUT"
  assert_exit 4 ks group delete -y gdel
  assert_file_nonempty "$ERR" "stderr for deleting an unknown group"
  # The name is free again and starts with nothing committed.
  assert_exit 0 ks group reset gdel --topic del --to end -o json
  assert_eq "del/0 -1 3" "$(reset_rows <"$OUT")" "dry run on a deleted group"
}

case_bad_to_exit_2() {
  assert_exit 0 ks topic create bad
  local to
  for to in bogus @yesterday @ "" +x -1x 1.5 @-1y; do
    assert_exit 2 ks group reset gbad --topic bad --to "$to" --execute -y
    assert_file_nonempty "$ERR" "stderr for --to '$to'"
    assert_file_empty "$OUT" "stdout for --to '$to'"
  done
  assert_exit 2 ks group reset gbad --topic bad --execute -y
  assert_exit 2 ks group reset gbad --to end --execute -y
  assert_exit 2 ks group reset --topic bad --to end --execute -y
  assert_exit 2 ks group reset gbad --topic bad --to end -o yaml
  assert_exit 2 ks group list -o text
  assert_no_commits gbad "after refused resets"
}

case_unknown_topic_exit_4() {
  assert_exit 0 ks topic create known
  seq 3 | assert_exit 0 ks produce known
  assert_exit 4 ks group reset gunk --topic nosuch --to beginning
  assert_contains "$(cat "$ERR")" nosuch "stderr names the missing topic"
  assert_exit 4 ks group reset gunk --topic nosuch --to beginning --execute -y
  assert_exit 4 ks group reset gunk --topic known --topic nosuch --to end --execute -y
  assert_no_commits gunk "after resets naming a missing topic"
  # Resetting never creates a topic.
  assert_exit 4 ks topic describe nosuch
}

# ---------------------------------------------------------------- live members

# Starts `ks consume TOPIC -g GROUP` in the background, printing to $T/follower.out.
start_follower() {  # TOPIC GROUP
  "$KS" consume "$1" -g "$2" >"$T/follower.out" 2>"$T/follower.err" &
  FOLLOWER=$!
  if ! wait_until 30 member_count_is "$2" 1; then
    fail "no member in group $2 30 s after starting \`ks consume $1 -g $2\`: $(cat "$T/follower.err")"
  fi
}

member_count_is() {  # GROUP N
  local n
  n=$("$KS" group describe "$1" -o json 2>/dev/null | json_eval 'len(d["members"])') || return 1
  [[ "$n" == "$2" ]]
}

case_reset_refused_while_member_lives() {
  assert_exit 0 ks topic create live -p 2
  seq 6 | assert_exit 0 ks produce live -p 0
  start_follower live glive
  assert_exit 0 ks group describe glive -o json
  json_check 'len(d["members"]) == 1 and d["members"][0]["pid"] > 0' "describe with one live member" <"$OUT"
  # The owner column names the member's process.
  assert_exit 0 ks group describe glive
  assert_contains "$(cat "$OUT")" "$(printf 'live\t0\t')" "describe row of partition 0"
  assert_eq "$HOSTNAME:$FOLLOWER" "$(awk -F '\t' '$1 == "live" && $2 == 0 { print $6 }' "$OUT")" "owner of partition 0 (host:pid)"
  # A dry run still works, and warns.
  assert_exit 0 ks group reset glive --topic live --to beginning
  assert_contains "$(cat "$ERR")" "live member" "dry run warning about live members"
  assert_exit 1 ks group reset glive --topic live --to beginning --execute -y
  assert_contains "$(cat "$ERR")" "stop the group's consumers first" "hint when the group has members"
  assert_exit 1 ks group delete -y glive
  assert_contains "$(cat "$ERR")" "stop the group's consumers first" "hint when deleting a group with members"
  if ! wait_until 30 bash -c "[[ \$(wc -l <'$T/follower.out') -ge 6 ]]"; then
    fail "the member printed $(count_lines "$T/follower.out") of 6 records in 30 s"
  fi
  kill -TERM "$FOLLOWER"
  wait "$FOLLOWER" 2>/dev/null || true
  if ! wait_until 30 member_count_is glive 0; then fail "member still listed after its consumer exited"; fi
  assert_eq "$(seq 6)" "$(cat "$T/follower.out")" "what the member printed"
  # It committed what it printed when it left: BEFORE shows that. Empty
  # partition 1 gets its position (0) committed too, as Kafka consumers do.
  assert_exit 0 ks group reset glive --topic live --to beginning -o json
  assert_eq "$(printf 'live/0 6 0\nlive/1 0 0')" "$(reset_rows <"$OUT")" "dry run after the member left"
  assert_exit 0 ks group reset glive --topic live --to beginning --execute -y
  assert_exit 0 ks group describe glive -o json
  json_check 'sorted((o["partition"], o["committed"]) for o in d["offsets"] if o["topic"] == "live") == [(0, 0), (1, 0)]' \
    "committed after the member left and reset --to beginning" <"$OUT"
}

cases=(
  list_empty_on_fresh_home
  describe_unknown_exit_4
  reset_dry_run_every_position
  reset_execute_absolute
  reset_to_time
  delete_group
  bad_to_exit_2
  unknown_topic_exit_4
)
if "$KS" consume --help 2>/dev/null | grep -qE '^ +-g,'; then
  cases+=(reset_refused_while_member_lives)
fi
run_cases "${cases[@]}"
