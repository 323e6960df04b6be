#!/usr/bin/env bash
# Regenerates the seed corpus in fuzz/corpus/<target>/ (committed; the
# fuzzers in CI run on a copy and never grow it):
#   fuzz_record_batch, fuzz_frame  written by make_fuzz_corpus (make_corpus.cc)
#   fuzz_kafka_request             one capture per API key and version from
#                                  tests/kafka/captures, plus every client's
#                                  second (compressed) Produce
#   fuzz_cli_input                 the lines below; the first byte picks the parser
#
#   bash fuzz/make_corpus.sh [BUILD_DIR]   (default build-fuzz, configured by scripts/fuzz.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-fuzz}
OUT=$ROOT/fuzz/corpus
CAPTURES=$ROOT/tests/kafka/captures

if [[ ! -f $BUILD/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DKS_FUZZ=ON -DKS_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" -j2 --target make_fuzz_corpus >/dev/null

rm -rf "$OUT"
mkdir -p "$OUT"
"$BUILD/fuzz/make_fuzz_corpus" "$OUT" "$CAPTURES"

kafka=$OUT/fuzz_kafka_request
mkdir -p "$kafka"
declare -A seen=()
for f in "$CAPTURES"/*/*.bin; do
  name=$(basename "$f")
  client=$(basename "$(dirname "$f")")
  api_version=${name%-*.bin}  # 0-Produce-v7
  if [[ -z ${seen[$api_version]:-} ]] || [[ $name == 0-Produce-*-2.bin ]]; then
    seen[$api_version]=1
    cp "$f" "$kafka/$client-$name"
  fi
done

cli=$OUT/fuzz_cli_input
mkdir -p "$cli"
n=0
# The first byte modulo 5 picks the parser: A escapes, B envelope, C position,
# D format, E times (fuzz_cli_input.cc).
seed() {  # SELECTOR TEXT
  n=$((n + 1))
  printf '%s%s' "$1" "$2" >"$cli/$(printf %02d $n)-$1.txt"
}
seed A '\n'
seed A '\t'
seed A '\x1e\x00--\\'
seed A '\0'
seed A 'abc\x4'
seed A '\q'
seed B '{"topic":"t","partition":0,"offset":5,"timestamp":1700000000000,"key":"k","value":"v","headers":[{"key":"h","value":"x"}]}'
seed B '{"value":"only a value"}'
seed B '{"key":null,"value":{"base64":"AAEC/w=="},"headers":{"b":"1","a":null}}'
seed B '{"key":{"base64":"a2V5"},"value":"caf\u00e9 \ud83d\ude00","partition":3,"timestamp":-1}'
seed B '{"value":"x","headers":[{"key":"h"},{"key":{"base64":"/w=="},"value":""}]}'
seed B '{"value":"x","timestamp":1.5}'
seed B '[1,2,3]'
seed B '{"value":"v"}'$'\r\n'
seed C 'beginning'
seed C 'end'
seed C '42'
seed C '-10'
seed C '+5'
seed C '@2026-01-01T00:00:00Z'
seed C '@2026-01-01'
seed C '@1700000000000'
seed C '@-1h30m'
seed C '@-500ms'
seed C '@9223372036854775807'
seed C '99999999999999999999'
seed D '%p/%o %k=%v\n'
seed D '%s [%T] %K:%V %h%%\t%t\x00'
seed D '%z'
seed D 'trailing %'
seed E '2026-01-01T12:30:00Z'
seed E '2026-01-01T12:30:00.250+02:00'
seed E '1999-12-31 23:59:60.999999-00:30'
seed E '0000-02-29'
seed E '9999-12-31t23:59:59.999z'
seed E '1h30m'
seed E '500ms'
seed E '2d90s'
seed E '9223372036854775807ms'

for d in "$OUT"/*/; do
  printf '%s: %d files, %d bytes\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)" \
    "$(find "$d" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"
done
