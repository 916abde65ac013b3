# The benchmark's private stack (sourced by bench/run.sh): PostgreSQL and a
# real Apache Kafka from scripts/testenv, the ATS simulator and the services
# on free ports (never the default ones, so `scripts/dev up` is not touched).
# Every process started is recorded and stopped by stack_down.

declare -A SVC_PID=() SVC_PORT=() PEAK_KB=() IDLE_KB=()
BG_PIDS=()

# rss_kb PID FIELD: VmRSS or VmHWM of a live process in kB (0 when gone).
rss_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null || echo 0; }

wait_http() { # URL SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

stack_up() {
  ATSB_BIN_DIR=$build ATSB_BROKER=kafka "$root/scripts/testenv" start "$work/env" >"$work/testenv.log" 2>&1 \
    || { cat "$work/testenv.log" >&2; die "bench: the private PostgreSQL + Kafka did not start"; }
  # KEY=VALUE lines whose values contain spaces: read them, do not source them.
  while IFS='=' read -r k v; do [ -n "$k" ] && export "$k=$v"; done <"$work/env/env"
  pg_port=$(echo "$ATSB_PG_DSN" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
  sim_port=$(free_port 18190)
  # Every simulated Lever rate limit lifted: the bench measures atsbridge, not the buckets.
  ATSB_SIM_LEVER_RATE=0 ATSB_SIM_LEVER_BURST=0 ATSB_SIM_LEVER_APPLY_RATE=0 ATSB_SIM_LEVER_APPLY_BURST=0 \
    "$build/tools/atssim/atssim" --addr "127.0.0.1:$sim_port" --seed "$root/tools/atssim/seed.json" \
    >"$work/atssim.log" 2>&1 &
  SVC_PID[atssim]=$!
  sim=http://127.0.0.1:$sim_port
  wait_http "$sim/healthz" 30 || die "bench: the ATS simulator did not start (see $work/atssim.log)"
  export ATSB_LOG_LEVEL=warn ATSB_DEV=1 ATSB_OUTBOUND_ALLOW=127.0.0.0/8,::1
  export ATSB_LEVER_API_URL=$sim/lever/v1 ATSB_LEVER_TOKEN_URL=$sim/lever/auth/oauth/token
  export ATSB_LEVER_AUTHORIZE_URL=$sim/lever/auth/authorize ATSB_PROVIDER_URL=$sim/provider/v1
  # delivery's own per-account buckets set out of the way (1,000,000/s).
  export ATSB_LEVER_RATE=1000000 ATSB_LEVER_BURST=1000000 ATSB_LEVER_APPLY_RATE=1000000 ATSB_LEVER_APPLY_BURST=1000000
  echo "stack: postgres 127.0.0.1:$pg_port, kafka $ATSB_KAFKA_BROKERS, atssim $sim (Lever limits off)"
}

# topics PREFIX: creates the topics of DESIGN.md under PREFIX.
topics() {
  ATSB_TOPIC_PREFIX=$1 "$build/tools/topics/atsb-topics" --bootstrap "$ATSB_KAFKA_BROKERS" >>"$work/topics.log" 2>&1 \
    || die "bench: cannot create topics $1* (see $work/topics.log)"
}

# svc_start KEY SERVICE PREFIX [VAR=VALUE...]: starts atsb-SERVICE on a free
# port with topics and consumer groups under PREFIX; KEY names the instance.
svc_start() {
  local key=$1 name=$2 prefix=$3 port var
  shift 3
  port=$(free_port $((18200 + RANDOM % 600)))
  var=ATSB_$(echo "$name" | tr a-z A-Z)_ADDR
  env "$var=127.0.0.1:$port" ATSB_TOPIC_PREFIX="$prefix" \
    ATSB_QUESTIONS_GROUP="${prefix}questions" ATSB_DELIVERY_GROUP="${prefix}delivery" \
    ATSB_LEVER_REDIRECT_URI="http://127.0.0.1:$port/oauth/lever/callback" \
    ATSB_INGEST_STATUS_URL_BASE="http://127.0.0.1:${SVC_PORT[status]:-8084}" \
    "$@" "$build/services/$name/atsb-$name" >>"$work/$key.log" 2>&1 &
  SVC_PID[$key]=$!
  SVC_PORT[$key]=$port
  wait_http "http://127.0.0.1:$port/readyz" 60 || die "bench: $key is not ready (see $work/$key.log)"
}

# svc_stop KEY...: records each instance's peak RSS (VmHWM) under its
# service name, then stops it.
svc_stop() {
  local key name pid kb i
  for key in "$@"; do
    pid=${SVC_PID[$key]:-}
    [ -n "$pid" ] || continue
    name=${key%%[0-9]*}
    name=${name%-*}
    kb=$(rss_kb "$pid" VmHWM)
    [ "${kb:-0}" -gt "${PEAK_KB[$name]:-0}" ] && PEAK_KB[$name]=$kb
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "SVC_PID[$key]"
  done
}

stack_down() {
  local k p
  for k in "${!SVC_PID[@]}"; do [ "$k" = atssim ] || svc_stop "$k"; done
  for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "${SVC_PID[atssim]:-}" ] && svc_stop atssim
  "$root/scripts/testenv" stop "$work/env" >/dev/null 2>&1 || true
}

sim_latency() { curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"ms\":$1}" "$sim/_sim/latency"; }
sim_requests() { curl -fsS "$sim/_sim/requests" | grep -o '"total": *[0-9]*' | head -n 1 | grep -o '[0-9]*$'; }
