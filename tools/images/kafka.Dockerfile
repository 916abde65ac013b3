# Apache Kafka 3.9 (KRaft) from the Maven Central jars scripts/kafka fetches,
# for machines without a registry (scripts/images). Configured like the
# official apache/kafka image: every KAFKA_A_B_C variable becomes a.b.c in
# server.properties, CLUSTER_ID formats the log directory on first start.
ARG BASE_IMAGE=debian:12-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 1000 --home-dir /opt/kafka appuser \
    && mkdir -p /opt/kafka/bin /opt/kafka/config /var/lib/kafka/data \
    && chown -R appuser /opt/kafka/config /var/lib/kafka
COPY libs /opt/kafka/libs
COPY kafka-entrypoint.sh /opt/kafka/bin/entrypoint.sh
# The official image's tool the compose healthcheck calls.
RUN printf '#!/bin/sh\nexec java -cp "/opt/kafka/libs/*" kafka.admin.BrokerApiVersionsCommand "$@"\n' \
      >/opt/kafka/bin/kafka-broker-api-versions.sh \
    && chmod +x /opt/kafka/bin/*.sh
USER appuser
VOLUME /var/lib/kafka/data
EXPOSE 9092 9093
ENTRYPOINT ["/opt/kafka/bin/entrypoint.sh"]
