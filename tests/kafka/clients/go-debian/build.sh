#!/usr/bin/env bash
# Builds the Debian-packaged Go clients' test programs (sarama122,
# kafkago021) into OUT_DIR, installing Debian's packages first when they
# are missing:
#   golang-github-shopify-sarama-dev     sarama 1.22.1
#   golang-github-segmentio-kafka-go-dev kafka-go 0.2.1
# They are built in GOPATH mode (GO111MODULE=off) against /usr/share/gocode,
# where Debian installs Go sources, with the Go toolchain on PATH,
# /usr/local/go's or Debian's golang-go (installed when there is none).
#
#   build.sh OUT_DIR
#
# Exit 77 (skip) when something is missing and cannot be installed (not
# root) outside CI; in CI (CI=true) that is a failure (exit 1).
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(dirname "$(realpath "$0")")
pkgs=(golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev)

missing_or_skip() {  # WHY
  if [[ "${CI:-}" == "true" ]]; then echo "go-debian: $1" >&2; exit 1; fi
  echo "go-debian: SKIP: $1" >&2
  exit 77
}

go_bin() {
  command -v go 2>/dev/null && return 0
  local g
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [[ -x $g ]] && { echo "$g"; return 0; }; done
  return 1
}

need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
go_bin >/dev/null || need+=(golang-go)
if [[ ${#need[@]} -gt 0 ]]; then
  [[ $(id -u) -eq 0 ]] || missing_or_skip "missing ${need[*]} and not root to apt-get install them"
  echo "go-debian: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || missing_or_skip "apt-get update failed"
  apt-get install -y -qq "${need[@]}" >&2 || missing_or_skip "apt-get install ${need[*]} failed"
fi
go=$(go_bin) || missing_or_skip "no Go toolchain"

mkdir -p "$out"
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE="$out/gocache" CGO_CFLAGS="-w"
for prog in sarama122 kafkago021; do
  "$go" build -o "$out/$prog" "$here/$prog/main.go" >&2
done
