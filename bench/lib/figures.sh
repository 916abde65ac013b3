#!/usr/bin/env bash
# The figures table of docs/benchmarks.md, generated from a bench run's
# bench/results/latest.json (one scenario per line, as bench/lib/report.sh
# writes it), so the document cannot drift from the results:
#   figures.sh [JSON]               prints the table
#   figures.sh --update DOC [JSON]  replaces DOC's block between the
#                                   <!-- figures:begin --> and <!-- figures:end --> lines
#   figures.sh --check DOC [JSON]   exits 1, with a diff, when that block differs
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mode=print doc=
case "${1:-}" in
--update | --check)
  mode=${1#--}
  doc=${2:?usage: figures.sh --update|--check DOC [JSON]}
  shift 2
  ;;
esac
json=${1:-$root/bench/results/latest.json}
[ -r "$json" ] || { echo "figures: cannot read $json" >&2; exit 2; }

table() {
  awk '
    function str(k) { return match($0, "\"" k "\":\"[^\"]*\"") ? substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 5) : "" }
    function num(k) { return match($0, "\"" k "\":-?[0-9.eE+]+") ? substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3) : "" }
    function lat(p50, p99) { return (p50 != "" && p50 + 0 > 0 ? ", p50 " p50 " ms" : "") (p99 != "" ? ", p99 " p99 " ms" : "") }
    /"taken_at"/ {
      printf "Taken %s on %s CPUs (%s, %s), `scripts/dev bench` wall time %s s.\n\n", str("taken_at"), num("nproc"), str("cpu"), str("memory"), num("wall_s")
      print "| scenario | figure | baseline (same run) | ratio | target | met |"
      print "|---|---|---|---|---|---|"
    }
    /"scenario"/ {
      printf "| %s | %s %s%s | %s (%s)%s | %s | %s | %s |\n", str("scenario"), num("figure"), str("unit"),
        lat(num("p50_ms"), num("p99_ms")), num("baseline"), str("baseline_is"),
        lat(num("baseline_p50_ms"), num("baseline_p99_ms")), num("ratio"), str("target"), str("met")
    }' "$json"
}

case $mode in
print) table ;;
update | check)
  grep -q '^<!-- figures:begin -->$' "$doc" && grep -q '^<!-- figures:end -->$' "$doc" \
    || { echo "figures: $doc has no <!-- figures:begin --> / <!-- figures:end --> block" >&2; exit 2; }
  new=$(mktemp)
  trap 'rm -f "$new"' EXIT
  awk -v t="$(table)" '
    /^<!-- figures:begin -->$/ { print; print t; skip = 1; next }
    /^<!-- figures:end -->$/ { skip = 0 }
    !skip' "$doc" >"$new"
  if [ "$mode" = update ]; then
    cat "$new" >"$doc"
  elif ! diff -u "$doc" "$new" >&2; then
    echo "figures: the table in $doc is not the one $json gives: run bench/lib/figures.sh --update $doc" >&2
    exit 1
  fi
  ;;
esac
