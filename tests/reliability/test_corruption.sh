#!/usr/bin/env bash
# Damaged files under a real daemon: flipped bytes and truncation in closed
# (non-active) segments, deleted, garbage and subtly wrong index files, and
# a damaged meta.db. What must hold:
#  - `ks log verify` points at the damage (file and byte position), exit 1;
#  - the daemon never serves damaged records as if they were good: a
#    consumer gets an error for the damaged range, never altered records;
#  - indexes are caches: whatever happens to them, reads return the right
#    records, and the daemon rewrites them;
#  - everything undamaged stays readable, also after further restarts;
#  - a damaged meta.db stops the daemon from starting with a message that
#    names the file (exit 1 from `ks daemon start`, 3 from an autostarting
#    client), rather than starting with topics or offsets forgotten.
#
#   bash tests/reliability/test_corruption.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

N=3000  # records in topic c, one partition, ~11 segments of 16 KiB

# A home with topic c (small segments, small batches), topic other (two
# partitions) and a group g1 that committed offset 100 of c; the daemon is
# stopped cleanly at the end. Sets H, DIR (c's partition directory) and
# SEGS (its .log files, oldest first).
setup_corpus() {
  H=$T/h
  export KS_HOME=$H
  start_daemon
  assert_exit 0 ks topic create c -c segment.bytes=16384
  records 0 "$N" >"$T/expected"
  assert_exit 0 ks produce c --batch-bytes 1024 <"$T/expected"
  assert_exit 0 ks topic create other -p 2
  seq 1 200 | assert_exit 0 ks produce other
  assert_exit 0 timeout 30 "$KS" consume c -g g1 -n 100
  stop_daemon
  DIR=$H/data/c-0
  mapfile -t SEGS < <(ls "$DIR"/*.log | sort)
  if [[ ${#SEGS[@]} -lt 6 ]]; then fail "expected at least 6 segments in $DIR, have ${#SEGS[@]}"; fi
}

# Batches of a segment: arrays POS BASE LAST SIZE.
load_batches() {  # LOG
  POS=() BASE=() LAST=() SIZE=()
  local p b l s
  while read -r p b l s; do POS+=("$p"); BASE+=("$b"); LAST+=("$l"); SIZE+=("$s"); done < <(fault_segments batches "$1")
}

# consume c -e must give exactly records [FROM, TO) (TO may be N).
expect_range() {  # FROM TO WHAT [consume args...]
  local from=$1 to=$2 what=$3
  shift 3
  assert_exit 0 timeout 60 "$KS" --no-autostart consume c "$@" -e
  records "$from" "$to" >"$T/want"
  assert_file_eq "$T/want" "$OUT" "$what"
}

# A consumer reading from FROM across the damaged batch at offsets
# [BAD_BASE, BAD_LAST]: must fail (exit 1) saying what is damaged, after
# printing nothing but the good records before it.
expect_damage_reported() {  # FROM BAD_BASE WHAT
  local from=$1 bad=$2 what=$3 rc=0
  timeout 60 "$KS" --no-autostart consume c --from "$from" -e >"$T/got" 2>"$T/got.err" || rc=$?
  if [[ $rc -eq 0 ]]; then
    fail "$what: consume across the damaged batch (offset $bad) exited 0; stderr: $(cat "$T/got.err")"
  fi
  assert_eq 1 "$rc" "$what: exit status of consume across damage"
  assert_matches "$(cat "$T/got.err")" "[Cc]orrupt|CRC|damaged" "$what: consume's error"
  if grep -q '^Rec-' "$T/got"; then fail "$what: consume printed the altered record: $(grep '^Rec-' "$T/got" | head -2)"; fi
  records "$from" "$bad" >"$T/want"
  assert_file_eq "$T/want" "$T/got" "$what: what consume printed before the damaged batch"
}

other_readable() {  # WHAT
  assert_exit 0 timeout 60 "$KS" --no-autostart consume other -e
  assert_eq 200 "$(count_lines "$OUT")" "$1: records of the undamaged topic"
}

# A byte of a record value in the middle of a closed segment flips (an
# uppercase R). The batch header still frames, only the CRC can tell.
case_flipped_value_byte() {
  setup_corpus
  local seg=${SEGS[2]} i pos
  load_batches "$seg"
  i=$(( ${#POS[@]} / 2 ))
  local bad_base=${BASE[$i]} bad_last=${LAST[$i]} bad_pos=${POS[$i]}
  pos=$(fault_segments find "$seg" "$(printf 'rec-%06d' $((bad_base + 1)))")
  fault_segments flip "$seg" "$pos"
  cp "$seg" "$T/damaged.log"

  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "$seg")" "verify names the damaged segment"
  assert_contains "$(cat "$OUT" "$ERR")" "$bad_pos" "verify gives the damaged batch's byte position"

  start_daemon --no-autostart
  local pid
  pid=$(daemon_pid_of "$H")
  expect_damage_reported 0 "$bad_base" "after a clean restart"
  expect_range 0 "$bad_base" "records before the damaged batch" -n "$bad_base"
  expect_range $((bad_last + 1)) "$N" "records after the damaged batch" --from $((bad_last + 1))
  other_readable "flipped value byte"
  assert_daemon_serving "$H" "$pid" "after reading damaged data"

  # The damage is not repaired, hidden or truncated away by restarts,
  # clean or not.
  kill -9 "$pid"
  wait_until 30 not_alive "$pid" || fail "daemon $pid survived SIGKILL for 30 s"
  start_daemon --no-autostart
  expect_damage_reported 0 "$bad_base" "after SIGKILL and restart"
  expect_range $((bad_last + 1)) "$N" "records after the damaged batch (after SIGKILL)" --from $((bad_last + 1))
  stop_daemon
  assert_file_eq "$T/damaged.log" "$seg" "the damaged segment after restarts (the daemon must not rewrite it)"
}

# The batch length of a batch in the middle of a closed segment is
# garbage: nothing after it in that segment can be framed.
case_damaged_batch_length() {
  setup_corpus
  local seg=${SEGS[2]} i
  load_batches "$seg"
  i=1
  local bad_base=${BASE[$i]} bad_pos=${POS[$i]} seg_last=${LAST[-1]}
  fault_segments put32 "$seg" $((bad_pos + 8)) 0x7ffffff0
  cp "$seg" "$T/damaged.log"

  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "$seg")" "verify names the damaged segment"
  assert_contains "$(cat "$OUT" "$ERR")" "$bad_pos" "verify gives the damaged batch's byte position"

  # Damage that cannot be framed: the partition may refuse to serve, but
  # the rest of the daemon must stay usable and nothing may be truncated.
  start_daemon --no-autostart
  local pid
  pid=$(daemon_pid_of "$H")
  expect_damage_reported 0 "$bad_base" "unframeable batch"
  expect_range 0 "$bad_base" "records before the unframeable batch" -n "$bad_base"
  expect_range $((seg_last + 1)) "$N" "records of the later segments" --from $((seg_last + 1))
  other_readable "unframeable batch"
  # A following consumer (long-polling fetches) gets the error too, at
  # once: an error is an answer, not a reason to wait for more records.
  local rc=0
  # 20 s: room for a sanitizer build, short of the consumer's 30 s long poll.
  timeout 20 "$KS" --no-autostart consume c --from "$bad_base" -n 1 >"$T/got" 2>"$T/got.err" || rc=$?
  if [[ $rc -eq 124 ]]; then
    fail "consume --from $bad_base -n 1 (follow mode) got no answer within 20 s: the daemon holds a fetch whose partition failed with corruption as a long poll"
  fi
  assert_eq 1 "$rc" "exit status of a following consumer reading the unframeable batch ($(cat "$T/got.err"))"
  assert_daemon_serving "$H" "$pid" "after reading unframeable data"
  stop_daemon
  assert_file_eq "$T/damaged.log" "$seg" "the damaged segment after a restart"
}

# A closed segment loses its tail in the middle of a batch.
case_truncated_mid_batch() {
  setup_corpus
  local seg=${SEGS[3]} i
  load_batches "$seg"
  i=$(( ${#POS[@]} - 3 ))
  local cut=$(( POS[i] + SIZE[i] / 2 )) lost_from=${BASE[$i]} seg_last=${LAST[-1]}
  truncate -s "$cut" "$seg"

  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "$seg")" "verify names the truncated segment"
  assert_contains "$(cat "$OUT" "$ERR")" "${POS[$i]}" "verify gives the byte where the torn batch starts"

  start_daemon --no-autostart
  assert_contains "$(cat "$H/daemon.log")" "$(basename "$seg")" "daemon.log names the truncated segment"
  # Whatever was lost, nothing altered is served, and every record outside
  # the lost range is there, in order.
  assert_exit 0 timeout 60 "$KS" --no-autostart consume c -e
  { records 0 "$lost_from"; records $((seg_last + 1)) "$N"; } >"$T/want"
  assert_file_eq "$T/want" "$OUT" "records around the truncated range"
  other_readable "truncated segment"
  stop_daemon
  # The offsets lost stay visible to the verifier after the daemon has
  # dealt with the torn batch.
  local rc=0
  "$KS" log verify "$DIR" >"$T/v.out" 2>"$T/v.err" || rc=$?
  if [[ $rc -ne 1 ]] || ! grep -q "$lost_from" "$T/v.out" "$T/v.err"; then
    fail "after the daemon cut the torn batch, ks log verify exited $rc and no longer reports offsets $lost_from..$seg_last as missing: $(cat "$T/v.out" "$T/v.err")"
  fi
}

# A closed segment loses its last batches exactly at a batch boundary,
# and its index files with them (say, a partial copy of the .log files):
# no torn batch anywhere, but offsets are missing before the next segment.
case_truncated_at_batch_boundary() {
  setup_corpus
  local seg=${SEGS[3]} i
  load_batches "$seg"
  i=$(( ${#POS[@]} - 2 ))
  local lost_from=${BASE[$i]} seg_last=${LAST[-1]}
  truncate -s "${POS[$i]}" "$seg"
  rm "${seg%.log}.index" "${seg%.log}.timeindex"

  local rc=0
  "$KS" log verify "$DIR" >"$T/v.out" 2>"$T/v.err" || rc=$?
  if [[ $rc -ne 1 ]] || ! grep -q "$lost_from" "$T/v.out" "$T/v.err"; then
    fail "ks log verify exited $rc and does not report offsets $lost_from..$seg_last missing between $(basename "$seg") and the next segment: $(cat "$T/v.out" "$T/v.err")"
  fi
  assert_contains "$(cat "$T/v.out" "$T/v.err")" "$(basename "$seg")" "verify names the segment that lost its tail"

  start_daemon --no-autostart
  assert_exit 0 timeout 60 "$KS" --no-autostart consume c -e
  { records 0 "$lost_from"; records $((seg_last + 1)) "$N"; } >"$T/want"
  assert_file_eq "$T/want" "$OUT" "records around the missing range"
  stop_daemon
}

# Index files are caches: deleting them costs a rebuild, nothing else.
case_index_files_deleted() {
  setup_corpus
  rm -f "$DIR"/*.index "$DIR"/*.timeindex
  assert_exit 0 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "missing" "verify warns about missing indexes"

  start_daemon --no-autostart
  expect_range 0 "$N" "all records after deleting the indexes"
  expect_range 1234 "$N" "records from an offset in the middle" --from 1234
  assert_exit 0 ks --no-autostart offsets c --at @0 -o json
  json_check 'd[0]["offset"] == 0 if isinstance(d, list) else True' "offsets --at @0" <"$OUT"
  stop_daemon
  local s
  for s in "${SEGS[@]}"; do
    [[ -s ${s%.log}.index || $(stat -c %s "$s") -lt 8192 ]] || fail "no rebuilt ${s%.log}.index after a clean stop"
    [[ -s ${s%.log}.timeindex ]] || fail "no rebuilt ${s%.log}.timeindex after a clean stop"
  done
  assert_exit 0 ks log verify "$DIR"
  if grep -qi missing "$OUT" "$ERR"; then fail "verify still finds missing indexes after the rebuild: $(cat "$OUT" "$ERR")"; fi
}

# Garbage of various sizes in index files: refused and rebuilt.
case_index_files_garbage() {
  setup_corpus
  local k=0 s
  for s in "${SEGS[@]:1:4}"; do
    k=$((k + 1))
    fault_segments garbage "${s%.log}.index" $((k * 8 + (k % 2) * 3)) "$k"
    fault_segments garbage "${s%.log}.timeindex" $((k * 12)) $((k + 100))
  done
  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" ".index" "verify names a damaged index"

  start_daemon --no-autostart
  expect_range 0 "$N" "all records with garbage indexes"
  local o
  for s in "${SEGS[@]:1:4}"; do
    load_batches "$s"
    o=$(( BASE[${#BASE[@]} / 2] + 1 ))
    assert_exit 0 timeout 30 "$KS" --no-autostart consume c --from "$o" -n 1 -f '%o\n'
    assert_eq "$o" "$(cat "$OUT")" "first offset read from $o (garbage index of $(basename "$s"))"
  done
  stop_daemon
  assert_exit 0 ks log verify "$DIR"
}

# Index entries that still look fine (both columns increasing, inside the
# log) but point at the wrong place. A read must still start at the offset
# asked for, or fail loudly; never skip records, never call a sound log
# corrupt: the index is only a cache.

# Sets ENTRY_BASE (offset of the batch that index entry 0 of SEG names) and
# ENTRY_NEXT_POS (byte position of the batch after it), ENTRY_POS.
index_entry0() {  # SEG
  local e rel pos j
  mapfile -t e < <(fault_segments index "${1%.log}.index")
  if [[ ${#e[@]} -lt 2 ]]; then fail "expected at least 2 index entries in ${1%.log}.index"; fi
  read -r rel pos <<<"${e[0]}"
  load_batches "$1"
  for j in "${!POS[@]}"; do if [[ ${POS[$j]} -eq $pos ]]; then break; fi; done
  ENTRY_BASE=${BASE[$j]} ENTRY_POS=$pos ENTRY_NEXT_POS=${POS[$((j + 1))]}
}

case_index_entry_points_later() {
  setup_corpus
  local s=${SEGS[2]}
  index_entry0 "$s"
  # Entry 0 now names the batch after the one at its offset, in a file
  # whose seal still checks: only the checks a read makes can tell.
  fault_segments put32 "${s%.log}.index" 4 "$ENTRY_NEXT_POS"
  fault_segments reseal "${s%.log}.index"
  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "${s%.log}").index" "verify names the wrong index"

  start_daemon --no-autostart
  assert_exit 0 timeout 30 "$KS" --no-autostart consume c --from "$ENTRY_BASE" -n 1 -f '%o\n'
  assert_eq "$ENTRY_BASE" "$(cat "$OUT")" "first offset read from $ENTRY_BASE (index entry moved to the next batch, $(basename "${s%.log}").index)"
  expect_range 0 "$N" "all records with a wrong index entry"
  stop_daemon
}

case_index_entry_points_into_batch() {
  setup_corpus
  local s=${SEGS[4]}
  index_entry0 "$s"
  # Entry 0 now points 5 bytes into its batch (resealed, as above).
  fault_segments put32 "${s%.log}.index" 4 $((ENTRY_POS + 5))
  fault_segments reseal "${s%.log}.index"
  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "${s%.log}").index" "verify names the wrong index"

  start_daemon --no-autostart
  local rc=0
  timeout 30 "$KS" --no-autostart consume c --from "$ENTRY_BASE" -e -f '%o\n' >"$T/got.all" 2>"$T/got.err" || rc=$?
  head -1 "$T/got.all" >"$T/got"
  if [[ $rc -ne 0 ]]; then
    fail "consume --from $ENTRY_BASE exited $rc although only the index is wrong (the log is sound): $(cat "$T/got.err")"
  fi
  assert_eq "$ENTRY_BASE" "$(cat "$T/got")" "first offset read from $ENTRY_BASE (index entry pointing into a batch)"
  expect_range 0 "$N" "all records with an index entry pointing into a batch"
  stop_daemon
}

# Index files zeroed, as a power cut leaves files written without fsync
# (indexes are not fsynced at roll). Issue 14: a zeroed .timeindex passed
# verify, and retention at the next start deleted whole segments.
case_zeroed_timeindex_retention() {
  setup_corpus
  start_daemon --no-autostart
  # An hour: every record of c (produced seconds ago) is to be kept.
  assert_exit 0 ks --no-autostart topic alter c -c retention.ms=3600000
  stop_daemon
  local s
  for s in "${SEGS[@]:0:4}"; do fault_segments zero "${s%.log}.timeindex"; done
  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "${SEGS[0]%.log}").timeindex" "verify names the zeroed time index"

  start_daemon --no-autostart
  wait_until 30 grep -q "rebuilding indexes" "$H/daemon.log" || fail "daemon.log does not say the zeroed indexes are rebuilt: $(tail -5 "$H/daemon.log")"
  # Retention runs once a second; a few runs must delete nothing. (Were
  # this too short on a slow machine, the check would pass falsely, never
  # fail falsely.)
  sleep 3
  if grep -q "retention removed" "$H/daemon.log"; then fail "retention deleted segments of c: $(grep 'retention removed' "$H/daemon.log")"; fi
  expect_range 0 "$N" "all records after a restart with zeroed time indexes and retention.ms=1h"
  stop_daemon
  assert_exit 0 ks log verify "$DIR"
}

case_zeroed_offset_index() {
  setup_corpus
  local s o
  for s in "${SEGS[@]:1:4}"; do fault_segments zero "${s%.log}.index"; done
  assert_exit 1 ks log verify "$DIR"
  assert_contains "$(cat "$OUT" "$ERR")" "$(basename "${SEGS[1]%.log}").index" "verify names the zeroed offset index"

  start_daemon --no-autostart
  expect_range 0 "$N" "all records with zeroed offset indexes"
  for s in "${SEGS[@]:1:4}"; do
    load_batches "$s"
    o=$(( BASE[${#BASE[@]} / 2] + 2 ))
    assert_exit 0 timeout 30 "$KS" --no-autostart consume c --from "$o" -n 1 -f '%o %t\n'
    local got_o ts
    read -r got_o ts <"$OUT"
    assert_eq "$o" "$got_o" "first offset read from $o (zeroed index of $(basename "$s"))"
    # Offsets by time: the first record at or after that record's time.
    assert_exit 0 timeout 30 "$KS" --no-autostart consume c --from "@$ts" -n 1 -f '%t\n'
    assert_eq "$ts" "$(cat "$OUT")" "first record at or after @$ts (zeroed index of $(basename "$s"))"
  done
  stop_daemon
  assert_exit 0 ks log verify "$DIR"
}

# ---------------------------------------------------------------- meta.db

# The daemon must refuse a damaged meta.db, say why, and leave it as it is.
expect_meta_refused() {  # WHAT [autostart]
  local what=$1 rc=0
  cp "$H/meta.db" "$T/meta.damaged"
  : >"$H/daemon.log"
  assert_exit 1 timeout 30 "$KS" daemon start
  assert_contains "$(cat "$ERR")" "daemon.log" "$what: daemon start points at the log"
  assert_contains "$(cat "$H/daemon.log")" "meta.db" "$what: daemon.log names meta.db"
  assert_matches "$(cat "$H/daemon.log")" "damaged|malformed|not a database|is empty but .* holds" "$what: daemon.log says it is damaged"
  assert_eq 0 "$(daemon_count "$H")" "$what: daemons running"
  # In the foreground the reason is on stderr.
  assert_exit 1 timeout 30 "$KS" daemon run
  assert_contains "$(cat "$ERR")" "meta.db" "$what: daemon run names meta.db on stderr"
  if [[ ${2:-} == autostart ]]; then
    # An autostarting client: daemon unreachable (3), saying where to look.
    assert_exit 3 timeout 30 "$KS" topic list
    assert_contains "$(cat "$ERR")" "daemon.log" "$what: topic list's message"
    assert_eq 0 "$(daemon_count "$H")" "$what: daemons running after autostart"
  fi
  cmp -s "$T/meta.damaged" "$H/meta.db" || fail "$what: the daemon changed the damaged meta.db"
}

# Restoring the backup brings everything back.
expect_restored() {  # WHAT
  rm -f "$H/meta.db-wal" "$H/meta.db-shm"
  cp "$T/meta.good" "$H/meta.db"
  start_daemon --no-autostart
  expect_range 0 "$N" "$1: records after restoring meta.db"
  assert_exit 0 ks --no-autostart group describe g1 -o json
  json_check 'any(o["committed"] == 100 for o in d["offsets"])' "$1: g1's committed offset" <"$OUT"
  stop_daemon
}

meta_setup() {
  setup_corpus
  if [[ -s $H/meta.db-wal ]]; then note "meta.db-wal left after a clean stop ($(stat -c %s "$H/meta.db-wal") bytes)"; fi
  cp "$H/meta.db" "$T/meta.good"
}

case_meta_garbage_pages() {
  meta_setup
  local size pages
  size=$(stat -c %s "$H/meta.db")
  pages=$((size / 4096))
  if [[ $pages -lt 4 ]]; then fail "meta.db has only $pages pages"; fi
  fault_segments overwrite "$H/meta.db" $((4096 * (pages / 3))) $((4096 * (pages / 3))) 7
  expect_meta_refused "garbage over pages in the middle" autostart
  expect_restored "garbage pages"
}

case_meta_garbage_header() {
  meta_setup
  fault_segments overwrite "$H/meta.db" 0 100 8
  expect_meta_refused "garbage over the header"
  expect_restored "garbage header"
}

case_meta_truncated() {
  meta_setup
  truncate -s $(( $(stat -c %s "$H/meta.db") / 2 )) "$H/meta.db"
  expect_meta_refused "truncated to half"
  expect_restored "truncated"
}

# An emptied meta.db (truncated to 0 bytes) is a valid empty SQLite file:
# starting on it would forget every topic and offset while data/ still
# holds their partitions.
case_meta_emptied() {
  meta_setup
  : >"$H/meta.db"
  expect_meta_refused "emptied to 0 bytes"
  expect_restored "emptied"
}

run_cases flipped_value_byte:90 damaged_batch_length:90 truncated_mid_batch:90 \
  truncated_at_batch_boundary:90 index_files_deleted:90 index_files_garbage:90 \
  index_entry_points_later:90 index_entry_points_into_batch:90 zeroed_timeindex_retention:120 \
  zeroed_offset_index:90 meta_garbage_pages:90 meta_garbage_header:90 meta_truncated:90 \
  meta_emptied:90
