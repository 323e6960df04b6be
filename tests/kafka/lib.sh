# Shared harness for the Kafka compatibility suites (tests/kafka/test_*.sh):
# real Kafka clients (kcat, kafka-python, confluent-kafka, kafkajs) against
# a real daemon's Kafka listener, cross-checked with the real `ks` binary.
#
# Builds on tests/cli/lib.sh (cases, assertions, a throw-away home per
# script) and adds, in the script's outer process and before any case runs:
# one daemon started with `ks daemon start --kafka 127.0.0.1:PORT` on a
# free port of its own, exported to the cases as BROKER=127.0.0.1:PORT.
# The cases share that daemon; each names its own topics and groups.
#
#   source "$(dirname "$0")/lib.sh"
#   require_tools kcat
#   start_kafka_daemon
#   case_x() { ... }
#   run_cases x:30
#
# Autostart is off in the cases: a daemon that died fails them instead of
# being replaced by one without a Kafka listener. A failing case prints the
# daemon log it produced; a failing script prints the end of the log; the
# daemon is stopped (killed if need be) when the script exits, however.
#
# Client programs get short timeouts of their own and run under `timeout`,
# so a daemon that never answers fails a case instead of hanging CI.

source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"

KAFKA_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
export KAFKA_DIR
# Debian's python3-kafka and python3-confluent-kafka live in the system
# interpreter; a `python3` earlier on PATH (pyenv, venv) lacks them.
PY=/usr/bin/python3
export PY
export KS_NO_AUTOSTART=1

_kafka_log=$IT_HOME/daemon.log

# The daemon log written since this process started (the case's share),
# at most LINES lines of it.
_daemon_log_since_start() {  # LINES
  [[ -f "$_kafka_log" ]] || { echo "    <no daemon log at $_kafka_log>"; return 0; }
  tail -c +$(( ${_kafka_log_start:-0} + 1 )) "$_kafka_log" | tail -n "$1" | sed 's/^/    | /'
}

if [[ -n "${IT_CASE:-}" ]]; then
  _kafka_log_start=$(stat -c %s "$_kafka_log" 2>/dev/null || echo 0)
fi

# Replaces lib.sh's fail: the same message, then the daemon's side of it.
fail() {
  echo "FAIL [$IT_NAME:${_case_name:-setup}] $*" >&2
  if [[ -n "${IT_CASE:-}" ]]; then
    echo "  daemon log during this case (last 40 lines of HOME/daemon.log):" >&2
    _daemon_log_since_start 40 >&2
    if ! "$KS" daemon status >/dev/null 2>&1; then
      echo "  the daemon is not running any more" >&2
    fi
  fi
  exit 1
}

_kafka_cleanup_outer() {
  local rc=$?
  if [[ $rc -ne 0 && $rc -ne 77 && -f "$_kafka_log" ]]; then
    echo "---- $IT_NAME failed; last 80 lines of the daemon log ($_kafka_log):" >&2
    tail -n 80 "$_kafka_log" | sed 's/^/    | /' >&2
    echo "----" >&2
  fi
  _cleanup_outer
  exit "$rc"
}

if [[ -z "${IT_CASE:-}" ]]; then
  trap _kafka_cleanup_outer EXIT
fi

# In the outer process: skips the script (exit 77, which CTest reports as
# skipped) when a client is missing, except in CI, where it fails.
# Tools: kcat, kafka-python, confluent-kafka, kafkajs.
require_tools() {
  [[ -n "${IT_CASE:-}" ]] && return 0
  local t missing=()
  for t in "$@"; do
    case "$t" in
      kcat) command -v kcat >/dev/null 2>&1 || missing+=("kcat (Debian package kcat)") ;;
      kafka-python) "$PY" -c 'import kafka' 2>/dev/null || missing+=("kafka-python ($PY; Debian package python3-kafka)") ;;
      confluent-kafka) "$PY" -c 'import confluent_kafka' 2>/dev/null || missing+=("confluent-kafka ($PY; Debian package python3-confluent-kafka)") ;;
      kafkajs)
        command -v node >/dev/null 2>&1 || missing+=("node")
        [[ -f "$KAFKA_DIR/node_modules/kafkajs/package.json" ]] || missing+=("kafkajs (run \`npm ci\` in tests/kafka; scripts/test.sh does)")
        ;;
      *) echo "require_tools: unknown tool $t" >&2; exit 2 ;;
    esac
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL [$IT_NAME] missing: ${missing[*]} (scripts/setup.sh and scripts/test.sh install them)" >&2
    exit 1
  fi
  echo "SKIP [$IT_NAME] missing: ${missing[*]}" >&2
  exit 77
}

free_port() {
  "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Whether something accepts TCP connections on 127.0.0.1:PORT.
port_open() {  # PORT
  "$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$1" 2>/dev/null
}

# In the outer process: starts the script's daemon with a Kafka listener on
# a free port and exports BROKER and KAFKA_PORT. A port another process
# grabbed in between is retried with a fresh one.
start_kafka_daemon() {  # [EXTRA DAEMON FLAGS...]
  [[ -n "${IT_CASE:-}" ]] && return 0
  local try port rc out=$IT_SCRATCH/daemon-start.out
  for try in 1 2 3; do
    port=$(free_port)
    rc=0
    timeout 30 "$KS" daemon start --kafka "127.0.0.1:$port" "$@" >"$out" 2>&1 || rc=$?
    if [[ $rc -eq 0 ]]; then
      if wait_until 30 port_open "$port"; then
        KAFKA_PORT=$port
        BROKER=127.0.0.1:$port
        export KAFKA_PORT BROKER
        echo "   daemon with Kafka listener on $BROKER (home $IT_HOME)"
        return 0
      fi
      echo "FAIL [$IT_NAME:setup] \`ks daemon start --kafka 127.0.0.1:$port\` exited 0 but nothing accepts connections on that port" >&2
      echo "  daemon status: $("$KS" daemon status -o json 2>&1)" >&2
      exit 1
    fi
    "$KS" daemon stop >/dev/null 2>&1 || true
    echo "  .. \`ks daemon start --kafka 127.0.0.1:$port\` exited $rc (try $try): $(head -c 600 "$out")" >&2
  done
  echo "FAIL [$IT_NAME:setup] could not start a daemon with a Kafka listener" >&2
  exit 1
}

# ---------------------------------------------------------------- clients

# kcat against the script's broker, with timeouts short enough that a
# daemon that stops answering fails the step instead of hanging it.
kc() {  # KCAT ARGS...
  timeout -k 5 $(( 60 * ${KS_IT_TIMEOUT_SCALE:-1} )) kcat -b "$BROKER" -m 15 \
    -X socket.timeout.ms=15000 -X message.timeout.ms=20000 "$@"
}

# Helper programs (see each file's header), under an overall timeout
# (times KS_IT_TIMEOUT_SCALE, as their own --max-seconds are).
kp() { timeout -k 5 $(( ${KP_TIMEOUT:-60} * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$KAFKA_DIR/kp_client.py" --broker "$BROKER" "$@"; }
ck() { timeout -k 5 $(( ${CK_TIMEOUT:-60} * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$KAFKA_DIR/ck_client.py" --broker "$BROKER" "$@"; }
kjs() { timeout -k 5 $(( ${KJS_TIMEOUT:-60} * ${KS_IT_TIMEOUT_SCALE:-1} )) node "$KAFKA_DIR/kjs_client.js" --broker "$BROKER" "$@"; }

# python3 with Debian's modules; the code is the first argument.
pyrun() { "$PY" -c "$@"; }

# Committed offsets of `ks group describe -o json` as sorted
# "topic/partition committed end lag" lines.
describe_rows() {  # < JSON
  json_eval '"\n".join("%s/%d %d %d %d" % (o["topic"], o["partition"], o["committed"], o["end"], o["lag"]) for o in sorted(d["offsets"], key=lambda o: (o["topic"], o["partition"])))'
}

# Number of live members of GROUP (0 when unknown).
member_count() {  # GROUP
  "$KS" group describe "$1" -o json 2>/dev/null | json_eval 'len(d["members"])' 2>/dev/null || echo 0
}
member_count_is() { [[ "$(member_count "$1")" == "$2" ]]; }

# The distinct compression codecs of the batches in a partition (from
# `ks log dump --headers-only -o json`), sorted, space-separated.
batch_codecs() {  # TOPIC PARTITION
  "$KS" log dump --headers-only -o json "$IT_HOME/data/$1-$2" |
    "$PY" -c 'import json, sys
print(" ".join(sorted({json.loads(l)["compression"] for l in sys.stdin if l.strip()})))'
}

# Fails unless the partition holds CODEC batches and no other codec.
# librdkafka sends a batch uncompressed when compressing does not make it
# smaller, so "none" batches may sit beside them.
assert_codec() {  # TOPIC PARTITION CODEC
  local got
  got=$(batch_codecs "$1" "$2")
  if [[ " $got " != *" $3 "* ]] || tr ' ' '\n' <<<"$got" | grep -qvx -e "$3" -e none; then
    fail "batch compression in $1/$2 (ks log dump): expected $3 (and maybe none), got '$got'"
  fi
}

# Checks a producer's delivery metadata (FILE_META: kp_client.py or
# ck_client.py produce output, one JSON line per input line with partition
# and offset) against its input (FILE_IN, key:value lines, no ':' = null
# key) and `ks consume -f '%p\t%o\t%K\t%k\t%v\n'` output (FILE_KS): every
# record is where the producer was told, byte for byte, the acknowledged
# offsets of a partition are contiguous, and there is nothing else.
check_produced() {  # FILE_IN FILE_META FILE_KS WHAT
  "$PY" - "$@" <<'EOF' || fail "$4: see above"
import collections, json, sys
fin, fmeta, fks, what = sys.argv[1:5]
lines = open(fin, "rb").read().split(b"\n")[:-1]
meta = [json.loads(l) for l in open(fmeta)]
ks = {}
for l in open(fks, "rb").read().split(b"\n")[:-1]:
    p, o, klen, k, v = l.split(b"\t", 4)
    ks[(int(p), int(o))] = (None if klen == b"-1" else k, v)
bad = []
if len(meta) != len(lines):
    bad.append("%d records sent, %d acknowledged" % (len(lines), len(meta)))
per_part = collections.defaultdict(list)
for line, m in zip(lines, meta):
    k, sep, v = line.partition(b":")
    want = (k, v) if sep else (None, line)
    at = (m["partition"], m["offset"])
    per_part[m["partition"]].append(m["offset"])
    if ks.get(at) != want:
        bad.append("record %r acknowledged at partition %d offset %d, ks consume has %r there" % (want, at[0], at[1], ks.get(at)))
for p, offs in per_part.items():
    if offs != list(range(offs[0], offs[0] + len(offs))):
        bad.append("partition %d: acknowledged offsets not contiguous: %r..." % (p, offs[:10]))
if len(ks) != len(lines):
    bad.append("ks consume read %d records, %d were sent" % (len(ks), len(lines)))
for x in bad[:10]:
    print(what + ": " + x, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# For wait_until: FILE has at least N lines.
lines_at_least() { [[ $(count_lines "$1") -ge $2 ]]; }

# Lines of FILE sorted bytewise into FILE.sorted.
sort_file() { LC_ALL=C sort "$1" >"$1.sorted"; }

# ------------------------------------------------------- the reference

# The bootstrap address (127.0.0.1:PORT) of the Apache Kafka 4.4.0 broker
# the ctest fixture apache_kafka started (tests/kafka/apache/): a test
# registered with ks_requires_apache_kafka gets KS_APACHE_KAFKA_DIR; run
# by hand, the default is <build>/apache-kafka beside $KS (start one with
# `bash tests/kafka/apache/kafka.sh start build/apache-kafka`).
apache_bootstrap() {
  local dir=${KS_APACHE_KAFKA_DIR:-$(dirname "$(realpath "$KS")")/apache-kafka}
  bash "$KAFKA_DIR/apache/kafka.sh" bootstrap "$dir"
}
