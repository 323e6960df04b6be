#!/usr/bin/env bash
# The Go clients of the matrix with their default settings: franz-go (kgo,
# kadm), IBM/sarama, segmentio/kafka-go and confluent-kafka-go, each in
# every scenario of tests/kafka/clients/README.md (build.sh builds them).
source "$(dirname "$0")/../lib.sh"

if [[ -z "${IT_CASE:-}" ]]; then
  if ! command -v go >/dev/null 2>&1 || ! command -v kcat >/dev/null 2>&1; then
    if [[ "${CI:-}" == "true" ]]; then echo "FAIL [$IT_NAME] go or kcat missing" >&2; exit 1; fi
    echo "SKIP [$IT_NAME] go or kcat missing" >&2; exit 77
  fi
  start=$(now_ms)
  GO_CLIENTS=$("$CLIENTS_DIR/go/build.sh") || { echo "FAIL [$IT_NAME:setup] building the Go clients failed" >&2; exit 1; }
  export GO_CLIENTS
  echo "   Go clients in $GO_CLIENTS ($(( $(now_ms) - start )) ms)"
fi
CLIENTS_LANG=go
clients_broker

go_client() { timeout -k 5 $(( 100 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$GO_CLIENTS/$1" --broker "$BROKER" "${@:2}"; }
run_franz() { go_client franz "$@"; }
run_sarama() { go_client sarama "$@"; }
run_kafkago() { go_client kafkago "$@"; }
run_confluent() { go_client confluent "$@"; }
# kafka-go's default Balancer is round-robin: keys do not pick partitions.
kafkago_produce_flags=--any-partition

run_client_cases ${KS_CLIENTS:-franz sarama kafkago confluent}
