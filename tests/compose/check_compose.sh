#!/usr/bin/env bash
# Checks docker-compose.yml against the sources it must agree with:
#  - `docker-compose config` accepts it;
#  - the kafka service's KAFKA_* environment equals tools/kafka/broker.properties
#    (apart from the host-specific listener addresses), and its image tag is
#    the Kafka version pinned in tools/kafka/pom.xml;
#  - topics are created by atsb-topics (the same tool and topic list as local runs);
#  - every ATSB_* variable it sets is one the code reads, and each service gets
#    its database, brokers and listen address;
#  - PostgreSQL's max_connections covers the connections the four services'
#    pools open at their default sizes;
#  - secrets come from .env without defaults: every ${VAR:?...} is listed in
#    .env.example, config fails without them, and each service gets the
#    secrets its main.c requires (service_spec.secrets; the console's secrets[]).
set -euo pipefail
src=${1:?usage: check_compose.sh SOURCE_DIR}
fail() { echo "check_compose: $*" >&2; exit 1; }
command -v docker-compose >/dev/null || fail "docker-compose is not installed (scripts/dev bootstrap installs it)"
[ -f "$src/.env.example" ] || fail ".env.example is missing"

# An env file from .env.example, empty values filled in (never the developer's .env).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -nE '/^[A-Z0-9_]+=$/ {s/$/check-compose-value/; p; b}; /^[A-Z0-9_]+=/p' "$src/.env.example" >"$tmp/env"
: >"$tmp/empty"
compose() { docker-compose -f "$src/docker-compose.yml" --project-directory "$src" --env-file "$1" config; }

required=$(grep -oE '\$\{[A-Z0-9_]+:\?' "$src/docker-compose.yml" | grep -oE '[A-Z0-9_]+' | sort -u)
[ -n "$required" ] || fail "no secret is required with \${VAR:?...}"
for var in $required; do
  grep -qE "^$var=" "$src/.env.example" || fail "$var is required but not listed in .env.example"
done
grep -qE ':-(dev-|atsbridge-dev)' "$src/docker-compose.yml" && fail "a development default is shipped in docker-compose.yml"
(unset $required; compose "$tmp/empty") >/dev/null 2>&1 && fail "docker-compose config accepts missing secrets"

cfg=$(unset $required; compose "$tmp/env") || fail "docker-compose config rejected the file"

# service NAME: prints that service's block of the normalized config.
service() { awk -v s="  $1:" '$0 == s {on=1; next} on && /^  [^ ]/ {on=0} on' <<<"$cfg"; }
# env NAME: KEY=VALUE lines of a service's environment.
env_of() {
  service "$1" | awk '/^    environment:/ {on=1; next} on && /^    [^ ]/ {on=0} on' \
    | sed -E "s/^ +([A-Z0-9_]+): ?'?\"?([^'\"]*)'?\"?$/\1=\2/"
}

kenv=$(env_of kafka)
skip='^(listeners|advertised\.listeners|controller\.quorum\.voters)$'
while IFS='=' read -r key value; do
  [[ -z "$key" || "$key" == \#* ]] && continue
  [[ "$key" =~ $skip ]] && continue
  var=KAFKA_$(tr 'a-z.' 'A-Z_' <<<"$key")
  grep -qx "$var=$value" <<<"$kenv" || fail "kafka: $var must be '$value' as in tools/kafka/broker.properties"
done <"$src/tools/kafka/broker.properties"

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$src/tools/kafka/pom.xml")
service kafka | grep -q "image: apache/kafka:$version\$" || fail "kafka image must be apache/kafka:$version (tools/kafka/pom.xml)"
service kafka-init | grep -q -- "- atsb-topics" || fail "kafka-init must create topics with atsb-topics"

read_vars=$(grep -rhoE --include='*.c' '"ATSB_[A-Z0-9_]+"' "$src/common" "$src/services" "$src/tools" \
  | grep -oE 'ATSB_[A-Z0-9_]+' | sort -u)
for svc in ingest questions delivery status; do
  e=$(env_of "$svc")
  up=$(tr a-z A-Z <<<"$svc")
  for need in ATSB_PG_DSN ATSB_KAFKA_BROKERS "ATSB_${up}_ADDR"; do
    grep -q "^$need=" <<<"$e" || fail "$svc: $need is not set"
  done
  for var in $(cut -d= -f1 <<<"$e" | grep '^ATSB_' || true); do
    grep -qx "$var" <<<"$read_vars" || fail "$svc: $var is set but no code reads it"
  done
  secrets=$(awk '/secrets\[\] = \{/ {on=1} on {print} on && /\};/ {on=0}' "$src/services/$svc/main.c" \
    | grep -oE '"ATSB_[A-Z0-9_]+"' | tr -d '"' || true)
  [ -n "$secrets" ] || fail "$svc: cannot read its secrets from services/$svc/main.c"
  for var in $secrets; do
    grep -q "^$var=" <<<"$e" || fail "$svc: uses the secret $var but it is not set"
  done
done
# The console: no database, no broker; its address, the two APIs, its secrets.
e=$(env_of console)
for need in ATSB_CONSOLE_ADDR ATSB_CONSOLE_STATUS_URL ATSB_CONSOLE_DELIVERY_URL ATSB_CONSOLE_PUBLIC_URL; do
  grep -q "^$need=" <<<"$e" || fail "console: $need is not set"
done
for var in $(cut -d= -f1 <<<"$e" | grep '^ATSB_' || true); do
  grep -qx "$var" <<<"$read_vars" || fail "console: $var is set but no code reads it"
done
secrets=$(awk '/secrets\[\] = \{/ {on=1} on {print} on && /\};/ {on=0}' "$src/services/console/main.c" \
  | grep -oE '"ATSB_[A-Z0-9_]+"' | tr -d '"' || true)
[ -n "$secrets" ] || fail "console: cannot read its secrets from services/console/main.c"
for var in $secrets; do
  grep -q "^$var=" <<<"$e" || fail "console: uses the secret $var but it is not set"
done
# Default pool sizes, from the sources: ingest's own, delivery's workers + 8,
# and common/service.c's default for questions and status.
ingest_pool=$(sed -n 's/.*\.pg_pool_default = \([0-9]*\),.*/\1/p' "$src/services/ingest/main.c")
workers=$(sed -n 's/.*"ATSB_DELIVERY_WORKERS", \([0-9]*\),.*/\1/p' "$src/services/delivery/dconfig.c")
extra=$(sed -n 's/.*pg_pool_default = x\.cfg\.workers + \([0-9]*\);.*/\1/p' "$src/services/delivery/main.c")
default_pool=$(sed -n 's/.*spec->pg_pool_default : \([0-9]*\),.*/\1/p' "$src/common/service.c")
[[ -n "$ingest_pool" && -n "$workers" && -n "$extra" && -n "$default_pool" ]] || fail "cannot read the default pool sizes from the sources"
need=$((ingest_pool + workers + extra + 2 * default_pool))
max=$(service postgres | tr -d "'\"" | grep -oE 'max_connections=[0-9]+' | cut -d= -f2 || true)
[[ -n "$max" && "$max" -ge $((need + 3)) ]] ||
  fail "postgres: max_connections must be at least $((need + 3)) (the pools open $need, PostgreSQL reserves 3)"

echo "docker-compose.yml agrees with broker.properties, pom.xml and the code"
