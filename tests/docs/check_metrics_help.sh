#!/usr/bin/env bash
# Every metric the code exports has its HELP text in common/metrics_help.c
# (promtool check metrics wants one): each "atsb_..." string literal in the
# C sources of common/, services/ and tools/ must be listed there.
set -euo pipefail
src=${1:?usage: check_metrics_help.sh SOURCE_DIR}
help=$src/common/metrics_help.c
missing=$(grep -rhoE --include='*.c' '"atsb_[a-z0-9_]+"' "$src/common" "$src/services" "$src/tools" | sort -u |
  while read -r name; do grep -qF "{$name," "$help" || echo "${name//\"/}"; done)
if [ -n "$missing" ]; then
  echo "check_metrics_help: no HELP text in common/metrics_help.c for:" $missing >&2
  exit 1
fi
echo "check_metrics_help: every metric has its HELP text"
