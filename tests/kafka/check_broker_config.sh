#!/usr/bin/env bash
# Checks the broker configuration that scripts/kafka generates from
# tools/kafka/broker.properties (the single source docker-compose must follow
# too): every required key is there once, with the value local runs rely on.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/atsb-kafkaconf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "check_broker_config: $*" >&2; fail=1; }

conf=$("$root/scripts/kafka" config "$tmp" 29092)
val() { printf '%s\n' "$conf" | sed -n "s/^$1=//p"; }

expect() {
  local key=$1 want=$2 n
  n=$(printf '%s\n' "$conf" | grep -c "^$key=" || true)
  [ "$n" = 1 ] || { bad "$key appears $n times"; return; }
  [ "$(val "$key")" = "$want" ] || bad "$key is '$(val "$key")', expected '$want'"
}

expect process.roles broker,controller
expect node.id 1
expect controller.listener.names CONTROLLER
expect inter.broker.listener.name PLAINTEXT
expect advertised.listeners PLAINTEXT://127.0.0.1:29092
expect log.dirs "$tmp/data"
expect offsets.topic.replication.factor 1
expect transaction.state.log.replication.factor 1
expect transaction.state.log.min.isr 1
expect group.initial.rebalance.delay.ms 0
expect auto.create.topics.enable false
expect num.partitions 8
expect default.replication.factor 1
expect min.insync.replicas 1

cport=$(val controller.quorum.voters | sed -n 's/^1@127\.0\.0\.1:\([0-9]*\)$/\1/p')
[ -n "$cport" ] || bad "controller.quorum.voters is '$(val controller.quorum.voters)', expected 1@127.0.0.1:PORT"
expect listeners "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:$cport"
expect listener.security.protocol.map PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT

# Every key appears once.
dups=$(printf '%s\n' "$conf" | grep -v '^#' | cut -d= -f1 | sort | uniq -d)
[ -z "$dups" ] || bad "duplicate keys: $dups"

# The source file's defaults: PLAINTEXT on 127.0.0.1:9092.
grep -qx 'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093' "$root/tools/kafka/broker.properties" \
  || bad "tools/kafka/broker.properties must default to PLAINTEXT://127.0.0.1:9092"

# The pinned version agrees between the pom and the script.
pv=$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$root/tools/kafka/pom.xml")
sv=$(sed -n 's/^KAFKA_VERSION=//p' "$root/scripts/kafka")
[ -n "$pv" ] && [ "$pv" = "$sv" ] || bad "kafka.version in tools/kafka/pom.xml ($pv) differs from scripts/kafka ($sv)"
case $pv in 3.9.*) ;; *) bad "Kafka $pv: keep 3.9.x (4.x drops protocol versions librdkafka 2.0.2 needs)" ;; esac

[ "$fail" = 0 ] && echo "check_broker_config: ok"
exit "$fail"
