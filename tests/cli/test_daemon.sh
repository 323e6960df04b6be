#!/usr/bin/env bash
# The daemon's life cycle as a user sees it: start, status, stop, autostart
# (including two clients racing to start one), the home and its files,
# restarts that keep everything, TCP, and the offline verifier afterwards.
source "$(dirname "$0")/lib.sh"

# A client that may not start a daemon fails with 3 and says why, and
# leaves no daemon or socket behind.
case_no_autostart_exit_3() {
  local h=$T/home
  mkdir -m 0700 "$h"
  assert_exit 3 ks --home "$h" --no-autostart topic list
  assert_file_nonempty "$ERR" "stderr of --no-autostart with no daemon"
  assert_file_empty "$OUT" "stdout of a failed command"
  assert_exit 3 env KS_NO_AUTOSTART=1 "$KS" --home "$h" topic list
  assert_file_nonempty "$ERR" "stderr of KS_NO_AUTOSTART=1 with no daemon"
  assert_exit 3 env KS_NO_AUTOSTART=1 "$KS" --home "$h" produce t <<<x
  assert_file_nonempty "$ERR" "stderr of produce with KS_NO_AUTOSTART=1"
  assert_exit 3 ks --home "$h" --no-autostart consume t -e
  assert_eq 0 "$(daemon_count "$h")" "daemons started despite --no-autostart"
  if [[ -e "$h/ks.sock" ]]; then fail "ks.sock exists although no daemon was started"; fi
}

# `ks daemon stop` with nothing running is "daemon unreachable", and it
# must not start a daemon just to stop it.
case_stop_without_daemon_exit_3() {
  local h=$T/home
  mkdir -m 0700 "$h"
  assert_exit 3 ks --home "$h" daemon stop
  assert_file_nonempty "$ERR" "stderr of daemon stop with no daemon"
  assert_eq 0 "$(daemon_count "$h")" "daemons after \`daemon stop\` in an empty home"
}

# --home beats KS_HOME beats $XDG_DATA_HOME/ks.
case_home_resolution() {
  local a=$T/flag-home b=$T/env-home x=$T/xdg
  mkdir -p "$x"
  KS_HOME=$b assert_exit 0 timeout 20 "$KS" --home "$a" daemon start
  if [[ ! -S "$a/ks.sock" ]]; then fail "--home $a: no socket at $a/ks.sock"; fi
  if [[ -e "$b/ks.sock" ]]; then fail "--home was given but a socket appeared in KS_HOME ($b)"; fi
  assert_exit 0 timeout 20 "$KS" --home "$a" daemon stop

  assert_exit 0 timeout 20 env KS_HOME="$b" XDG_DATA_HOME="$x" "$KS" daemon start
  if [[ ! -S "$b/ks.sock" ]]; then fail "KS_HOME=$b: no socket at $b/ks.sock"; fi
  if [[ -e "$x/ks/ks.sock" ]]; then fail "KS_HOME was set but a socket appeared under XDG_DATA_HOME"; fi
  assert_exit 0 timeout 20 env KS_HOME="$b" "$KS" daemon stop

  assert_exit 0 timeout 20 env -u KS_HOME XDG_DATA_HOME="$x" "$KS" daemon start
  if [[ ! -S "$x/ks/ks.sock" ]]; then fail "no KS_HOME: expected the socket at \$XDG_DATA_HOME/ks/ks.sock"; fi
  assert_exit 0 env -u KS_HOME XDG_DATA_HOME="$x" "$KS" --no-autostart topic list
  assert_exit 0 timeout 20 env -u KS_HOME XDG_DATA_HOME="$x" "$KS" daemon stop
  assert_eq 0 "$(daemon_count "$x/ks")" "daemons left in the XDG home"

  # A relative home is relative to where the command runs, also for the
  # daemon it autostarts.
  mkdir "$T/cwd"
  cd "$T/cwd"
  seq 3 | assert_exit 0 ks --home rel produce t
  if [[ ! -S "$T/cwd/rel/ks.sock" || ! -d "$T/cwd/rel/data/t-0" ]]; then
    fail "--home rel from $T/cwd: expected $T/cwd/rel/ks.sock and data/t-0; have: $(find "$T/cwd" | head -20)"
  fi
  assert_exit 0 timeout 20 "$KS" --home rel consume t -e
  assert_eq "$(seq 3)" "$(cat "$OUT")" "records through a relative home"
  assert_exit 0 timeout 20 "$KS" --home "$T/cwd/rel" daemon stop
  cd "$T"
}

# start returns once the daemon accepts; status reports it; stop returns
# only after the daemon has exited.
case_start_status_stop() {
  local h=$T/home pid
  start_daemon --home "$h"
  assert_eq 1 "$(daemon_count "$h")" "daemons after \`ks daemon start\`"
  if [[ ! -f "$h/daemon.pid" ]]; then fail "no daemon.pid after start"; fi
  if [[ ! -f "$h/daemon.log" ]]; then fail "no daemon.log after start"; fi
  pid=$(tr -dc 0-9 <"$h/daemon.pid")
  assert_eq "$(daemon_pids "$h")" "$pid" "daemon.pid vs the running daemon"

  assert_exit 0 ks --home "$h" --no-autostart daemon status -o json
  json_check '{"pid", "uptime_ms", "topics", "bytes"} <= set(d)' "status -o json keys" <"$OUT"
  assert_eq "$pid" "$(json_eval 'd["pid"]' <"$OUT")" "status pid"
  json_check 'isinstance(d["uptime_ms"], int) and 0 <= d["uptime_ms"] < 600000' "status uptime_ms" <"$OUT"
  json_check 'd["bytes"] >= 0' "status bytes" <"$OUT"

  assert_exit 0 ks --home "$h" --no-autostart daemon status
  assert_contains "$(cat "$OUT")" "$pid" "text status should show the pid"

  # A second start or a second foreground daemon leaves the first alone.
  local rc=0
  timeout 20 "$KS" --home "$h" daemon start >"$T/again.out" 2>"$T/again.err" || rc=$?
  note "daemon start with a daemon running: exit $rc, $(head -c 200 "$T/again.err")"
  assert_fails timeout 20 "$KS" --home "$h" daemon run
  assert_file_nonempty "$ERR" "stderr of a second daemon run"
  assert_eq "$pid" "$(daemon_pids "$h")" "daemons after a second start and run"
  assert_eq "$pid" "$(tr -dc 0-9 <"$h/daemon.pid")" "daemon.pid after a second start and run"
  assert_exit 0 ks --home "$h" --no-autostart topic list

  stop_daemon --home "$h"
  if alive "$pid"; then fail "\`ks daemon stop\` returned while daemon $pid is still running"; fi
  assert_exit 3 ks --home "$h" --no-autostart topic list
  assert_exit 3 ks --home "$h" --no-autostart daemon status
  # A stale socket file after a clean stop must not confuse the next start.
  start_daemon --home "$h"
  stop_daemon --home "$h"
}

# The home is private: created 0700, socket 0600 even under umask 022.
case_file_modes() {
  local h=$T/new-home
  umask 022
  seq 3 | assert_exit 0 ks --home "$h" produce modes
  assert_eq 700 "$(stat -c %a "$h")" "mode of a home ks created"
  if [[ ! -S "$h/ks.sock" ]]; then fail "$h/ks.sock is not a socket"; fi
  assert_eq 600 "$(stat -c %a "$h/ks.sock")" "mode of ks.sock"
  local f
  for f in daemon.pid daemon.log meta.db data; do
    if [[ ! -e "$h/$f" ]]; then fail "home lacks $f: $(ls -la "$h")"; fi
  done
  if [[ ! -d "$h/data/modes-0" ]]; then fail "no data/modes-0 partition directory: $(ls -la "$h/data")"; fi
  # The log and the data must not be world-readable either (0700 home,
  # but check the files themselves are not more open than the umask).
  local other
  other=$(find "$h" -perm -o=w -print)
  assert_eq "" "$other" "world-writable files in the home"
  stop_daemon --home "$h"
}

# The first command in a fresh home just works.
case_autostart_produce_fresh_home() {
  local h=$T/home
  seq 10 >"$T/expect"
  seq 10 | assert_exit 0 ks --home "$h" produce t
  assert_file_empty "$OUT" "stdout of a successful produce"
  assert_eq 1 "$(daemon_count "$h")" "daemons after an autostarting produce"
  assert_exit 0 timeout 20 "$KS" --home "$h" consume t -e
  assert_file_eq "$T/expect" "$OUT" "consume -e after autostart"
  stop_daemon --home "$h"
}

# Several clients in a fresh home at the same moment: exactly one daemon,
# one topic, every record delivered. Three rounds, four clients each.
case_autostart_race() {
  local round i h n=4 pids pid
  for round in 1 2 3; do
    h=$T/race$round
    rm -f "$T/go"
    for (( i = 1; i <= n; i++ )); do
      (
        while [[ ! -e "$T/go" ]]; do sleep 0.005; done
        rc=0
        seq $(( i * 1000 + 1 )) $(( i * 1000 + 100 )) | "$KS" --home "$h" produce race 2>"$T/err.$round.$i" || rc=$?
        echo "$rc" >"$T/rc.$round.$i"
      ) &
    done
    sleep 0.1
    touch "$T/go"
    wait
    for (( i = 1; i <= n; i++ )); do
      if [[ "$(cat "$T/rc.$round.$i")" != 0 ]]; then
        fail "round $round: racing client $i exited $(cat "$T/rc.$round.$i"): $(cat "$T/err.$round.$i")"
      fi
    done
    # A daemon that lost the race may take a moment to exit; it must.
    if ! wait_until 30 eval '[[ $(daemon_count "$h") -eq 1 ]]'; then
      fail "round $round: expected exactly one daemon for $h, found pids: $(daemon_pids "$h" | tr '\n' ' ')"
    fi
    pid=$(daemon_pids "$h")
    assert_eq "$pid" "$(tr -dc 0-9 <"$h/daemon.pid")" "round $round: daemon.pid vs the one daemon"
    assert_exit 0 ks --home "$h" --no-autostart daemon status -o json
    assert_eq "$pid" "$(json_eval 'd["pid"]' <"$OUT")" "round $round: pid the status answer comes from"
    assert_exit 0 timeout 20 "$KS" --home "$h" consume race -e
    sort -n "$OUT" >"$T/got"
    for (( i = 1; i <= n; i++ )); do seq $(( i * 1000 + 1 )) $(( i * 1000 + 100 )); done >"$T/want"
    assert_file_eq "$T/want" "$T/got" "round $round: records from $n racing producers"
    assert_exit 0 ks --home "$h" topic describe race -o json
    json_check 'topic(d)["partitions"] == 1' "round $round: auto-created topic" <"$OUT"
    stop_daemon --home "$h"
  done
}

# stop + start keeps topics, partition counts, configs and every record.
case_restart_persistence() {
  local h=$T/home i
  start_daemon --home "$h"
  assert_exit 0 ks --home "$h" topic create kept -p 3 -c retention.ms=3600000 -c segment.bytes=1048576 -c max.message.bytes=4096
  for (( i = 1; i <= 300; i++ )); do echo "k$i:v$i"; done >"$T/kv"
  assert_exit 0 ks --home "$h" produce kept -K : <"$T/kv"
  seq 1000 | assert_exit 0 ks --home "$h" produce plain
  printf 'binary\0\xff\x01 record' | assert_exit 0 ks --home "$h" produce plain --raw
  # Changes after creation must persist too: altered and removed configs,
  # added partitions, a deleted topic, a deleted and re-created one.
  assert_exit 0 ks --home "$h" topic alter kept -c flush.messages=5
  assert_exit 0 ks --home "$h" topic alter kept --delete-config segment.bytes
  assert_exit 0 ks --home "$h" topic create grown
  assert_exit 0 ks --home "$h" topic alter grown -p 3
  echo in-p2 | assert_exit 0 ks --home "$h" produce grown -p 2
  assert_exit 0 ks --home "$h" topic create doomed -p 2
  seq 5 | assert_exit 0 ks --home "$h" produce doomed
  assert_exit 0 ks --home "$h" topic delete doomed -y
  assert_exit 0 ks --home "$h" topic create reborn -p 2
  seq 50 | assert_exit 0 ks --home "$h" produce reborn -p 1
  assert_exit 0 ks --home "$h" topic delete reborn -y
  assert_exit 0 ks --home "$h" topic create reborn
  echo fresh | assert_exit 0 ks --home "$h" produce reborn

  snapshot() {  # DIR
    mkdir -p "$1"
    assert_exit 0 timeout 20 "$KS" --home "$h" consume kept -e -f '%p %o %k %v\n'
    sort "$OUT" >"$1/kept"
    assert_exit 0 timeout 20 "$KS" --home "$h" consume plain -e
    cp "$OUT" "$1/plain"
    assert_exit 0 ks --home "$h" topic describe kept -o json
    json_eval '[topic(d)["name"], topic(d)["partitions"], {k: str(v) for k, v in topic(d)["configs"].items()}, sorted([p["partition"], p["start"], p["end"]] for p in topic(d)["partition_info"])]' <"$OUT" >"$1/describe"
    assert_exit 0 ks --home "$h" topic list -o json
    json_eval 'sorted([t["name"], t["partitions"]] for t in (d if isinstance(d, list) else d["topics"]))' <"$OUT" >"$1/list"
    assert_exit 0 timeout 20 "$KS" --home "$h" consume grown -e -f '%p %o %v\n'
    cp "$OUT" "$1/grown"
    assert_exit 0 timeout 20 "$KS" --home "$h" consume reborn -e -f '%p %o %v\n'
    cp "$OUT" "$1/reborn"
  }
  snapshot "$T/before"
  assert_eq 300 "$(count_lines "$T/before/kept")" "records in kept"
  json_check 'd[1] == 3 and d[2].get("retention.ms") == "3600000" and "segment.bytes" not in d[2] and d[2].get("max.message.bytes") == "4096" and d[2].get("flush.messages") == "5"' \
    "describe before restart" <"$T/before/describe"
  assert_eq '[["grown", 3], ["kept", 3], ["plain", 1], ["reborn", 1]]' "$(cat "$T/before/list")" "topic list before restart"
  assert_eq "2 0 in-p2" "$(cat "$T/before/grown")" "grown before restart"
  assert_eq "0 0 fresh" "$(cat "$T/before/reborn")" "reborn before restart"

  stop_daemon --home "$h"
  assert_eq 0 "$(daemon_count "$h")" "daemons after stop"
  start_daemon --home "$h"
  snapshot "$T/after"
  assert_file_eq "$T/before/kept" "$T/after/kept" "kept (partition offset key value) after restart"
  assert_file_eq "$T/before/plain" "$T/after/plain" "plain after restart"
  assert_file_eq "$T/before/describe" "$T/after/describe" "describe after restart"
  assert_file_eq "$T/before/list" "$T/after/list" "topic list (names, partitions) after restart"
  assert_file_eq "$T/before/grown" "$T/after/grown" "records of a topic grown by alter -p, after restart"
  assert_file_eq "$T/before/reborn" "$T/after/reborn" "deleted and re-created topic after restart"
  if compgen -G "$h/data/doomed-*" >/dev/null; then fail "a deleted topic's directories are back after restart"; fi

  # Appends continue after the last offset instead of overwriting.
  echo after-restart | assert_exit 0 ks --home "$h" produce plain
  assert_exit 0 timeout 20 "$KS" --home "$h" consume plain -e -f '%o %v\n'
  assert_eq "1001 after-restart" "$(tail -n 1 "$OUT")" "first record produced after a restart"
  assert_eq "0 1" "$(head -n 1 "$OUT")" "first record after a restart"

  # And once more through autostart rather than `daemon start`.
  stop_daemon --home "$h"
  assert_exit 0 timeout 20 "$KS" --home "$h" consume kept -e -f '%p %o %k %v\n'
  sort "$OUT" >"$T/auto-kept"
  assert_file_eq "$T/before/kept" "$T/auto-kept" "kept after an autostarted restart"
  stop_daemon --home "$h"
}

# After a clean stop the offline verifier finds every partition clean and
# the dump shows every record.
case_log_verify_after_clean_stop() {
  local h=$T/home
  start_daemon --home "$h"
  assert_exit 0 ks --home "$h" topic create v3 -p 3
  for (( i = 0; i < 3000; i++ )); do echo "key$i:value $i"; done | assert_exit 0 ks --home "$h" produce v3 -K :
  seq 5000 | assert_exit 0 ks --home "$h" produce v1
  seq 100 | assert_exit 0 ks --home "$h" produce v1 --acks all
  stop_daemon --home "$h"

  assert_exit 0 ks log verify "$h/data"
  assert_eq 4 "$(grep -c '^ok ' "$OUT")" "partitions verified ok:
$(cat "$OUT")"
  if grep -qv '^ok ' "$OUT"; then fail "verify printed problems: $(cat "$OUT")"; fi

  assert_exit 0 ks log dump "$h/data/v1-0" -o json
  local n
  n=$(python3 -c 'import json,sys; print(sum(json.loads(l)["records_count"] for l in sys.stdin if l.strip()))' <"$OUT")
  assert_eq 5100 "$n" "records in data/v1-0 according to ks log dump"
  assert_exit 0 ks log verify "$h/data" -o json
  json_check 'd["clean"] is True' "verify -o json line" < <(head -n 1 "$OUT")
  assert_exit 0 ks log dump "$h/data/v1-0/00000000000000000000.log"
  assert_contains "$(cat "$OUT")" "offset 0 " "text dump of a segment file"

  # One flipped byte inside a batch: verify says damaged, exit 1.
  cp -r "$h/data/v1-0" "$T/damaged-0"
  printf '\x5a' | dd of="$T/damaged-0/00000000000000000000.log" bs=1 seek=200 conv=notrunc status=none
  assert_exit 1 ks log verify "$T/damaged-0"
  assert_contains "$(cat "$OUT" "$ERR")" "DAMAGED" "verify output for a flipped byte"
}

# A torn write at the tail (half a batch) after a crash: the daemon drops
# it on start, keeps every whole record, appends after them, and the log
# verifies clean after the next graceful stop.
case_torn_tail_recovery() {
  local h=$T/home
  seq 1000 | assert_exit 0 ks --home "$h" produce torn
  seq 1001 2000 | assert_exit 0 ks --home "$h" produce torn
  stop_daemon --home "$h"
  local seg
  seg=$(ls "$h"/data/torn-0/*.log | tail -n 1)
  # A plausible batch start (base offset 2000, a length) and then nothing.
  printf '\x00\x00\x00\x00\x00\x00\x07\xd0\x00\x00\x01\x00\x00\x00\x00\x00\x02' >>"$seg"
  head -c 40 /dev/urandom >>"$seg"
  seq 2000 >"$T/want"
  assert_exit 0 timeout 20 "$KS" --home "$h" consume torn -e
  assert_file_eq "$T/want" "$OUT" "records after a torn tail"
  echo after | assert_exit 0 ks --home "$h" produce torn
  assert_exit 0 timeout 20 "$KS" --home "$h" consume torn -e -f '%o %v\n'
  assert_eq "2000 after" "$(tail -n 1 "$OUT")" "first record appended after a torn tail"
  stop_daemon --home "$h"
  assert_exit 0 ks log verify "$h/data"
}

# A foreground daemon with a TCP listener; clients reach it with --addr and
# KS_ADDR without touching their own home.
case_tcp_listener() {
  local h=$T/home empty=$T/client-home port pid="" try addr
  mkdir -m 0700 "$empty"
  for try in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 30000 ))
    "$KS" --home "$h" daemon run --listen "tcp://127.0.0.1:$port" >"$T/run.out" 2>"$T/run.err" &
    pid=$!
    # Until it answers, or exits (the port was taken).
    if wait_until 40 eval '"$KS" --home "$h" --addr "tcp://127.0.0.1:$port" --no-autostart topic list || not_alive "$pid"' &&
      alive "$pid"; then break; fi
    if alive "$pid"; then fail "daemon run --listen tcp://127.0.0.1:$port is running but not answering over TCP: $(cat "$T/run.err")"; fi
    wait "$pid" || true
    pid=""
  done
  if [[ -z "$pid" ]]; then fail "could not start a daemon with a TCP listener: $(cat "$T/run.err")"; fi
  addr=tcp://127.0.0.1:$port

  seq 100 >"$T/expect"
  # A client of another home passes the daemon's token (every TCP listener asks for it).
  local token
  token=$(cat "$h/token")
  KS_TOKEN=$token KS_HOME=$empty KS_NO_AUTOSTART=1 assert_exit 0 "$KS" --addr "$addr" produce tcp <"$T/expect"
  KS_TOKEN=$token KS_HOME=$empty KS_NO_AUTOSTART=1 KS_ADDR=$addr assert_exit 0 timeout 20 "$KS" consume tcp -e
  assert_file_eq "$T/expect" "$OUT" "consume over TCP via KS_ADDR"
  if [[ -e "$empty/ks.sock" ]]; then fail "a TCP client started a daemon in its own home"; fi
  if [[ ! -d "$h/data/tcp-0" ]]; then fail "records sent over TCP are not in the daemon's home"; fi
  # The Unix socket still serves the same daemon.
  assert_exit 0 timeout 20 "$KS" --home "$h" --no-autostart consume tcp -e
  assert_file_eq "$T/expect" "$OUT" "consume over the Unix socket"
  assert_exit 0 ks --home "$h" --no-autostart daemon status
  assert_contains "$(cat "$OUT")" "127.0.0.1:$port" "daemon status should list the TCP listener"

  # Nothing listening there: daemon unreachable. A bad address: usage.
  KS_HOME=$empty assert_exit 3 "$KS" --addr tcp://127.0.0.1:1 topic list
  KS_HOME=$empty assert_exit 2 "$KS" --addr udp://127.0.0.1:1 topic list
  KS_HOME=$empty assert_exit 2 "$KS" --addr tcp://no-port topic list

  stop_daemon --home "$h"
  local rc=0
  if ! wait_until 30 not_alive "$pid"; then fail "daemon run still running 30 s after daemon stop"; fi
  wait "$pid" || rc=$?
  assert_eq 0 "$rc" "exit code of \`ks daemon run\` after a graceful stop"
}

# kill -9 mid-life: the next client starts a fresh daemon despite the stale
# socket and pid file, every acknowledged --acks all record is there, and
# the log is clean after the next graceful stop.
case_kill9_recovery() {
  local h=$T/home pid i
  start_daemon --home "$h"
  pid=$(tr -dc 0-9 <"$h/daemon.pid")
  for (( i = 0; i < 5; i++ )); do
    seq $(( i * 2000 + 1 )) $(( i * 2000 + 2000 )) | assert_exit 0 ks --home "$h" produce durable --acks all
  done
  kill -9 "$pid"
  if ! wait_until 30 not_alive "$pid"; then fail "daemon $pid survived kill -9 for 30 s"; fi
  seq 10000 >"$T/want"
  assert_exit 0 timeout 20 "$KS" --home "$h" consume durable -e
  assert_file_eq "$T/want" "$OUT" "acks=all records after kill -9 and an autostarted restart"
  assert_eq 1 "$(daemon_count "$h")" "daemons after the restart"
  assert_ne "$pid" "$(tr -dc 0-9 <"$h/daemon.pid")" "daemon.pid after the restart"
  echo more | assert_exit 0 ks --home "$h" produce durable
  assert_exit 0 timeout 20 "$KS" --home "$h" consume durable -e -f '%o %v\n'
  assert_eq "10000 more" "$(tail -n 1 "$OUT")" "first record after recovery"
  stop_daemon --home "$h"
  assert_exit 0 ks log verify "$h/data"
}

# Partitions opened lazily (KS_OPEN_BEFORE_SERVING_MS=0: none before the
# daemon serves; the rest on first use and in the background) answer as
# when they were all opened at start: describe, offsets and records, after
# a clean stop and after kill -9, and the log verifies clean.
case_lazy_open() {
  local h=$T/home pid
  start_daemon --home "$h"
  assert_exit 0 ks --home "$h" topic create lazy -p 64
  seq 1 3000 | sed 's/.*/k&:&/' | assert_exit 0 ks --home "$h" produce lazy -K: --acks all
  assert_exit 0 ks --home "$h" topic describe lazy -o json
  cp "$OUT" "$T/describe.want"
  assert_exit 0 ks --home "$h" offsets lazy
  cp "$OUT" "$T/offsets.want"
  stop_daemon --home "$h"
  local round
  for round in clean kill9; do
    KS_OPEN_BEFORE_SERVING_MS=0 start_daemon --home "$h"
    assert_exit 0 ks --home "$h" offsets lazy
    assert_file_eq "$T/offsets.want" "$OUT" "offsets after a $round restart, partitions opened lazily"
    assert_exit 0 ks --home "$h" topic describe lazy -o json
    assert_file_eq "$T/describe.want" "$OUT" "topic describe after a $round restart, partitions opened lazily"
    assert_exit 0 timeout 20 "$KS" --home "$h" consume lazy -e -f '%v\n'
    assert_eq 3000 "$(sort -u "$OUT" | count_lines /dev/stdin)" "records after a $round restart"
    if ! wait_until 20 grep -q "opened all 64 partition logs" "$h/daemon.log"; then
      fail "the daemon did not open every partition in the background: $(tail -3 "$h/daemon.log")"
    fi
    if [[ $round == clean ]]; then
      pid=$(tr -dc 0-9 <"$h/daemon.pid")
      kill -9 "$pid"
      if ! wait_until 30 not_alive "$pid"; then fail "daemon $pid survived kill -9 for 30 s"; fi
      : >"$h/daemon.log"
    fi
  done
  stop_daemon --home "$h"
  assert_exit 0 ks log verify "$h/data"
}

# A graceful stop does not wait for clients parked in a long poll: stop
# returns promptly and the follower ends instead of hanging.
case_stop_with_follower_connected() {
  local h=$T/home pid fpid t0 rc=0
  start_daemon --home "$h"
  echo one | assert_exit 0 ks --home "$h" produce f
  "$KS" --home "$h" --no-autostart consume f >"$T/f.out" 2>"$T/f.err" &
  fpid=$!
  if ! wait_until 60 grep -qx one "$T/f.out"; then fail "follower printed nothing: $(cat "$T/f.err")"; fi
  pid=$(tr -dc 0-9 <"$h/daemon.pid")
  t0=$(now_ms)
  # The follower sits in a 30 s long poll: 20 s is generous for a stop
  # under a sanitizer on a loaded machine and still tells a stop that
  # waits the long poll out.
  assert_exit 0 timeout 20 "$KS" --home "$h" daemon stop
  note "daemon stop with a follower connected took $(( $(now_ms) - t0 )) ms"
  if alive "$pid"; then fail "daemon stop returned while the daemon runs"; fi
  if ! wait_until 20 not_alive "$fpid"; then fail "the follower still runs 20 s after the daemon stopped"; fi
  wait "$fpid" || rc=$?
  assert_ne 0 "$rc" "follower exit code after its daemon stopped"
  assert_file_nonempty "$T/f.err" "follower stderr after its daemon stopped"
  note "follower exit code after the daemon stopped: $rc ($(head -c 200 "$T/f.err"))"
}

# In a container whose init never reaps orphans, an exited daemon stays a
# zombie: `ks daemon stop` must still return once it has exited. A python
# child subreaper that never waits stands in for such an init.
case_stop_with_non_reaping_parent() {
  local h=$T/home
  python3 - "$KS" "$h" >"$T/py.out" 2>&1 <<'EOF2' || fail "$(cat "$T/py.out")"
import ctypes, os, subprocess, sys, time
ks, home = sys.argv[1], sys.argv[2]
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
r = subprocess.run([ks, "--home", home, "daemon", "start"], capture_output=True, text=True, timeout=20)
if r.returncode != 0: sys.exit("daemon start: exit %d %s" % (r.returncode, r.stderr))
pid = int(open(home + "/daemon.pid").read().strip())
if os.getppid() == pid or open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[1] != str(os.getpid()):
    sys.exit("the daemon is not our orphan; cannot run this scenario")
t0 = time.monotonic()
try:
    try:
        # A stop that does not see a zombie as exited gives up after 30 s
        # with an error (the exit status check below); 60 s is only a
        # guard against a hang.
        r = subprocess.run([ks, "--home", home, "daemon", "stop"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        state = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
        sys.exit("daemon stop did not return within 60 s; the daemon is in state %s%s" %
                 (state, " (exited, a zombie nobody reaps)" if state == "Z" else ""))
    took = time.monotonic() - t0
    state = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
finally:
    while True:  # now reap, so nothing is left behind
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0: time.sleep(0.05)
        except ChildProcessError:
            break
        if time.monotonic() - t0 > 90: break
print("daemon stop: exit %d after %.0f ms, daemon state %s" % (r.returncode, took * 1000, state))
if r.returncode != 0: sys.exit("daemon stop exited %d: %s" % (r.returncode, r.stderr))
if state != "Z": sys.exit("daemon stop returned while the daemon still runs (state %s)" % state)
EOF2
  note "$(cat "$T/py.out")"
}

case_hostile_frames() {
  # Garbage, truncated, oversized and malformed frames on the socket: each
  # bad connection gets an error or is closed, the daemon stays up, and
  # what was accepted before is intact.
  seq 100 | assert_exit 0 ks produce keep
  python3 - "$KS_HOME/ks.sock" <<'PY' || fail "hostile-frame client failed"
import json, socket, struct, sys
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s
def frame(header, payload=b""):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack(">II", 4 + len(h) + len(payload), len(h)) + h + payload
def read_all(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        raise SystemExit("the daemon neither answered nor closed a bad connection")
    return data
cases = {
    "garbage": b"\xff" * 64,
    "length below header field": struct.pack(">II", 2, 0),
    "header longer than frame": struct.pack(">II", 10, 100) + b"x" * 6,
    "oversized frame": struct.pack(">II", 0x7fffffff, 2) + b"{}",
    "header not json": frame(b"not json"),
    "header a json array": frame(b"[1,2,3]"),
}
for name, data in cases.items():
    s = conn()
    s.sendall(data)
    reply = read_all(s)
    if reply:
        (length, hlen) = struct.unpack(">II", reply[:8])
        header = json.loads(reply[8:8 + hlen])
        if "error" not in header:
            raise SystemExit("%s: expected an error, got %r" % (name, header))
    s.close()
# Wrong types and garbage batches on an otherwise valid connection get
# error answers, in order, and the connection stays usable.
s = conn()
reqs = [
    frame({"op": "produce", "id": 1, "topic": 7}),
    frame({"op": "produce", "id": 2, "topic": "keep", "partition": 0, "acks": 1}, b"\x00" * 100),
    frame({"op": "fetch", "id": 3, "topic": "keep", "partitions": "all"}),
    frame({"op": "nope", "id": 4}),
    frame({"op": "fetch", "id": 5, "topic": "keep", "partitions": [{"partition": 0, "offset": 0}],
           "max_bytes": 2**62}),
]
s.sendall(b"".join(reqs))
buf = b""
for want in [1, 2, 3, 4, 5]:
    while len(buf) < 8 or len(buf) < 4 + struct.unpack(">I", buf[:4])[0]:
        buf += s.recv(65536)
    (length, hlen) = struct.unpack(">II", buf[:8])
    header = json.loads(buf[8:8 + hlen])
    buf = buf[4 + length:]
    if header.get("id") != want:
        raise SystemExit("answers out of order: wanted id %d, got %r" % (want, header))
    if want < 5 and "error" not in header:
        raise SystemExit("request %d should have failed: %r" % (want, header))
    if want == 5 and "error" in header:
        raise SystemExit("the fetch after bad requests failed: %r" % header)
s.close()
PY
  assert_exit 0 ks daemon status
  assert_exit 0 timeout 20 "$KS" consume keep -e
  seq 100 >"$T/expect"
  assert_file_eq "$T/expect" "$OUT" "records produced before the hostile frames"
}

case_retention_in_daemon() {
  # Small segments and a byte limit: the daemon's periodic retention drops
  # old segments and the earliest offset moves, without a restart.
  assert_exit 0 ks topic create ret -c segment.bytes=4096 -c retention.bytes=8192
  seq 1 20000 | assert_exit 0 ks produce ret --batch-bytes 2048
  local earliest=0 deadline=$(( $(now_ms) + 60000 ))
  while [[ $(now_ms) -lt $deadline ]]; do
    "$KS" offsets ret -o json >"$T/off.json" 2>/dev/null || true
    earliest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["earliest"])' "$T/off.json" 2>/dev/null || echo 0)
    [[ "$earliest" -gt 0 ]] && break
    sleep 0.1
  done
  if [[ "$earliest" -le 0 ]]; then fail "retention never advanced the earliest offset: $(cat "$T/off.json")"; fi
  assert_exit 0 timeout 20 "$KS" consume ret -e
  local first
  first=$(head -1 "$OUT")
  assert_eq "$(( earliest + 1 ))" "$first" "the first record left is the one at the earliest offset"
  assert_eq 20000 "$(tail -1 "$OUT")" "the newest record is kept"
}

case_connection_and_partition_limits() {
  # A daemon of its own with small limits: past them, a clear error; the
  # connections and partitions already there are unharmed.
  local h=$T/lim
  assert_exit 0 "$KS" --home "$h" daemon start --max-connections 3 --max-partitions 10
  assert_exit 0 "$KS" --home "$h" topic create a -p 8
  assert_exit 2 "$KS" --home "$h" topic create b -p 3
  assert_contains "$(cat "$ERR")" "too many partitions: the daemon holds 8 and allows 10" "partition limit message"
  assert_exit 2 "$KS" --home "$h" topic alter a --partitions 11
  assert_exit 0 "$KS" --home "$h" topic create b -p 2
  # Three idle connections fill the limit; a fourth client is told why.
  python3 - "$h/ks.sock" "$KS" "$h" >"$T/conn.out" 2>&1 <<'PY' || fail "connection limit: $(cat "$T/conn.out")"
import json, socket, struct, subprocess, sys, time
path, ks, home = sys.argv[1:4]
def hello(s):
    h = json.dumps({"op": "hello", "id": 1, "client": "limit-test"}).encode()
    s.sendall(struct.pack(">II", 4 + len(h), len(h)) + h)
    return s.recv(4096)
held = []
for i in range(3):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    assert b'"server"' in hello(s), "an idle connection under the limit was refused"
    held.append(s)
r = subprocess.run([ks, "--home", home, "--no-autostart", "topic", "list"], capture_output=True, text=True)
assert r.returncode != 0, "a fourth connection was served"
assert "too many connections" in r.stderr and "--max-connections" in r.stderr, r.stderr
held[0].close()
deadline = time.monotonic() + 60
while True:
    r = subprocess.run([ks, "--home", home, "--no-autostart", "topic", "list"], capture_output=True, text=True)
    if r.returncode == 0 or time.monotonic() > deadline:
        break
    time.sleep(0.1)
assert r.returncode == 0 and "a" in r.stdout.split(), "no room after a connection closed: " + r.stderr
for s in held[1:]:
    assert b'"server"' in hello(s), "a held connection stopped being served"
PY
  grep -q "refusing connections" "$h/daemon.log" || fail "the daemon log does not mention refused connections"
  assert_exit 0 "$KS" --home "$h" daemon stop
  # The same limits from daemon.conf.
  printf 'max-connections = 0\nmax-partitions = 11\n' >"$h/daemon.conf"
  assert_exit 0 "$KS" --home "$h" daemon start
  assert_exit 0 "$KS" --home "$h" topic create c -p 1
  assert_exit 2 "$KS" --home "$h" topic create d -p 1
  printf 'max-partitions = -1\n' >"$h/daemon.conf"
  assert_exit 0 "$KS" --home "$h" daemon stop
  assert_exit 1 "$KS" --home "$h" daemon start
  grep -q "max-partitions takes 0 to" "$h/daemon.log" || fail "daemon.log does not say what max-partitions takes"
}

run_cases \
  hostile_frames \
  retention_in_daemon \
  no_autostart_exit_3 \
  stop_without_daemon_exit_3 \
  home_resolution \
  start_status_stop \
  file_modes \
  autostart_produce_fresh_home \
  autostart_race:90 \
  restart_persistence:90 \
  log_verify_after_clean_stop \
  tcp_listener \
  kill9_recovery \
  lazy_open:90 \
  torn_tail_recovery \
  stop_with_follower_connected \
  stop_with_non_reaping_parent \
  connection_and_partition_limits
