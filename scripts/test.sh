#!/usr/bin/env bash
# Set everything up, then run the whole test suite (real labs included; needs root).
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rc=0
.venv/bin/pytest -n 2 tests "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  # pytest's "no tests were collected": nothing failed, so this is not an error.
  echo "test.sh: no tests collected (pytest exit code 5); treating as success"
  exit 0
fi
exit "$rc"
