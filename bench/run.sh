#!/usr/bin/env bash
# `scripts/dev bench [SCENARIO...]`: every benchmark scenario (or the ones
# named) against a private stack, each figure with its baseline measured in
# the same run; writes bench/results/latest.{json,png} and prints a table.
# Scenarios: ingest status questions pipeline openloop scaleout replicas delivery backlog memory hostile
# (delivery and backlog are one drain run; memory reports the peak RSS of
# every service over the scenarios that ran, and runs the pipeline when
# alone). Counts are environment variables (defaults sized for a 2-core
# machine, see docs/benchmarks.md): BENCH_ACCOUNTS, BENCH_INGEST_SECONDS,
# BENCH_INGEST_WARMUP_SECONDS, BENCH_INGEST_CONNS, BENCH_STATUS_EVENTS, BENCH_QUESTIONS_APPS, BENCH_PIPELINE_APPS,
# BENCH_PIPELINE_CONC, BENCH_OPENLOOP_RATES, BENCH_OPENLOOP_SECONDS, BENCH_OPENLOOP_WARMUP_SECONDS, BENCH_SCALE_APPS, BENCH_SCALE_WORKERS,
# BENCH_REPLICA_APPS, BENCH_REPLICA_WORKERS, BENCH_REPLICA_PHASE, BENCH_BACKLOG_APPS, BENCH_HOSTILE_SECONDS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
build=${ATSB_BUILD_DIR:-$root/build}

accounts=${BENCH_ACCOUNTS:-8}
INGEST_SECONDS=${BENCH_INGEST_SECONDS:-8}
INGEST_WARMUP_SECONDS=${BENCH_INGEST_WARMUP_SECONDS:-20}
INGEST_CONNS=${BENCH_INGEST_CONNS:-32 256 1024}
BOUND_WORKERS=${BENCH_BOUND_WORKERS:-2}
STATUS_EVENTS=${BENCH_STATUS_EVENTS:-40000}
QUESTIONS_APPS=${BENCH_QUESTIONS_APPS:-10000}
PIPELINE_APPS=${BENCH_PIPELINE_APPS:-20000}
PIPELINE_CONC=${BENCH_PIPELINE_CONC:-32 128}
OPENLOOP_RATES=${BENCH_OPENLOOP_RATES:-}
OPENLOOP_SECONDS=${BENCH_OPENLOOP_SECONDS:-20}
OPENLOOP_WARMUP_SECONDS=${BENCH_OPENLOOP_WARMUP_SECONDS:-5}
APPLY_ARGS=()
PIPELINE_TIMEOUT=${BENCH_PIPELINE_TIMEOUT:-400}
SCALE_APPS=${BENCH_SCALE_APPS:-2000}
SCALE_WORKERS=${BENCH_SCALE_WORKERS:-4}
REPLICA_APPS=${BENCH_REPLICA_APPS:-16000}
REPLICA_WORKERS=${BENCH_REPLICA_WORKERS:-8}
REPLICA_PHASE=${BENCH_REPLICA_PHASE:-10}
BACKLOG_APPS=${BENCH_BACKLOG_APPS:-50000}
HOSTILE_SECONDS=${BENCH_HOSTILE_SECONDS:-8}

all="ingest status questions pipeline openloop scaleout replicas delivery backlog memory hostile"
want=" ${*:-$all} "
for s in $want; do case " $all " in *" $s "*) ;; *) die "unknown scenario '$s' (one of: $all)" ;; esac; done
wants() { case "$want" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

. "$root/bench/lib/stack.sh"
. "$root/bench/lib/setup.sh"
. "$root/bench/lib/scenarios.sh"
. "$root/bench/lib/report.sh"

atsb_bench_bootstrap
"$root/scripts/dev" build
"$root/scripts/kafka" fetch >/dev/null

work=$(mktemp -d /tmp/atsb-bench.XXXXXX)
chmod 755 "$work"
ok=0
cleanup() {
  stack_down
  if [ "$ok" = 1 ] && [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$work"; else echo "bench: logs kept in $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wrk holds 1024 connections, the servers as many: raise the open-file limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
t0=$(date +%s)
stack_up
setup
echo "scenarios:"
if wants ingest; then scenario_ingest; fi
if wants status; then scenario_status; fi
if wants questions; then scenario_questions; fi
if wants pipeline || [ "$want" = " memory " ]; then scenario_pipeline; fi
if wants openloop; then scenario_openloop; fi
if wants scaleout; then scenario_scaleout; fi
if wants replicas; then scenario_replicas; fi
if wants delivery || wants backlog; then scenario_drain; fi
if wants memory; then scenario_memory; fi
if wants hostile; then scenario_hostile; fi
wall=$(($(date +%s) - t0))
report "$wall"
"$root/bench/lib/figures.sh" --update "$root/docs/benchmarks.md"
echo "docs/benchmarks.md: figures table regenerated from bench/results/latest.json"
echo "wall time: ${wall} s (stack start, setup and every scenario)"
ok=1
