#!/usr/bin/env bash
# Differential tests: the scenarios of src/*.java (Apache Kafka's Java
# client 4.4) run against the Apache Kafka 4.4 broker of the ctest fixture
# apache_kafka and against a ks daemon started here; what the client
# observed must match but for allowed.json's entries (see diff.py).
#
#   bash tests/kafka/diff/test_diff.sh build/ks [SCENARIO...]
#
# By hand, start the reference first:
#   bash tests/kafka/apache/kafka.sh start build/apache-kafka
# KS_IT_KEEP=1 keeps both sides' raw output (printed path).
source "$(dirname "$0")/../lib.sh"

have_jdk() {
  if [[ -n "${JAVA_HOME:-}" ]]; then [[ -x "$JAVA_HOME/bin/javac" ]]; else command -v javac >/dev/null 2>&1; fi
}
if ! have_jdk || ! command -v mvn >/dev/null 2>&1; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "FAIL [$IT_NAME] missing java/javac/mvn (tests/kafka/apache/kafka.sh installs them as root)" >&2
    exit 1
  fi
  echo "SKIP [$IT_NAME] missing java/javac/mvn" >&2
  exit 77
fi
apache=$(apache_bootstrap) || fail "no Apache Kafka broker: the ctest fixture apache_kafka starts it (by hand: bash tests/kafka/apache/kafka.sh start $(dirname "$KS")/apache-kafka)"
port_open "${apache##*:}" || fail "nothing answers at the Apache Kafka bootstrap $apache"
start_kafka_daemon
echo "   Apache Kafka at $apache, ks at $BROKER"
rc=0
timeout -k 10 $(( 1500 * ${KS_IT_TIMEOUT_SCALE:-1} )) \
  "$PY" "$KAFKA_DIR/diff/diff.py" --apache "$apache" --ks "$BROKER" --out "$IT_SCRATCH/diff" "$@" || rc=$?
[[ "${KS_IT_KEEP:-0}" == 1 ]] && echo "   raw output of both sides: $IT_SCRATCH/diff"
exit "$rc"
