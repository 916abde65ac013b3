# Shared shell helpers for scripts/dev and scripts/testenv. Sourced, not run.

die() { echo "atsbridge: $*" >&2; exit 1; }

# Debian packages the build, the tests and the local stack need (clang and
# libclang-rt-14-dev, only a Recommends of clang-14 and so skipped by
# --no-install-recommends, for `scripts/dev fuzz`: -fsanitize=fuzzer;
# nodejs and npm for the OpenAPI lint and contract test, whose npm packages
# scripts/node-deps installs into the build directory); chromium (and a font
# for its screenshots) for the console's browser test, test_console_browser;
# prometheus for its promtool: check_prometheus_rules and test_metrics_live).
ATSB_PACKAGES="build-essential cmake pkg-config git curl ca-certificates procps
  librdkafka-dev libprotobuf-c-dev protobuf-c-compiler libpq-dev libcriterion-dev
  libmicrohttpd-dev libjson-c-dev libsodium-dev libcurl4-openssl-dev
  postgresql postgresql-client
  openjdk-17-jre-headless maven docker-compose docker.io debootstrap
  clang libclang-rt-14-dev nodejs npm chromium fonts-dejavu-core prometheus"

# Debian packages only `scripts/dev bench` needs (never the tests or CI).
ATSB_BENCH_PACKAGES="wrk gnuplot-nox"

# True when Debian package $1 is installed; nodejs and npm also when their
# command is there (a Node.js installed otherwise, e.g. one that bundles npm
# and conflicts with Debian's npm, is left alone).
atsb_have_package() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" && return 0
  case $1 in
  nodejs) command -v node >/dev/null 2>&1 ;;
  npm) command -v npm >/dev/null 2>&1 ;;
  *) return 1 ;;
  esac
}

atsb_bench_bootstrap() {
  local missing=() p
  for p in $ATSB_BENCH_PACKAGES; do
    atsb_have_package "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages for the bench: ${missing[*]} (apt-get install them)"
  echo "atsbridge: installing ${missing[*]} (bench only)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/tmp/atsb-apt.log 2>&1 || die "apt-get update failed (see /tmp/atsb-apt.log)"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/atsb-apt.log 2>&1 || die "apt-get install failed (see /tmp/atsb-apt.log)"
}

atsb_bootstrap() {
  local missing=() p
  for p in $ATSB_PACKAGES; do
    atsb_have_package "$p" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    die "missing Debian packages: ${missing[*]} (run 'scripts/dev bootstrap' as root, or apt-get install them)"
  fi
  echo "atsbridge: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/tmp/atsb-apt.log 2>&1 || die "apt-get update failed (see /tmp/atsb-apt.log)"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/atsb-apt.log 2>&1 || die "apt-get install failed (see /tmp/atsb-apt.log)"
}

# True when a Java runtime is there for the real Kafka broker (scripts/kafka).
have_java() {
  command -v java >/dev/null 2>&1 || { [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; }
}

# The broker for tests and the local stack: ATSB_BROKER (kafka | devbroker),
# else a real Kafka when Java is present, else devbroker.
atsb_broker() {
  case "${ATSB_BROKER:-}" in
  kafka | devbroker) echo "$ATSB_BROKER" ;;
  "") if have_java; then echo kafka; else echo devbroker; fi ;;
  *) die "ATSB_BROKER must be kafka or devbroker, not '$ATSB_BROKER'" ;;
  esac
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || die "PostgreSQL server binaries not found (package postgresql)"
  echo "$d"
}

# Runs a command as the postgres user when we are root (initdb and postgres refuse root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# True when TCP port $1 on 127.0.0.1 accepts connections.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port near $1.
free_port() {
  local p=$1
  while port_open "$p"; do p=$((p + 1)); done
  echo "$p"
}

# pg_start DATADIR PORT: creates the cluster when missing (trust auth, user
# atsbridge), starts it on 127.0.0.1:PORT with its socket in DATADIR, and
# creates database atsbridge. Idempotent. ATSB_PG_OPTS adds server options
# (e.g. "-c shared_preload_libraries=pg_stat_statements" to profile a bench).
pg_start() {
  local data=$1 port=$2 bin
  bin=$(pg_bindir)
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
    chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U atsbridge --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$data.initdb.log" 2>&1 \
      || die "initdb failed (see $data.initdb.log)"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 ${ATSB_PG_OPTS:-}" start >/dev/null \
      || die "PostgreSQL did not start (see $data/server.log)"
  fi
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U atsbridge -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname='atsbridge'" | grep -q 1 \
    || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U atsbridge atsbridge \
    || die "cannot create database atsbridge"
}

pg_stop() {
  local data=$1 bin
  bin=$(pg_bindir)
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || as_pg "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
}

# Waits up to $2 seconds for file $1 to exist and be non-empty.
wait_file() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# Stops the process whose pid is in file $1 (TERM, then KILL after 10 s).
stop_pidfile() {
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$f"
}
