#!/usr/bin/env bash
# check_prometheus_rules.sh SOURCE_DIR: `promtool check rules` on
# deploy/observability/prometheus/rules.yml, `promtool test rules` on every
# unit-test file beside it (tests/*.yml), and every alert named by at least
# one of them. Exit 77 (skipped) when promtool is missing outside CI; in CI
# that fails.
set -euo pipefail
src=${1:?usage: check_prometheus_rules.sh SOURCE_DIR}
dir=$src/deploy/observability/prometheus
if ! command -v promtool >/dev/null 2>&1; then
  echo "check_prometheus_rules: promtool not found (Debian package prometheus: scripts/dev bootstrap installs it)" >&2
  [ -n "${CI:-}" ] && exit 1
  exit 77
fi
promtool check rules "$dir/rules.yml"
untested=""
for alert in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$dir/rules.yml"); do
  grep -qE "alertname: *$alert *$" "$dir"/tests/*.yml || untested="$untested $alert"
done
if [ -n "$untested" ]; then
  echo "check_prometheus_rules: no unit test for:$untested" >&2
  exit 1
fi
cd "$dir/tests"
promtool test rules *.yml
