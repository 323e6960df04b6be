#!/usr/bin/env bash
# No one in who does not belong (issue 14, items 4, 5, 6 and 11), tried
# from outside against a real daemon:
#  - a TCP listener, loopback or not, asks for the token: another user
#    can neither read nor delete; the owner's `ks --addr` finds the token
#    in the home; a wrong token is refused;
#  - silent connections cannot lock anyone out: more than the limit of
#    connections without the token, from another user, leave the owner's
#    Unix socket and token-holding TCP clients working; a connection that
#    never sends the token is closed after the login deadline
#    (KS_LOGIN_TIMEOUT_MS); an idle Kafka connection after the idle
#    deadline (KS_KAFKA_IDLE_TIMEOUT_MS); a following consumer is not cut;
#  - a home owned by someone else, writable by others, or with a link in
#    it is refused with the reason, and nothing is written through the link;
#    a user without ~/.local/share can start ks;
#  - under a hard `ulimit -n 64` the daemon fits its connections to the
#    limit, logs running out of descriptors and tells the client why.
# Cases that act as another user (uid nobody through setpriv) need root;
# they say so and are skipped otherwise.
#
#   bash tests/reliability/test_security.sh build/ks
source "$(dirname "$0")/../cli/lib.sh"
source "$(dirname "$0")/fault_lib.sh"

sec() { python3 "$FAULT_DIR/sec_client.py" "$@"; }

is_root() { [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null && [[ -x /usr/bin/python3 ]]; }
# COMMAND... as uid nobody, with no supplementary groups.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A daemon in its own home $H with a TCP listener on $PORT; extra ARGS go
# to `ks daemon start`.
tcp_daemon() {  # [daemon start args...]
  H=$T/h
  export KS_HOME=$H
  PORT=$(free_port)
  ADDR=tcp://127.0.0.1:$PORT
  assert_exit 0 timeout 30 "$KS" --no-autostart daemon start --listen "$ADDR" "$@"
  PID=$(daemon_pid_of "$H")
}

case_tcp_needs_token() {
  tcp_daemon
  echo s3cret | assert_exit 0 ks --no-autostart produce secret
  # No hello at all: nothing is answered but the refusal.
  sec "$ADDR" calls '{"op": "topics"}' >"$T/a"
  head -1 "$T/a" | json_check '"token" in d["error"]["message"]' "a request before the token"
  sec "$ADDR" calls '{"op": "delete_topic", "topic": "secret"}' >"$T/a"
  head -1 "$T/a" | json_check '"error" in d' "delete before the token"
  # A wrong token closes the connection.
  sec "$ADDR" calls '{"op": "hello", "token": "0000"}' '{"op": "delete_topic", "topic": "secret"}' >"$T/a"
  head -1 "$T/a" | json_check '"token" in d["error"]["message"]' "a wrong token"
  sed -n 2p "$T/a" | json_check 'd.get("closed") or "error" in d' "a request after a wrong token"
  KS_TOKEN=wrong assert_fails ks --addr "$ADDR" topic list
  assert_contains "$(cat "$ERR")" "token" "ks with a wrong KS_TOKEN"
  # The owner's ks reads the token from the home (KS_TOKEN unset).
  assert_exit 0 ks --addr "$ADDR" consume secret -e
  assert_eq s3cret "$(cat "$OUT")" "the owner over TCP"
  if is_root; then
    # Another local user: cannot read the token file, cannot get in.
    as_nobody /usr/bin/python3 "$FAULT_DIR/sec_client.py" "$ADDR" calls '{"op": "hello"}' \
      '{"op": "delete_topic", "topic": "secret"}' >"$T/a"
    head -1 "$T/a" | json_check '"error" in d' "uid nobody's hello without the token"
    local rc=0
    as_nobody env -u KS_HOME HOME=/nonexistent "$KS" --addr "$ADDR" consume secret -e >"$T/n.out" 2>"$T/n.err" || rc=$?
    assert_ne 0 "$rc" "uid nobody's ks consume over TCP"
    assert_file_empty "$T/n.out" "what uid nobody read"
    rc=0
    as_nobody env -u KS_HOME HOME=/nonexistent "$KS" --addr "$ADDR" topic delete secret --yes >"$T/n.out" 2>"$T/n.err" || rc=$?
    assert_ne 0 "$rc" "uid nobody's ks topic delete over TCP"
  else
    note "not root: the other-user part is skipped (the token-less and wrong-token requests above were refused)"
  fi
  assert_exit 0 ks --no-autostart consume secret -e
  assert_eq s3cret "$(cat "$OUT")" "the topic after the refused requests"
}

case_token_stays_home() {
  # Another user listens on a loopback port; the owner's ks pointed there
  # (a mistyped port) must not hand it the home's token.
  if ! is_root; then note "not root: skipped (needs another user)"; return 0; fi
  tcp_daemon
  local token trap_port
  token=$(tr -d '\n' <"$H/token")
  trap_port=$(free_port)
  as_nobody /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); print("ready", file=sys.stderr, flush=True)
c, _ = s.accept(); c.settimeout(10); got = b""
try:
    while len(got) < 65536:
        b = c.recv(65536)
        if not b: break
        got += b
except OSError: pass
sys.stdout.write(got.decode("latin-1"))
' "$trap_port" >"$T/captured" 2>"$T/trap.out" &
  local trap_pid=$!
  wait_until 30 grep -q ready "$T/trap.out" || fail "the other user's listener did not start"
  local rc=0
  timeout 30 "$KS" --addr "tcp://127.0.0.1:$trap_port" topic list >/dev/null 2>&1 || rc=$?
  wait "$trap_pid" || true
  [[ -s $T/captured ]] || fail "the listener captured nothing at all"
  if grep -qF "$token" "$T/captured"; then fail "ks sent the home's token to another user's listener"; fi
  # The owner's own daemon still gets it.
  assert_exit 0 ks --addr "$ADDR" topic list
}

case_big_frame_before_token() {
  # Before the token, a TCP client may not announce a frame bigger than a
  # hello: the answer is an error at once, not 64 MiB held in memory.
  tcp_daemon
  python3 - "$ADDR" "$FAULT_DIR" >"$T/big.json" <<'PY'
import json, socket, struct, sys
sys.path.insert(0, sys.argv[2])
from fault_wire import read_frame
host, port = sys.argv[1][len("tcp://"):].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=30)
s.sendall(struct.pack(">II", 4 + 20 + (1 << 20), 20) + b'{"op":"hello"}      ')
r = read_frame(s)
print(json.dumps(r[0] if r else {"closed": True}))
PY
  json_check '"limit" in d["error"]["message"]' "a 1 MiB frame before the token" <"$T/big.json"
  assert_exit 0 ks --addr "$ADDR" topic list
}

case_silent_flood() {
  # 64 connections at most: 16 kept for the Unix socket, 4 without the token.
  tcp_daemon --max-connections 64
  local runner=(python3)
  if is_root; then runner=(setpriv --reuid=nobody --regid=nogroup --clear-groups -- /usr/bin/python3); else
    note "not root: the silent connections come from this user"; fi
  exec 3> >("${runner[@]}" "$FAULT_DIR/sec_client.py" "$ADDR" hold 300 >"$T/hold.json")
  wait_until 60 test -s "$T/hold.json" || fail "could not open 300 connections"
  note "$(cat "$T/hold.json")"
  # The owner on the Unix socket, and with the token over TCP.
  assert_exit 0 timeout 30 "$KS" --no-autostart topic list
  assert_exit 0 timeout 30 "$KS" --addr "$ADDR" topic list
  assert_exit 0 timeout 30 "$KS" --no-autostart daemon status -o json
  # 4 waiting for the token at most, plus those being closed in this loop
  # iteration (up to one accept batch of 64) and ours: bounded, never 300.
  json_check 'd["connections"] < 100' "connections open while 300 silent ones were tried" <"$OUT"
  exec 3>&-
  assert_daemon_serving "$H" "$PID" "after the silent flood"
}

case_login_deadline() {
  KS_LOGIN_TIMEOUT_MS=1000 tcp_daemon
  # Generous bound: the deadline is 1 s; only "never" fails.
  sec "$ADDR" wait_closed 60 >"$T/w"
  json_check 'd["closed"]' "a TCP connection that never sent the token" <"$T/w"
  note "closed after $(json_eval 'd["after_ms"]' <"$T/w") ms (deadline 1000 ms)"
  grep -q "sent no token" "$H/daemon.log" || fail "the daemon did not log the closed connection"
  # A token holder following a quiet topic is not cut.
  echo first | assert_exit 0 ks --addr "$ADDR" produce quiet
  "$KS" --addr "$ADDR" consume quiet >"$T/follow" 2>"$T/follow.err" &
  local follower=$!
  wait_until 60 grep -qx first "$T/follow" || fail "the follower did not start: $(cat "$T/follow.err")"
  sleep 3  # three login deadlines
  echo second | assert_exit 0 ks --addr "$ADDR" produce quiet
  wait_until 60 grep -qx second "$T/follow" || fail "the follower was cut: $(cat "$T/follow.err")"
  alive "$follower" || fail "the follower exited: $(cat "$T/follow.err")"
  kill "$follower"
}

case_kafka_idle_deadline() {
  H=$T/h
  export KS_HOME=$H
  local kport
  kport=$(free_port)
  KS_KAFKA_IDLE_TIMEOUT_MS=1000 assert_exit 0 timeout 30 "$KS" --no-autostart daemon start --kafka "127.0.0.1:$kport"
  grep -q "no authentication" "$H/daemon.log" || fail "the daemon did not log that the Kafka listener is open: $(cat "$H/daemon.log")"
  sec "kafka://127.0.0.1:$kport" wait_closed 60 >"$T/w"
  json_check 'd["closed"]' "an idle Kafka connection" <"$T/w"
  "$KS" daemon run --help >"$T/help"
  assert_contains "$(cat "$T/help")" "no authentication" "ks daemon run --help on --kafka"
}

case_kafka_remote_warns() {
  H=$T/h
  export KS_HOME=$H
  assert_exit 0 timeout 30 "$KS" --no-autostart daemon start --kafka "0.0.0.0:0" --allow-remote
  assert_contains "$(cat "$ERR")" "NO AUTHENTICATION" "ks daemon start --allow-remote --kafka on stderr"
  grep -q "NO AUTHENTICATION" "$H/daemon.log" || fail "no loud warning in daemon.log"
}

# A home made beforehand by another user: refused, nothing written through it.
case_foreign_home() {
  local B=$T/planted target=$T/target
  mkdir "$B"
  printf 'root-only\n' >"$target"
  chmod 600 "$target"
  cp "$target" "$T/target.orig"
  if is_root; then
    chown nobody:nogroup "$B"
    chmod 0777 "$B"
    ln -s "$target" "$B/daemon.log"
    chown -h nobody:nogroup "$B/daemon.log"
    assert_fails timeout 30 "$KS" --home "$B" topic list
    assert_contains "$(cat "$ERR")" "$B" "the message names the home"
    assert_contains "$(cat "$ERR")" "nobody" "the message names the owner"
    assert_contains "$(cat "$ERR")" "fix" "the message gives the fix"
    assert_fails timeout 30 "$KS" --home "$B" daemon run
    assert_contains "$(cat "$ERR")" "owned by" "daemon run on the planted home"
    assert_file_eq "$T/target.orig" "$target" "the file daemon.log pointed to"
    assert_eq 0 "$(daemon_count "$B")" "daemons for the planted home"
    rm -rf "$B"
    mkdir "$B"
  else
    note "not root: a home owned by another user is not tried"
  fi
  # Our own home, writable by anyone.
  chmod 0777 "$B"
  assert_fails timeout 30 "$KS" --home "$B" topic list
  assert_contains "$(cat "$ERR")" "writable by anyone" "a home of mode 0777"
  # Our own home with its log a link to another file.
  chmod 0700 "$B"
  ln -s "$target" "$B/daemon.log"
  assert_fails timeout 30 "$KS" --home "$B" topic list
  assert_contains "$(cat "$ERR")" "symbolic link" "a home whose daemon.log is a link"
  assert_fails timeout 30 "$KS" --home "$B" daemon run
  assert_contains "$(cat "$ERR")" "daemon.log" "daemon run names the link"
  assert_file_eq "$T/target.orig" "$target" "the file daemon.log pointed to"
  # Its token a link: same.
  rm "$B/daemon.log"
  ln -s "$target" "$B/token"
  assert_fails timeout 30 "$KS" --home "$B" daemon run --listen "tcp://127.0.0.1:$(free_port)"
  assert_contains "$(cat "$ERR")" "token" "daemon run names the linked token"
  assert_file_eq "$T/target.orig" "$target" "the file token pointed to"
}

# HOME set to an empty directory, no XDG_DATA_HOME, no KS_HOME: ks makes
# ~/.local/share/ks itself.
case_no_local_share() {
  local E=$T/user
  mkdir -m 700 "$E"
  echo hello | assert_exit 0 env -u KS_HOME -u XDG_DATA_HOME HOME="$E" timeout 60 "$KS" produce t
  assert_exit 0 env -u KS_HOME -u XDG_DATA_HOME HOME="$E" timeout 60 "$KS" consume t -e
  assert_eq hello "$(cat "$OUT")" "records in the new home"
  assert_eq 700 "$(stat -c %a "$E/.local/share/ks")" "mode of the new home"
  assert_exit 0 env -u KS_HOME -u XDG_DATA_HOME HOME="$E" timeout 60 "$KS" daemon stop
}

# A daemon that cannot start: the client says why, not just "it exited".
case_readable_home_tightened() {
  # A home made with a plain mkdir (0755) and a token left readable: the
  # daemon makes both private before it serves, so no other user reads
  # the records.
  local H=$T/plain
  mkdir -m 755 "$H"
  printf '%s\n' 0123456789abcdef0123456789abcdef >"$H/token"
  chmod 644 "$H/token"
  echo secret | assert_exit 0 timeout 60 "$KS" --home "$H" produce t
  assert_eq 700 "$(stat -c %a "$H")" "mode of the home once the daemon runs"
  assert_exit 0 timeout 60 "$KS" --home "$H" daemon stop
  assert_exit 0 timeout 60 "$KS" --home "$H" daemon start --listen tcp://127.0.0.1:0
  assert_eq 600 "$(stat -c %a "$H/token")" "mode of the token once the daemon uses it"
  assert_exit 0 timeout 60 "$KS" --home "$H" daemon stop
}

case_start_reason() {
  local B=$T/confhome
  mkdir -m 700 "$B"
  echo "bogus = 1" >"$B/daemon.conf"
  assert_fails timeout 60 "$KS" --home "$B" topic list
  assert_contains "$(cat "$ERR")" "unknown setting 'bogus'" "the client's error names the daemon's reason"
  if grep -q "ks daemon start" "$ERR"; then fail "the client suggests \`ks daemon start\`: $(cat "$ERR")"; fi
}

case_descriptor_exhaustion() {
  H=$T/h
  export KS_HOME=$H
  # A hard limit of 64 for the daemon only (ks daemon start passes it on).
  assert_exit 0 bash -c 'ulimit -n 64 && exec timeout 30 "$0" --no-autostart daemon start' "$KS"
  PID=$(daemon_pid_of "$H")
  local limits
  limits=$(grep "limits:" "$H/daemon.log" | tail -1)
  note "$limits"
  [[ "$limits" =~ ([0-9]+)\ open\ files[^0-9]*([0-9]+)\ connections ]] || fail "no limits line: $limits"
  assert_eq 64 "${BASH_REMATCH[1]}" "the descriptor limit the daemon saw"
  assert_le "${BASH_REMATCH[2]}" 32 "connections fitted to 64 descriptors"
  # 100 silent connections: more than the descriptors left.
  exec 3> >(python3 "$FAULT_DIR/sec_client.py" "$H/ks.sock" hold 100 >"$T/hold.json")
  wait_until 60 test -s "$T/hold.json" || fail "could not open 100 connections"
  wait_until 60 grep -q "out of file descriptors" "$H/daemon.log" ||
    fail "the daemon logged nothing about descriptors: $(tail -5 "$H/daemon.log")"
  assert_exit 3 timeout 30 "$KS" --no-autostart topic list
  assert_contains "$(cat "$ERR")" "out of file descriptors (ulimit -n 64)" "the client's error"
  if grep -q "ks daemon start" "$ERR"; then fail "the client suggests starting a daemon that runs: $(cat "$ERR")"; fi
  exec 3>&-
  wait_until 60 "$KS" --no-autostart topic list || fail "the daemon did not recover once the connections closed"
  assert_daemon_serving "$H" "$PID" "after running out of descriptors"
}

run_cases tcp_needs_token token_stays_home big_frame_before_token silent_flood:120 login_deadline:120 kafka_idle_deadline:120 kafka_remote_warns readable_home_tightened \
  foreign_home no_local_share start_reason descriptor_exhaustion:120
