# Consumer groups with real `ks consume -g` processes sharing a topic.
source "$(dirname "$0")/lib.sh"

# Lines of all member outputs, sorted numerically.
merged() { sort -n "$@"; }

case_three_members_exactly_once() {
  # Three members join first, then the records arrive, so the partitions
  # are really shared while they are read.
  assert_exit 0 ks topic create g6 -p 6
  local i pids=() n=0
  for i in 1 2 3; do
    "$KS" consume g6 -g three >"$T/m$i.out" 2>"$T/m$i.err" &
    pids+=($!)
  done
  local deadline=$(( $(now_ms) + 60000 ))
  while [[ $(now_ms) -lt $deadline ]]; do
    "$KS" group describe three -o json >"$T/d.json" 2>/dev/null || true
    n=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(len(d["members"]) if d["state"] == "stable" else 0)' "$T/d.json" 2>/dev/null || echo 0)
    [[ "$n" == 3 ]] && break
    sleep 0.1
  done
  assert_eq 3 "$n" "members in the stable group before producing"
  # Keyed records spread over all six partitions.
  seq 300000 | sed 's/^\(.*\)$/\1:\1/' | assert_exit 0 ks produce g6 -K:
  wait_until 90 eval '[[ $(cat "$T"/m?.out | wc -l) -ge 300000 ]]' || true
  kill -TERM "${pids[@]}"
  for i in 0 1 2; do wait "${pids[$i]}" || true; done
  for i in 1 2 3; do
    assert_file_nonempty "$T/m$i.out" "member $i's share"
  done
  merged "$T"/m?.out >"$T/all"
  seq 300000 >"$T/expect"
  assert_file_eq "$T/expect" "$T/all" "every record exactly once across the group"
  assert_exit 0 ks group describe three -o json
  local lag
  lag=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lag"])' "$OUT")
  assert_eq 0 "$lag" "group lag after consuming everything"
}

case_bounded_members_exactly_once() {
  # The same with -e: members that start together and stop at the end.
  assert_exit 0 ks topic create e6 -p 6
  seq 100000 | sed 's/^\(.*\)$/\1:\1/' | assert_exit 0 ks produce e6 -K:
  local i pids=()
  for i in 1 2 3; do
    timeout 120 "$KS" consume e6 -g bounded -e >"$T/m$i.out" 2>"$T/m$i.err" &
    pids+=($!)
  done
  for i in 0 1 2; do wait "${pids[$i]}" || fail "member $((i + 1)) exited non-zero: $(cat "$T/m$((i + 1)).err")"; done
  merged "$T"/m?.out >"$T/all"
  seq 100000 >"$T/expect"
  assert_file_eq "$T/expect" "$T/all" "every record exactly once with -e"
}

case_late_bounded_member_takes_a_share() {
  # A member that joins with -e while another holds every partition does
  # not exit at once with nothing: it takes the partitions handed to it,
  # and both exit once the group has read everything. 1 MB records, so the
  # first member (on a slow pipe) needs several fetches and sees the join.
  assert_exit 0 ks topic create big -p 3
  python3 -c 'import sys
for i in range(24): sys.stdout.write("%d:%s\n" % (i, "x" * 1000000))' | assert_exit 0 ks produce big -K:
  ( "$KS" consume big -g late -e -f '%p %o\n' 2>"$T/a.err" |
      while read -r line; do echo "$line"; sleep 0.1; done >"$T/a.out" ) &
  local a=$!
  # The second member joins once the first one is in the group (listed,
  # or already printing: it commits only what its slow reader has read,
  # so it stays for seconds).
  wait_until 60 eval '[[ -s "$T/a.out" || $("$KS" group describe late -o json 2>/dev/null | json_eval "len(d[\"members\"])") == 1 ]]' ||
    fail "the first member did not join in 60 s: $(cat "$T/a.err")"
  assert_exit 0 timeout 120 "$KS" consume big -g late -e -f '%p %o\n'
  cp "$OUT" "$T/b.out"
  wait "$a" || fail "the first member failed: $(cat "$T/a.err")"
  [[ -s "$T/b.out" ]] || fail "the member that joined late read nothing (first member: $(wc -l <"$T/a.out") records)"
  sort "$T/a.out" "$T/b.out" >"$T/all"
  "$KS" consume big -e -f '%p %o\n' | sort >"$T/expect"
  assert_file_eq "$T/expect" "$T/all" "every record exactly once across the two members"
}

case_head_commits_exactly_five() {
  seq 100 | assert_exit 0 ks produce h5
  pipes_off
  "$KS" consume h5 -g five | head -5 >"$T/out"
  local rc=${PIPESTATUS[0]}
  pipes_on
  assert_eq 0 "$rc" "consume -g | head -5 exit status"
  assert_eq $'1\n2\n3\n4\n5' "$(cat "$T/out")" "head's lines"
  assert_exit 0 timeout 20 "$KS" consume h5 -g five -n 3
  assert_eq $'6\n7\n8' "$(cat "$OUT")" "the group resumes right after what head printed"
}

case_join_and_leave_mid_stream() {
  # A follower reads while records arrive; a second member joins, then the
  # first leaves (SIGTERM). Nothing is lost, nothing read twice.
  assert_exit 0 ks topic create mid -p 4
  "$KS" consume mid -g mid >"$T/a.out" 2>"$T/a.err" &
  local a=$!
  sleep 0.5
  seq 1 5000 | assert_exit 0 ks produce mid
  "$KS" consume mid -g mid >"$T/b.out" 2>"$T/b.err" &
  local b=$!
  sleep 1
  seq 5001 10000 | assert_exit 0 ks produce mid
  sleep 1
  kill -TERM "$a"
  wait "$a" || true
  seq 10001 15000 | assert_exit 0 ks produce mid
  # b owns everything now and reads to the end.
  local i
  wait_until 90 eval '[[ $(cat "$T/a.out" "$T/b.out" | wc -l) -ge 15000 ]]' || true
  kill -TERM "$b"
  wait "$b" || true
  merged "$T/a.out" "$T/b.out" >"$T/all"
  seq 15000 >"$T/expect"
  assert_file_eq "$T/expect" "$T/all" "records across a join and a clean leave (exactly once)"
}

case_sigkill_member_redelivers_only_its_window() {
  assert_exit 0 ks topic create kill -p 2
  seq 1 20000 | assert_exit 0 ks produce kill
  # No `timeout` wrapper: the signal must reach ks itself.
  "$KS" consume kill -g kg --session-timeout-ms 2000 >"$T/a.out" 2>"$T/a.err" &
  local a=$!
  # b outlives a, and a stall of a loaded machine must not cost it its
  # membership: a longer session timeout (a's 2 s is what is tested).
  "$KS" consume kill -g kg --session-timeout-ms 20000 >"$T/b.out" 2>"$T/b.err" &
  local b=$!
  wait_until 60 eval '[[ -s "$T/a.out" || -s "$T/b.out" ]]' || fail "neither member printed anything in 60 s"
  kill -KILL "$a"
  wait "$a" 2>/dev/null || true
  seq 20001 30000 | assert_exit 0 ks produce kill
  local i
  wait_until 90 eval '[[ $(sort -u "$T/a.out" "$T/b.out" | wc -l) -ge 30000 ]]' || true
  kill -TERM "$b"
  wait "$b" || true
  sort -n -u "$T/a.out" "$T/b.out" >"$T/all"
  seq 30000 >"$T/expect"
  assert_file_eq "$T/expect" "$T/all" "every record at least once after a member was killed"
  local dups
  dups=$(sort "$T/a.out" "$T/b.out" | uniq -d | wc -l)
  note "records delivered twice (the killed member's uncommitted window): $dups"
  # Duplicates can only be records the killed member printed.
  sort "$T/a.out" "$T/b.out" | uniq -d >"$T/dups"
  if [[ -s "$T/dups" ]] && [[ -n "$(comm -23 <(sort "$T/dups") <(sort "$T/a.out"))" ]]; then
    fail "a record was delivered twice that the killed member never printed"
  fi
}

case_restart_resumes_at_commits() {
  seq 1 1000 | assert_exit 0 ks produce rs
  assert_exit 0 timeout 20 "$KS" consume rs -g rg -n 400
  stop_daemon
  seq 1001 1500 | assert_exit 0 ks produce rs
  assert_exit 0 timeout 20 "$KS" consume rs -g rg -e
  seq 401 1500 >"$T/expect"
  assert_file_eq "$T/expect" "$OUT" "after the daemon restarted, the group resumes at its commit"
}

case_commit_never_peeks() {
  seq 1 50 | assert_exit 0 ks produce peek
  assert_exit 0 timeout 20 "$KS" consume peek -g pg -e --commit never
  assert_exit 0 timeout 20 "$KS" consume peek -g pg -n 1
  assert_eq 1 "$(cat "$OUT")" "--commit never leaves the group's position alone"
}

case_exec_workers_dead_letter() {
  # Records whose value is a multiple of 7 make the command fail: they go
  # to the dead-letter topic after the retries; the rest commit, in order
  # within each partition.
  assert_exit 0 ks topic create jobs -p 3
  local i
  for i in $(seq 1 60); do echo "k$((i % 3)):$i"; done | assert_exit 0 ks produce jobs -K:
  assert_exit 0 timeout 60 "$KS" consume jobs -g workers -e --retries 2 --dead-letter dead --parallel 3 \
    --exec 'v=$(cat); [ $((v % 7)) -ne 0 ] || exit 3; echo "$KS_PARTITION $KS_OFFSET $KS_KEY $v" >>'"$T/done"
  assert_eq 52 "$(count_lines "$T/done")" "records whose command succeeded"
  # Per-partition order: offsets increase within each partition.
  awk '{ if ($1 in last && $2 <= last[$1]) bad = 1; last[$1] = $2 } END { exit bad }' "$T/done" ||
    fail "commands of one partition ran out of order: $(cat "$T/done")"
  assert_exit 0 timeout 20 "$KS" consume dead -e -f '%v %h\n'
  assert_eq 8 "$(count_lines "$OUT")" "records in the dead-letter topic"
  assert_contains "$(cat "$OUT")" "ks.error=exit status 3 after 3 attempts" "dead-letter headers"
  assert_contains "$(cat "$OUT")" "ks.source.topic=jobs" "dead-letter headers"
  assert_exit 0 ks group describe workers -o json
  assert_eq 0 "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lag"])' "$OUT")" "lag after the workers"
}

case_exec_failure_without_dead_letter_stops() {
  seq 1 10 | assert_exit 0 ks produce stop
  assert_exit 1 timeout 30 "$KS" consume stop -g sw -e --retries 0 --exec '[ "$(cat)" != 4 ]'
  assert_contains "$(cat "$ERR")" "offset 3" "the failing record is named"
  # Records 1..3 were committed; the group resumes at the failing one.
  assert_exit 0 timeout 20 "$KS" consume stop -g sw -n 1
  assert_eq 4 "$(cat "$OUT")" "the group resumes at the record whose command failed"
}

case_until_bounds_group_reads() {
  seq 1 10 | assert_exit 0 ks produce bounded
  assert_exit 0 timeout 20 "$KS" consume bounded -g ub --until +4
  assert_eq $'1\n2\n3\n4' "$(cat "$OUT")" "--until +4 in a group"
  assert_exit 0 timeout 20 "$KS" consume bounded -g ub --until end
  assert_eq "$(seq 5 10)" "$(cat "$OUT")" "--until end resumes at the commit and stops at the end"
  local t
  t=$(now_ms)
  sleep 0.05
  seq 11 12 | assert_exit 0 ks produce bounded
  assert_exit 0 timeout 20 "$KS" consume bounded -g other --until "@$t"
  assert_eq "$(seq 1 10)" "$(cat "$OUT")" "--until @TIME stops before the first record at or after TIME"
  assert_exit 2 ks consume bounded -g ub --until tomorrow
}

case_exec_long_command_keeps_membership() {
  # A command that runs longer than the session timeout: the worker's
  # heartbeats keep it in the group and its commits land.
  seq 1 3 | assert_exit 0 ks produce slow
  # A heartbeat goes every second: a 4 s session timeout leaves room for
  # a loaded machine; each command runs longer than that.
  assert_exit 0 timeout 100 "$KS" consume slow -g slow -e --session-timeout-ms 4000 --exec 'sleep 5; cat >/dev/null'
  if grep -q "unknown member" "$ERR"; then fail "the worker lost its membership: $(cat "$ERR")"; fi
  assert_exit 0 timeout 20 "$KS" consume slow -g slow -e
  assert_file_empty "$OUT" "everything was committed by the slow worker"
}

run_cases \
  exec_long_command_keeps_membership:150 \
  until_bounds_group_reads \
  exec_workers_dead_letter:120 \
  exec_failure_without_dead_letter_stops \
  three_members_exactly_once:180 \
  bounded_members_exactly_once:120 \
  late_bounded_member_takes_a_share:180 \
  head_commits_exactly_five \
  join_and_leave_mid_stream:180 \
  sigkill_member_redelivers_only_its_window:180 \
  restart_resumes_at_commits \
  commit_never_peeks
