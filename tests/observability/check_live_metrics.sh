#!/usr/bin/env bash
# check_live_metrics.sh METRICS_DIR SOURCE_DIR: each service's /metrics
# answer (METRICS_DIR/<service>.txt, saved by test_metrics_live) through
# `promtool check metrics` (any problem it reports fails), then every
# metric name of the alert rules and the Grafana dashboard against the
# families those answers show (promql_names.js). Exit 77 (skipped) when
# promtool is missing outside CI; in CI that fails.
set -uo pipefail
dir=${1:?usage: check_live_metrics.sh METRICS_DIR SOURCE_DIR}
src=${2:?usage: check_live_metrics.sh METRICS_DIR SOURCE_DIR}
obs=$src/deploy/observability
if ! command -v promtool >/dev/null 2>&1; then
  echo "check_live_metrics: promtool not found (Debian package prometheus: scripts/dev bootstrap installs it)" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 77
fi
failed=0 n=0
for f in "$dir"/*.txt; do
  n=$((n + 1))
  out=$(promtool check metrics <"$f" 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    echo "promtool check metrics: $(basename "$f" .txt): exit $rc" >&2
    echo "$out" >&2
    failed=$((failed + 1))
  else
    echo "promtool check metrics: $(basename "$f" .txt): clean"
  fi
done
[ $n -eq 5 ] || { echo "check_live_metrics: $n answers in $dir, want 5" >&2; failed=$((failed + 1)); }
node "$(dirname "$0")/promql_names.js" --check "$dir" "$obs/prometheus/rules.yml" "$obs/grafana/atsbridge.json" \
  "$(dirname "$0")/external_metrics.txt" || failed=$((failed + 1))
[ $failed -eq 0 ]
