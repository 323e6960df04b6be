#!/usr/bin/env bash
# A full disk under a real daemon: its home on a small tmpfs, producers
# writing until no space is left. What must hold:
#  - a produce that cannot be stored fails clearly: exit 5 and a message
#    saying the device is full, never exit 0;
#  - the daemon stays up (same pid) and keeps answering status and topic list;
#  - every record of a produce that exited 0 is readable, once, in order,
#    and nothing half-written is served (`ks log verify` is clean);
#  - once space is freed (a filler file removed, a topic deleted) produce
#    works again, with --acks 1 and --acks all;
#  - a restart on the full disk loses nothing acknowledged;
#  - a group member whose commits fail (meta.db's disk full) says so, and
#    exits non-zero when its last commit fails.
#
# Needs root to mount a tmpfs: without it the test is skipped (exit 77),
# loudly, except in CI (CI=true), where it fails.
#
#   bash tests/reliability/test_disk_full.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

if [[ -z "${IT_CASE:-}" ]]; then
  probe=$(mktemp -d "${TMPDIR:-/tmp}/ks-tmpfs-probe.XXXXXX")
  if ! mount -t tmpfs -o size=1m tmpfs "$probe" 2>"$probe.err"; then
    why=$(cat "$probe.err"; id -un)
    rmdir "$probe"; rm -f "$probe.err"
    echo "################################################################" >&2
    echo "SKIPPED reliability:disk_full: cannot mount a tmpfs (needs root): $why" >&2
    echo "################################################################" >&2
    if [[ "${CI:-}" == true ]]; then
      echo "FAIL: CI=true, so a skipped disk-full test is a failure" >&2
      exit 1
    fi
    exit 77
  fi
  umount "$probe"
  rmdir "$probe"
  rm -f "$probe.err"
fi

MOUNTED=()
mount_tmpfs() {  # DIR SIZE
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" || fail "mount tmpfs on $1"
  MOUNTED+=("$1")
}

# Stops the daemons of the case and unmounts its file systems, then does
# what lib.sh does on exit.
cleanup_mounts() {
  local m
  for m in "${MOUNTED[@]}"; do
    timeout 60 "$KS" --home "$m" --no-autostart daemon stop >/dev/null 2>&1 || true
    local p
    p=$(daemon_pid_of "$m")
    if [[ -n "$p" ]] && alive "$p"; then kill -9 "$p" 2>/dev/null || true; fi
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  _cleanup_case
}

# Chunk K of the stream: 200 distinct records of ~1 KiB.
chunk() {  # K
  awk -v k="$1" 'BEGIN { pad = sprintf("%1000s", ""); gsub(/ /, "x", pad);
    for (i = 0; i < 200; i++) printf "c%05d-r%03d-%s\n", k, i, pad }'
}

# Produces chunks to TOPIC until one fails; the chunks acknowledged in full
# are appended to $T/acked. Leaves FAIL_RC and FAIL_ERR of the failure.
fill_until_full() {  # TOPIC [produce args...]
  local topic=$1 k rc
  shift
  for (( k = NEXT_CHUNK; k < NEXT_CHUNK + 400; k++ )); do
    chunk "$k" >"$T/chunk"
    rc=0
    timeout 60 "$KS" --no-autostart produce "$topic" "$@" <"$T/chunk" >"$T/p.out" 2>"$T/p.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
      FAIL_RC=$rc FAIL_ERR=$(cat "$T/p.err")
      NEXT_CHUNK=$((k + 1))
      return 0
    fi
    cat "$T/chunk" >>"$T/acked"
  done
  fail "produced 400 chunks (~80 MiB) to a small tmpfs without an error"
}

# Every acknowledged record is in TOPIC exactly once and in order; records
# of failed produce calls may be there too, but only whole records of the
# stream (nothing altered or half-written).
check_acked() {  # TOPIC WHAT
  assert_exit 0 timeout 60 "$KS" --no-autostart consume "$1" -e
  python3 - "$T/acked" "$OUT" "$2" <<'EOF' || fail "$2: acknowledged records (see above)"
import re, sys
acked = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
got = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
what = sys.argv[3]
shape = re.compile(rb"^c\d{5}-r\d{3}-x{1000}$")
bad = [g for g in got if not shape.match(g)]
if bad:
    sys.exit("%s: %d records that were never sent, first %r" % (what, len(bad), bad[0][:40]))
if len(set(got)) != len(got):
    sys.exit("%s: duplicate records" % what)
pos = {g: i for i, g in enumerate(got)}
missing = [a for a in acked if a not in pos]
if missing:
    sys.exit("%s: %d acknowledged records missing, first %r" % (what, len(missing), missing[0][:20]))
order = [pos[a] for a in acked]
if order != sorted(order):
    sys.exit("%s: acknowledged records out of order" % what)
print("  .. %s: %d acknowledged records present (%d in the topic)" % (what, len(acked), len(got)), file=sys.stderr)
EOF
}

expect_disk_full_error() {  # WHAT
  assert_eq 5 "$FAIL_RC" "$1: exit status of the produce that hit the full disk (stderr: $FAIL_ERR)"
  assert_matches "$FAIL_ERR" "[Nn]o space left|disk is full|[Ff]ull" "$1: produce's message"
  note "$1: produce exited $FAIL_RC: $(head -c 300 <<<"$FAIL_ERR" | tr '\n' ' ')"
}

case_fill_free_refill() {
  trap cleanup_mounts EXIT
  local h=$T/h
  mount_tmpfs "$h" 8m
  export KS_HOME=$h
  start_daemon --no-autostart
  local pid
  pid=$(daemon_pid_of "$h")
  assert_exit 0 ks --no-autostart topic create full -c segment.bytes=1048576
  assert_exit 0 ks --no-autostart topic create spare
  NEXT_CHUNK=0
  : >"$T/acked"
  # Room to free later: a filler file and a topic of ~1 MiB.
  chunk 99999 | assert_exit 0 ks --no-autostart produce spare
  chunk 99998 | assert_exit 0 ks --no-autostart produce spare
  chunk 99997 | assert_exit 0 ks --no-autostart produce spare
  chunk 99996 | assert_exit 0 ks --no-autostart produce spare
  dd if=/dev/zero of="$h/filler" bs=1M count=1 status=none

  # 1. acks 1 until full.
  fill_until_full full
  note "full after $(count_lines "$T/acked") acknowledged records; df: $(df -k --output=used,avail "$h" | tail -1)"
  expect_disk_full_error "acks 1"
  # A second attempt on the full disk fails the same way.
  fill_until_full full
  expect_disk_full_error "acks 1, again"
  assert_daemon_serving "$h" "$pid" "on a full disk"
  check_acked full "on a full disk"
  assert_exit 0 ks log verify "$h/data"

  # 2. Free the filler: produce works again.
  rm "$h/filler"
  chunk 50000 >"$T/chunk"
  assert_exit 0 timeout 60 "$KS" --no-autostart produce full <"$T/chunk"
  cat "$T/chunk" >>"$T/acked"

  # 3. acks all until full.
  fill_until_full full --acks all
  expect_disk_full_error "acks all"
  assert_daemon_serving "$h" "$pid" "on a full disk (acks all)"
  check_acked full "acks all on a full disk"

  # 4. Delete a topic to make room: produce works again.
  assert_exit 0 timeout 30 "$KS" --no-autostart topic delete -y spare
  chunk 50001 >"$T/chunk"
  local ok=0 deadline=$(( $(now_ms) + 60000 ))
  while [[ $(now_ms) -lt $deadline ]]; do
    if timeout 60 "$KS" --no-autostart produce full --acks all <"$T/chunk" >"$T/p.out" 2>"$T/p.err"; then ok=1; break; fi
    sleep 0.5  # the deleted topic's files are removed off the loop
  done
  if [[ $ok -ne 1 ]]; then fail "produce after deleting a topic to free space still fails: $(cat "$T/p.err")"; fi
  cat "$T/chunk" >>"$T/acked"
  check_acked full "after freeing space"

  # 5. Full again, then a restart on the full disk.
  fill_until_full full
  expect_disk_full_error "acks 1, before the restart"
  local rc=0
  timeout 30 "$KS" --no-autostart daemon stop >"$T/stop.out" 2>"$T/stop.err" || rc=$?
  note "daemon stop on a full disk exited $rc $(cat "$T/stop.err" | tr '\n' ' ')"
  wait_until 30 not_alive "$pid" || fail "daemon $pid did not stop in 30 s"
  start_daemon --no-autostart
  check_acked full "after a restart on a full disk"
  assert_exit 0 ks log verify "$h/data"
  note "daemon peak RSS (KiB, HWM RSS): $(rss_kib "$(daemon_pid_of "$h")")"
  stop_daemon --no-autostart
}

# Only the data directory is on the small file system; meta.db is on a
# roomy one. Topic creation still works when the data disk is full.
case_data_dir_full() {
  trap cleanup_mounts EXIT
  local h=$T/h2
  mkdir -m 0700 "$h"
  mount_tmpfs "$h/data" 4m
  MOUNTED=("$h/data")
  export KS_HOME=$h
  start_daemon --no-autostart
  local pid
  pid=$(daemon_pid_of "$h")
  NEXT_CHUNK=0
  : >"$T/acked"
  fill_until_full d
  expect_disk_full_error "data directory full"
  assert_daemon_serving "$h" "$pid" "data directory full"
  check_acked d "data directory full"
  # A new topic on a full data disk: either created or a clear error, and
  # the daemon goes on.
  local rc=0
  timeout 30 "$KS" --no-autostart topic create fresh -p 3 >"$T/c.out" 2>"$T/c.err" || rc=$?
  note "topic create on a full data disk exited $rc: $(cat "$T/c.err" | tr '\n' ' ')"
  if [[ $rc -ne 0 ]]; then assert_file_nonempty "$T/c.err" "stderr of a failed topic create"; fi
  assert_daemon_serving "$h" "$pid" "after topic create on a full data disk"
  assert_exit 0 timeout 30 "$KS" --no-autostart topic delete -y d
  wait_until 60 test ! -e "$h/data/d-0" || true
  chunk 7 | assert_exit 0 timeout 60 "$KS" --no-autostart produce e
  stop_daemon --no-autostart
  # cleanup_mounts unmounts "$h/data"
}

# A group member whose commits cannot be stored: meta.db's disk is full
# (data/ on a roomy file system, so records still flow). Commits that fail
# during the run are reported on stderr, and a member whose last commit
# (on exit) fails exits non-zero with the error, not 0; the records it
# printed are read again by the next member.
case_group_commit_disk_full() {
  trap cleanup_mounts EXIT
  local h=$T/h3
  mount_tmpfs "$h" 4m
  mount_tmpfs "$h/data" 64m
  MOUNTED=("$h/data" "$h")
  export KS_HOME=$h
  start_daemon --no-autostart
  assert_exit 0 ks --no-autostart topic create g
  seq 1 20 | assert_exit 0 ks --no-autostart produce g
  dd if=/dev/zero of="$h/filler" bs=64k status=none 2>/dev/null || true
  note "meta.db's disk: $(df -k --output=used,avail "$h" | tail -1)"

  # 1. Following: a periodic commit fails and is reported.
  "$KS" --no-autostart consume g -g live >"$T/live.out" 2>"$T/live.err" &
  local cpid=$! i rc=0
  has_lines() { [[ $(count_lines "$1") -ge $2 ]]; }
  wait_until 60 has_lines "$T/live.out" 20 || fail "the group member printed $(count_lines "$T/live.out") of 20 records"
  # New records make the member fetch, print and commit again.
  for (( i = 0; i < 300; i++ )); do
    if grep -q 'committing offsets of group live failed' "$T/live.err"; then break; fi
    echo "more$i" | assert_exit 0 timeout 30 "$KS" --no-autostart produce g
    sleep 0.2
  done
  note "periodic commit on a full disk: $(head -c 400 "$T/live.err" | tr '\n' ' ')"
  assert_matches "$(cat "$T/live.err")" 'committing offsets of group live failed.*([Nn]o space|full)' \
    "a failed periodic commit is reported"
  kill -TERM "$cpid"
  wait "$cpid" || rc=$?
  assert_eq 143 "$rc" "exit status of the member stopped with SIGTERM"

  # 2. Exiting after -n: the last commit fails, so the exit status is not 0.
  rc=0
  timeout 60 "$KS" --no-autostart consume g -g once -n 5 >"$T/once.out" 2>"$T/once.err" || rc=$?
  note "consume -g -n 5 on a full disk: exit $rc: $(head -c 400 "$T/once.err" | tr '\n' ' ')"
  assert_eq "$(seq 1 5)" "$(cat "$T/once.out")" "records printed before the failed commit"
  assert_eq 1 "$rc" "exit status when the last commit fails"
  assert_matches "$(cat "$T/once.err")" 'error:.*last commit failed.*([Nn]o space|full)' "the failed commit's error"

  # 3. Space again: the records are read again (nothing was committed),
  # and this time the commit holds.
  rm "$h/filler"
  assert_exit 0 timeout 60 "$KS" --no-autostart consume g -g once -n 5
  assert_eq "$(seq 1 5)" "$(cat "$OUT")" "records read again after the failed commit"
  assert_exit 0 timeout 60 "$KS" --no-autostart consume g -g once -n 2
  assert_eq "$(seq 6 7)" "$(cat "$OUT")" "records after a commit that held"
  stop_daemon --no-autostart
}

run_cases fill_free_refill:150 data_dir_full:90 group_commit_disk_full:150
