#!/usr/bin/env bash
# The main job: set everything up, then run the xs benchmark campaign with the built-in reference
# agent on the embedded netns runtime (2 pytest-xdist workers). Ends with the summary table and the
# path of report.json.  Usage (root): bash scripts/main.sh [extra `netopsbench run` args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
NOB=.venv/bin/netopsbench
"$NOB" doctor
exec "$NOB" run scenarios/generated/xs --agent reference -n 2 "$@"
