#!/usr/bin/env bash
# The main job: set everything up, then run it.  Usage (root): bash scripts/main.sh
# Until the benchmark loop lands this brings up an xs fabric, prints its health and removes it;
# the command name stays the same when it starts running the real benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
NOB=.venv/bin/netopsbench
"$NOB" doctor
name="nob-main-$$"
trap '"$NOB" runtime teardown "$name" >/dev/null 2>&1 || true' EXIT
"$NOB" runtime up --scale xs --name "$name"
"$NOB" runtime health "$name"
"$NOB" runtime teardown "$name"
trap - EXIT
