#!/bin/bash
# Starts Kafka the way the official apache/kafka image does: KAFKA_* variables
# become server.properties (KAFKA_ dropped, lower case, "_" -> ".", "__" ->
# "_", "___" -> "-"), CLUSTER_ID formats the log directory once.
set -euo pipefail
conf=/opt/kafka/config/server.properties
: >"$conf"
while IFS='=' read -r name value; do
  case $name in
  KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_LOG4J_OPTS) continue ;;
  KAFKA_*) ;;
  *) continue ;;
  esac
  key=${name#KAFKA_}
  key=${key,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  key=${key//@/_}
  printf '%s=%s\n' "$key" "${!name}" >>"$conf"
done < <(env)
cat >/opt/kafka/config/log4j.properties <<'EOT'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
EOT
jvm=(-server ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties
  -Dkafka.logs.dir=/tmp/kafka-logs -cp "/opt/kafka/libs/*")
logdirs=$(sed -n 's/^log\.dirs=//p' "$conf")
if [ ! -f "${logdirs%%,*}/meta.properties" ]; then
  [ -n "${CLUSTER_ID:-}" ] || { echo "kafka: CLUSTER_ID is required to format ${logdirs%%,*}" >&2; exit 1; }
  java "${jvm[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$conf" --ignore-formatted
fi
exec java "${jvm[@]}" kafka.Kafka "$conf"
