#!/usr/bin/env bash
# Set everything up, run the gates CI runs (lint, format, types), then the whole test suite (real
# labs included; needs root). Each gate prints one line; the first that fails stops the script.
# Usage: bash scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages only the tests need, installed when missing: openssh-server for the remote xdist
# worker test (tests/plugin/test_remote_workers.py), chromium and a font for the HTML page tests
# (tests/stats/test_pages_browser.py), victoria-metrics for the live-mirror tests
# (tests/observability/).
TEST_PKGS=(openssh-server chromium fonts-liberation victoria-metrics)
missing=()
for pkg in "${TEST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing test-only packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
fi
out=$(mktemp /tmp/netopsbench-gate.XXXXXX)
trap 'rm -f "$out"' EXIT
gate() {
  local name=$1
  shift
  if "$@" >"$out" 2>&1; then
    echo "gate $name: ok"
  else
    cat "$out" >&2
    echo "test.sh: gate '$name' failed ($*); fix the findings above, then run again" >&2
    exit 1
  fi
}
gate "ruff check" .venv/bin/ruff check .
gate "ruff format" .venv/bin/ruff format --check .
# the files, search paths and strictness come from [tool.mypy] in pyproject.toml
gate "mypy --strict" .venv/bin/mypy
rc=0
.venv/bin/pytest -n 2 tests "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  # pytest's "no tests were collected": nothing failed, so this is not an error.
  echo "test.sh: no tests collected (pytest exit code 5); treating as success"
  exit 0
fi
exit "$rc"
