#!/usr/bin/env bash
# Benchmark: accepted applications/s of atsb-ingest (full path: validation,
# PostgreSQL transaction, produce + delivery report to devbroker) against a
# bare libmicrohttpd handler answering 202 (bare202.c). Prints the ratio, p99
# latency of each and ingest's peak RSS.
#   bench/ingest/run.sh [DURATION_S] [CONNECTIONS]
# Uses a private PostgreSQL + devbroker (scripts/testenv) and build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib.sh"
duration=${1:-15}
conns=${2:-32}
threads=${BENCH_THREADS:-4}
build=${ATSB_BUILD_DIR:-$root/build}
work=$(mktemp -d /tmp/atsb-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$root/scripts/testenv" stop "$work/env" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || die "wrk is missing (apt-get install wrk)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
    || die "cannot install wrk"
fi
[ -x "$build/services/ingest/atsb-ingest" ] && [ -x "$build/bench/ingest/bench_bare202" ] || "$root/scripts/dev" build

ATSB_BIN_DIR=$build "$root/scripts/testenv" start "$work/env" >/dev/null
# KEY=VALUE lines whose values contain spaces: read them, do not source them.
while IFS='=' read -r k v; do [ -n "$k" ] && export "$k=$v"; done <"$work/env/env"
psql_bin=$(pg_bindir)/psql
pg_port=$(echo "$ATSB_PG_DSN" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
"$psql_bin" -h 127.0.0.1 -p "$pg_port" -U atsbridge -d atsbridge -qc "
  CREATE SCHEMA status;
  CREATE TABLE status.accounts (account_id text PRIMARY KEY, ats text NOT NULL,
    connection_name text NOT NULL DEFAULT 'Connection-OAuth-1', run_mode text NOT NULL DEFAULT 'test',
    company_name text, privacy_policy_url text, source_labels jsonb NOT NULL DEFAULT '{}',
    bgcheck_stage text NOT NULL DEFAULT '', bgcheck_tag_prefix text NOT NULL DEFAULT '',
    notification_url text, daily_api_budget int, feed_interval_s int, grants jsonb NOT NULL, lever_perform_as text);
  INSERT INTO status.accounts (account_id, ats, grants) VALUES ('demo-lever', 'lever', '{\"boards\": [\"stepstone_de\"]}');" >/dev/null

ingest_port=$(free_port 18081)
ATSB_INGEST_ADDR=127.0.0.1:$ingest_port ATSB_PG_POOL=${BENCH_PG_POOL:-32} ATSB_LOG_LEVEL=warn \
  "$build/services/ingest/atsb-ingest" >"$work/ingest.log" 2>&1 &
ingest_pid=$!
pids+=("$ingest_pid")
for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$ingest_port/readyz" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null -X PUT -H 'Authorization: Bearer dev-admin-token' -H 'Content-Type: application/json' \
  -d '{"key":"dev-stepstone-key"}' "http://127.0.0.1:$ingest_port/v1/admin/boards/stepstone_de/keys"

bare_port=$(free_port 18091)
"$build/bench/ingest/bench_bare202" "$bare_port" &
pids+=("$!")
sleep 0.3

bench() { # URL -> "rps p99_ms non202"
  BENCH_RUN=$RANDOM wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$root/bench/ingest/post.lua" "$1" \
    | sed -n 's/^RESULT rps=\([0-9.]*\) p99_ms=\([0-9.]*\) non202=\([0-9]*\)$/\1 \2 \3/p'
}
read -r bare_rps bare_p99 _ < <(bench "http://127.0.0.1:$bare_port")
read -r ing_rps ing_p99 ing_bad < <(bench "http://127.0.0.1:$ingest_port")
rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$ingest_pid/status")
ratio=$(awk -v a="$ing_rps" -v b="$bare_rps" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
printf 'bare libmicrohttpd 202: %8.1f req/s  p99 %7.2f ms\n' "$bare_rps" "$bare_p99"
printf 'atsb-ingest (accepted): %8.1f req/s  p99 %7.2f ms  non-202 %s\n' "$ing_rps" "$ing_p99" "$ing_bad"
printf 'ratio ingest/bare:      %s\n' "$ratio"
printf 'ingest peak RSS:        %s kB\n' "$rss_kb"
printf '(%ss, %s connections, %s threads, devbroker, PostgreSQL fsync=off)\n' "$duration" "$conns" "$threads"
