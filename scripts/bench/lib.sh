# Helpers of scripts/bench.sh: messages, the results file, the daemon, timing
# and /proc readings, input files. Sourced after bench.sh has set ksbin,
# work, home, results, round.

say() { printf 'bench: [%5.0fs] %s\n' "$(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

ks() { "$ksbin" --home "$home" --no-autostart "$@"; }

# put FIGURE VALUE: one value of this round.
put() { printf '%s\t%s\t%s\n' "$1" "$round" "$2" >>"$results"; }

# Stops the daemon of $home, if one runs, and waits until its process is
# gone: `ks daemon stop` gives up after 30 s, and a daemon with many
# partitions can take minutes to write their state on the way out.
daemon_stop() {
  [[ -S $home/ks.sock ]] || return 0
  local pid i
  pid=$(ks daemon status -o json 2>/dev/null | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  ks daemon stop >/dev/null 2>&1 || true
  for ((i = 0; i < 18000; i++)); do  # 30 min
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "the daemon of $home (pid $pid) did not exit within 30 min of 'ks daemon stop'"
}

# A fresh daemon in $home (its data kept), with the extra start flags given
# (e.g. --kafka 127.0.0.1:PORT); sets dpid.
dpid=
daemon_restart() {
  daemon_stop
  ks daemon start "$@" >/dev/null
  dpid=$(ks daemon status -o json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
  [[ -n $dpid && -d /proc/$dpid ]] || die "daemon did not start (see $home/daemon.log)"
}
# An empty home for the next figure: the daemon stopped, its data removed.
home_reset() {
  daemon_stop
  rm -rf "$home"
  mkdir -m 700 "$home"
}

tck=$(getconf CLK_TCK)
# cpu_ticks PID: user + system clock ticks of PID so far (0 once it is gone).
cpu_ticks() {
  local st
  read -ra st 2>/dev/null </proc/"$1"/stat || { echo 0; return; }
  echo $((st[13] + st[14]))
}
# status_kb PID FIELD: a /proc/PID/status field in KiB (VmRSS, VmHWM).
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' /proc/"$1"/status; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# run_timed CMD...: runs CMD in this shell and sets T_WALL (s), T_CLIENT (CPU s
# of the processes CMD waited for) and T_DAEMON (CPU s of the server being
# measured: $measured_pid when set, else the daemon).
# Clock ticks are 10 ms, so the CPU figures are coarse for short runs.
run_timed() {
  local st c0 c1 d0 d1 t0 t1 spid=${measured_pid:-$dpid}
  read -ra st </proc/$BASHPID/stat; c0=$((st[15] + st[16]))
  d0=$(cpu_ticks "$spid")
  t0=$EPOCHREALTIME
  "$@"
  t1=$EPOCHREALTIME
  d1=$(cpu_ticks "$spid")
  read -ra st </proc/$BASHPID/stat; c1=$((st[15] + st[16]))
  T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  T_CLIENT=$(awk -v t=$((c1 - c0)) -v k="$tck" 'BEGIN { printf "%.2f", t / k }')
  T_DAEMON=$(awk -v t=$((d1 - d0)) -v k="$tck" 'BEGIN { printf "%.2f", t / k }')
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
# put_timed FIGURE N: the records/s of the last run_timed, and its CPU split.
put_timed() {
  put "$1" "$(rate "$2" "$T_WALL")"
  put "$1.wall_s" "$T_WALL"
  put "$1.client_cpu_s" "$T_CLIENT"
  put "$1.daemon_cpu_s" "$T_DAEMON"
}
json_field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

records_in() { ks offsets "$1" -o json | grep -o '"latest":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }'; }
check_records() {
  local got; got=$(records_in "$1")
  [[ $got == "$2" ]] || die "$1 holds $got records, expected $2"
}

# make_lines FILE N SIZE [KEYS]: N lines of SIZE bytes before the newline,
# each the line number zero-padded to SIZE digits (its last SIZE digits when
# it has more). With KEYS, each
# line is "kI:VALUE", I = the line number times a prime modulo KEYS, so the
# KEYS distinct keys are spread over the file; the line is still SIZE bytes.
make_lines() {
  python3 - "$@" <<'EOF'
import sys
path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keys = int(sys.argv[4]) if len(sys.argv) > 4 else 0
chunk = max(1, min(100000, (8 << 20) // (size + 1)))
with open(path, "wb") as f:
    for start in range(0, n, chunk):
        out = []
        for i in range(start, min(n, start + chunk)):
            head = b"k%d:" % (i * 7919 % keys) if keys else b""
            width = max(0, size - len(head))
            body = b"%0*d" % (width, i)
            line = body[len(body) - width:]
            out.append(head + line + b"\n")
        f.write(b"".join(out))
EOF
}
