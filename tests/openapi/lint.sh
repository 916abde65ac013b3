#!/usr/bin/env bash
# Lints every OpenAPI description redocly.yaml lists with @redocly/cli:
# Redocly's recommended rules, the exceptions justified in redocly.yaml.
# A warning fails the test like an error. No telemetry, no update check.
# Usage: lint.sh SOURCE_DIR NODE_DIR (NODE_DIR from scripts/node-deps).
set -euo pipefail
src=$1 node_dir=$2
cd "$src"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
rc=0
out=$(node "$node_dir/node_modules/@redocly/cli/bin/cli.js" lint --config redocly.yaml --format stylish 2>&1) || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || exit "$rc"
if grep -qE '^ +[0-9]+:[0-9]+ +warning' <<<"$out"; then
  echo "openapi_lint: warnings fail the lint (fix them, or turn the rule off in redocly.yaml with the reason)" >&2
  exit 1
fi
# Every openapi.yaml of the tree is listed, and each was linted.
for f in $(find services tools -name openapi.yaml | sort); do
  grep -qx "    root: $f" redocly.yaml || { echo "openapi_lint: $f is not listed in redocly.yaml" >&2; exit 1; }
done
want=$(grep -c '^    root: ' redocly.yaml)
n=$(grep -c 'validated in' <<<"$out" || true)
[ "$n" -eq "$want" ] || { echo "openapi_lint: redocly.yaml lists $want descriptions, $n were linted" >&2; exit 1; }
