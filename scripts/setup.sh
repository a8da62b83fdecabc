#!/usr/bin/env bash
# Installs everything pytest-netopsbench needs on a fresh Debian/Ubuntu machine (as root):
# the system packages the lab runtime drives, and a virtual environment with the package.
# Idempotent: a second run only checks.  Usage: scripts/setup.sh [--no-dev]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${NETOPSBENCH_VENV:-.venv}
PKGS="frr iproute2 fping iputils-ping iputils-tracepath traceroute nftables iptables iperf3 procps python3 python3-venv bubblewrap"
if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (the lab runtime creates network namespaces and starts FRR)" >&2
  exit 1
fi
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "== installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
fi
extra="dev"
[ "${1:-}" = "--no-dev" ] && extra="all"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[$extra]"
echo "== setup done: $("$VENV/bin/netopsbench" --version 2>/dev/null || echo 'netopsbench installed')"
