#!/usr/bin/env bash
# venv.sh PROGRAM ARGS...: runs PROGRAM (python, pip) of the matrix's
# virtualenv, creating it first from requirements.txt (exact versions, from
# PyPI) under ${XDG_CACHE_HOME:-~/.cache}/ks-tests/py-clients/HASH.
# /usr/bin/python3 (Debian's) makes it, whatever python3 is first on PATH.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
hash=$( (/usr/bin/python3 --version; cat "$here/requirements.txt") | sha256sum | cut -c1-16)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/ks-tests/py-clients/$hash
if [[ ! -f $venv/.done ]]; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.done"
fi
prog=$1
shift
exec "$venv/bin/$prog" "$@"
