#ifndef ATSB_KAFKA_CONF_H
#define ATSB_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* Topic names of DESIGN.md. A prefix from ATSB_TOPIC_PREFIX (default empty)
 * is prepended by kafka_topic(), so tests can give each run its own topics. */
#define TOPIC_APPLICATIONS_RECEIVED "applications.received"
#define TOPIC_APPLICATIONS_RESOLVED "applications.resolved"
/* Retries wait in one topic per delay tier (DESIGN.md "Retry tiers");
 * applications.retry is the single retry topic of earlier versions, still
 * consumed (drained into the tiers). */
#define TOPIC_APPLICATIONS_RETRY "applications.retry"
#define TOPIC_APPLICATIONS_RETRY_5S "applications.retry.5s"
#define TOPIC_APPLICATIONS_RETRY_1M "applications.retry.1m"
#define TOPIC_APPLICATIONS_RETRY_10M "applications.retry.10m"
#define TOPIC_APPLICATIONS_RETRY_1H "applications.retry.1h"
/* The tier topics, shortest delay first, for topic lists. */
#define TOPIC_APPLICATIONS_RETRY_TIERS                                                                       \
    TOPIC_APPLICATIONS_RETRY_5S, TOPIC_APPLICATIONS_RETRY_1M, TOPIC_APPLICATIONS_RETRY_10M,                 \
        TOPIC_APPLICATIONS_RETRY_1H
#define TOPIC_APPLICATIONS_DEADLETTER "applications.deadletter"
#define TOPIC_ATS_WEBHOOKS "ats.webhooks"
#define TOPIC_BGCHECK_UPDATES "bgcheck.updates"
#define TOPIC_ATS_COMMANDS "ats.commands"
#define TOPIC_APPLICATION_EVENTS "application.events"

/* Standard headers on every message (DESIGN.md). */
#define HDR_TRACE_ID "trace-id"
#define HDR_PRODUCER "producer"
#define HDR_SCHEMA "schema"
#define HDR_MAX_DEADLETTER 8

/* The protobuf message in a record (header "schema"; proto/atsbridge/v1). */
#define SCHEMA_RECEIVED "atsbridge.v1.ApplicationReceived"
#define SCHEMA_RESOLVED "atsbridge.v1.ApplicationResolved"
#define SCHEMA_COMMAND "atsbridge.v1.AtsCommand"
#define SCHEMA_CHECK_UPDATE "atsbridge.v1.BackgroundCheckUpdate"
#define SCHEMA_WEBHOOK "atsbridge.v1.AtsWebhook"

/* Writes the full topic name (prefix + base) into buf. Returns buf. */
const char *kafka_topic(const char *base, char *buf, size_t len);
/* The consumer group named by variable env (default dflt), prefixed the
 * same way, into buf (runs with their own topics get their own groups).
 * Returns buf. */
const char *kafka_group(const char *env, const char *dflt, char *buf, size_t len);

/* A new librdkafka configuration with bootstrap servers (ATSB_KAFKA_BROKERS,
 * default 127.0.0.1:9092), client.id, and kafka_conf_overrides. Returns
 * NULL and fills err on a rejected property. Caller owns the result. */
rd_kafka_conf_t *kafka_conf_new(const char *client_id, char *err, size_t errlen);

/* Sets every ATSB_KAFKA_PROP_<name> variable as librdkafka property <name>
 * (underscores become dots, so ATSB_KAFKA_PROP_security_protocol=SSL sets
 * security.protocol). The producer and the consumer apply it again after
 * their own settings, so an operator's value wins, except for the
 * properties the delivery guarantees rest on (enable.idempotence, acks,
 * enable.auto.offset.store, group.id, isolation.level), which are refused.
 * 0, or -1 with err filled. */
int kafka_conf_overrides(rd_kafka_conf_t *conf, char *err, size_t errlen);

/* Sets one property; returns 0 or -1 with err filled. */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                   size_t errlen);

/* Copies header `name` of message m into buf (NUL-terminated, truncated to
 * len-1). Returns buf, or NULL when the header is absent. */
const char *kafka_header(const rd_kafka_message_t *m, const char *name, char *buf, size_t len);

#endif
