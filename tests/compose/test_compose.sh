#!/usr/bin/env bash
# docker-compose for real (ctest label `compose`): starts a Docker engine when
# none answers (and stops only one it started), builds the images offline
# (scripts/images), brings docker-compose.yml up under a project name of its
# own, and through the ports it publishes on 127.0.0.1:
#   - one application to the demo Lever posting with a CV: delivered on
#     status, exactly once in the simulator's ledger; its timeline read with
#     trail from inside the network;
#   - delivery and questions scaled to two replicas each: 50 more, each
#     delivered exactly once;
#   - the Kafka container restarted: one more, delivered once;
# then `docker-compose down -v`, and checks that no container, network or
# volume of the project is left. Prints its timings. Traffic stays on this
# machine: 127.0.0.1 and the network docker-compose creates.
set -euo pipefail
src=$(cd "${1:?usage: test_compose.sh SOURCE_DIR}" && pwd)
. "$src/scripts/lib.sh"

project=atsbtest$$
work=$(mktemp -d /tmp/atsb-compose.XXXXXX)
t_all=$SECONDS
step_t=$SECONDS
step() { printf 'compose: %-48s %4d s\n' "$1" $((SECONDS - step_t)); step_t=$SECONDS; }
fail() {
  echo "compose: FAILED: $*" >&2
  compose ps >&2 || true
  compose logs --tail 40 >&2 || true
  exit 1
}

started=$("$src/scripts/images" engine)
compose() {
  docker-compose -p "$project" -f "$src/docker-compose.yml" --project-directory "$src" --env-file "$work/env" "$@"
}
cleanup() {
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  [ "$started" = started ] && "$src/scripts/images" engine-stop
  rm -rf "$work"
}
trap cleanup EXIT

admin_token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
cat >"$work/env" <<EOT
ATSB_ADMIN_TOKEN=$admin_token
ATSB_SECRET_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
ATSB_LEVER_CLIENT_SECRET=atsbridge-dev-secret
ATSB_PROVIDER_API_KEY=dev-provider-key
ATSB_CONSOLE_SESSION_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
ATSB_DEV=1
EOT
ATSB_INGEST_PORT=$(free_port 28081)
ATSB_CONSOLE_PORT=$(free_port 28085)
ATSB_STATUS_PORT=$(free_port 28084)
ATSB_SIM_PORT=$(free_port 28090)
ATSB_PG_PORT=$(free_port 25432)
export ATSB_INGEST_PORT ATSB_STATUS_PORT ATSB_SIM_PORT ATSB_PG_PORT ATSB_CONSOLE_PORT
ingest=http://127.0.0.1:$ATSB_INGEST_PORT
status=http://127.0.0.1:$ATSB_STATUS_PORT
sim=http://127.0.0.1:$ATSB_SIM_PORT

"$src/scripts/images" build
eval "$("$src/scripts/images" env)"
step "images built (cached after the first run)"

compose up -d --no-build >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "docker-compose up"; }
seed=$(compose ps -q seed)
for ((i = 0; i < 300; i++)); do
  state=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$seed")
  case $state in exited*) break ;; esac
  sleep 1
done
[ "$state" = "exited 0" ] || fail "the seed service ended with '$state': $(docker logs "$seed" 2>&1 | tail -3)"
step "stack up, healthy and seeded"

# json FILE PYTHON-EXPRESSION: evaluates the expression on the parsed file (j).
json() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# apply N: submits the demo application as SS-COMPOSE-N (its own e-mail);
# prints the application id.
apply() {
  python3 - "$src/scripts/demo/application.json" "$1" >"$work/app.json" <<'EOT'
import json, sys
a = json.load(open(sys.argv[1]))
a["board_application_id"] = "SS-COMPOSE-" + sys.argv[2]
a["candidate"]["email"] = "compose-%s@example.org" % sys.argv[2]
print(json.dumps(a))
EOT
  local code
  code=$(curl -sS -o "$work/apply.out" -w '%{http_code}' -X POST "$ingest/v1/applications" \
    -H 'Authorization: Bearer dev-stepstone-key' -H 'Content-Type: application/json' --data-binary @"$work/app.json")
  [ "$code" = 202 ] || fail "application $1 answered $code: $(head -c 300 "$work/apply.out")"
  json "$work/apply.out" 'j["application_id"]'
}

# delivered ID...: waits up to 180 s until every application is delivered.
delivered() {
  local id deadline=$((SECONDS + 180)) st
  for id in "$@"; do
    while :; do
      curl -sS -o "$work/app.out" -H "Authorization: Bearer $admin_token" "$status/v1/applications/$id" || true
      st=$(json "$work/app.out" 'j.get("state", "")' 2>/dev/null || echo "")
      [ "$st" = delivered ] && break
      case $st in failed | rejected) fail "application $id is $st: $(head -c 400 "$work/app.out")" ;; esac
      ((SECONDS < deadline)) || fail "application $id not delivered within 180 s (state '$st')"
      sleep 1
    done
  done
}

# once FROM TO: each of compose-FROM..TO@example.org has exactly one
# opportunity in the simulator's Lever.
once() {
  curl -sS -o "$work/ledger.json" "$sim/_sim/ledger"
  python3 - "$work/ledger.json" "$1" "$2" <<'EOT' || fail "duplicates or missing opportunities in the simulator's ledger"
import json, sys
opps = json.load(open(sys.argv[1]))["lever"]["opportunities"]
bad = []
for n in range(int(sys.argv[2]), int(sys.argv[3]) + 1):
    email = "compose-%d@example.org" % n
    count = sum(1 for o in opps if email in [e.lower() for e in o.get("emails", [])])
    if count != 1:
        bad.append("%s: %d" % (email, count))
if bad:
    print("compose: " + ", ".join(bad[:10]), file=sys.stderr)
    sys.exit(1)
EOT
}

id=$(apply 1)
delivered "$id"
once 1 1
step "one application delivered exactly once"

compose run --rm --no-deps -e ATSB_KAFKA_BROKERS=kafka:9092 --entrypoint trail seed app "$id" >"$work/trail.out" 2>&1 \
  || fail "trail app: $(tail -3 "$work/trail.out")"
grep -qE 'delivery +delivered' "$work/trail.out" || fail "trail shows no delivered event: $(tail -5 "$work/trail.out")"
step "its timeline read with trail inside the network"

compose up -d --no-build --no-recreate --scale delivery=2 --scale questions=2 delivery questions \
  >"$work/scale.log" 2>&1 || { cat "$work/scale.log" >&2; fail "scaling delivery and questions"; }
[ "$(compose ps -q delivery | wc -l)" = 2 ] || fail "delivery did not scale to 2"
[ "$(compose ps -q questions | wc -l)" = 2 ] || fail "questions did not scale to 2"
ids=()
for n in $(seq 2 51); do ids+=("$(apply "$n")"); done
delivered "${ids[@]}"
once 2 51
step "50 more with 2 replicas of delivery and questions, no duplicate"

compose restart kafka >/dev/null 2>&1 || fail "restarting kafka"
id=$(apply 52)
delivered "$id"
once 52 52
step "Kafka restarted, one more delivered once"

compose down -v --remove-orphans >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; fail "docker-compose down"; }
label=com.docker.compose.project=$project
left="$(docker ps -aq --filter "label=$label")$(docker network ls -q --filter "label=$label")$(docker volume ls -q --filter "label=$label")"
[ -z "$left" ] || fail "left behind: $left"
step "down -v: no container, network or volume left"
printf 'compose: 52 applications delivered exactly once; total %d s\n' $((SECONDS - t_all))
