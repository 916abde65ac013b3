# The scenarios of `scripts/dev bench` (sourced by bench/run.sh). Each one
# uses its own topic prefix, so no scenario sees another's messages, and
# calls `record` (bench/lib/report.sh) with its figure, the baseline
# measured in the same run, and the ratio.

# field NAME LINE: value of NAME=value in a RESULT line.
field() { local v; v=$(echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"); echo "${v:-0}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
yesno() { if ge "$1" "$2"; then echo yes; else echo no; fi; }

# cpu_ticks: "busy total" jiffies of all CPUs so far (/proc/stat).
cpu_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
# proc_ticks PID...: user + system jiffies of these processes so far (gone ones count 0).
proc_ticks() {
  local p t=0
  for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
# pg_pids, kafka_pid: the private PostgreSQL (postmaster and its backends) and Kafka broker.
pg_pids() {
  local pm
  pm=$(head -n 1 "$(cat "$work/env/pgdata")/pg/postmaster.pid" 2>/dev/null) || return 0
  echo "$pm" $(pgrep -P "$pm")
}
kafka_pid() { cat "$work/env/kafka/kafka.pid" 2>/dev/null || echo 0; }

# count_bg TOPIC N TIMEOUT [TYPE]: bench_topic count in the background,
# returned once it has the topic assigned; its output goes to $work/count.out.
count_bg() {
  "$build/bench/pipeline/bench_topic" count "$@" >"$work/count.out" 2>>"$work/count.err" &
  count_pid=$!
  BG_PIDS+=("$count_pid")
  local i
  for ((i = 0; i < 300; i++)); do grep -q READY "$work/count.out" 2>/dev/null && return 0; sleep 0.1; done
  die "bench: bench_topic count did not start (see $work/count.err)"
}
# count_wait: waits for it (not in a subshell: it must be our child); the
# RESULT line goes to COUNT_RESULT.
count_wait() {
  wait "$count_pid" || true
  COUNT_RESULT=$(grep '^RESULT' "$work/count.out") || COUNT_RESULT="RESULT count=0 rate=0"
}

# bench_topic_create NAME: creates one topic of the bench's own (no prefix added).
bench_topic_create() {
  ATSB_TOPIC_PREFIX= "$build/tools/topics/atsb-topics" --bootstrap "$ATSB_KAFKA_BROKERS" --create "$1" \
    >>"$work/topics.log" 2>&1 || die "bench: cannot create topic $1 (see $work/topics.log)"
}

# Ingest at each concurrency of INGEST_CONNS: accepted/s and p50/p99 beside
# the bound measured right after it at the same concurrency
# (bench_bare202 producing what ingest produces and answering after Kafka's
# acknowledgement, on the same HTTP server), and the bare handler without
# Kafka for scale. Target at 256 connections and more: ingest >= 0.8 of the
# bound and p99 <= 2 x the bound's. Every point is kept (sweep.dat for the
# plot).
scenario_ingest() {
  local p=ing. dur=$INGEST_SECONDS c bare_port kbare_port kbare_pid ing bound bare
  local http=(ATSB_HTTP_MAX_CONNECTIONS=4096 ATSB_HTTP_MAX_CONNECTIONS_PER_IP=4096)
  topics $p
  bench_topic_create ${p}bench.bare202
  svc_start ingest ingest $p "${http[@]}"
  bare_port=$(free_port 18900)
  env "${http[@]}" "$build/bench/ingest/bench_bare202" "$bare_port" 2>>"$work/bare202.err" &
  BG_PIDS+=("$!")
  kbare_port=$(free_port 18950)
  env "${http[@]}" ATSB_HTTP_WORKERS="$BOUND_WORKERS" ATSB_TOPIC_PREFIX=$p "$build/bench/ingest/bench_bare202" "$kbare_port" ${p}bench.bare202 \
    2>>"$work/bare202.err" &
  kbare_pid=$!
  BG_PIDS+=("$kbare_pid")
  wait_http "http://127.0.0.1:$bare_port/healthz" 10 && wait_http "http://127.0.0.1:$kbare_port/healthz" 30 \
    || die "bench: bench_bare202 did not start (see $work/bare202.err)"
  # wrk_run PORT CONNECTIONS SECONDS [PID]: wrk's RESULT line plus CPU
  # milliseconds per request of the whole machine (cpu_ms), of PID
  # (pid_cpu_ms), PostgreSQL (pg_cpu_ms) and Kafka (kafka_cpu_ms): what
  # each accepted request costs, whoever spends it.
  wrk_run() {
    local m0 s0 g0 k0 m1 s1 g1 k1 line pgs
    pgs=$(pg_pids)
    read -r m0 _ < <(cpu_ticks)
    s0=$(proc_ticks "${4:-0}") g0=$(proc_ticks $pgs) k0=$(proc_ticks "$(kafka_pid)")
    line=$(BENCH_RUN=$RANDOM BENCH_ACCOUNT=bench-0 BENCH_POSTING=load-lever-posting BENCH_DOCUMENTS=0 \
      wrk -t2 -c"$2" -d"${3}s" --timeout 10s --latency -s "$root/bench/ingest/post.lua" "http://127.0.0.1:$1" |
      grep '^RESULT')
    read -r m1 _ < <(cpu_ticks)
    s1=$(proc_ticks "${4:-0}") g1=$(proc_ticks $pgs) k1=$(proc_ticks "$(kafka_pid)")
    echo "$line $(awk -v r="$(field rps "$line")" -v s="$3" -v hz="$(getconf CLK_TCK)" \
      -v m=$((m1 - m0)) -v p=$((s1 - s0)) -v g=$((g1 - g0)) -v k=$((k1 - k0)) 'BEGIN {
        n = r * s; if (n < 1) n = 1; f = 1000 / hz / n
        printf "cpu_ms=%.3f pid_cpu_ms=%.3f pg_cpu_ms=%.3f kafka_cpu_ms=%.3f", m * f, p * f, g * f, k * f }')"
  }
  # Not measured: load until Kafka's JVM has compiled its hot paths (its CPU
  # per request falls about threefold over the first ~20 s of load).
  wrk_run "${SVC_PORT[ingest]}" 256 "$INGEST_WARMUP_SECONDS" >/dev/null
  wrk_run "$kbare_port" 256 5 >/dev/null
  for c in $INGEST_CONNS; do
    ing=$(wrk_run "${SVC_PORT[ingest]}" "$c" "$dur" "${SVC_PID[ingest]}")
    bound=$(wrk_run "$kbare_port" "$c" "$dur" "$kbare_pid")
    bare=$(wrk_run "$bare_port" "$c" "$dur")
    local a b r target=- met=-
    a=$(field rps "$ing")
    b=$(field rps "$bound")
    r=$(ratio "$a" "$b")
    if [ "$c" -ge 256 ]; then
      target=">= 0.8"
      met=no
      ge "$r" 0.8 && ge "$(awk -v b="$(field p99_ms "$bound")" 'BEGIN { print 2 * b }')" "$(field p99_ms "$ing")" && met=yes
    fi
    echo "$c $a $b $(field rps "$bare") $(field p99_ms "$ing") $(field p99_ms "$bound")" >>"$work/sweep.dat"
    record "ingest@$c" "$a" "accepted/s" "$b" "bare handler + acknowledged produce (application and event), same server" \
      "$r" "$target" "$met" \
      "wrk -t2 -c$c -d${dur}s, no document; met also needs p99 <= 2x the bound's; non-202 $(field non202 "$ing") (bound $(field non202 "$bound")); p50/p99 $(field p50_ms "$ing")/$(field p99_ms "$ing") ms vs bound $(field p50_ms "$bound")/$(field p99_ms "$bound") ms; CPU ms per request (ingest vs bound): machine $(field cpu_ms "$ing") vs $(field cpu_ms "$bound"), server $(field pid_cpu_ms "$ing") vs $(field pid_cpu_ms "$bound"), PostgreSQL $(field pg_cpu_ms "$ing") vs $(field pg_cpu_ms "$bound"), Kafka $(field kafka_cpu_ms "$ing") vs $(field kafka_cpu_ms "$bound"); the bare handler without Kafka $(field rps "$bare")/s" \
      "\"connections\":$c,\"p50_ms\":$(field p50_ms "$ing"),\"p99_ms\":$(field p99_ms "$ing"),\"baseline_p50_ms\":$(field p50_ms "$bound"),\"baseline_p99_ms\":$(field p99_ms "$bound"),\"bare_rps\":$(field rps "$bare"),\"bare_p99_ms\":$(field p99_ms "$bare"),\"non202\":$(field non202 "$ing"),\"cpu_ms\":$(field cpu_ms "$ing"),\"baseline_cpu_ms\":$(field cpu_ms "$bound"),\"server_cpu_ms\":$(field pid_cpu_ms "$ing"),\"baseline_server_cpu_ms\":$(field pid_cpu_ms "$bound"),\"pg_cpu_ms\":$(field pg_cpu_ms "$ing"),\"kafka_cpu_ms\":$(field kafka_cpu_ms "$ing"),\"baseline_kafka_cpu_ms\":$(field kafka_cpu_ms "$bound")"
  done
  local rss
  rss=$(rss_kb "${SVC_PID[ingest]}" VmHWM)
  svc_stop ingest
  echo "  ingest peak RSS over the sweep: $((rss / 1024)) MiB"
}

scenario_status() {
  local bin out s u
  bin=$(pg_bindir)
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U atsbridge bench_status 2>/dev/null || true
  out=$(ATSB_PG_DSN="host=127.0.0.1 port=$pg_port user=atsbridge dbname=bench_status" \
    "$build/bench/status/bench_status_persist" "$STATUS_EVENTS" 4)
  s=$(echo "$out" | sed -n 's/^status batch path.*: *\([0-9]*\) events.*/\1/p')
  u=$(echo "$out" | sed -n 's/^raw libpq unnest.*: *\([0-9]*\) events.*/\1/p')
  record status "$s" "events/s" "$u" "raw libpq unnest INSERT" "$(ratio "$s" "$u")" ">= 0.8" \
    "$(yesno "$(ratio "$s" "$u")" 0.8)" "$STATUS_EVENTS events, 4 per application, batches of 500"
}

scenario_questions() {
  local p=q. n=$QUESTIONS_APPS line pass pass2 q t
  topics $p
  for t in ${p}bench.passthrough ${p}bench.passthrough2; do bench_topic_create $t; done
  svc_start ingest ingest $p
  line=$("$build/bench/pipeline/bench_apply" ingest "http://127.0.0.1:${SVC_PORT[ingest]}" "$n" 16 \
    --accounts "$accounts" --run "q$RANDOM" --timeout 120 | grep '^RESULT') || true
  svc_stop ingest
  [ "$(field ok "$line")" = "$n" ] || die "bench: questions: only $(field ok "$line") of $n applications accepted"
  # Baseline: a bare consumer -> producer over the same messages.
  count_bg ${p}bench.passthrough "$n" 120
  "$build/bench/pipeline/bench_topic" pass ${p}applications.received ${p}bench.passthrough "$n" 60 >>"$work/pass.out" 2>&1 || true
  count_wait
  pass=$COUNT_RESULT
  # The bound of any service writing what questions writes per input (the
  # resolved application and its event): the same pass-through, two copies.
  count_bg ${p}bench.passthrough2 $((2 * n)) 120
  local c0 k0 c1 k1 tp pcpu qcpu
  c0=$(cpu_ticks) k0=$(proc_ticks "$(kafka_pid)")
  tp=$( { TIMEFORMAT='%U %S'; time "$build/bench/pipeline/bench_topic" pass ${p}applications.received ${p}bench.passthrough2 "$n" 60 2 >>"$work/pass.out" 2>&1; } 2>&1) || true
  count_wait
  c1=$(cpu_ticks) k1=$(proc_ticks "$(kafka_pid)")
  pass2=$(awk -v r="$(field rate "$COUNT_RESULT")" 'BEGIN { printf "%.1f", r / 2 }')
  pcpu=$(us_per "$n" "$c0" "$c1" "$k0" "$k1" "$(echo "$tp" | awk '{ printf "%d", ($1 + $2) * '"$(getconf CLK_TCK)"' }')")
  # questions with the cache warm (setup): resolved applications/s.
  count_bg ${p}applications.resolved "$n" 240
  c0=$(cpu_ticks) k0=$(proc_ticks "$(kafka_pid)")
  svc_start questions questions $p
  count_wait
  c1=$(cpu_ticks) k1=$(proc_ticks "$(kafka_pid)")
  qcpu=$(us_per "$n" "$c0" "$c1" "$k0" "$k1" "$(proc_ticks "${SVC_PID[questions]}")")
  q=$COUNT_RESULT
  svc_stop questions
  local a b
  a=$(field rate "$q")
  b=$(field rate "$pass")
  record questions "$a" "resolved/s" "$pass2" "pass-through consumer->producer writing two messages per input, what questions writes" "$(ratio "$a" "$pass2")" ">= 0.7" \
    "$(yesno "$(ratio "$a" "$pass2")" 0.7)" "$n applications queued first; resolved $(field count "$q") of $n; rate between first and last message; a pass-through writing one message per input reaches $b inputs/s; CPU us per application (questions vs the two-output pass-through): the process $(field proc_us "$qcpu") vs $(field proc_us "$pcpu"), Kafka $(field kafka_us "$qcpu") vs $(field kafka_us "$pcpu"), the machine $(field machine_us "$qcpu") vs $(field machine_us "$pcpu") (CPUs $(field busy_pct "$qcpu")% vs $(field busy_pct "$pcpu")% busy)" \
    "\"one_output_bound\":$b,\"cpu_us\":{$(echo "$qcpu" | sed 's/\([a-z_]*\)=\([0-9.]*\)/"\1":\2/g; s/ /,/g')},\"baseline_cpu_us\":{$(echo "$pcpu" | sed 's/\([a-z_]*\)=\([0-9.]*\)/"\1":\2/g; s/ /,/g')}"
}

# us_per N "B0 T0" "B1 T1" K0 K1 PROC_TICKS: CPU microseconds per item of
# the machine (busy jiffies between two cpu_ticks), of Kafka (between two
# proc_ticks) and of one process, and the share of the CPUs busy.
us_per() {
  awk -v n="$1" -v a="$2" -v b="$3" -v k0="$4" -v k1="$5" -v p="$6" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); f = 1e6 / hz / n
    printf "machine_us=%.1f kafka_us=%.1f proc_us=%.1f busy_pct=%.0f", (y[1] - x[1]) * f, (k1 - k0) * f, p * f,
      (y[2] > x[2]) ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : 0 }'
}

# pipeline_run PREFIX N C QREPLICAS DREPLICAS [VAR=VALUE...]: starts the four
# services (replicas of questions and delivery as asked), posts N
# applications with C in flight, waits for every `delivered`; the RESULT
# line goes to PIPE_RESULT (no subshell: svc_stop records peak RSS).
pipeline_run() {
  local p=$1 n=$2 c=$3 qr=$4 dr=$5 i
  shift 5
  topics "$p"
  svc_start status status "$p"
  for ((i = 1; i <= dr; i++)); do svc_start "delivery-$i" delivery "$p" "$@"; done
  for ((i = 1; i <= qr; i++)); do svc_start "questions-$i" questions "$p"; done
  svc_start ingest ingest "$p"
  sleep 1
  local -A before=()
  local k pgs
  pgs=$(pg_pids)
  for k in "${!SVC_PID[@]}"; do before[$k]=$(proc_ticks "${SVC_PID[$k]}"); done
  before[postgres]=$(proc_ticks $pgs)
  before[kafka]=$(proc_ticks "$(kafka_pid)")
  PIPE_RESULT=$("$build/bench/pipeline/bench_apply" ingest "http://127.0.0.1:${SVC_PORT[ingest]}" "$n" "$c" \
    --accounts "$accounts" --run "${p%.}$RANDOM" --wait delivered --events "${p}application.events" \
    --timeout "$PIPELINE_TIMEOUT" "${APPLY_ARGS[@]}" 2>>"$work/apply.err" | grep '^RESULT') || true
  [ -n "$PIPE_RESULT" ] || PIPE_RESULT="RESULT done=0 rate=0"
  # CPU milliseconds per delivered application of each part (replicas summed).
  local -A spent=()
  local name
  for k in "${!SVC_PID[@]}"; do
    name=${k%-[0-9]*}
    [ "$name" = atssim ] && name=simulator
    spent[$name]=$((${spent[$name]:-0} + $(proc_ticks "${SVC_PID[$k]}") - ${before[$k]:-0}))
  done
  spent[postgres]=$(($(proc_ticks $pgs) - before[postgres]))
  spent[kafka]=$(($(proc_ticks "$(kafka_pid)") - before[kafka]))
  PIPE_CPU=$(for k in ingest questions delivery status kafka postgres simulator; do
    awk -v k="$k" -v t="${spent[$k]:-0}" -v d="$(field done "$PIPE_RESULT")" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%s=%.3f ", k, (d > 0 ? t * 1000 / hz / d : 0) }'
  done)client=$(field cpu_ms "$PIPE_RESULT")
  local keys=(status ingest)
  for ((i = 1; i <= dr; i++)); do keys+=("delivery-$i"); done
  for ((i = 1; i <= qr; i++)); do keys+=("questions-$i"); done
  svc_stop "${keys[@]}"
}

# cpu_json "k=v k=v": the same as JSON members.
cpu_json() { echo "$1" | tr ' ' '\n' | awk -F= 'NF == 2 { printf "%s\"%s\":%s", n++ ? "," : "", $1, $2 }'; }

# The pipeline at each concurrency of PIPELINE_CONC against the bound at the
# same concurrency: direct posting to the simulated Lever with the
# opportunity lookup (what any integration must send); also direct posting
# without it. PIPE_MAX keeps the best delivered/s for the open-loop scenario.
scenario_pipeline() {
  local n=$PIPELINE_APPS c line base bound a b
  sim_latency 10
  for c in $PIPELINE_CONC; do
    pipeline_run "p$c." "$n" "$c" 1 1
    line=$PIPE_RESULT
    base=$("$build/bench/pipeline/bench_apply" lever "$sim/lever/v1" "$n" "$c" --tokens "$work/tokens" \
      --accounts "$accounts" --run "pb$RANDOM" 2>>"$work/apply.err" | grep '^RESULT') || true
    [ -n "$base" ] || base="RESULT rate=0"
    bound=$("$build/bench/pipeline/bench_apply" lever "$sim/lever/v1" "$n" "$c" --tokens "$work/tokens" \
      --accounts "$accounts" --run "pl$RANDOM" --lookup 2>>"$work/apply.err" | grep '^RESULT') || true
    [ -n "$bound" ] || bound="RESULT rate=0"
    a=$(field rate "$line")
    b=$(field rate "$bound")
    ge "$a" "${PIPE_MAX:-0}" && PIPE_MAX=$a
    record "pipeline@$c" "$a" "delivered/s" "$b" "direct to simulated Lever: upload + apply + opportunity lookup" \
      "$(ratio "$a" "$b")" ">= 0.8" "$(yesno "$(ratio "$a" "$b")" 0.8)" \
      "$n applications, $c in flight, $accounts accounts, +10 ms ATS latency; delivered $(field done "$line")/$n; latency 202 -> delivered p50 $(field p50_ms "$line") ms p99 $(field p99_ms "$line") ms (bound, submission -> lookup answer: p50 $(field p50_ms "$bound") p99 $(field p99_ms "$bound")); direct without the lookup $(field rate "$base")/s; CPU ms per delivered application: $PIPE_CPU (direct client $(field cpu_ms "$bound"))" \
      "\"concurrency\":$c,\"p50_ms\":$(field p50_ms "$line"),\"p99_ms\":$(field p99_ms "$line"),\"baseline_p50_ms\":$(field p50_ms "$bound"),\"baseline_p99_ms\":$(field p99_ms "$bound"),\"direct_rate\":$(field rate "$base"),\"cpu_ms\":{$(cpu_json "$PIPE_CPU")},\"direct_client_cpu_ms\":$(field cpu_ms "$bound")"
  done
  sim_latency 0
}

# Latency at a fixed rate (open loop: applications sent on a clock, not on
# answers): the pipeline at each rate of OPENLOOP_RATES (default 50/s and
# half of the pipeline's best delivered/s when it ran in this run, else
# 200/s) for OPENLOOP_SECONDS, submission -> `delivered` p50/p99/p99.9,
# beside direct posting with the lookup at the same rate. Both first send
# OPENLOOP_WARMUP_SECONDS of applications at that rate that are not
# counted (the stack was just started: connections, prepared statements,
# consumer fetches). Target at 50/s: p99 at most 50 ms above direct
# posting's.
scenario_openloop() {
  local r n w line direct over met rates
  rates=${OPENLOOP_RATES:-"50 $(awk -v m="${PIPE_MAX:-400}" 'BEGIN { printf "%d", m / 2 }')"}
  sim_latency 10
  for r in $rates; do
    w=$((r * OPENLOOP_WARMUP_SECONDS))
    n=$((r * OPENLOOP_SECONDS + w))
    APPLY_ARGS=(--rate "$r" --warmup "$w")
    pipeline_run "o$r." "$n" 512 1 1
    APPLY_ARGS=()
    line=$PIPE_RESULT
    direct=$("$build/bench/pipeline/bench_apply" lever "$sim/lever/v1" "$n" 512 --tokens "$work/tokens" \
      --accounts "$accounts" --run "ol$RANDOM" --lookup --rate "$r" --warmup "$w" 2>>"$work/apply.err" | grep '^RESULT') || true
    [ -n "$direct" ] || direct="RESULT rate=0"
    over=$(awk -v a="$(field p99_ms "$line")" -v b="$(field p99_ms "$direct")" 'BEGIN { printf "%.1f", a - b }')
    met=-
    [ "$r" = 50 ] && met=$(awk -v o="$over" 'BEGIN { print (o <= 50 ? "yes" : "no") }')
    record "openloop@$r" "$(field p99_ms "$line")" "ms p99" "$(field p99_ms "$direct")" "direct posting with the lookup, same rate, p99" \
      "$(ratio "$(field p99_ms "$line")" "$(field p99_ms "$direct")")" "$([ "$r" = 50 ] && echo "p99 +50 ms at most" || echo -)" "$met" \
      "$n applications at $r/s ($OPENLOOP_SECONDS s after $OPENLOOP_WARMUP_SECONDS s not counted, open loop), +10 ms ATS latency; submission -> delivered p50/p99/p99.9 $(field p50_ms "$line")/$(field p99_ms "$line")/$(field p999_ms "$line") ms, delivered $(field done "$line")/$n, started late $(field late "$line"); direct $(field p50_ms "$direct")/$(field p99_ms "$direct")/$(field p999_ms "$direct") ms; p99 overhead $over ms" \
      "\"rate\":$r,\"p50_ms\":$(field p50_ms "$line"),\"p99_ms\":$(field p99_ms "$line"),\"p999_ms\":$(field p999_ms "$line"),\"baseline_p50_ms\":$(field p50_ms "$direct"),\"baseline_p99_ms\":$(field p99_ms "$direct"),\"baseline_p999_ms\":$(field p999_ms "$direct"),\"p99_overhead_ms\":$over"
  done
  sim_latency 0
}

scenario_scaleout() {
  local n=$SCALE_APPS w=$SCALE_WORKERS one two
  sim_latency 10
  pipeline_run s1. "$n" 32 1 1 ATSB_DELIVERY_WORKERS="$w" ATSB_DELIVERY_HTTP_CONCURRENCY="$w"
  one=$PIPE_RESULT
  pipeline_run s2. "$n" 32 2 2 ATSB_DELIVERY_WORKERS="$w" ATSB_DELIVERY_HTTP_CONCURRENCY="$w"
  two=$PIPE_RESULT
  sim_latency 0
  local a b
  a=$(field rate "$two")
  b=$(field rate "$one")
  record scaleout "$a" "delivered/s" "$b" "one replica each" "$(ratio "$a" "$b")" ">= 1.6" \
    "$(yesno "$(ratio "$a" "$b")" 1.6)" \
    "$n applications per run, 32 in flight, +10 ms ATS latency, latency-bound: $w delivery workers/connections per replica; 2x questions + 2x delivery vs 1x; p99 $(field p99_ms "$two") vs $(field p99_ms "$one") ms" \
    "\"p50_ms\":$(field p50_ms "$two"),\"p99_ms\":$(field p99_ms "$two"),\"baseline_p50_ms\":$(field p50_ms "$one"),\"baseline_p99_ms\":$(field p99_ms "$one")"
}

now_ms() { date +%s%3N; }
# delivered_by KEY: applications that delivery instance has delivered so far.
delivered_by() {
  curl -fsS "http://127.0.0.1:${SVC_PORT[$1]}/metrics" 2>/dev/null |
    awk '/^atsb_delivery_delivered_total/ { s += $2 } END { printf "%d", s }'
}
# rate_of KEY A T0: KEY's delivered/s since it had delivered A at T0 (ms).
rate_of() { awk -v a="$2" -v b="$(delivered_by "$1")" -v t="$(($(now_ms) - $3))" 'BEGIN { printf "%.1f", (b - a) * 1000 / t }'; }

# Delivery scaled out while a backlog drains, then a replica killed (what
# the autoscaler and a lost node do in production): REPLICA_APPS
# applications resolved and queued while delivery is stopped, for accounts
# rep-0..K-1 whose Lever grant may read opportunities (so that an attempt
# a killed replica left IN_FLIGHT is searched for before it is sent again).
# One delivery replica with REPLICA_WORKERS workers and connections
# (latency-bound against +20 ms ATS latency, like a replica at its CPU
# limit) drains for REPLICA_PHASE seconds; two more join; REPLICA_PHASE
# seconds later one of them is killed (SIGKILL: it never leaves the group,
# so its partitions wait for the session timeout); the other two finish.
# Figures: delivered/s with one replica and with three (each replica's
# share from its own metrics, measured while every one has work), the
# longest the whole topic went without a delivery after the join and the
# time until both new replicas delivered, how long the partitions the
# killed replica was delivering waited; from each application's
# `delivered` event and the simulator's ledger, that every application is
# in Lever exactly once.
scenario_replicas() {
  local p=r. m=$REPLICA_APPS w=$REPLICA_WORKERS ph=$REPLICA_PHASE run=r$RANDOM line k r
  local dv=(ATSB_DELIVERY_WORKERS="$w" ATSB_DELIVERY_HTTP_CONCURRENCY="$w")
  topics $p
  svc_start status status $p
  svc_start questions questions $p
  svc_start ingest ingest $p
  svc_start delivery delivery $p
  connect_accounts rep- "$accounts" '["exports"]'
  svc_stop delivery
  sim_latency 20
  line=$("$build/bench/pipeline/bench_apply" ingest "http://127.0.0.1:${SVC_PORT[ingest]}" "$m" 16 \
    --accounts "$accounts" --account-prefix rep- --run "$run" --wait resolved --events ${p}application.events \
    --timeout 600 2>>"$work/apply.err" | grep '^RESULT') || true
  [ "$(field done "$line")" = "$m" ] || die "bench: replicas: only $(field done "$line") of $m resolved"
  "$build/bench/pipeline/bench_topic" delivered ${p}applications.resolved ${p}application.events "$m" 900 \
    >"$work/replicas.out" 2>>"$work/replicas.err" &
  local reader=$!
  BG_PIDS+=("$reader")
  for ((k = 0; k < 600; k++)); do grep -q READY "$work/replicas.out" 2>/dev/null && break; sleep 0.1; done
  grep -q READY "$work/replicas.out" || die "bench: replicas: bench_topic did not start (see $work/replicas.err)"
  local t_start t_join t_kill t0 one
  local -A at=() first=()
  t_start=$(now_ms)
  svc_start delivery1 delivery $p "${dv[@]}"
  sleep 2
  at[delivery1]=$(delivered_by delivery1) t0=$(now_ms)
  sleep $((ph - 2))
  one=$(rate_of delivery1 "${at[delivery1]}" "$t0")
  t_join=$(now_ms)
  svc_start delivery2 delivery $p "${dv[@]}"
  svc_start delivery3 delivery $p "${dv[@]}"
  # When each new replica delivered its first application (from its start, not its readiness).
  for ((k = 0; k < 300 && ${#first[@]} < 2; k++)); do
    for r in delivery2 delivery3; do
      [ -z "${first[$r]:-}" ] && [ "$(delivered_by $r)" -gt 0 ] && first[$r]=$(($(now_ms) - t_join))
    done
    sleep 0.1
  done
  sleep 1
  for k in delivery1 delivery2 delivery3; do at[$k]=$(delivered_by $k); done
  t0=$(now_ms)
  sleep $((ph / 2))
  local shares="" total3=0 d
  for k in delivery1 delivery2 delivery3; do
    d=$(rate_of $k "${at[$k]}" "$t0")
    shares="$shares${shares:+ }$d"
    total3=$(awk -v s="$total3" -v d="$d" 'BEGIN { printf "%.1f", s + d }')
  done
  sleep $((ph - ph / 2 - 1))
  t_kill=$(now_ms)
  kill -KILL "${SVC_PID[delivery3]}"
  wait "${SVC_PID[delivery3]}" 2>/dev/null || true
  unset "SVC_PID[delivery3]"
  wait "$reader" || true
  local adopted
  adopted=$(for k in delivery1 delivery2; do curl -fsS "http://127.0.0.1:${SVC_PORT[$k]}/metrics"; done 2>/dev/null |
    awk '/^atsb_delivery_delivered_total\{adopted="true"\}/ { s += $2 } END { printf "%d", s }')
  svc_stop delivery1 delivery2 status questions ingest
  sim_latency 0
  local result ledger
  result=$(grep '^RESULT' "$work/replicas.out") || result="RESULT count=0 duplicates=0"
  ledger=$("$build/bench/pipeline/bench_ledger" "$sim" "$run" 2>>"$work/replicas.err" | grep '^RESULT') \
    || ledger="RESULT opportunities=0 candidates=0 creates=0"
  # From the D AT_MS PARTITION lines: the longest the whole topic went
  # without a delivery after the join; for each partition delivered in the
  # second before the kill and again later (one whose backlog ran out
  # waits for nothing), the wait from the kill to its next delivery (the
  # longest of them); when the backlog was drained.
  local stats
  stats=$(grep '^D ' "$work/replicas.out" | sort -k2,2n | awk -v j="$t_join" -v x="$t_kill" -v s="$t_start" '
    { t = $2; p = $3
      if (n++ && t >= j && t < x && t - last > gj) gj = t - last
      if (t < x && t >= x - 1000) active[p] = 1
      if (t >= x && active[p] && !(p in resumed)) { resumed[p] = t - x; if (t - x > kw) kw = t - x }
      last = t }
    END { printf "join_gap_ms=%d kill_wait_ms=%d end_s=%.1f", gj, kw, (last - s) / 1000 }')
  local lost dups session three
  lost=$((m - $(field count "$result")))
  dups=$(($(field opportunities "$ledger") - $(field candidates "$ledger") + $(field creates "$ledger") - $(field opportunities "$ledger")))
  session=${ATSB_KAFKA_SESSION_TIMEOUT_MS:-10000}
  three=$(awk -v o="$one" 'BEGIN { printf "%.1f", 3 * o }')
  local common="$m queued applications over $accounts accounts, +20 ms ATS latency, $w workers/connections per delivery replica, $ph s per phase, real Kafka"
  record replicas "$total3" "delivered/s" "$three" "3 x one replica's delivered/s" "$(ratio "$total3" "$three")" ">= 0.8" \
    "$(yesno "$(ratio "$total3" "$three")" 0.8)" \
    "$common; one replica $one/s; three replicas (each) $shares/s" \
    "\"one_replica\":$one,\"per_replica\":[$(echo "$shares" | tr ' ' ',')]"
  record replicas-join "$(field join_gap_ms "$stats")" "ms pause" "$session" "the consumers' session timeout" \
    "$(ratio "$(field join_gap_ms "$stats")" "$session")" "-" "-" \
    "two replicas joined a draining one: the longest the whole topic went without a delivery $(field join_gap_ms "$stats") ms; first delivery of the new replicas ${first[delivery2]:-none} and ${first[delivery3]:-none} ms after they were started; $common" \
    "\"first_delivery_ms\":[${first[delivery2]:--1},${first[delivery3]:--1}]"
  record replicas-kill "$(field kill_wait_ms "$stats")" "ms pause" "$session" "the consumers' session timeout" \
    "$(ratio "$(field kill_wait_ms "$stats")" "$session")" "-" "-" \
    "one of three killed (SIGKILL): the partitions delivered in the second before waited up to $(field kill_wait_ms "$stats") ms for their next delivery; the backlog was drained $(field end_s "$stats") s after the first replica started; $common"
  record replicas-exact "$((lost + dups))" "lost+duplicated" "$m" "applications queued" "$(ratio "$((lost + dups))" "$m")" "0" \
    "$([ $((lost + dups)) = 0 ] && echo yes || echo no)" \
    "delivered events for $(field count "$result") of $m applications ($(field duplicates "$result") repeated, which status stores once); $adopted found in Lever by the search after the kill and adopted, not sent again; Lever: $(field opportunities "$ledger") opportunities for $(field candidates "$ledger") candidates, $(field creates "$ledger") create requests" \
    "\"lost\":$lost,\"duplicates\":$dups"
}

# cpu_busy "B0 T0" "B1 T1": percent of CPU time busy between two cpu_ticks.
cpu_busy() {
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.0f", (y[2] > x[2]) ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : 0 }'
}

# delivery + backlog: M applications resolved and queued while delivery is
# stopped, then drained by one delivery with the default 64 workers against
# +20 ms ATS latency (real Kafka).
scenario_drain() {
  local p=d. m=$BACKLOG_APPS line drained r0 r1 rtt
  sim_latency 20
  topics $p
  svc_start status status $p
  svc_start questions questions $p
  svc_start ingest ingest $p
  line=$("$build/bench/pipeline/bench_apply" ingest "http://127.0.0.1:${SVC_PORT[ingest]}" "$m" 16 \
    --accounts "$accounts" --run "d$RANDOM" --wait resolved --events ${p}application.events --timeout 600 \
    2>>"$work/apply.err" | grep '^RESULT') || true
  [ "$(field done "$line")" = "$m" ] || die "bench: backlog: only $(field done "$line") of $m resolved"
  # One ATS round trip with the added latency, unloaded (mean of 20).
  local tok
  tok=$(head -n 1 "$work/tokens")
  rtt=$(for _ in $(seq 20); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $tok" "$sim/lever/v1/stages"; done \
    | awk '{ s += $1 } END { printf "%.4f", s / NR }')
  r0=$(sim_requests)
  count_bg ${p}application.events "$m" 600 delivered
  local cpu0 cpu1 busy
  cpu0=$(cpu_ticks)
  svc_start delivery delivery $p
  count_wait
  cpu1=$(cpu_ticks)
  drained=$COUNT_RESULT
  r1=$(sim_requests)
  busy=$(cpu_busy "$cpu0" "$cpu1")
  # The ATS round trip under this load, as delivery timed it (mean over the drain).
  local loaded
  loaded=$(curl -s "http://127.0.0.1:${SVC_PORT[delivery]}/metrics" \
    | awk '/^atsb_delivery_http_seconds_sum/ { s += $2 } /^atsb_delivery_http_seconds_count/ { n += $2 }
           END { printf "%.4f", n ? s / n : 0 }')
  local drss
  drss=$(rss_kb "${SVC_PID[delivery]}" VmHWM)
  svc_stop delivery status questions ingest
  sim_latency 0
  local per conc ceiling rate drain ideal
  per=$(awk -v a="$r0" -v b="$r1" -v m="$m" 'BEGIN { printf "%.2f", (b - a) / m }')
  conc=64
  ceiling=$(awk -v c="$conc" -v p="$per" -v l="$rtt" 'BEGIN { printf "%.1f", c / (p * l) }')
  rate=$(field rate "$drained")
  drain=$(field elapsed_s "$drained")
  ideal=$(awk -v m="$m" -v c="$ceiling" 'BEGIN { printf "%.2f", m / c }')
  # Little's law at the loaded round trip: what the 64 connections allow
  # when every one is always busy, as a share of the idle ceiling.
  local lbound loaded_ms
  loaded_ms=$(awk -v l="$loaded" 'BEGIN { printf "%.1f", l * 1000 }')
  lbound=$(awk -v c="$conc" -v p="$per" -v l="$loaded" -v k="$ceiling" 'BEGIN { printf "%.3f", (l > 0 ? c / (p * l) / k : 0) }')
  local lceiling
  lceiling=$(awk -v c="$conc" -v p="$per" -v l="$loaded" 'BEGIN { printf "%.1f", (l > 0 ? c / (p * l) : 0) }')
  record delivery "$rate" "delivered/s" "$lceiling" "Little's law at the loaded round trip: $conc / ($per requests x $loaded_ms ms)" \
    "$(ratio "$rate" "$lceiling")" ">= 0.9" "$(yesno "$(ratio "$rate" "$lceiling")" 0.9)" \
    "$m queued applications drained, 64 workers and connections, +20 ms ATS latency; delivered $(field count "$drained")/$m; the machine's CPUs were $busy% busy while draining (delivery, its PostgreSQL, Kafka, status and the simulator share them); idle ATS round trip $(awk -v l="$rtt" 'BEGIN{printf "%.1f", l*1000}') ms, whose Little's-law ceiling is $ceiling/s; under this load $loaded_ms ms, which allows $lbound of that ceiling" \
    "\"cpu_busy_pct\":$busy,\"loaded_rtt_ms\":$loaded_ms,\"idle_ceiling\":$ceiling,\"loaded_latency_bound\":$lbound"
  record backlog "$drain" "s to drain $m" "$ideal" "ideal: $m / Little's-law ceiling" "$(ratio "$ideal" "$drain")" \
    "peak RSS <= 64 MiB" "$(if [ "$drss" -le 65536 ]; then echo yes; else echo no; fi)" \
    "real Kafka; delivery peak RSS $((drss / 1024)) MiB while draining; ingest+questions queued them at $(field rate "$line")/s" \
    "\"peak_rss_kb\":$drss"
}

scenario_memory() {
  local s idle peak
  for s in ingest questions delivery status; do
    idle=${IDLE_KB[$s]:-0}
    peak=${PEAK_KB[$s]:-0}
    record "memory-$s" "$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')" "MiB peak RSS" \
      "$(awk -v k="$idle" 'BEGIN { printf "%.1f", k / 1024 }')" "idle RSS (MiB)" \
      "$(awk -v k="$peak" 'BEGIN { printf "%.2f", k / 65536 }')" "<= 64 MiB" \
      "$(if [ "$peak" -le 65536 ]; then echo yes; else echo no; fi)" \
      "VmHWM over every scenario run (ratio = peak / 64 MiB); idle = VmRSS 2 s after start" \
      "\"idle_kb\":$idle,\"peak_kb\":$peak"
  done
}

# Hostile input: valid applications accepted per second (wrk, 32
# connections from 127.0.0.1) while bench_attack repeats one attack from
# 127.0.0.2, divided by the same load without an attack, measured right
# before; ingest's peak RSS over all attacks.
scenario_hostile() {
  local p=hos. dur=$HOSTILE_SECONDS conns=32 kind base during rss attack_out
  topics $p
  svc_start ingest ingest $p
  wrk_post() {
    BENCH_RUN=$RANDOM BENCH_ACCOUNT=bench-0 BENCH_POSTING=load-lever-posting BENCH_DOCUMENTS=0 \
      wrk -t2 -c"$conns" -d"${dur}s" --latency -s "$root/bench/ingest/post.lua" "http://127.0.0.1:${SVC_PORT[ingest]}" |
      grep '^RESULT'
  }
  wrk_post >/dev/null # warm-up (Kafka's JVM)
  for kind in unauth wrongkey overcap bombs slowloris; do
    base=$(wrk_post)
    "$build/bench/hostile/bench_attack" "${SVC_PORT[ingest]}" "$kind" $((dur + 2)) >"$work/attack.out" 2>>"$work/attack.err" &
    local apid=$!
    BG_PIDS+=("$apid")
    sleep 1
    during=$(wrk_post)
    wait "$apid" || true
    attack_out=$(grep '^RESULT' "$work/attack.out" || echo "RESULT rounds=0 answers=none")
    local a b
    a=$(field rps "$during")
    b=$(field rps "$base")
    record "hostile-$kind" "$a" "accepted/s under attack" "$b" "the same load without the attack" \
      "$(ratio "$a" "$b")" ">= 0.5" "$(yesno "$(ratio "$a" "$b")" 0.5)" \
      "wrk -t2 -c$conns -d${dur}s from 127.0.0.1, bench_attack $kind from 127.0.0.2 ($(field rounds "$attack_out") rounds, answers $(field answers "$attack_out")); non-202 under attack $(field non202 "$during")" \
      "\"p99_ms\":$(field p99_ms "$during"),\"baseline_p99_ms\":$(field p99_ms "$base")"
  done
  rss=$(rss_kb "${SVC_PID[ingest]}" VmHWM)
  svc_stop ingest
  record hostile-rss "$((rss / 1024))" "MiB ingest peak RSS" "$((64 + 128))" "64 MiB + the body budget (128 MiB)" \
    "$(ratio "$((rss / 1024))" 192)" "<= 1" "$(ge 1 "$(ratio "$((rss / 1024))" 192)" && echo yes || echo no)" \
    "VmHWM of ingest over the five attacks and their baselines"
}
