#!/usr/bin/env bash
# feed.sh TOPIC [KCAT ARGS...] < LINES: produces the lines to TOPIC on
# $BROKER with kcat (acks=all), one record per line, so that the records a
# scenario reads do not depend on the client under test. -K: for keys.
set -euo pipefail
topic=$1
shift
exec timeout -k 5 60 kcat -b "$BROKER" -P -t "$topic" -X acks=all -X message.timeout.ms=20000 "$@"
