#!/usr/bin/env bash
# Regenerates tests/kafka/captures/<client>/: the request frames real
# clients send, recorded by capture.py between each client and a real
# daemon, as fixtures for the protocol unit tests. Not run by CTest (it
# writes into the source tree); run it by hand after a client upgrade:
#
#   bash tests/kafka/make_captures.sh build/ks [kcat kafka-python confluent-kafka kafkajs]
#
# Each client's directory is emptied first. File names are
# <api_key>-<ApiName>-v<version>-<n>.bin (see capture.py); each client runs
# a small workload that makes it send every API it uses: metadata,
# produce (plain, then compressed: -2 is kcat snappy, confluent-kafka zstd,
# kafka-python and kafkajs gzip), fetch, offsets, a consumer group that
# heartbeats, commits and leaves, and topic admin where the client has it.
source "$(dirname "$0")/lib.sh"
CAPTURES=$KAFKA_DIR/captures

# Starts capture.py for CLIENT and points BROKER at it; stop_proxy ends it.
start_proxy() {  # CLIENT
  rm -rf "${CAPTURES:?}/$1"
  mkdir -p "$CAPTURES/$1"
  local port
  port=$(free_port)
  "$PY" "$KAFKA_DIR/capture.py" --listen "127.0.0.1:$port" --upstream "$BROKER" --out "$CAPTURES/$1" \
    2>"$T/proxy.err" &
  PROXY_PID=$!
  wait_until 30 port_open "$port" || fail "capture.py did not start: $(cat "$T/proxy.err")"
  BROKER=127.0.0.1:$port
}

stop_proxy() {
  kill -TERM "$PROXY_PID"
  wait "$PROXY_PID" || true
  grep -c 'wrote' "$T/proxy.err" | sed 's/^/  .. files written: /' >&2
}

step() {  # WHAT CMD...
  local what=$1
  shift
  "$@" >"$T/step.out" 2>"$T/step.err" || fail "$what exited $?: $(tail -c 1500 "$T/step.err")"
}

lines() { local i; for i in $(seq 1 "$1"); do printf 'k%d:capture record %d\n' $((i % 3)) "$i"; done; }

case_kcat() {
  local ts
  assert_exit 0 ks topic create cap-k
  start_proxy kcat
  step "kcat -L" kc -L
  lines 6 >"$T/in"
  step "kcat -P" kc -P -t cap-k -K: -l "$T/in"
  step "kcat -P -z snappy" kc -P -t cap-k -K: -z snappy -l "$T/in"
  step "kcat -C" kc -C -t cap-k -e -q
  ts=$(date +%s%3N)
  step "kcat -Q" kc -Q -t "cap-k:0:$((ts - 60000))"
  timeout 30 kcat -b "$BROKER" -G capg-k -q -u -X auto.offset.reset=earliest -X heartbeat.interval.ms=200 -X session.timeout.ms=6000 \
    -X auto.commit.interval.ms=300 cap-k >"$T/g.out" 2>"$T/g.err" &
  local pid=$!
  wait_until 15 lines_at_least "$T/g.out" 12 || fail "kcat -G read $(count_lines "$T/g.out") of 12: $(cat "$T/g.err")"
  sleep 1.5
  kill -TERM "$pid"
  wait "$pid" || fail "kcat -G exited non-zero: $(cat "$T/g.err")"
  stop_proxy
}

case_kafka_python() {
  start_proxy kafka-python
  step "create_topics" kp admin create cap-p 2
  lines 6 >"$T/in"
  step "KafkaProducer" kp produce cap-p --keyed <"$T/in"
  step "KafkaProducer gzip" kp produce cap-p --keyed --compression gzip <"$T/in"
  step "KafkaConsumer" kp consume cap-p --group capg-p --min 12 --commit --linger-ms 1500
  step "list_consumer_groups" kp admin groups
  step "describe_consumer_groups" kp admin describe-group capg-p
  step "list_consumer_group_offsets" kp admin group-offsets capg-p
  step "delete_topics" kp admin delete cap-p
  stop_proxy
}

case_confluent_kafka() {
  start_proxy confluent-kafka
  step "AdminClient.create_topics" ck admin create cap-c 1
  lines 6 >"$T/in"
  step "Producer" ck produce cap-c --keyed <"$T/in"
  step "Producer zstd" ck produce cap-c --keyed --compression zstd <"$T/in"
  step "Consumer" ck consume cap-c --group capg-c --count 12 --linger-ms 1500
  step "list_groups" ck admin groups
  step "AdminClient.delete_topics" ck admin delete cap-c
  stop_proxy
}

case_kafkajs() {
  start_proxy kafkajs
  step "admin.createTopics" kjs admin create cap-j 2
  lines 6 >"$T/in"
  step "producer.send" kjs produce cap-j --acks -1 --spread 2 <"$T/in"
  step "producer.send gzip" kjs produce cap-j --acks 1 --spread 2 --compression gzip <"$T/in"
  step "consumer" kjs consume cap-j --group capg-j --count 12 --linger-ms 1500
  step "admin.fetchTopicOffsets" kjs admin topic-offsets cap-j
  step "admin.fetchOffsets" kjs admin group-offsets capg-j cap-j
  step "admin.listGroups" kjs admin groups
  step "admin.describeGroups" kjs admin describe-group capg-j
  step "admin.deleteTopics" kjs admin delete cap-j
  stop_proxy
}

if [[ -z "${IT_CASE:-}" ]]; then
  clients=("$@")
  [[ ${#clients[@]} -eq 0 ]] && clients=(kcat kafka-python confluent-kafka kafkajs)
  require_tools "${clients[@]}"
  start_kafka_daemon
  cases=()
  for c in "${clients[@]}"; do cases+=("${c//-/_}:60"); done
  rc=0
  (run_cases "${cases[@]}") || rc=$?
  {
    echo "Request frames recorded by tests/kafka/capture.py (tests/kafka/make_captures.sh)"
    echo "against ks $("$KS" --version 2>/dev/null | awk '{print $NF}') on $(date -u +%Y-%m-%d). Clients:"
    echo "  kcat: $(kcat -V 2>&1 | grep -o 'Version [^ ]*.*librdkafka [0-9.]*' | head -1)"
    echo "  kafka-python: $("$PY" -c 'import kafka; print(kafka.__version__)' 2>/dev/null)"
    echo "  confluent-kafka: $("$PY" -c 'import confluent_kafka as c; print(c.version()[0], "on librdkafka", c.libversion()[0])' 2>/dev/null)"
    echo "  kafkajs: $(node -p 'require(process.argv[1]).version' "$KAFKA_DIR/node_modules/kafkajs/package.json" 2>/dev/null)"
    echo "Each file is one request without its int32 size prefix: the request header"
    echo "(api_key, api_version, correlation_id, client_id[, tagged fields]) and the body."
  } >"$CAPTURES/README"
  du -sh --apparent-size "$CAPTURES" >&2
  exit "$rc"
fi
run_cases kcat kafka_python confluent_kafka kafkajs
