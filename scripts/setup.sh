#!/usr/bin/env bash
# Installs everything pytest-netopsbench needs on a fresh Debian/Ubuntu machine (as root):
# the system packages the lab runtime drives, and a virtual environment with the package.
# Idempotent: a second run only checks. Prints a few lines; the full installer output goes to
# .venv/setup.log and is shown only when a step fails.  Usage: scripts/setup.sh [--no-dev]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${NETOPSBENCH_VENV:-.venv}
PKGS="frr iproute2 fping iputils-ping iputils-tracepath traceroute nftables iptables iperf3 procps python3 python3-venv bubblewrap"
if [ "$(id -u)" != 0 ]; then
  echo "netopsbench: this needs root (it installs Debian packages, and the lab runtime creates network" >&2
  echo "namespaces and starts FRR): run the command in a root shell, or put sudo in front of it." >&2
  exit 1
fi
LOG=$(mktemp /tmp/netopsbench-setup.XXXXXX)
fail() {
  echo "setup.sh: $1 failed; its output:" >&2
  cat "$LOG" >&2
  exit 1
}
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "== installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$LOG" 2>&1 || fail "apt-get update"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >>"$LOG" 2>&1 || fail "apt-get install"
fi
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "python3 -m venv"
fi
extra="dev"
[ "${1:-}" = "--no-dev" ] && extra="all"
echo "== installing the package into $VENV ([$extra] extra)"
{
  "$VENV/bin/python" -m pip install -q --upgrade pip &&
    "$VENV/bin/python" -m pip install -q -e ".[$extra]"
} >>"$LOG" 2>&1 || fail "pip install"
mv -f "$LOG" "$VENV/setup.log"
echo "== setup done: $("$VENV/bin/netopsbench" --version 2>/dev/null || echo 'netopsbench installed')"
