#include "topic_reader.h"

#include "events.h"
#include "kafka_conf.h"
#include "shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define META_TIMEOUT_MS 10000

/* librdkafka's own log lines would interleave with a tool's output; failures
 * are reported by the caller, in one line. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

static rd_kafka_t *new_consumer(char *err, size_t errlen) {
    rd_kafka_conf_t *conf = kafka_conf_new("topic-reader", err, errlen);
    if (!conf) return NULL;
    char group[64];
    snprintf(group, sizeof group, "topic-reader-%d", (int)getpid());
    if (kafka_conf_set(conf, "group.id", group, err, errlen) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", err, errlen) ||
        kafka_conf_set(conf, "enable.partition.eof", "true", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

/* Builds the assignment with each partition's start offset; sets *remaining
 * to the number of partitions that hold messages to read. */
static rd_kafka_topic_partition_list_t *start_offsets(rd_kafka_t *rk, const read_opts *o, int *remaining,
                                                     char *err, size_t errlen) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, o->topic, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, META_TIMEOUT_MS);
    rd_kafka_topic_destroy(t);
    if (e) {
        snprintf(err, errlen, "cannot reach the brokers: %s", rd_kafka_err2str(e));
        return NULL;
    }
    if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
        snprintf(err, errlen, "topic %s does not exist", o->topic);
        rd_kafka_metadata_destroy(md);
        return NULL;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    *remaining = 0;
    for (int i = 0; i < md->topics[0].partition_cnt; i++) {
        int32_t p = md->topics[0].partitions[i].id;
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(rk, o->topic, p, &lo, &hi, META_TIMEOUT_MS)) {
            snprintf(err, errlen, "cannot read offsets of %s [%d]", o->topic, (int)p);
            rd_kafka_topic_partition_list_destroy(l);
            rd_kafka_metadata_destroy(md);
            return NULL;
        }
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(l, o->topic, p);
        tp->offset = o->start == READ_FROM_BEGINNING ? lo : o->start == READ_SINCE ? o->since_ms : hi;
        if (o->start != READ_FROM_END && hi > lo) (*remaining)++;
    }
    rd_kafka_metadata_destroy(md);
    if (o->start == READ_SINCE &&
        rd_kafka_offsets_for_times(rk, l, META_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "cannot look up offsets by time");
        rd_kafka_topic_partition_list_destroy(l);
        return NULL;
    }
    /* offsets_for_times gives -1 (end) where nothing is that recent. */
    return l;
}

int reader_run(const read_opts *o, read_fn fn, void *ctx, char *err, size_t errlen) {
    int rc = -1, remaining = 0;
    rd_kafka_topic_partition_list_t *l = NULL;
    rd_kafka_t *rk = new_consumer(err, errlen);
    if (!rk) return -1;
    l = start_offsets(rk, o, &remaining, err, errlen);
    if (!l) goto done;
    if (rd_kafka_assign(rk, l)) {
        snprintf(err, errlen, "cannot assign partitions of %s", o->topic);
        goto done;
    }
    int eof_seen = 0;
    int64_t until = o->timeout_ms > 0 ? events_now_ms() + o->timeout_ms : INT64_MAX;
    while (!shutdown_requested()) {
        if (events_now_ms() >= until) {
            rc = 1;
            goto done;
        }
        if (!o->follow && eof_seen >= l->cnt) break;
        if (!o->follow && remaining == 0 && o->start != READ_SINCE) break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof_seen++;
        } else if (m->err) {
            if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                snprintf(err, errlen, "topic %s does not exist", o->topic);
                rd_kafka_message_destroy(m);
                goto done;
            }
        } else if (fn(m, ctx)) {
            rd_kafka_message_destroy(m);
            break;
        }
        rd_kafka_message_destroy(m);
    }
    rc = 0;
done:
    if (l) rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
