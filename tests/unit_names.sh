#!/usr/bin/env bash
# Every doctest TEST_CASE must reach CTest as one test: doctest_discover_tests
# hands each name to CMake, where ';' splits a list, so a name holding one
# became two tests that each matched no case and passed without running.
# Fails naming every such TEST_CASE.
#   bash tests/unit_names.sh SOURCE_DIR
set -euo pipefail
cd "$1"
bad=$(grep -rn --include='*_test.cc' -E 'TEST_CASE\("[^"]*;' . || true)
if [[ -n $bad ]]; then
  echo "TEST_CASE names with ';' never run under ctest (write ',' instead):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "unit test names: none holds ';'"
