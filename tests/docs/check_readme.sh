#!/usr/bin/env bash
# Every ATSB_* environment variable the code reads must be documented in
# README.md or docs/*.md.
set -euo pipefail
src=${1:?usage: check_readme.sh SOURCE_DIR}
missing=0
for v in $(grep -rhoE --include='*.c' '"ATSB_[A-Z0-9_]+"' "$src/common" "$src/services" "$src/tools" | tr -d '"' | sort -u); do
  grep -q "\`$v\`\|$v\b" "$src/README.md" "$src"/docs/*.md || { echo "check_readme: $v is read by the code but not documented in README.md or docs/" >&2; missing=1; }
done
exit $missing
