#!/usr/bin/env bash
# `ks consume`, `ks tail` and `ks offsets`: positions, partitions, counts,
# templates, delimiters, following, and behaving well in a pipeline.
source "$(dirname "$0")/lib.sh"

iso_ms() {  # EPOCH_MS → RFC 3339 UTC with milliseconds
  printf '%s.%03dZ' "$(date -u -d "@$(( $1 / 1000 ))" +%Y-%m-%dT%H:%M:%S)" $(( $1 % 1000 ))
}

# -e prints everything there is and stops at the end offsets it saw when
# it started, even while a producer keeps adding records.
case_exit_at_end() {
  assert_exit 0 ks topic create ee -p 3
  local p
  for p in 0 1 2; do seq 1 100 | sed "s/^/p$p-/" | assert_exit 0 ks produce ee -p "$p"; done
  consume_all ee
  assert_file_empty "$ERR" "stderr of consume -e"
  assert_eq 300 "$(count_lines "$OUT")" "records from consume -e on 3 partitions"
  for p in 0 1 2; do
    assert_eq "$(seq 1 100 | sed "s/^/p$p-/")" "$(grep "^p$p-" "$OUT")" "order within partition $p"
  done

  # An empty topic: -e exits by itself (consume_all's timeout catches a
  # consume that waits for records); how long it took is only a note.
  assert_exit 0 ks topic create empty
  local t0
  t0=$(now_ms)
  consume_all empty
  assert_file_empty "$OUT" "consume -e of an empty topic"
  note "consume -e of an empty topic took $(( $(now_ms) - t0 )) ms"

  # Records produced after the consumer started are not part of its run.
  # The late records go in once the consumer has printed its first line
  # (its stop offsets are fixed before that) and while it is held on a
  # full pipe far from the end; a reader that waits for a file, not a
  # sleep, holds it there.
  seq 200000 | assert_exit 0 ks produce growing
  ( rc=0; timeout 120 "$KS" consume growing -e 2>"$T/c.err" || rc=$?; echo "$rc" >"$T/c.rc" ) |
    { IFS= read -r first; echo "$first" >"$T/c.first"; while [[ ! -e "$T/go" ]]; do sleep 0.05; done
      echo "$first"; cat; } >"$T/c.out" &
  local reader=$!
  if ! wait_until 60 test -s "$T/c.first"; then fail "consume -e printed nothing in 60 s: $(cat "$T/c.err")"; fi
  for p in 1 2 3; do echo "late-$p"; done | assert_exit 0 ks produce growing
  touch "$T/go"
  wait "$reader"
  assert_eq 0 "$(cat "$T/c.rc")" "exit code of consume -e ($(cat "$T/c.err"))"
  seq 200000 >"$T/want"
  assert_file_eq "$T/want" "$T/c.out" "consume -e started before three late records"
}

# Every spelling of --from on one partition of r0..r19.
case_from_positions() {
  local i
  for (( i = 0; i < 20; i++ )); do echo "r$i"; done | assert_exit 0 ks produce fp
  want() { local a=$1 b=$2 i; for (( i = a; i <= b; i++ )); do echo "r$i"; done; }
  consume_all fp --from beginning
  assert_eq "$(want 0 19)" "$(cat "$OUT")" "--from beginning"
  consume_all fp --from end
  assert_file_empty "$OUT" "--from end -e"
  consume_all fp --from 5
  assert_eq "$(want 5 19)" "$(cat "$OUT")" "--from 5"
  consume_all fp --from -3
  assert_eq "$(want 17 19)" "$(cat "$OUT")" "--from -3"
  consume_all fp --from +4
  assert_eq "$(want 4 19)" "$(cat "$OUT")" "--from +4"
  consume_all fp --from 19
  assert_eq r19 "$(cat "$OUT")" "--from 19"
  # -n bounds a following consume: it exits by itself.
  assert_exit 0 timeout 10 "$KS" consume fp --from 10 -n 2
  assert_eq "$(want 10 11)" "$(cat "$OUT")" "--from 10 -n 2"
  assert_exit 0 timeout 10 "$KS" consume fp -n 3
  assert_eq "$(want 0 2)" "$(cat "$OUT")" "-n 3"
  # -n reached while following: exits as soon as the last one arrives.
  "$KS" consume fp --from 19 -n 3 >"$T/n.out" 2>"$T/n.err" &
  local npid=$! nrc=0
  # Once r19 is out the consumer is following: n1 and n2 come after.
  if ! wait_until 60 grep -qx r19 "$T/n.out"; then fail "consume --from 19 -n 3 printed nothing in 60 s: $(cat "$T/n.err")"; fi
  printf 'n1\nn2\n' | assert_exit 0 ks produce fp
  if ! wait_until 30 not_alive "$npid"; then fail "consume -n 3 still running 30 s after its third record was produced: $(cat "$T/n.out")"; fi
  wait "$npid" || nrc=$?
  assert_eq 0 "$nrc" "exit code of consume -n 3 that had to follow"
  assert_eq $'r19\nn1\nn2' "$(cat "$T/n.out")" "consume --from 19 -n 3 while following"
  assert_exit 2 ks consume fp --from bogus -e
  assert_file_nonempty "$ERR" "stderr for --from bogus"
  assert_exit 2 ks consume fp --from @not-a-time -e
  assert_exit 2 ks consume fp --from -x -e

  # --from end while following sees only what comes next. When the
  # consumer has taken its position is not observable from outside, so
  # records go in one at a time until it prints one: it must print none
  # of the older records, and from the first new record it prints, every
  # later one, in order.
  "$KS" consume fp --from end >"$T/f.out" 2>"$T/f.err" &
  local pid=$! k=0
  while :; do
    k=$((k + 1))
    if [[ $k -gt 30 ]]; then fail "following --from end saw none of 30 new records, 1 s apart: $(cat "$T/f.out" "$T/f.err")"; fi
    echo "after-end-$k" | assert_exit 0 ks produce fp
    if wait_until 1 test -s "$T/f.out"; then break; fi
  done
  echo after-end | assert_exit 0 ks produce fp
  if ! wait_until 30 grep -qx after-end "$T/f.out"; then fail "following --from end did not see a new record: $(cat "$T/f.out" "$T/f.err")"; fi
  kill "$pid"
  local first
  first=$(head -n 1 "$T/f.out")
  if ! [[ "$first" =~ ^after-end-([0-9]+)$ ]]; then fail "following --from end printed an old record first: $(head -c 300 "$T/f.out")"; fi
  assert_eq "$(seq "${BASH_REMATCH[1]}" "$k" | sed 's/^/after-end-/'; echo after-end)" "$(cat "$T/f.out")" "following --from end"
}

# --from @TIME in every spelling, and offsets --at.
case_from_time() {
  local now t i
  now=$(now_ms)
  now=$(( now - now % 1000 + 123 ))
  local ts=($(( now - 10800000 )) $(( now - 7200000 )) $(( now - 3600000 )) $(( now - 1800000 )) $(( now - 60000 )))
  local vals=(a b c d e)
  for i in 0 1 2 3 4; do
    printf '{"value":"%s","timestamp":%d}\n' "${vals[i]}" "${ts[i]}"
  done | assert_exit 0 ks produce ft --json
  consume_all ft --from @-90m
  assert_eq $'c\nd\ne' "$(cat "$OUT")" "--from @-90m"
  consume_all ft --from "@${ts[1]}"
  assert_eq $'b\nc\nd\ne' "$(cat "$OUT")" "--from @<epoch ms of the second record>"
  consume_all ft --from "@$(( ts[1] + 1 ))"
  assert_eq $'c\nd\ne' "$(cat "$OUT")" "--from @<one ms after the second record>"
  t=$(iso_ms "${ts[1]}")
  consume_all ft --from "@$t"
  assert_eq $'b\nc\nd\ne' "$(cat "$OUT")" "--from @$t"
  consume_all ft --from "@${t%Z}+00:00"
  assert_eq $'b\nc\nd\ne' "$(cat "$OUT")" "--from @${t%Z}+00:00"
  consume_all ft --from @-1d
  assert_eq $'a\nb\nc\nd\ne' "$(cat "$OUT")" "--from @-1d"
  consume_all ft --from "@$(( now + 3600000 ))"
  assert_file_empty "$OUT" "--from a time after every record"

  assert_exit 0 ks offsets ft --at "@${ts[2]}"
  if ! [[ "$(head -n 1 "$OUT")" =~ ^[0-9] ]]; then
    assert_contains "$(head -n 1 "$OUT")" OFFSET "offsets --at header"
  fi
  assert_eq "0 2" "$(awk '$1 ~ /^[0-9]+$/ { print $1, $2 }' "$OUT")" "offsets --at the third record's time"
  assert_exit 0 ks offsets ft --at @-90m -o json
  json_check '[(r["partition"], r["offset"]) for r in (d if isinstance(d, list) else d["partitions"])] == [(0, 2)]' \
    "offsets --at @-90m -o json (partition 0 at offset 2)" <"$OUT"
}

# Seeking by offset and by time into a log of many segments (indexes and
# time indexes of closed segments, not just the active one).
case_seek_many_segments() {
  assert_exit 0 ks topic create seek -c segment.bytes=65536
  local base j i
  base=$(( $(now_ms) - 3600000 ))
  for (( j = 0; j < 20; j++ )); do
    for (( i = 0; i < 200; i++ )); do
      printf '{"value":"%d.%d %s","timestamp":%d}\n' "$j" "$i" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx $(( base + j * 1000 + i ))
    done >"$T/chunk"
    assert_exit 0 ks produce seek --json <"$T/chunk"
  done
  local segs
  segs=$(find "$KS_HOME/data/seek-0" -name '*.log' | wc -l)
  if [[ $segs -lt 4 ]]; then fail "expected several segments, found $segs"; fi
  consume_all seek --from 2650 -n 1 -f '%o %v\n'
  assert_eq "2650 13.50" "$(cut -c1-10 "$OUT")" "--from 2650 in a closed segment"
  consume_all seek --from -1 -f '%o\n'
  assert_eq 3999 "$(cat "$OUT")" "--from -1"
  consume_all seek --from "@$(( base + 12 * 1000 + 50 ))" -n 1 -f '%o %t\n'
  assert_eq "2450 $(( base + 12050 ))" "$(cat "$OUT")" "--from @time in a closed segment"
  consume_all seek --from "@$(( base + 5 * 1000 + 199 + 1 ))" -n 1 -f '%o\n'
  assert_eq 1200 "$(cat "$OUT")" "--from @time between two produce runs"
  assert_exit 0 ks offsets seek --at "@$(( base + 17 * 1000 ))"
  assert_eq "0 3400" "$(awk '$1 ~ /^[0-9]+$/ { print $1, $2 }' "$OUT")" "offsets --at in a closed segment"
  seq 0 3999 >"$T/want"
  consume_all seek -f '%o\n'
  assert_file_eq "$T/want" "$OUT" "offsets across all segments"
}

# -p picks partitions; order within a partition is kept.
case_partition_select() {
  assert_exit 0 ks topic create ps -p 3
  seq 0 9 | sed 's/^/a/' | assert_exit 0 ks produce ps -p 0
  seq 0 9 | sed 's/^/b/' | assert_exit 0 ks produce ps -p 1
  seq 0 4 | sed 's/^/c/' | assert_exit 0 ks produce ps -p 2
  consume_all ps -p 1
  assert_eq "$(seq 0 9 | sed 's/^/b/')" "$(cat "$OUT")" "-p 1"
  consume_all ps -p 0 -p 2
  assert_eq 15 "$(count_lines "$OUT")" "records from -p 0 -p 2"
  assert_eq "$(seq 0 9 | sed 's/^/a/')" "$(grep '^a' "$OUT")" "partition 0 part of -p 0 -p 2"
  assert_eq "$(seq 0 4 | sed 's/^/c/')" "$(grep '^c' "$OUT")" "partition 2 part of -p 0 -p 2"
  if grep -q '^b' "$OUT"; then fail "-p 0 -p 2 printed records of partition 1"; fi
  consume_all ps -n 5
  assert_eq 5 "$(count_lines "$OUT")" "-n 5 -e across partitions"
  consume_all ps -p 2 --from -2
  assert_eq $'c3\nc4' "$(cat "$OUT")" "-p 2 --from -2"
  assert_fails timeout 10 "$KS" consume ps -p 7 -e
  assert_file_nonempty "$ERR" "stderr for a partition the topic lacks"
}

# Every -f token, escapes in literals, and unknown tokens as usage errors.
case_format_tokens() {
  assert_exit 0 ks topic create fmt -p 2
  local ts
  ts=$(( $(now_ms) - 5000 ))
  ts=$(( ts - ts % 1000 + 789 ))
  printf '%s\n' \
    "{\"partition\":1,\"key\":\"key1\",\"value\":\"val1\",\"timestamp\":$ts,\"headers\":[{\"key\":\"h1\",\"value\":\"x\"},{\"key\":\"h2\",\"value\":null}]}" \
    "{\"partition\":1,\"key\":null,\"value\":\"v2\",\"timestamp\":$(( ts + 1 ))}" |
    assert_exit 0 ks produce fmt --json
  consume_all fmt -p 1 -f '%s|%p|%o|%k|%v|%K|%V|%h|%t|%T|%%\t\x41\n'
  local want
  want="fmt|1|0|key1|val1|4|4|h1=x,h2|$ts|$(iso_ms "$ts")|%"$'\t'"A
fmt|1|1||v2|-1|2||$(( ts + 1 ))|$(iso_ms $(( ts + 1 )))|%"$'\t'"A"
  assert_eq "$want" "$(cat "$OUT")" "-f with every token"
  assert_file_empty "$ERR" "stderr of consume -f"

  # Without --json, a record's timestamp is the time it was produced.
  local t0 t1
  t0=$(now_ms)
  echo plain | assert_exit 0 ks produce fmt -p 0
  t1=$(now_ms)
  consume_all fmt -p 0 -f '%t'
  if [[ $(cat "$OUT") -lt $t0 || $(cat "$OUT") -gt $t1 ]]; then
    fail "timestamp of a plain record: $(cat "$OUT"), expected within [$t0, $t1]"
  fi

  assert_exit 2 ks consume fmt -e -f '%z'
  assert_file_empty "$OUT" "stdout for an unknown -f token"
  assert_file_nonempty "$ERR" "stderr for an unknown -f token"
  assert_exit 2 ks consume fmt -e -f 'trailing %'
  assert_exit 2 ks consume fmt -e -f 'bad \q escape'
}

# -D replaces the newline after each record; several bytes are fine.
case_output_delimiter() {
  printf 'a\nb\nc\n' | assert_exit 0 ks produce od
  consume_all od -D '|'
  assert_eq 'a|b|c|' "$(cat "$OUT")" "-D '|'"
  consume_all od -D '\r\n'
  printf 'a\r\nb\r\nc\r\n' >"$T/want"
  assert_file_eq "$T/want" "$OUT" "-D '\\r\\n'"
  consume_all od -D '\t--\x00'
  printf 'a\t--\0b\t--\0c\t--\0' >"$T/want"
  assert_file_eq "$T/want" "$OUT" "-D '\\t--\\x00'"
}

# `ks consume t | head -3`: head exits, consume notices and exits 0,
# quietly, fast — with lots of data behind, or following an idle topic.
head3() {  # TOPIC: runs the pipeline, checks it
  local t0 t1 rcs
  t0=$(now_ms)
  pipes_off
  # 20 s: generous for a sanitizer build, and still short of the 30 s
  # long poll a consume that only notices a gone reader when it next
  # writes would sit in.
  timeout 20 "$KS" consume "$1" 2>"$T/err" | head -3 >"$T/out"
  rcs=("${PIPESTATUS[@]}")
  pipes_on
  t1=$(now_ms)
  note "consume $1 | head -3 took $((t1 - t0)) ms"
  if [[ ${rcs[0]} -eq 124 ]]; then fail "consume $1 | head -3: consume was still running 20 s later, after head had exited ($(cat "$T/out" | tr '\n' ' '))"; fi
  assert_eq "0 0" "${rcs[*]}" "exit codes of consume $1 | head -3"
  assert_file_empty "$T/err" "stderr of consume $1 | head -3"
  assert_eq $'1\n2\n3' "$(cat "$T/out")" "output of consume $1 | head -3"
}

case_consume_head_big() {
  seq 300000 | assert_exit 0 ks produce hb
  head3 hb
}

case_consume_head_idle_follow() {
  seq 5 | assert_exit 0 ks produce hs
  head3 hs
}

# Three followers started before a 300k-record produce each get every
# record, in order, and stop at -n.
case_follow_under_load() {
  assert_exit 0 ks topic create live
  local i pids=()
  for i in 1 2 3; do
    timeout 150 "$KS" consume live -n 300000 >"$T/f$i.out" 2>"$T/f$i.err" &
    pids+=($!)
  done
  sleep 0.3
  seq 300000 | assert_exit 0 ks produce live
  seq 300000 >"$T/want"
  for i in 1 2 3; do
    local rc=0
    wait "${pids[i-1]}" || rc=$?
    assert_eq 0 "$rc" "exit code of follower $i ($(head -c 300 "$T/f$i.err"))"
    assert_file_eq "$T/want" "$T/f$i.out" "records seen by follower $i"
  done
}

# A following consume sees each new record, in order, from a fresh
# `ks produce` process each time. Whether it arrives is the test; how fast
# is a benchmark figure (`ks bench e2e`, scripts/bench.sh), printed here
# as a note only: under a sanitizer on a loaded machine the start of a
# `ks produce` process alone can take hundreds of ms.
follow_latency() {  # TOPIC [PRODUCE ARGS...]
  local topic=$1 fifo=$T/fifo pid line i t0 t1 lat=()
  shift
  mkfifo "$fifo"
  echo warm-up | assert_exit 0 ks produce "$topic" "$@"
  "$KS" consume "$topic" >"$fifo" 2>"$T/c.err" &
  pid=$!
  exec 3<"$fifo"
  if ! read -r -t 60 -u 3 line; then fail "following consume printed nothing in 60 s: $(cat "$T/c.err")"; fi
  assert_eq warm-up "$line" "first record"
  for i in 1 2 3 4 5 6 7; do
    t0=$(now_ms)
    echo "ping-$i" | assert_exit 0 ks produce "$topic" "$@"
    # The follower was waiting before this record existed: it arrives by
    # the long poll, not by a read at start-up.
    if ! read -r -t 30 -u 3 line; then fail "ping-$i not seen by the follower within 30 s: $(cat "$T/c.err")"; fi
    t1=$(now_ms)
    assert_eq "ping-$i" "$line" "followed record $i (in order, nothing else between)"
    lat+=($(( t1 - t0 )))
  done
  if ! alive "$pid"; then fail "the follower exited: $(cat "$T/c.err")"; fi
  note "follow latency ms from the start of ks produce (sorted, not asserted): $(printf '%s\n' "${lat[@]}" | sort -n | tr '\n' ' ')"
  exec 3<&-
  kill "$pid" 2>/dev/null || true
}

case_follow_latency() {
  follow_latency lat
}

# The same when the follower waits on several partitions and the record
# arrives on the last one.
case_follow_latency_partitions() {
  assert_exit 0 ks topic create latp -p 4
  follow_latency latp -p 3
}

# `tail -f app.log | ks produce t` must stream: a producer whose stdin
# stays open delivers what it has read without waiting for EOF or a full
# batch, whether lines come slowly or in a steady fast trickle (one per
# millisecond, never a pause as long as a linger timer).
case_streaming_producer() {
  assert_exit 0 ks topic create stream
  local fifo=$T/fifo in=$T/in pid ppid line t0 t1 i
  mkfifo "$fifo" "$in"
  "$KS" consume stream >"$fifo" 2>"$T/c.err" &
  pid=$!
  exec 3<"$fifo"
  "$KS" produce stream <"$in" 2>"$T/p.err" &
  ppid=$!
  exec 4>"$in"
  for i in 1 2 3; do
    t0=$(now_ms)
    echo "slow-$i" >&4
    # The producer's input is still open (fd 4): a producer that waits
    # for EOF or a full batch never delivers it, however long we wait.
    if ! read -r -t 30 -u 3 line; then fail "slow-$i written to an open producer was not delivered within 30 s"; fi
    t1=$(now_ms)
    assert_eq "slow-$i" "$line" "streamed record"
    note "slow-$i reached the follower $(( t1 - t0 )) ms after it was written (not asserted)"
    sleep 0.2
  done
  # A steady trickle, one line per ms, that goes on until the follower
  # has printed its first line (or 60000 lines, over a minute): a
  # producer that waits for a pause in its input, the end of the input
  # or a full batch delivers nothing while the trickle lasts, so the
  # first line arriving before the writer stops proves streaming.
  t0=$(now_ms)
  python3 -c '
import os, sys, time
seen, count = sys.argv[1], sys.argv[2]
i = 0
while i < 60000 and not os.path.exists(seen):
    sys.stdout.write("fast-%d\n" % i); sys.stdout.flush(); time.sleep(0.001); i += 1
open(count, "w").write("%d %s\n" % (i, "cap" if i >= 60000 else "seen"))
' "$T/seen" "$T/w.count" >&4 &
  local writer=$!
  if ! read -r -t 120 -u 3 line; then fail "nothing of a fast trickle delivered within 120 s"; fi
  touch "$T/seen"
  t1=$(now_ms)
  assert_eq fast-0 "$line" "first record of the trickle"
  note "first record of a 1-per-ms trickle reached the follower after $(( t1 - t0 )) ms (not asserted)"
  wait "$writer"
  local written how
  read -r written how <"$T/w.count"
  assert_eq seen "$how" "the trickle ($written lines) was still going when its first line reached the follower"
  exec 4>&-
  local prc=0
  wait "$ppid" || prc=$?
  assert_eq 0 "$prc" "producer exit code after its input closed ($(cat "$T/p.err"))"
  exec 3<&-
  kill "$pid" 2>/dev/null || true
  consume_all stream
  assert_eq $(( 3 + written )) "$(count_lines "$OUT")" "records streamed (3 slow, $written fast)"
}

# -N and +N count per partition.
case_from_relative_partitions() {
  assert_exit 0 ks topic create rel -p 3
  local p
  for p in 0 1 2; do seq 0 9 | sed "s/^/$p./" | assert_exit 0 ks produce rel -p "$p"; done
  consume_all rel --from -2
  assert_eq $'0.8\n0.9\n1.8\n1.9\n2.8\n2.9' "$(sort "$OUT")" "--from -2 on 3 partitions"
  consume_all rel --from +8
  assert_eq $'0.8\n0.9\n1.8\n1.9\n2.8\n2.9' "$(sort "$OUT")" "--from +8 on 3 partitions"
  consume_all rel --from 9
  assert_eq $'0.9\n1.9\n2.9' "$(sort "$OUT")" "--from 9 on 3 partitions"
}

# Ctrl-C on a following consume: exit 130 after printing what it had.
case_sigint_following_130() {
  set -m  # background jobs get SIGINT as a foreground job would
  echo one | assert_exit 0 ks produce si
  "$KS" consume si >"$T/c.out" 2>"$T/c.err" &
  local pid=$! rc=0
  if ! wait_until 60 grep -qx one "$T/c.out"; then fail "following consume did not print the record: $(cat "$T/c.err")"; fi
  kill -INT "$pid"
  # 20 s: generous for a sanitizer build, and short of the 30 s long poll
  # a consume that only looked at signals between fetches would wait out.
  if ! wait_until 20 not_alive "$pid"; then
    kill -9 "$pid"
    fail "following consume still running 20 s after SIGINT"
  fi
  wait "$pid" || rc=$?
  assert_eq 130 "$rc" "exit status after SIGINT"
  assert_eq one "$(cat "$T/c.out")" "output before SIGINT"
}

# Ctrl-C also works while consume is blocked writing to a full pipe
# (`ks consume big | less` with less not reading): exit 130 promptly.
case_sigint_while_stdout_blocked() {
  set -m
  seq 300000 | assert_exit 0 ks produce blk
  mkfifo "$T/fifo"
  "$KS" consume blk >"$T/fifo" 2>"$T/c.err" &
  local pid=$! rc=0
  exec 5<"$T/fifo"   # opened, never read: the pipe fills up
  # SIGINT goes once the pipe (consume may enlarge it) is full to within
  # one write of up to 64 KiB, so consume is really held on it, whatever
  # its start-up took.
  if ! wait_until 60 python3 -c '
import fcntl, struct, sys, termios
size = fcntl.fcntl(5, 1032)  # F_GETPIPE_SZ
avail = struct.unpack("i", fcntl.ioctl(5, termios.FIONREAD, b"\0" * 4))[0]
sys.exit(0 if avail >= size - 65536 else 1)'; then
    fail "consume did not fill its stdout pipe in 60 s: $(cat "$T/c.err")"
  fi
  if ! alive "$pid"; then fail "consume exited although nobody reads its output: $(cat "$T/c.err")"; fi
  kill -INT "$pid"
  if ! wait_until 30 not_alive "$pid"; then
    local where
    where=$(cat "/proc/$pid/wchan" 2>/dev/null || true)
    exec 5<&-
    fail "consume blocked on a full stdout pipe ignored SIGINT for 30 s (waiting in ${where:-?})"
  fi
  wait "$pid" || rc=$?
  exec 5<&-
  assert_eq 130 "$rc" "exit status after SIGINT while stdout was blocked"
}

# tail: the last N records, and -f to keep following.
case_tail() {
  seq 1 30 | sed 's/^/r/' | assert_exit 0 ks produce tl
  assert_exit 0 timeout 20 "$KS" tail tl
  assert_eq "$(seq 21 30 | sed 's/^/r/')" "$(cat "$OUT")" "tail (last 10)"
  assert_file_empty "$ERR" "stderr of tail"
  assert_exit 0 timeout 20 "$KS" tail tl -n 3
  assert_eq $'r28\nr29\nr30' "$(cat "$OUT")" "tail -n 3"
  assert_exit 0 timeout 20 "$KS" tail tl -n 100
  assert_eq "$(seq 1 30 | sed 's/^/r/')" "$(cat "$OUT")" "tail -n 100 of 30 records"

  "$KS" tail tl -f -n 2 >"$T/f.out" 2>"$T/f.err" &
  local pid=$!
  if ! wait_until 60 grep -qx r30 "$T/f.out"; then fail "tail -f printed nothing: $(cat "$T/f.err")"; fi
  echo r31 | assert_exit 0 ks produce tl
  if ! wait_until 30 grep -qx r31 "$T/f.out"; then fail "tail -f did not show a new record: $(cat "$T/f.out")"; fi
  kill "$pid"
  assert_eq $'r29\nr30\nr31' "$(cat "$T/f.out")" "tail -f -n 2 then one new record"
}

# offsets: a table on PARTITION/EARLIEST/LATEST, and the same in JSON.
case_offsets() {
  assert_exit 0 ks topic create of -p 3
  seq 10 | assert_exit 0 ks produce of -p 0
  seq 10 | assert_exit 0 ks produce of -p 1
  seq 5 | assert_exit 0 ks produce of -p 2
  assert_exit 0 ks offsets of
  # Piped, the table may come without its header (TSV); when there is one
  # it names the columns.
  local header
  header=$(head -n 1 "$OUT")
  if ! [[ "$header" =~ ^[0-9] ]]; then
    assert_matches "$header" 'PARTITION.*EARLIEST.*LATEST' "offsets header"
  fi
  assert_eq $'0 0 10\n1 0 10\n2 0 5' "$(awk '$1 ~ /^[0-9]+$/ { print $1, $2, $3 }' "$OUT")" "offsets rows"
  assert_exit 0 ks offsets of -o json
  python3 - "$OUT" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = d if isinstance(d, list) else d.get("partitions")
if not isinstance(rows, list): sys.exit("offsets -o json: no list of partitions in %r" % d)
got = sorted((r["partition"], r.get("earliest", r.get("start")), r.get("latest", r.get("end"))) for r in rows)
if got != [(0, 0, 10), (1, 0, 10), (2, 0, 5)]:
    sys.exit("offsets -o json: %r, expected partitions 0,1,2 with earliest 0 and latest 10,10,5 (%r)" % (got, d))
EOF
}

# Reading a topic that does not exist is "not found", and does not create it.
case_missing_topic_exit_4() {
  assert_exit 0 ks topic list   # makes sure a daemon runs
  assert_exit 4 timeout 20 "$KS" consume nosuch -e
  assert_file_nonempty "$ERR" "stderr of consume of a missing topic"
  assert_exit 4 timeout 20 "$KS" tail nosuch
  assert_exit 4 ks offsets nosuch
  assert_exit 4 ks topic describe nosuch
  if [[ -e "$KS_HOME/data/nosuch-0" ]]; then fail "reading a missing topic created it"; fi
}

# Compressed batches read like plain ones: a position inside a batch skips
# the records before it, -n and --until stop inside one, tail and a group
# resume from the middle of one.
case_compressed_batches() {
  local c i=0
  for c in gzip none snappy lz4 zstd; do
    seq $((i * 100)) $((i * 100 + 99)) | sed 's/^/r/' | assert_exit 0 ks produce cb --compression "$c"
    i=$((i + 1))
  done
  want() { seq "$1" "$2" | sed 's/^/r/'; }
  assert_exit 0 ks log dump "$KS_HOME/data/cb-0" --headers-only
  assert_eq "gzip none snappy lz4 zstd" \
    "$(sed -n 's/^batch .* crc [0-9a-f]*, \([a-z0-9]*\), .*/\1/p' "$OUT" | tr '\n' ' ' | sed 's/ $//')" \
    "codecs of the five batches"

  consume_all cb
  assert_eq "$(want 0 499)" "$(cat "$OUT")" "consume -e of five batches"
  consume_all cb --from 150
  assert_eq "$(want 150 499)" "$(cat "$OUT")" "--from 150 (inside the snappy batch)"
  consume_all cb --from -3
  assert_eq "$(want 497 499)" "$(cat "$OUT")" "--from -3"
  consume_all cb --from 42 --until +5
  assert_eq "$(want 42 46)" "$(cat "$OUT")" "--from 42 --until +5"
  assert_exit 0 timeout 10 "$KS" consume cb --from 333 -n 4 -f '%o:%v\n'
  assert_eq $'333:r333\n334:r334\n335:r335\n336:r336' "$(cat "$OUT")" "-n 4 -f inside the lz4 batch"
  assert_exit 0 timeout 20 "$KS" tail cb -n 3
  assert_eq "$(want 497 499)" "$(cat "$OUT")" "tail -n 3 of a zstd batch"

  # A group takes 250 records (half of the snappy batch), then resumes there.
  assert_exit 0 timeout 20 "$KS" consume cb -g cbg -n 250
  assert_eq "$(want 0 249)" "$(cat "$OUT")" "first 250 records in the group"
  assert_exit 0 timeout 20 "$KS" consume cb -g cbg --until end
  assert_eq "$(want 250 499)" "$(cat "$OUT")" "the group resumes inside a compressed batch"
}

run_cases \
  exit_at_end \
  from_positions:180 \
  from_time \
  partition_select \
  seek_many_segments \
  format_tokens \
  output_delimiter \
  consume_head_big \
  consume_head_idle_follow \
  follow_under_load:180 \
  follow_latency \
  follow_latency_partitions \
  from_relative_partitions \
  streaming_producer:180 \
  sigint_following_130 \
  sigint_while_stdout_blocked \
  tail \
  offsets \
  missing_topic_exit_4 \
  compressed_batches
