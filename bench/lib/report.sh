# Results of a bench run (sourced by bench/run.sh): `record` collects one
# row per scenario; `report` writes bench/results/latest.json, prints the
# table and draws bench/results/latest.png with gnuplot (bench/plot.gp).

ROWS=()

# record NAME FIGURE UNIT BASELINE BASELINE_WHAT RATIO TARGET MET NOTE [EXTRA_JSON]
record() {
  ROWS+=("$1")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" >>"$work/rows.tsv"
  jstr() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
  printf '{"scenario":"%s","figure":%s,"unit":"%s","baseline":%s,"baseline_is":"%s","ratio":%s,"target":"%s","met":"%s","note":"%s"%s}\n' \
    "$1" "${2:-0}" "$(jstr "$3")" "${4:-0}" "$(jstr "$5")" "${6:-0}" "$(jstr "$7")" "$8" "$(jstr "$9")" \
    "${10:+,${10}}" >>"$work/rows.jsonl"
  printf '  %-16s %10s %-14s baseline %10s  ratio %6s  target %-18s met %s\n' "$1" "$2" "$3" "$4" "$6" "$7" "$8"
}

machine_json() {
  local cpu mem
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  printf '{"nproc":%s,"memory":"%s","cpu":"%s","kernel":"%s"}' "$(nproc)" "$mem" "$cpu" "$(uname -r)"
}

report() {
  local out=$root/bench/results wall=$1
  mkdir -p "$out"
  {
    printf '{"taken_at":"%s","wall_s":%s,"machine":%s,\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$wall" "$(machine_json)"
    printf ' "counts":{"accounts":%s,"ingest_seconds":%s,"ingest_warmup_seconds":%s,"ingest_connections":"%s","status_events":%s,"questions_apps":%s,"pipeline_apps":%s,"pipeline_concurrency":"%s","openloop_seconds":%s,"openloop_warmup_seconds":%s,"scaleout_apps":%s,"scaleout_workers":%s,"replica_apps":%s,"replica_workers":%s,"replica_phase_s":%s,"backlog_apps":%s},\n' \
      "$accounts" "$INGEST_SECONDS" "$INGEST_WARMUP_SECONDS" "$INGEST_CONNS" "$STATUS_EVENTS" "$QUESTIONS_APPS" "$PIPELINE_APPS" "$PIPELINE_CONC" "$OPENLOOP_SECONDS" "$OPENLOOP_WARMUP_SECONDS" "$SCALE_APPS" "$SCALE_WORKERS" "$REPLICA_APPS" "$REPLICA_WORKERS" "$REPLICA_PHASE" "$BACKLOG_APPS"
    printf ' "scenarios":[\n'
    sed '$!s/$/,/' "$work/rows.jsonl" 2>/dev/null
    printf ' ]}\n'
  } >"$out/latest.json"
  echo
  printf '%-16s | %12s | %-16s | %12s | %6s | %-18s | %s\n' scenario figure unit baseline ratio target met
  printf -- '-----------------+--------------+------------------+--------------+--------+--------------------+----\n'
  awk -F'\t' '{ printf "%-16s | %12s | %-16s | %12s | %6s | %-18s | %s\n", $1, $2, substr($3, 1, 16), $4, $6, $7, $8 }' "$work/rows.tsv"
  echo
  awk -F'\t' '{ printf "  %s: baseline = %s; %s\n", $1, $5, $9 }' "$work/rows.tsv"
  if command -v gnuplot >/dev/null; then
    # ratio.dat: scenario ratio target; rate.dat: scenario figure baseline
    # (throughput scenarios); lat.dat: scenario p50 p99 base_p50 base_p99.
    awk -F'\t' '$7 ~ />=/ { t = $7; gsub(/[^0-9.]/, "", t); print $1, $6, t }' "$work/rows.tsv" >"$work/ratio.dat"
    awk -F'\t' '$3 ~ /\/s$/ { print $1, $2, $4 }' "$work/rows.tsv" >"$work/rate.dat"
    sed -n 's/.*"scenario":"\([a-z@0-9-]*\)".*"p50_ms":\([0-9.]*\),"p99_ms":\([0-9.]*\),"baseline_p50_ms":\([0-9.]*\),"baseline_p99_ms":\([0-9.]*\).*/\1 \2 \3 \4 \5/p' \
      "$work/rows.jsonl" >"$work/lat.dat"
    # sweep.dat (scenario_ingest): connections ingest bound bare p99 bound_p99.
    touch "$work/sweep.dat"
    # A panel whose file is empty (its scenarios did not run) says so.
    local f has=""
    for f in ratio rate lat sweep; do has="$has has_$f=$([ -s "$work/$f.dat" ] && echo 1 || echo 0);"; done
    (cd "$work" && gnuplot -e "out='$out/latest.png'; title='atsbridge bench $(date -u +%Y-%m-%d), $(nproc) cores';$has" \
      "$root/bench/plot.gp") 2>"$work/gnuplot.err" || echo "bench: gnuplot failed (see $work/gnuplot.err)" >&2
  fi
  echo "results: bench/results/latest.json, bench/results/latest.png"
}
