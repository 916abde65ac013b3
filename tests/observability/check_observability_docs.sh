#!/usr/bin/env bash
# check_observability_docs.sh SOURCE_DIR: docs/observability.md has a row
# for every metric of common/metrics_help.c and a runbook section for every
# alert of deploy/observability/prometheus/rules.yml.
set -euo pipefail
src=${1:?usage: check_observability_docs.sh SOURCE_DIR}
doc=$src/docs/observability.md
missing=""
for m in $(sed -n 's/^ *{"\(atsb_[a-z0-9_]*\)",.*/\1/p' "$src/common/metrics_help.c"); do
  grep -qE "^\| \`$m\` \|" "$doc" || missing="$missing $m"
done
for a in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$src/deploy/observability/prometheus/rules.yml"); do
  grep -qx "#### $a" "$doc" || missing="$missing alert:$a"
done
if [ -n "$missing" ]; then
  echo "check_observability_docs: docs/observability.md lacks:$missing" >&2
  exit 1
fi
echo "check_observability_docs: every metric and every alert documented"
