#!/usr/bin/env bash
# The Python clients of the matrix from PyPI with their default settings:
# confluent-kafka, aiokafka and kafka-python (exact versions in
# requirements.txt, in a virtualenv venv.sh makes), each in every scenario
# of tests/kafka/clients/README.md. (test_kafka_python.sh and
# test_confluent_kafka.sh in tests/kafka run Debian's packages.)
source "$(dirname "$0")/../lib.sh"

if [[ -z "${IT_CASE:-}" ]]; then
  if ! command -v kcat >/dev/null 2>&1 || ! /usr/bin/python3 -m venv --help >/dev/null 2>&1; then
    if [[ "${CI:-}" == "true" ]]; then echo "FAIL [$IT_NAME] kcat or python3-venv missing" >&2; exit 1; fi
    echo "SKIP [$IT_NAME] kcat or python3-venv missing" >&2; exit 77
  fi
  start=$(now_ms)
  "$CLIENTS_DIR/python/venv.sh" python -c 'import aiokafka, confluent_kafka, kafka' ||
    { echo "FAIL [$IT_NAME:setup] the virtualenv of requirements.txt could not be made" >&2; exit 1; }
  echo "   Python clients' virtualenv ready ($(( $(now_ms) - start )) ms)"
fi
CLIENTS_LANG=py
clients_broker

py_client() { timeout -k 5 $(( 100 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$CLIENTS_DIR/python/venv.sh" python "$CLIENTS_DIR/python/$1_client.py" --broker "$BROKER" "${@:2}"; }
run_confluent() { py_client confluent "$@"; }
run_aiokafka() { py_client aiokafka "$@"; }
run_kafkapython() { py_client kafka_python "$@"; }

run_client_cases ${KS_CLIENTS:-confluent aiokafka kafkapython}
