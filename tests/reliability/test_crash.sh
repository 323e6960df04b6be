#!/usr/bin/env bash
# The crash harness as a test: `bash tests/reliability/test_crash.sh /path/to/ks`.
# A short run by default (KS_CRASH_SECONDS=45); set KS_CRASH_SECONDS=600 for
# a long one, KS_CRASH_SEED to replay a schedule. See crash.py for what is
# checked and the other knobs.
set -u
if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: bash $0 /path/to/ks" >&2
  exit 2
fi
export KS_CRASH_SECONDS=${KS_CRASH_SECONDS:-45}
exec python3 "$(dirname "$0")/crash.py" "$1"
