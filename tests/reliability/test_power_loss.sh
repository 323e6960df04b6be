#!/usr/bin/env bash
# Power loss under a real daemon. `kill -9` keeps the page cache, so only a
# power cut shows whether `--acks all` means "on disk". Each case puts the
# home on ext4 in a loop-device image (journal commit every 600 s, no
# auto_da_alloc, dirty pages kept for 600 s), writes, then:
#
#   1. SIGKILLs the daemon (producers still running: the cut falls between
#      acknowledgements),
#   2. at once copies the image file (`cp --sparse=always`, no sync, no
#      umount): the copy holds only what the filesystem sent to the loop
#      device, i.e. what a power cut would leave on the disk,
#   3. replays the copy's journal (e2fsck), mounts it in the same place on
#      another loop device, and starts a daemon on it.
#
# What must hold after the cut:
#  - every record of a `ks produce --acks all` run that exited 0 is there,
#    once, in order (records are numbered; a run in flight at the cut may
#    or may not be there, but only whole records of it);
#  - topics, partition counts and topic configs a client was told exist
#    still exist; a group's committed offsets are not below the last
#    commit that was acknowledged;
#  - the daemon starts (`ks daemon start` exits 0) and, after a clean
#    stop, `ks log verify` is clean;
#  - no partition's recovery point (written every 50 ms here,
#    KS_RECOVERY_POINT_MS) claims bytes the cut did not leave on disk;
#  - control: with `--acks 1` records ARE lost (otherwise the rig keeps
#    unsynced writes and proves nothing: the test fails).
# Figures (acknowledged, found, per case and acks level) are printed as
# "figures:" lines and summed up at the end.
#
# Needs root, loop devices, mkfs.ext4 and e2fsck: without them the test is
# skipped (exit 77), loudly; under CI=true a missing prerequisite fails,
# unless the user is not root.
#
#   bash tests/reliability/test_power_loss.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

PL_PY=$FAULT_DIR/power_loss.py
PL_DIRTY=/proc/sys/vm/dirty_expire_centisecs
PL_DIRTY_WANT=60000  # 600 s: unsynced pages stay in memory during a case

pl_skip() {  # WHY
  echo "################################################################" >&2
  echo "SKIPPED reliability:power_loss: $1" >&2
  echo "################################################################" >&2
  if [[ "${CI:-}" == true && $EUID -eq 0 ]]; then
    echo "FAIL: CI=true and running as root, so a missing prerequisite is a failure" >&2
    exit 1
  fi
  exit 77
}

# Root, the tools, and a loop mount that works: a small image made,
# mounted and taken down again.
pl_probe() {
  [[ $EUID -eq 0 ]] || pl_skip "needs root for loop devices and mounts (running as $(id -un))"
  local t
  for t in mkfs.ext4 e2fsck losetup mount umount cp; do
    command -v "$t" >/dev/null || pl_skip "$t not found"
  done
  [[ -e /dev/loop-control ]] || pl_skip "no /dev/loop-control (loop devices unavailable)"
  [[ -w $PL_DIRTY ]] || pl_skip "cannot set $PL_DIRTY"
  local d=$IT_SCRATCH/probe dev
  mkdir -p "$d/m"
  truncate -s 32M "$d/p.img"
  mkfs.ext4 -q -F "$d/p.img" >"$d/err" 2>&1 || pl_skip "mkfs.ext4 failed: $(cat "$d/err")"
  dev=$(losetup -f --show "$d/p.img" 2>"$d/err") || pl_skip "losetup failed: $(cat "$d/err")"
  if ! mount -o commit=600,noauto_da_alloc "$dev" "$d/m" 2>"$d/err"; then
    losetup -d "$dev"
    pl_skip "mounting a loop device failed: $(cat "$d/err")"
  fi
  umount "$d/m"
  losetup -d "$dev"
  rm -rf "$d"
}

# Unsynced pages must not be written back by age during a case:
# vm.dirty_expire_centisecs (default 30 s) is raised for the run and put
# back at the end.
pl_raise_dirty_expire() {
  PL_DIRTY_WAS=$(cat "$PL_DIRTY")
  if [[ $PL_DIRTY_WAS -lt $PL_DIRTY_WANT ]]; then
    echo "$PL_DIRTY_WANT" >"$PL_DIRTY"
    echo "power_loss: vm.dirty_expire_centisecs $PL_DIRTY_WAS -> $PL_DIRTY_WANT for the run" >&2
  fi
}

# Whatever a case killed by its timeout left behind: daemons, mounts and
# loop devices under this run's scratch directory.
pl_sweep() {
  local m dev file
  _kill_home_daemons "$IT_SCRATCH"
  while read -r m; do
    echo "power_loss: unmounting leftover $m" >&2
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v p="$IT_SCRATCH/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
  while read -r dev file; do
    if [[ "$file" == "$IT_SCRATCH/"* ]]; then
      echo "power_loss: detaching leftover $dev ($file)" >&2
      losetup -d "$dev" 2>/dev/null || true
    fi
  done < <(losetup -l -n -O NAME,BACK-FILE 2>/dev/null)
}

pl_outer_exit() {
  pl_sweep
  if [[ -n "${PL_DIRTY_WAS:-}" && $PL_DIRTY_WAS -lt $PL_DIRTY_WANT ]]; then
    echo "$PL_DIRTY_WAS" >"$PL_DIRTY"
  fi
  if [[ -s "$IT_SCRATCH/figures" ]]; then
    echo "power_loss figures (records acknowledged before the cut, found after it):"
    sed 's/^figures: /  /' "$IT_SCRATCH/figures"
  fi
  _cleanup_outer
}

if [[ -z "${IT_CASE:-}" ]]; then
  pl_probe
  pl_raise_dirty_expire
  trap pl_outer_exit EXIT
fi

# ---------------------------------------------------------------- the rig

RIG_DEVS=()   # loop devices this case attached
RIG_MNT=      # where the home's filesystem is mounted
RIG_JOBS=()   # background writers

# Attaches IMAGE to a free loop device and mounts it on DIR.
rig_mount() {  # IMAGE DIR
  local dev
  dev=$(losetup -f --show "$1") || fail "losetup $1"
  RIG_DEVS+=("$dev")
  mkdir -p "$2"
  mount -o commit=600,noauto_da_alloc "$dev" "$2" || fail "mount $dev on $2"
  RIG_MNT=$2
  note "$(basename "$1") on $dev (direct I/O: $(cat "/sys/block/${dev#/dev/}/loop/dio" 2>/dev/null || echo '?')), mounted on $2"
}

rig_unmount() {
  local dev
  if [[ -n "$RIG_MNT" ]] && mountpoint -q "$RIG_MNT"; then
    umount "$RIG_MNT" 2>/dev/null || umount -l "$RIG_MNT" 2>/dev/null || true
  fi
  for dev in "${RIG_DEVS[@]}"; do losetup -d "$dev" 2>/dev/null || true; done
  RIG_DEVS=()
}

rig_kill_daemon() {
  local p
  p=$(daemon_pid_of "$H")
  if [[ -n "$p" ]] && alive "$p"; then kill -9 "$p" 2>/dev/null || true; fi
  for p in $(daemon_pids "$H"); do kill -9 "$p" 2>/dev/null || true; done
  for p in "${RIG_JOBS[@]}"; do kill "$p" 2>/dev/null || true; done
}

# On every exit of a case: no daemon, no mount, no loop device left.
rig_cleanup() {
  if [[ -n "${H:-}" && -d "$H" ]]; then
    timeout 15 "$KS" --home "$H" --no-autostart daemon stop >/dev/null 2>&1 || true
    rig_kill_daemon
    wait_until 10 not_alive "$(daemon_pid_of "$H")" || true
  fi
  rig_unmount
  _cleanup_case
}

# A fresh ext4 image with the home on it and a daemon running. Sets H.
rig_start() {
  trap rig_cleanup EXIT
  trap 'exit 143' TERM INT
  IMG=$T/disk.img
  truncate -s 256M "$IMG"
  # No lazy init: nothing may write to the device behind the test's back.
  mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$IMG" || fail "mkfs.ext4"
  rig_mount "$IMG" "$T/mnt"
  H=$T/mnt/home
  mkdir -m 0700 "$H"
  # Recovery points written as often as flushes allow, so every case has
  # some to check after the cut.
  export KS_HOME=$H KS_NO_AUTOSTART=1 KS_RECOVERY_POINT_MS=50
  pl_daemon_start "start"
}

pl_daemon_start() {  # WHAT
  assert_exit 0 timeout 120 "$KS" --no-autostart daemon start
  assert_exit 0 timeout 30 "$KS" --no-autostart daemon status
  note "$1: daemon $(daemon_pid_of "$H") up"
}

# What came before is old and durable: a clean stop, then the home's
# filesystem (only that one) synced, then a new daemon. Writes after this
# are the ones the cut tests.
rig_settle() {
  assert_exit 0 timeout 60 "$KS" --no-autostart daemon stop
  sync -f "$RIG_MNT" || fail "sync -f $RIG_MNT"
  pl_daemon_start "settled"
}

# The power cut: SIGKILL the daemon, copy the image as it is at once (no
# sync, no umount before the copy), then let the writers see the dead
# daemon and end, take the original down, replay the copy's journal and
# mount it where the original was.
power_cut() {
  local pid j rc
  pid=$(daemon_pid_of "$H")
  [[ -n "$pid" ]] && alive "$pid" || fail "no daemon to cut the power of"
  kill -9 "$pid"
  wait_until 30 not_alive "$pid" || fail "daemon $pid survived SIGKILL"
  cp --sparse=always "$IMG" "$T/cut.img" || fail "copying the image"
  note "power cut: daemon $pid killed, image copied ($(du -k "$T/cut.img" | cut -f1) KiB used)"
  for j in "${RIG_JOBS[@]}"; do wait "$j" || true; done
  RIG_JOBS=()
  rig_unmount
  rc=0
  e2fsck -fy "$T/cut.img" >"$T/fsck.out" 2>&1 || rc=$?
  # 0: clean; 1: errors corrected (the free counts after a journal replay).
  if [[ $rc -gt 1 ]]; then fail "e2fsck of the image after the cut exited $rc: $(tail -20 "$T/fsck.out")"; fi
  note "e2fsck after the cut: exit $rc ($(grep -c 'Fix? yes' "$T/fsck.out" || true) fixes; $(grep -q 'recovering journal' "$T/fsck.out" && echo 'journal replayed' || echo 'no journal replay'))"
  IMG=$T/cut.img
  rig_mount "$IMG" "$T/mnt"
  # The data as the cut left it, before the daemon's recovery touches it.
  rc=0
  python3 "$PL_PY" recovery-points "$H/data" "$IT_CASE" >"$T/rp.figures" 2>"$T/rp.err" || rc=$?
  cat "$T/rp.figures" >>"$IT_SCRATCH/figures"
  note "$(cat "$T/rp.figures")"
  if [[ $rc -ne 0 ]]; then problem "$(cat "$T/rp.err")"; fi
  rc=0
  timeout 60 "$KS" log verify "$H/data" >"$T/verify0.out" 2>&1 || rc=$?
  note "ks log verify before recovery: exit $rc $(head -c 300 "$T/verify0.out" | tr '\n' ' ')"
  pl_daemon_start "after the cut"
  # Partition directories no topic owns: what a lost metadata change leaves.
  assert_exit 0 timeout 30 "$KS" --no-autostart daemon status -o json
  local orphans
  orphans=$(json_eval "[o.get('dir') for o in d.get('orphans', [])]" <"$OUT")
  if [[ "$orphans" != "[]" ]]; then problem "the daemon found partition directories no topic owns after the cut: $orphans"; fi
  if grep -iE 'error|corrupt|orphan|unknown topic' "$H/daemon.log" | tail -5 | grep -q .; then
    note "daemon.log after the cut: $(grep -iE 'error|corrupt|orphan|unknown topic' "$H/daemon.log" | tail -5 | tr '\n' ' ')"
  fi
}

# After the checks: a clean stop, and the logs must verify clean; then
# the case fails if any check did.
pl_verify_clean() {
  assert_exit 0 timeout 60 "$KS" --no-autostart daemon stop
  local rc=0
  timeout 60 "$KS" log verify "$H/data" >"$T/verify.out" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then problem "ks log verify after recovery exited $rc: $(head -c 400 "$T/verify.out" | tr '\n' ' ')"; fi
  finish_case
}

# ---------------------------------------------------------------- writers

# Records FROM..TO-1, numbered: "r0000042-ppp...". With KEYED=1 each has
# key "k42" (`-K:`), so records spread over partitions by key.
numbered() {  # FROM TO [PAD]
  awk -v a="$1" -v b="$2" -v pad="${3:-60}" -v keyed="${KEYED:-0}" 'BEGIN {
    p = sprintf("%" pad "s", ""); gsub(/ /, "p", p)
    for (i = a; i < b; i++) {
      if (keyed) printf "k%d:", i
      printf "r%07d-%s\n", i, p
    } }'
}

# Runs `ks produce TOPIC ARGS` once per CHUNK records, from FIRST on, until
# a run fails or MAX runs; appends "FIRST LAST RC" per run to RUNS.
produce_runs() {  # RUNS TOPIC FIRST CHUNK MAX PAD [produce args...]
  local runs=$1 topic=$2 n=$3 chunk=$4 max=$5 pad=$6 k rc
  shift 6
  for (( k = 0; k < max; k++ )); do
    rc=0
    numbered "$n" $((n + chunk)) "$pad" |
      timeout 60 "$KS" --no-autostart produce "$topic" "$@" >/dev/null 2>>"$runs.err" || rc=$?
    echo "$n $((n + chunk - 1)) $rc" >>"$runs"
    if [[ $rc -ne 0 ]]; then return 0; fi
    n=$((n + chunk))
  done
}

# Records acknowledged so far (runs that exited 0).
acked_count() {  # RUNS
  awk '$3 == 0 { n += $2 - $1 + 1 } END { print n + 0 }' "$1" 2>/dev/null
}

acked_at_least() { [[ $(acked_count "$1") -ge $2 ]]; }

# Starts produce_runs in the background and waits until AT_LEAST records
# are acknowledged; the writer keeps going (the cut falls mid-stream).
start_writer() {  # AT_LEAST RUNS TOPIC FIRST CHUNK MAX PAD [produce args...]
  local want=$1 runs=$2
  shift
  : >>"$runs"
  produce_runs "$@" &
  RIG_JOBS+=($!)
  if ! wait_until 120 acked_at_least "$runs" "$want"; then
    fail "writer acknowledged only $(acked_count "$runs") records of $want: $(tail -3 "$runs.err" 2>/dev/null)"
  fi
  if ! alive "${RIG_JOBS[-1]}"; then
    note "writer ended before the cut: $(tail -1 "$runs") $(tail -2 "$runs.err" 2>/dev/null)"
  fi
}

# Every topic the case made must exist with PARTITIONS partitions. RUNS:
# the writer's runs, for the figures when the topic is gone.
expect_topic() {  # TOPIC PARTITIONS WHAT [RUNS ACKS]
  local rc=0 dirs
  timeout 30 "$KS" --no-autostart topic describe "$1" -o json >"$T/describe.json" 2>"$T/describe.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    dirs=$(cd "$H/data" 2>/dev/null && ls -d "$1"-* 2>/dev/null | tr '\n' ' ' || true)
    if [[ $# -ge 5 ]]; then
      echo "figures: case=$IT_CASE acks=$5 acknowledged=$(acked_count "$4") found=0 (topic gone; on disk: ${dirs:-nothing})" \
        >>"$IT_SCRATCH/figures"
    fi
    fail "$3: topic $1 is gone after the power cut (topic describe exited $rc: $(head -c 300 "$T/describe.err"));" \
      "its partition directories on disk: ${dirs:-none}"
  fi
  local n
  n=$(json_eval "topic(d)['partitions']" <"$T/describe.json")
  if [[ "$n" != "$2" ]]; then problem "$3: topic $1 has $n partitions after the cut, $2 were acknowledged"; fi
}

# A check that failed: the case goes on checking the rest, then fails.
problem() {
  echo "$*" >>"$T/problems"
  echo "  !! $*" >&2
}

finish_case() {
  if [[ -s "$T/problems" ]]; then
    fail "$(grep -c . "$T/problems") problem(s) after the power cut: $(tr '\n' ';' <"$T/problems")"
  fi
}

# The numbered records of TOPIC against what RUNS says was acknowledged.
check_records() {  # RUNS TOPIC ACKS [--expect-loss]
  local runs=$1 topic=$2 acks=$3
  shift 3
  assert_exit 0 timeout 120 "$KS" --no-autostart consume "$topic" -e -f '%p %o %v\n'
  cp "$OUT" "$T/found.$topic"
  local rc=0
  python3 "$PL_PY" records "$runs" "$T/found.$topic" "$IT_CASE" "$acks" "$@" >"$T/figures" 2>"$T/check.err" || rc=$?
  cat "$T/figures" >>"$IT_SCRATCH/figures"
  note "$(cat "$T/figures")"
  if [[ $rc -ne 0 ]]; then problem "$(cat "$T/check.err")"; fi
}

# ---------------------------------------------------------------- cases

# A topic made long before (durable), then --acks all.
case_existing_topic() {
  rig_start
  assert_exit 0 ks topic create old -p 2
  numbered 0 100 | assert_exit 0 ks produce old --acks all
  echo "0 99 0" >"$T/runs"
  rig_settle
  start_writer 400 "$T/runs" old 100 50 1000 60 --acks all
  power_cut
  expect_topic old 2 "existing topic" "$T/runs" all
  check_records "$T/runs" old all
  pl_verify_clean
}

# `ks topic create` right before the writes.
case_created_before() {
  rig_start
  rig_settle
  assert_exit 0 ks topic create fresh -p 2
  start_writer 300 "$T/runs" fresh 0 50 1000 60 --acks all
  power_cut
  expect_topic fresh 2 "topic created just before" "$T/runs" all
  check_records "$T/runs" fresh all
  pl_verify_clean
}

# The first `ks produce --acks all` creates the topic.
case_auto_created() {
  rig_start
  rig_settle
  start_writer 300 "$T/runs" auto 0 50 1000 60 --acks all
  power_cut
  expect_topic auto 1 "auto-created topic" "$T/runs" all
  check_records "$T/runs" auto all
  pl_verify_clean
}

# `ks topic alter -p` right before keyed writes to every partition.
case_partitions_added() {
  rig_start
  assert_exit 0 ks topic create grow -p 1
  KEYED=1 numbered 0 100 | assert_exit 0 ks produce grow -K: --acks all
  echo "0 99 0" >"$T/runs"
  rig_settle
  assert_exit 0 ks topic alter grow -p 4
  KEYED=1 start_writer 400 "$T/runs" grow 100 50 1000 60 -K: --acks all
  power_cut
  expect_topic grow 4 "partitions added just before" "$T/runs" all
  check_records "$T/runs" grow all
  pl_verify_clean
}

# Small segments: every run rolls at least one segment.
case_segment_rolls() {
  rig_start
  assert_exit 0 ks topic create rolls -p 1 --config segment.bytes=16384
  rig_settle
  start_writer 600 "$T/runs" rolls 0 50 1000 400 --acks all --batch-bytes 4096
  power_cut
  expect_topic rolls 1 "segment rolls" "$T/runs" all
  local segs
  segs=$(find "$H/data/rolls-0" -name '*.log' | wc -l)
  note "segments of rolls-0 after the cut: $segs"
  if [[ $segs -lt 4 ]]; then fail "expected at least 4 segments in rolls-0 (rolls during the writes), found $segs"; fi
  check_records "$T/runs" rolls all
  pl_verify_clean
}

# Configs given at create must still be there after the cut.
case_topic_configs() {
  rig_start
  rig_settle
  assert_exit 0 ks topic create conf -p 3 --config retention.ms=987654321 --config segment.bytes=65536 \
    --config max.message.bytes=200000
  start_writer 300 "$T/runs" conf 0 50 1000 60 --acks all
  power_cut
  expect_topic conf 3 "topic configs" "$T/runs" all
  local c
  c=$(json_eval "[topic(d)['configs'].get(k) for k in ('retention.ms', 'segment.bytes', 'max.message.bytes')]" <"$T/describe.json")
  if [[ "$c" != '["987654321", "65536", "200000"]' ]]; then
    problem "configs set at create (retention.ms, segment.bytes, max.message.bytes) after the cut: $c"
  fi
  check_records "$T/runs" conf all
  pl_verify_clean
}

# Rounds of: produce (--acks all), `ks consume -g -e` (which commits and
# waits until the daemon shows the commit), then the group's offsets as
# acknowledged. The cut falls in a later round.
commit_rounds() {  # ROUNDS
  local i n=100
  for (( i = 0; i < $1; i++ )); do
    KEYED=1 produce_runs "$T/runs" gc "$n" 20 1 60 -K: --acks all || return 0
    [[ $(tail -1 "$T/runs" | cut -d' ' -f3) == 0 ]] || return 0
    n=$((n + 20))
    timeout 60 "$KS" --no-autostart consume gc -g billing -e >/dev/null 2>>"$T/consume.err" || return 0
    timeout 30 "$KS" --no-autostart group describe billing -o json >"$T/d.json" 2>>"$T/consume.err" || return 0
    tr -d '\n' <"$T/d.json" >>"$T/commits"
    echo >>"$T/commits"
  done
}

commits_at_least() { [[ $(grep -c . "$T/commits" 2>/dev/null) -ge $1 ]]; }

case_group_commits() {
  rig_start
  assert_exit 0 ks topic create gc -p 2
  KEYED=1 numbered 0 100 | assert_exit 0 ks produce gc -K: --acks all
  echo "0 99 0" >"$T/runs"
  rig_settle
  : >"$T/commits"
  commit_rounds 1000 &
  RIG_JOBS+=($!)
  wait_until 120 commits_at_least 4 || fail "only $(grep -c . "$T/commits" || true) group commits acknowledged: $(tail -3 "$T/consume.err")"
  power_cut
  expect_topic gc 2 "group commits" "$T/runs" all
  local rc=0
  timeout 30 "$KS" --no-autostart group describe billing -o json >"$T/after.json" 2>"$T/after.err" || rc=$?
  # 4: the group is gone, which the check reports as nothing committed.
  if [[ $rc -ne 0 && $rc -ne 4 ]]; then fail "group describe after the cut exited $rc: $(cat "$T/after.err")"; fi
  if [[ $rc -eq 4 ]]; then : >"$T/after.json"; fi
  rc=0
  python3 "$PL_PY" commits "$T/commits" "$T/after.json" "$IT_CASE" >"$T/figures" 2>"$T/check.err" || rc=$?
  cat "$T/figures" >>"$IT_SCRATCH/figures"
  if [[ $rc -ne 0 ]]; then problem "$(cat "$T/check.err")"; fi
  note "$(cat "$T/figures")"
  check_records "$T/runs" gc all
  pl_verify_clean
}

# A crash, then a power cut: records written with --acks 1 (page cache
# only, several segments past the recovery point) survive a kill -9; the
# restarted daemon leaves what lies past its recovery point to a flush on
# the thread pool instead of syncing it before it serves, and --acks all
# writes follow. An --acks all answer says every record below it is on
# disk, so after the cut the --acks 1 records before them must be there
# too.
case_crash_then_cut() {
  rig_start
  assert_exit 0 ks topic create rp -p 1 --config segment.bytes=16384
  numbered 0 50 400 | assert_exit 0 ks produce rp --acks all
  rig_settle  # the clean stop writes the recovery point: offset 50
  numbered 50 400 400 | assert_exit 0 ks produce rp --acks 1 --batch-bytes 4096
  echo "0 399 0" >"$T/runs"
  local pid segs
  pid=$(daemon_pid_of "$H")
  kill -9 "$pid"
  wait_until 30 not_alive "$pid" || fail "daemon $pid survived SIGKILL"
  segs=$(find "$H/data/rp-0" -name '*.log' | wc -l)
  note "kill -9 with $segs segments in rp-0; recovery point: $(cat "$H/data/rp-0/recovery-point" 2>/dev/null)"
  if [[ $segs -lt 4 ]]; then fail "expected at least 4 segments past the recovery point, found $segs"; fi
  pl_daemon_start "after kill -9"
  start_writer 600 "$T/runs" rp 400 50 1000 400 --acks all --batch-bytes 4096
  power_cut
  expect_topic rp 1 "crash, then a power cut" "$T/runs" all
  check_records "$T/runs" rp all
  pl_verify_clean
}

# Control: --acks 1 answers before fsync, so a power cut must lose some
# acknowledged records; if none is lost the rig cannot see a power cut.
case_control_acks_1() {
  rig_start
  assert_exit 0 ks topic create ctl -p 1
  rig_settle
  start_writer 400 "$T/runs" ctl 0 50 1000 60 --acks 1
  power_cut
  expect_topic ctl 1 "control" "$T/runs" 1
  check_records "$T/runs" ctl 1 --expect-loss
  pl_verify_clean
}

run_cases existing_topic:150 created_before:150 auto_created:150 partitions_added:150 segment_rolls:150 \
  topic_configs:150 group_commits:150 crash_then_cut:150 control_acks_1:150
