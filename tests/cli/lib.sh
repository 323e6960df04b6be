# Shared harness for the cross-process tests in tests/cli/test_*.sh: a real
# `ks` binary, a real daemon, a throw-away home per script.
#
# A test script looks like
#
#   source "$(dirname "$0")/lib.sh"
#   case_round_trip() { ... }
#   run_cases round_trip other_case:120      # name[:timeout seconds]
#
# and is run as `bash tests/cli/test_x.sh /path/to/ks` (CTest passes the
# binary). Each case runs in its own bash process (the same script re-run
# with `--case NAME`) under `timeout`, so a hang fails that case instead of
# blocking CI. All cases of a script share one home (KS_HOME) and one
# scratch directory; every case gets its own work directory $T.
#
# Inside a case, any unexpected non-zero exit status of a plain command
# fails the case with the command and line (an ERR trap, like `set -e`
# with a message). Expected failures go through assert_exit or `|| rc=$?`;
# a pipeline whose exit codes a case inspects runs between pipes_off and
# pipes_on and reads PIPESTATUS right after.
#
# Environment knobs: KS_IT_FILTER=REGEX runs only matching cases;
# KS_IT_KEEP=1 keeps the home and scratch directories for a post-mortem;
# KS_IT_TIMEOUT_SCALE=N multiplies every case's timeout (a hang guard,
# never a speed check) by N, for slow builds.

set -u
set -o pipefail

if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: bash $0 /path/to/ks [--case NAME]" >&2
  exit 2
fi
KS=$(realpath "$1")
shift
export KS
IT_SCRIPT=$(realpath "$0")
IT_LIB_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
IT_NAME=$(basename "$0" .sh)
IT_NAME=${IT_NAME#test_}

ks() { "$KS" "$@"; }

# ---------------------------------------------------------------- messages

_case_name=${IT_CASE:-}

fail() {
  echo "FAIL [$IT_NAME:${_case_name:-setup}] $*" >&2
  exit 1
}

note() { echo "  .. $*" >&2; }

# First bytes of a file, shown safely.
_show() {
  local f=$1 max=${2:-600}
  if [[ ! -e "$f" ]]; then
    echo "<missing file $f>"
    return 0
  fi
  local size
  size=$(stat -c %s "$f")
  if [[ $size -eq 0 ]]; then
    echo "<empty>"
    return 0
  fi
  head -c "$max" "$f" | od -c -An | head -20 | sed 's/^/    /'
  if [[ $size -gt $max ]]; then echo "    ... ($size bytes in all)"; fi
}

_on_err() {
  local rc=$1 cmd=$2 line=$3
  # Inside $(...) or ( ... ): leave the message to the outer shell.
  if [[ $BASH_SUBSHELL -gt 0 ]]; then exit "$rc"; fi
  fail "line $line: \`$cmd\` exited $rc"
}

# COMMAND... on a pseudo-terminal as stdin, stdout and stderr: prints what
# the terminal showed, exits as the command did (124 after 120 s). `on_pty --answer TEXT ...`
# types TEXT and Enter once the command asks "[y/N]".
on_pty() { timeout -k 5 120 python3 "$IT_LIB_DIR/pty_run.py" "$@"; }

# ---------------------------------------------------------------- assertions

assert_eq() {  # EXPECTED ACTUAL [WHAT]
  if [[ "$1" != "$2" ]]; then
    fail "${3:-value}: expected $(printf %q "${1:0:400}"), got $(printf %q "${2:0:400}")"
  fi
}

assert_ne() {  # UNEXPECTED ACTUAL [WHAT]
  if [[ "$1" == "$2" ]]; then fail "${3:-value}: did not expect $(printf %q "$1")"; fi
}

assert_le() {  # A B [WHAT]: integers, A <= B
  if ! [[ "$1" =~ ^-?[0-9]+$ && "$2" =~ ^-?[0-9]+$ ]]; then fail "${3:-value}: not integers: '$1' '$2'"; fi
  if [[ $1 -gt $2 ]]; then fail "${3:-value}: expected $1 <= $2"; fi
}

assert_contains() {  # HAYSTACK NEEDLE [WHAT]
  if [[ "$1" != *"$2"* ]]; then
    fail "${3:-text}: expected to contain $(printf %q "$2"), got $(printf %q "${1:0:600}")"
  fi
}

assert_matches() {  # TEXT ERE [WHAT]
  if ! [[ "$1" =~ $2 ]]; then
    fail "${3:-text}: expected to match /$2/, got $(printf %q "${1:0:600}")"
  fi
}

assert_file_eq() {  # EXPECTED_FILE ACTUAL_FILE [WHAT]
  local diff
  if ! diff=$(cmp "$1" "$2" 2>&1); then
    fail "${3:-output} differs from expected: $diff
  expected ($(stat -c %s "$1" 2>/dev/null) bytes):
$(_show "$1")
  actual ($(stat -c %s "$2" 2>/dev/null) bytes):
$(_show "$2")"
  fi
}

assert_file_empty() {  # FILE [WHAT]
  if [[ -s "$1" ]]; then fail "${2:-$1} should be empty, has:
$(_show "$1")"; fi
}

assert_file_nonempty() {  # FILE [WHAT]
  if [[ ! -s "$1" ]]; then fail "${2:-$1} should not be empty"; fi
}

# assert_exit CODE CMD...: runs CMD with stdout in $T/out and stderr in
# $T/err (also in $OUT / $ERR); fails unless it exits CODE. Stdin is
# inherited, so `assert_exit 0 ks produce t < file` works.
assert_exit() {
  local want=$1 rc=0
  shift
  OUT=$T/out ERR=$T/err
  "$@" >"$OUT" 2>"$ERR" || rc=$?
  if [[ $rc -ne $want ]]; then
    fail "\`$*\` exited $rc, expected $want
  stdout:
$(_show "$OUT")
  stderr:
$(_show "$ERR" 2000)"
  fi
}

# Like assert_exit but for any non-zero code; the code is left in $RC.
assert_fails() {
  RC=0
  OUT=$T/out ERR=$T/err
  "$@" >"$OUT" 2>"$ERR" || RC=$?
  if [[ $RC -eq 0 ]]; then
    fail "\`$*\` succeeded, expected a failure
  stdout:
$(_show "$OUT")
  stderr:
$(_show "$ERR")"
  fi
}

# ---------------------------------------------------------------- utilities

now_ms() { date +%s%3N; }

# pipefail off/on around a pipeline whose PIPESTATUS the case checks itself.
pipes_off() { set +o pipefail; }
pipes_on() { set -o pipefail; }

# Waits until CMD... succeeds, for up to SECONDS (fractions allowed).
wait_until() {  # SECONDS CMD...
  local secs=$1 whole frac
  shift
  whole=${secs%%.*}
  frac=0
  if [[ $secs == *.* ]]; then frac=${secs#*.}000; frac=$((10#${frac:0:3})); fi
  local deadline=$(( $(now_ms) + ${whole:-0} * 1000 + frac ))
  while ! "$@" >/dev/null 2>&1; do
    if [[ $(now_ms) -gt $deadline ]]; then return 1; fi
    sleep 0.02
  done
  return 0
}

# Lines in a file (a last line without newline counts).
count_lines() { awk 'END { print NR }' "$1"; }

# python3 with one JSON document on stdin as `d`; prints the expression.
# Used only where parsing JSON in bash would be fragile.
json_eval() {  # EXPR < JSON
  python3 -c '
import json, sys
d = json.load(sys.stdin)
def topic(x):
    # `topic describe -o json`: the topic object, possibly wrapped.
    if isinstance(x, list): return x[0]
    if isinstance(x, dict) and "topics" in x and "name" not in x: return x["topics"][0]
    return x
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (dict, list, bool)) or r is None else r)
' "$1"
}

# Fails with WHAT unless the Python expression is true for the JSON on stdin.
json_check() {  # EXPR WHAT < JSON
  local doc
  doc=$(cat)
  if ! printf '%s' "$doc" | python3 -c '
import json, sys
d = json.load(sys.stdin)
def topic(x):
    if isinstance(x, list): return x[0]
    if isinstance(x, dict) and "topics" in x and "name" not in x: return x["topics"][0]
    return x
sys.exit(0 if eval(sys.argv[1]) else 1)
' "$1" 2>"$T/json_check.err"; then
    fail "$2: expected $1
  json: ${doc:0:1500}
  $(cat "$T/json_check.err")"
  fi
}

# Reads the records of `ks consume --json` (or `ks produce --json` input)
# on stdin and prints one canonical JSON line per record:
#   [partition, timestamp, key, value, [[hkey, hvalue], ...]]
# with every byte string as hex (null stays null), so a string and the
# same bytes in {"base64": ...} compare equal. Fields a line lacks are null.
ndjson_norm() {
  python3 -c '
import base64, json, sys
def b(x):
    if x is None: return None
    if isinstance(x, str): return x.encode("utf-8", "surrogatepass").hex()
    if isinstance(x, dict) and set(x) == {"base64"}: return base64.b64decode(x["base64"], validate=True).hex()
    raise SystemExit("not a string, null or {\"base64\": ...}: %r" % (x,))
for n, line in enumerate(sys.stdin, 1):
    if not line.strip(): continue
    try:
        o = json.loads(line)
    except ValueError as e:
        raise SystemExit("line %d is not JSON (%s): %r" % (n, e, line[:200]))
    h = o.get("headers") or []
    if isinstance(h, dict): h = [{"key": k, "value": v} for k, v in h.items()]
    print(json.dumps([o.get("partition"), o.get("timestamp"), b(o.get("key")), b(o.get("value")),
                      [[b(x["key"]), b(x.get("value"))] for x in h]]))
'
}

consume_all() {  # TOPIC [ARGS...]: `ks consume ... -e` must exit 0; output in $OUT
  assert_exit 0 timeout 60 "$KS" consume "$@" -e
}

# Pids of live `ks daemon run` processes serving HOME (by --home argument
# or, when the command line names no home, by KS_HOME in the environment).
daemon_pids() {  # HOME
  local h=$1 p exe args a prev has_home match
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
    [[ "$exe" == "$KS" ]] || continue
    mapfile -d '' -t args <"/proc/$p/cmdline" 2>/dev/null || continue
    local joined=" ${args[*]} "
    [[ "$joined" == *" daemon run "* || "$joined" == *" daemon run" ]] || continue
    has_home=0 match=0 prev=
    for a in "${args[@]}"; do
      if [[ "$prev" == "--home" ]]; then
        has_home=1
        if [[ "$a" == "$h" ]]; then match=1; fi
      elif [[ "$a" == --home=* ]]; then
        has_home=1
        if [[ "${a#--home=}" == "$h" ]]; then match=1; fi
      fi
      prev=$a
    done
    if [[ $has_home -eq 0 ]] && tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "KS_HOME=$h"; then
      match=1
    fi
    if [[ $match -eq 1 ]]; then echo "$p"; fi
  done
  return 0
}

# A process that exists and is not a zombie (a zombie has exited; its
# parent just has not reaped it yet).
alive() {  # PID
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

not_alive() { ! alive "$1"; }

daemon_count() { daemon_pids "$1" | awk 'END { print NR }'; }

# Starts a daemon in $KS_HOME (or the home given with --home in ARGS) with
# `ks daemon start`, which returns once the daemon accepts connections: a
# client that may not start one must reach it right away.
start_daemon() {  # [GLOBAL ARGS...]
  assert_exit 0 timeout 20 "$KS" "$@" daemon start
  assert_exit 0 timeout 10 "$KS" "$@" --no-autostart daemon status
}

stop_daemon() {  # [GLOBAL ARGS...]
  assert_exit 0 timeout 20 "$KS" "$@" daemon stop
}

# Kafka's Utils.murmur2 (Java int) over the bytes of an ASCII string,
# written independently of the implementation under test and checked
# against Kafka's published vectors by murmur2_self_test.
murmur2() {  # STRING → signed 32-bit hash
  local LC_ALL=C
  local s=$1 len=${#1} M=$((0xffffffff)) m=$((0x5bd1e995))
  local h=$(( (0x9747b28c ^ len) & M )) k i b0 b1 b2 b3
  local n4=$(( len / 4 * 4 ))
  for (( i = 0; i < n4; i += 4 )); do
    printf -v b0 %d "'${s:i:1}"
    printf -v b1 %d "'${s:i+1:1}"
    printf -v b2 %d "'${s:i+2:1}"
    printf -v b3 %d "'${s:i+3:1}"
    k=$(( b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) ))
    k=$(( (k * m) & M ))
    k=$(( k ^ (k >> 24) ))
    k=$(( (k * m) & M ))
    h=$(( ((h * m) & M) ^ k ))
  done
  local rem=$(( len % 4 ))
  if [[ $rem -ge 3 ]]; then printf -v b2 %d "'${s:n4+2:1}"; h=$(( h ^ (b2 << 16) )); fi
  if [[ $rem -ge 2 ]]; then printf -v b1 %d "'${s:n4+1:1}"; h=$(( h ^ (b1 << 8) )); fi
  if [[ $rem -ge 1 ]]; then printf -v b0 %d "'${s:n4:1}"; h=$(( h ^ b0 )); h=$(( (h * m) & M )); fi
  h=$(( h ^ (h >> 13) ))
  h=$(( (h * m) & M ))
  h=$(( h ^ (h >> 15) ))
  if [[ $h -ge 2147483648 ]]; then h=$(( h - 4294967296 )); fi
  echo "$h"
}

murmur2_self_test() {
  # Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  local -A v=(
    [21]=-973932308
    [foobar]=-790332482
    [a-little-bit-long-string]=-985981536
    [a-little-bit-longer-string]=-1486304829
    [lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8]=-58897971
    [abc]=479470107
  )
  local key
  for key in "${!v[@]}"; do
    assert_eq "${v[$key]}" "$(murmur2 "$key")" "reference murmur2('$key') (test helper bug)"
  done
}

kafka_partition() {  # KEY PARTITIONS
  local h
  h=$(murmur2 "$1")
  echo $(( (h & 0x7fffffff) % $2 ))
}

# ---------------------------------------------------------------- running

_kill_home_daemons() {  # DIR: stops every daemon whose home is under DIR
  local dir=$1 f h p
  [[ -d "$dir" ]] || return 0
  while IFS= read -r -d '' f; do
    h=$(dirname "$f")
    timeout 15 "$KS" --home "$h" --no-autostart daemon stop >/dev/null 2>&1 || true
    if [[ -f "$h/daemon.pid" ]]; then
      p=$(tr -dc 0-9 <"$h/daemon.pid")
      if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && [[ "$(readlink "/proc/$p/exe" 2>/dev/null)" == "$KS" ]]; then
        echo "warning: daemon $p of $h still running after \`ks daemon stop\`; killing it" >&2
        kill -9 "$p" 2>/dev/null || true
      fi
    fi
  done < <(find "$dir" \( -name daemon.pid -o -name ks.sock \) -print0 2>/dev/null | sort -zu)
  # Daemons that never wrote a pid file: any ks process naming a path
  # under DIR (a unique temporary directory of this script).
  for p in $(pgrep -f -- "$dir" 2>/dev/null); do
    if [[ $p -ne $$ && "$(readlink "/proc/$p/exe" 2>/dev/null)" == "$KS" ]]; then
      echo "warning: leftover ks process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)); killing it" >&2
      kill -9 "$p" 2>/dev/null || true
    fi
  done
}

_cleanup_outer() {
  _kill_home_daemons "$IT_HOME"
  _kill_home_daemons "$IT_SCRATCH"
  if [[ "${KS_IT_KEEP:-0}" == 1 ]]; then
    echo "kept home $IT_HOME and scratch $IT_SCRATCH" >&2
  else
    rm -rf "$IT_HOME" "$IT_SCRATCH"
  fi
}

_cleanup_case() {
  local p
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null || true; done
}

# run_cases NAME[:TIMEOUT]...: in the outer process runs every case (as
# case_NAME) in its own process under a timeout and reports; in a case
# process runs just that case.
run_cases() {
  if [[ -n "${IT_CASE:-}" ]]; then
    T=$IT_SCRATCH/work/$IT_CASE
    OUT=$T/out ERR=$T/err RC=0
    mkdir -p "$T"
    cd "$T" || fail "cannot enter $T"
    trap _cleanup_case EXIT
    set -E
    trap '_on_err $? "$BASH_COMMAND" $LINENO' ERR
    "case_$IT_CASE"
    exit 0
  fi

  local spec name secs start took rc passed=0 failed=0 failures=()
  for spec in "$@"; do
    name=${spec%%:*}
    secs=60
    if [[ "$spec" == *:* ]]; then secs=${spec#*:}; fi
    # A sanitizer build gets more time (tests/CMakeLists.txt sets this).
    secs=$(( secs * ${KS_IT_TIMEOUT_SCALE:-1} ))
    if [[ -n "${KS_IT_FILTER:-}" && ! "$name" =~ ${KS_IT_FILTER} ]]; then continue; fi
    if ! declare -F "case_$name" >/dev/null; then
      echo "FAIL [$IT_NAME:$name] no function case_$name" >&2
      failed=$((failed + 1)); failures+=("$name"); continue
    fi
    start=$(now_ms)
    rc=0
    IT_CASE=$name timeout -k 5 "$secs" bash "$IT_SCRIPT" "$KS" </dev/null || rc=$?
    took=$(( $(now_ms) - start ))
    if [[ $rc -eq 0 ]]; then
      echo "ok   $IT_NAME:$name (${took} ms)"
      passed=$((passed + 1))
    else
      if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        echo "FAIL [$IT_NAME:$name] timed out after ${secs} s" >&2
      fi
      echo "FAIL $IT_NAME:$name (exit $rc, ${took} ms)"
      failed=$((failed + 1)); failures+=("$name")
    fi
  done
  echo "$IT_NAME: $passed passed, $failed failed${failures[*]:+ (${failures[*]})}"
  if [[ $failed -ne 0 ]]; then exit 1; fi
  exit 0
}

# ---------------------------------------------------------------- setup

if [[ -z "${IT_CASE:-}" ]]; then
  # Short paths: a Unix socket path must fit in 108 bytes.
  _tmp=${TMPDIR:-/tmp}
  if [[ ${#_tmp} -gt 40 ]]; then _tmp=/tmp; fi
  IT_HOME=$(mktemp -d "$_tmp/ks-it-home.XXXXXX")
  IT_SCRATCH=$(mktemp -d "$_tmp/ks-it-tmp.XXXXXX")
  chmod 0700 "$IT_HOME"
  export IT_HOME IT_SCRATCH
  trap _cleanup_outer EXIT
  trap 'exit 130' INT TERM
fi

# Every case sees the same, isolated environment: the script's home, no
# TCP address, autostart on, and XDG paths that cannot reach a real home.
export KS_HOME=$IT_HOME
export XDG_DATA_HOME=$IT_SCRATCH/xdg-data
unset KS_ADDR KS_NO_AUTOSTART KS_TOKEN
export LC_ALL=C
umask 022
