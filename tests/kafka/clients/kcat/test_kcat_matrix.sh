#!/usr/bin/env bash
# kcat (Debian's) with its default settings in the scenarios of
# tests/kafka/clients/README.md that a tool without an admin API has:
# produce, consume, a group of two, commit and resume (kcat_client.py
# drives it). tests/kafka/test_kcat.sh covers the rest of kcat.
source "$(dirname "$0")/../lib.sh"
require_tools kcat
CLIENTS_LANG=kc
clients_broker

run_kcat() { timeout -k 5 $(( 100 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$CLIENTS_DIR/kcat/kcat_client.py" --broker "$BROKER" "$@"; }

CLIENT_SCENARIOS="produce:60 consume:60 group:100 resume:90"
run_client_cases kcat
