#!/usr/bin/env bash
# build.sh: prints the directory holding the matrix's Go client programs
# (franz, sarama, kafkago, confluent), building them first when their
# sources or pinned modules changed. Modules come from the Go module proxy
# into the Go module cache as go.mod/go.sum pin them; the binaries are
# kept under ${XDG_CACHE_HOME:-~/.cache}/ks-tests/go-clients/HASH, since
# confluent-kafka-go (cgo, bundled librdkafka) takes minutes to build cold.
set -euo pipefail
cd "$(dirname "$0")"
hash=$( (go version; cat go.mod go.sum; find . -name '*.go' | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)
out=${XDG_CACHE_HOME:-$HOME/.cache}/ks-tests/go-clients/$hash
if [[ ! -f $out/.done ]]; then
  mkdir -p "$out"
  for p in franz sarama kafkago confluent; do
    GOFLAGS="-mod=readonly -buildvcs=false" go build -o "$out/$p" "./$p" >&2
  done
  touch "$out/.done"
fi
echo "$out"
