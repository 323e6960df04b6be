#!/usr/bin/env bash
# kafkajs (pinned by tests/kafka/package-lock.json; scripts/test.sh runs
# `npm ci`) with its default settings in every scenario of
# tests/kafka/clients/README.md; kafkajs_client.js holds the client calls.
source "$(dirname "$0")/../lib.sh"
if [[ -z "${IT_CASE:-}" ]] && ! command -v kcat >/dev/null 2>&1; then
  if [[ "${CI:-}" == "true" ]]; then echo "FAIL [$IT_NAME] kcat missing" >&2; exit 1; fi
  echo "SKIP [$IT_NAME] kcat missing" >&2; exit 77
fi
require_tools kafkajs
CLIENTS_LANG=js
clients_broker

run_kafkajs() { timeout -k 5 $(( 100 * ${KS_IT_TIMEOUT_SCALE:-1} )) node "$CLIENTS_DIR/js/kafkajs_client.js" --broker "$BROKER" "$@"; }

run_client_cases kafkajs
