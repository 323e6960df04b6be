# The scenarios of the client matrix (tests/kafka/clients/README.md), shared
# by the per-language scripts: each script defines one runner per client
# (a function taking "SCENARIO ARGS..." that runs the client's program with
# --broker "$BROKER") and calls `client_cases NAME...`, which defines one
# case per client and scenario (case_<client>_<scenario>), so a scenario
# that fails does not hide the others.
#
# The broker is the script's own ks daemon, or, with
# KS_CLIENTS_BROKER=HOST:PORT, a broker already running (Apache Kafka, to
# validate the scenarios themselves; KS_CLIENTS_BROKER=apache takes the
# ctest fixture's, from KS_APACHE_KAFKA_DIR); the `ks` cross-checks run on
# ks only.
# Records the scenarios need are written with kcat (feed), topics are
# created with `ks topic create` on ks and with kafka-python's admin
# client from the matrix's venv elsewhere (mk_topic).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
CLIENTS_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
export CLIENTS_DIR
export CLIENTS_FEED=$CLIENTS_DIR/feed.sh
CHECK=$CLIENTS_DIR/check.py

# In the outer process: the broker of the script (see above).
clients_broker() {
  [[ -n "${IT_CASE:-}" ]] && return 0
  if [[ "${KS_CLIENTS_BROKER:-}" == apache ]]; then
    # The ctest fixture's Apache Kafka (tests/kafka/apache/fixture.cmake).
    KS_CLIENTS_BROKER=$(bash "$KAFKA_DIR/apache/kafka.sh" bootstrap "${KS_APACHE_KAFKA_DIR:?set by the apache_kafka fixture}") ||
      { echo "FAIL [$IT_NAME:setup] no Apache Kafka bootstrap address in $KS_APACHE_KAFKA_DIR" >&2; exit 1; }
  fi
  if [[ -n "${KS_CLIENTS_BROKER:-}" ]]; then
    # Topic names of their own on every run against a long-lived broker.
    BROKER=$KS_CLIENTS_BROKER ON_KS=0 CLIENTS_TAG=r$(date +%s)-
    export BROKER ON_KS CLIENTS_TAG
    echo "   external broker $BROKER (no ks cross-checks)"
  else
    ON_KS=1
    export ON_KS
    start_kafka_daemon
  fi
}

on_ks() { [[ "${ON_KS:-1}" == 1 ]]; }

mk_topic() {  # TOPIC PARTITIONS [RETENTION_MS]
  if on_ks; then
    assert_exit 0 ks topic create "$1" -p "$2" ${3:+--config retention.ms=$3}
  else
    "$CLIENTS_DIR/python/venv.sh" python -c 'import sys
from kafka.admin import KafkaAdminClient, NewTopic
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
a.create_topics([NewTopic(sys.argv[2], int(sys.argv[3]), 1, topic_configs={"retention.ms": sys.argv[4]} if sys.argv[4] else {})])' "$BROKER" "$1" "$2" "${3:-}" || fail "creating topic $1"
  fi
}

# key:value lines on stdin to TOPIC, with kcat.
feed() { "$CLIENTS_FEED" "$@"; }

# Every record of TOPIC as envelopes (what `ks consume --json` prints),
# read with kcat so that it works on any broker; on ks, `ks consume
# --json` must agree with it. Into $T/ref.
ref_dump() {  # TOPIC
  timeout -k 5 60 kcat -b "$BROKER" -C -t "$1" -e -q -J >"$T/kcat.json" 2>"$T/kcat.err" || fail "kcat -C -J $1: $(tail -c 1000 "$T/kcat.err")"
  "$PY" "$CLIENTS_DIR/kcat_env.py" <"$T/kcat.json" >"$T/ref" || fail "converting kcat -J output"
  if on_ks; then
    consume_all "$1" --json
    "$PY" "$CHECK" consumed "$OUT" "$T/ref" || fail "ks consume --json vs kcat -C -J of $1: see above"
  fi
}

# Runs the client's runner, output in $T/$2.out (stdout) and $T/$2.err.
run_client() {  # RUNNER LABEL ARGS...
  local runner=$1 label=$2
  shift 2
  "$runner" "$@" >"$T/$label.out" 2>"$T/$label.err" ||
    fail "$runner $* exited $?: $(tail -c 2500 "$T/$label.err")"
}

scen_produce() {  # RUNNER [CHECK FLAGS]
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  mk_topic "$c-prod" 3
  run_client "$1" produce produce "$c-prod" 60
  sleep 0.5 # acks=0 clients (kafka-go) may return before the broker wrote
  ref_dump "$c-prod"
  "$PY" "$CHECK" produced 60 "$T/produce.out" "$T/ref" "${@:2}" || fail "records produced by $1: see above"
}

scen_consume() {  # RUNNER
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  mk_topic "$c-cons" 3
  local i
  for i in $(seq 0 49); do
    if (( i % 8 == 7 )); then printf 'v%d \xc3\xbc\n' "$i"; else printf 'k%d:v%d\n' $((i % 5)) "$i"; fi
  done | feed "$c-cons" -K: -H h1=one -H h2=
  ref_dump "$c-cons"
  run_client "$1" consume consume "$c-cons" 50
  "$PY" "$CHECK" consumed "$T/consume.out" "$T/ref" || fail "records read by $1: see above"
}

scen_group() {  # RUNNER
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  mk_topic "$c-grp" 4
  run_client "$1" group group "$c-grp" "$c-grp-g" 4
  "$PY" "$CHECK" group "$T/group.out" 4 || fail "group of two of $1: see above"
  grep '"phase"\|assigned\|revoked' "$T/group.out" | cut -c1-150 | sed 's/^/  .. /' >&2
  if on_ks; then
    wait_until 30 member_count_is "$c-grp-g" 0 || fail "members of $c-grp-g still listed after both closed"
  fi
}

scen_resume() {  # RUNNER
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  mk_topic "$c-res" 3
  seq 0 89 | sed 's/^\(.*\)$/k\1:r\1/' | feed "$c-res" -K:
  ref_dump "$c-res"
  run_client "$1" run1 commit "$c-res" "$c-res-g" 30
  local n1
  n1=$(count_lines "$T/run1.out")
  if on_ks; then
    assert_exit 0 ks group describe "$c-res-g" -o json
    "$PY" - "$T/run1.out" "$OUT" <<'PYEOF' || fail "committed offsets after the first run (ks group describe): see above"
import json, sys
read = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    read[r["partition"]] = max(read.get(r["partition"], 0), r["offset"] + 1)
d = json.load(open(sys.argv[2]))
got = {o["partition"]: o["committed"] for o in d["offsets"] if o["committed"] > 0}
if got != read:
    sys.exit("committed %r, the client read up to %r" % (got, read))
PYEOF
  fi
  run_client "$1" run2 commit "$c-res" "$c-res-g" $(( 90 - n1 ))
  "$PY" "$CHECK" resume "$T/run1.out" "$T/run2.out" "$T/ref" || fail "resume of $1 from committed offsets: see above"
  if on_ks; then
    assert_exit 0 ks group describe "$c-res-g" -o json
    json_check "sorted((o['partition'], o['lag']) for o in d['offsets']) == [(0, 0), (1, 0), (2, 0)]" "ks group describe $c-res-g after both runs: lag 0" <"$OUT"
  fi
}

# Topic admin: create (with retention.ms), describe, delete.
scen_admin_topics() {  # RUNNER
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  run_client "$1" create admin-create "$c-adm" 2
  json_check "d == {'created': True}" "create" <"$T/create.out"
  run_client "$1" describe admin-describe "$c-adm"
  json_check "d == {'partitions': 2}" "describe after create" <"$T/describe.out"
  if on_ks; then
    assert_exit 0 ks topic describe "$c-adm" -o json
    json_check "d['partitions'] == 2" "ks topic describe of a topic the client created" <"$OUT"
    json_check "d['configs'].get('retention.ms') == '3600000'" "ks topic describe: the config the client created the topic with" <"$OUT"
  fi
  run_client "$1" delete admin-delete "$c-adm"
  json_check "d == {'deleted': True}" "delete" <"$T/delete.out"
  if on_ks; then
    assert_fails ks topic describe "$c-adm"
  fi
}

scen_admin_configs() {  # RUNNER
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  # Created without the client, so that this case depends on the config
  # APIs alone (admin_topics covers creating with a config).
  mk_topic "$c-admc" 1 3600000
  run_client "$1" configs admin-configs "$c-admc"
  json_check "d == {'retention.ms': '3600000', 'cleanup.policy': 'delete'}" "configs after create" <"$T/configs.out"
  run_client "$1" alter admin-alter "$c-admc"
  run_client "$1" configs2 admin-configs "$c-admc"
  json_check "d == {'retention.ms': '7200000', 'cleanup.policy': 'delete'}" "configs after alter" <"$T/configs2.out"
  if on_ks; then
    assert_exit 0 ks topic describe "$c-admc" -o json
    json_check "d['configs'].get('retention.ms') == '7200000'" "ks topic describe after the client altered retention.ms" <"$OUT"
  fi
}

scen_admin_partitions() {  # RUNNER
  local c=${CLIENTS_TAG:-}$CLIENTS_LANG-${1#run_}
  mk_topic "$c-admp" 2
  run_client "$1" partitions admin-partitions "$c-admp" 5
  run_client "$1" describe admin-describe "$c-admp"
  json_check "d == {'partitions': 5}" "describe after create partitions" <"$T/describe.out"
  if on_ks; then
    assert_exit 0 ks topic describe "$c-admp" -o json
    json_check "d['partitions'] == 5" "ks topic describe after the client added partitions" <"$OUT"
  fi
}

CLIENT_SCENARIOS="produce:60 consume:60 group:100 resume:90 admin_topics:40 admin_configs:40 admin_partitions:40"

# Defines case_<client>_<scenario> for each client (runner run_<client>,
# extra check flags in <client>_<scenario>_flags) and runs them.
run_client_cases() {  # CLIENT...
  local cl spec specs=()
  for cl in "$@"; do
    for spec in $CLIENT_SCENARIOS; do
      eval "case_${cl}_${spec%%:*}() { scen_${spec%%:*} run_${cl} \${${cl}_${spec%%:*}_flags:-}; }"
      specs+=("${cl}_${spec}")
    done
  done
  run_cases "${specs[@]}"
}
