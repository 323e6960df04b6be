#!/usr/bin/env bash
# Installs the Debian packages ks needs to build and test. Idempotent and
# silent when everything is already present. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev nlohmann-json3-dev libsqlite3-dev libuv1-dev doctest-dev
  # Kafka batch compression: gzip, snappy, lz4, zstd
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
  # used by the cross-process tests (tests/cli, tests/docs; tmux drives `ks top`)
  python3 procps man-db tmux
  # Kafka clients the compatibility tests drive (tests/kafka)
  kcat python3-kafka python3-confluent-kafka
  # the client matrix's virtualenv of PyPI clients (tests/kafka/clients/python)
  python3-venv
)
# kafkajs needs Node.js and npm; a machine that already has them (from
# another source) keeps its own, since Debian's npm would conflict.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
# Extra package sets, asked for by the scripts that need them.
for extra in "$@"; do
  case "$extra" in
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    *) echo "setup.sh: unknown extra '$extra'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
