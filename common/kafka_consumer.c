#include "kafka_consumer.h"

#include "config.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kafka_consumer {
    rd_kafka_t *rk;
    char group[128];
    int assigned_once; /* set on the first assignment (rebalance callback) */
    kafka_revoke_fn on_revoke; /* may be NULL */
    void *revoke_ctx;
};

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t *parts, void *opaque) {
    kafka_consumer *c = opaque;
    int cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
    char n[16];
    snprintf(n, sizeof n, "%d", parts->cnt);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        c->assigned_once = 1;
        log_info("partitions assigned", "count", n);
        if (cooperative) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, parts);
        }
        return;
    }
    /* Revoked or lost: the owner finishes (or drops) their work and stores
     * its offsets; commit what was stored unless the partitions are already
     * someone else's (lost), then let them go. The revoked partitions are
     * still assigned here, so their stored offsets are part of the commit. */
    int lost = rd_kafka_assignment_lost(rk);
    log_info(lost ? "partitions lost" : "partitions revoked", "count", n);
    if (c->on_revoke) c->on_revoke(c->revoke_ctx, parts, lost);
    if (!lost) {
        rd_kafka_resp_err_t ce = rd_kafka_commit(rk, NULL, 0);
        if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
            log_warn("commit on revoke failed", "reason", rd_kafka_err2str(ce));
    }
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e) rd_kafka_error_destroy(e);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

/* Sums consumer_lag over every assigned partition from librdkafka's statistics. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    (void)rk;
    kafka_consumer *c = opaque;
    json_tokener *tok = json_tokener_new();
    json_object *root = json_tokener_parse_ex(tok, json, (int)len);
    json_tokener_free(tok);
    json_object *topics;
    long long lag = 0;
    if (root && json_object_object_get_ex(root, "topics", &topics)) {
        json_object_object_foreach(topics, tname, topic) {
            (void)tname;
            json_object *parts;
            if (!json_object_object_get_ex(topic, "partitions", &parts)) continue;
            json_object_object_foreach(parts, pname, part) {
                json_object *l;
                if (!strcmp(pname, "-1")) continue;
                if (json_object_object_get_ex(part, "consumer_lag", &l) && json_object_get_int64(l) > 0)
                    lag += json_object_get_int64(l);
            }
        }
        char labels[160];
        snprintf(labels, sizeof labels, "group=\"%s\"", c->group);
        metrics_gauge_set("atsb_kafka_consumer_lag", labels, (double)lag);
    }
    json_object_put(root);
    return 0; /* librdkafka frees json */
}

int kafka_consumer_new(const char *service, const char *group, const char *const *topics,
                       size_t ntopics, kafka_consumer **out, char *err, size_t errlen) {
    /* What any consumer may export, before its first statistics or dead letter. */
    metrics_declare("atsb_kafka_consumer_lag", METRICS_GAUGE);
    metrics_declare("atsb_deadletters_total", METRICS_COUNTER);
    kafka_consumer *c = calloc(1, sizeof *c);
    rd_kafka_conf_t *conf = NULL;
    rd_kafka_topic_partition_list_t *subs = NULL;
    char session[32], heartbeat[32], queue_kb[32], partition_fetch[32], fetch_wait[32];
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(c->group, sizeof c->group, "%s", group);
    snprintf(session, sizeof session, "%lld",
             (long long)config_int("ATSB_KAFKA_SESSION_TIMEOUT_MS", 10000, 1000, 300000));
    snprintf(heartbeat, sizeof heartbeat, "%lld",
             (long long)config_int("ATSB_KAFKA_HEARTBEAT_MS", 1000, 100, 60000));
    /* librdkafka prefetches up to 64 MiB per consumer by default: with a
     * backlog that alone is a service's whole memory budget. */
    long long qkb = config_int("ATSB_KAFKA_CONSUMER_QUEUE_KB", 4096, 64, 2097151);
    snprintf(queue_kb, sizeof queue_kb, "%lld", qkb);
    /* A fetched message keeps its whole fetch response (up to
     * max.partition.fetch.bytes, 1 MiB by default, per partition) allocated
     * while it is alive: a service holding messages of many responses at
     * once (delivery's workers) holds many responses. */
    snprintf(partition_fetch, sizeof partition_fetch, "%lld", qkb * 1024 / 16);
    /* The broker answers a fetch when 64 KiB are there or after this long:
     * under load one answer carries many messages instead of one each (the
     * broker's CPU per application fell by a sixth with 5 ms); at low load
     * each hop waits up to this long. */
    snprintf(fetch_wait, sizeof fetch_wait, "%lld",
             (long long)config_int("ATSB_KAFKA_FETCH_WAIT_MS", 5, 0, 500));
    conf = kafka_conf_new(service, err, errlen);
    if (!conf) goto fail;
    if (kafka_conf_set(conf, "group.id", group, err, errlen) ||
        /* cooperative-sticky balances the total partition count, not each
         * topic: a replica that joins later can be handed every partition
         * of the retry and command topics and none of the main one, and
         * add nothing (measured by the scale-out benchmark). With several
         * topics, range splits each topic evenly instead. */
        kafka_conf_set(conf, "partition.assignment.strategy", ntopics > 1 ? "range" : "cooperative-sticky", err,
                       errlen) ||
        kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) ||
        kafka_conf_set(conf, "enable.auto.commit", "true", err, errlen) ||
        kafka_conf_set(conf, "auto.commit.interval.ms", "1000", err, errlen) ||
        kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen) ||
        kafka_conf_set(conf, "session.timeout.ms", session, err, errlen) ||
        kafka_conf_set(conf, "heartbeat.interval.ms", heartbeat, err, errlen) ||
        kafka_conf_set(conf, "queued.max.messages.kbytes", queue_kb, err, errlen) ||
        kafka_conf_set(conf, "max.partition.fetch.bytes", partition_fetch, err, errlen) ||
        kafka_conf_set(conf, "fetch.wait.max.ms", fetch_wait, err, errlen) ||
        kafka_conf_set(conf, "fetch.min.bytes", "65536", err, errlen) ||
        kafka_conf_set(conf, "max.poll.interval.ms", "600000", err, errlen) ||
        kafka_conf_set(conf, "statistics.interval.ms", "5000", err, errlen) ||
        kafka_conf_overrides(conf, err, errlen))
        goto fail;
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_stats_cb(conf, on_stats);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!c->rk) goto fail;
    conf = NULL;
    rd_kafka_poll_set_consumer(c->rk);
    subs = rd_kafka_topic_partition_list_new((int)ntopics);
    for (size_t i = 0; i < ntopics; i++)
        rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (e) {
        snprintf(err, errlen, "subscribe: %s", rd_kafka_err2str(e));
        rd_kafka_destroy(c->rk);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    if (conf) rd_kafka_conf_destroy(conf);
    free(c);
    return -1;
}

rd_kafka_message_t *kafka_consumer_poll(kafka_consumer *c, int timeout_ms) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
    if (!m) return NULL;
    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("consumer error", "code", rd_kafka_err2name(m->err), "reason",
                     rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return NULL;
    }
    return m;
}

int kafka_consumer_store(kafka_consumer *c, const rd_kafka_message_t *m) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset =
        m->offset + 1;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return e ? -1 : 0;
}

int kafka_consumer_commit(kafka_consumer *c) {
    rd_kafka_resp_err_t e = rd_kafka_commit(c->rk, NULL, 0);
    return (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) ? -1 : 0;
}

rd_kafka_t *kafka_consumer_handle(kafka_consumer *c) { return c->rk; }

void kafka_consumer_on_revoke(kafka_consumer *c, kafka_revoke_fn fn, void *ctx) {
    c->on_revoke = fn;
    c->revoke_ctx = ctx;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kafka_consumer_destroy(kafka_consumer *c, int timeout_ms) {
    if (!c) return;
    int closed = 0;
    /* librdkafka 2.0.2 aborts (cooperative-sticky assignor state NULL,
     * librdkafka issue #4312, fixed in 2.3.0) when a consumer that joined
     * its group is destroyed before its first assignment arrived. Let the
     * join finish first; messages polled meanwhile are not stored, so they
     * are redelivered to the next owner. */
    long long settle = now_ms() + timeout_ms;
    while (!c->assigned_once && now_ms() < settle) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
        if (m) rd_kafka_message_destroy(m);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_error_t *e = rd_kafka_consumer_close_queue(c->rk, q);
    if (e) {
        rd_kafka_error_destroy(e);
    } else {
        long long deadline = now_ms() + timeout_ms;
        while (!(closed = rd_kafka_consumer_closed(c->rk)) && now_ms() < deadline) {
            rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
            if (!ev) continue;
            /* Rebalance events arrive here during close; serve them. */
            if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
                rd_kafka_topic_partition_list_t *parts = rd_kafka_event_topic_partition_list(ev);
                on_rebalance(c->rk, rd_kafka_event_error(ev), parts, c);
            }
            rd_kafka_event_destroy(ev);
        }
    }
    rd_kafka_queue_destroy(q);
    if (!closed) {
        log_warn("consumer close timed out; destroying without close", "group", c->group);
        rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    } else {
        rd_kafka_destroy(c->rk);
    }
    free(c);
}
