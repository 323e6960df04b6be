#!/usr/bin/env bash
# The same rule on the real artefact: an executable that links only the
# broker core (broker_test) has no libuv among its shared libraries and no
# uv_* symbol, defined or undefined. Catches what the link graph cannot see
# (a library added by hand to a link line, a static libuv). Usage:
# check_binary.sh <executable>
set -euo pipefail
exe=$1
fail=0
if readelf -d "$exe" | grep -i 'NEEDED.*libuv'; then
  echo "FAIL: $exe needs libuv" >&2
  fail=1
fi
if nm "$exe" | awk '{print $NF}' | grep -E '^uv_' | head -5 | grep .; then
  echo "FAIL: $exe has libuv symbols" >&2
  fail=1
fi
[[ $fail == 0 ]] && echo "ok: $exe links no libuv"
exit $fail
