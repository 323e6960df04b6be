# Helpers shared by the fault-injection tests in tests/reliability/test_*.sh
# (corruption, disk full, overload, limits). Sourced after tests/cli/lib.sh,
# whose harness (run_cases, assert_*, daemon helpers) they use.

FAULT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export FAULT_DIR

fault_segments() { python3 "$FAULT_DIR/fault_segments.py" "$@"; }
fault_wire() { python3 "$FAULT_DIR/fault_wire.py" "$@"; }

# The pid in HOME/daemon.pid (empty when there is none).
daemon_pid_of() {  # HOME
  { tr -dc 0-9 <"$1/daemon.pid"; } 2>/dev/null || true
}

# Fails unless the daemon of HOME is still PID and answers status and
# topic list (without being restarted behind our back).
assert_daemon_serving() {  # HOME PID WHAT
  local h=$1 pid=$2 what=$3
  alive "$pid" || fail "$what: daemon $pid is gone (daemon.log: $(tail -5 "$h/daemon.log" 2>/dev/null))"
  assert_eq "$pid" "$(daemon_pid_of "$h")" "$what: daemon pid"
  assert_exit 0 timeout 20 "$KS" --home "$h" --no-autostart daemon status -o json
  json_check "d['pid'] == $pid" "$what: status answers from the same daemon" <"$OUT"
  assert_exit 0 timeout 20 "$KS" --home "$h" --no-autostart topic list
}

# "rec-000042-pppp..." for i in [FROM, TO): the records the corruption
# tests write, so any record's offset is its number.
records() {  # FROM TO
  awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) printf "rec-%06d-%s\n", i, "pppppppppppppppppppppppppppppppppppppppp" }'
}

# Peak and current RSS of a process in KiB: "HWM RSS".
rss_kib() {  # PID
  awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { print h, r }' "/proc/$1/status"
}
