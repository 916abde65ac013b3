#include "topic_reader.h"

#include "kafka_conf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int topic_reader_open(topic_reader *r, const char *topic, int timeout_ms) {
    char err[512];
    memset(r, 0, sizeof *r);
    rd_kafka_conf_t *conf = kafka_conf_new("atsb-bench", err, sizeof err);
    if (!conf || kafka_conf_set(conf, "group.id", "atsb-bench-reader", err, sizeof err) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) ||
        kafka_conf_set(conf, "enable.auto.offset.store", "false", err, sizeof err) ||
        kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err)) {
        fprintf(stderr, "bench: %s\n", err);
        if (conf) rd_kafka_conf_destroy(conf);
        return -1;
    }
    r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!r->rk) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    rd_kafka_poll_set_consumer(r->rk);
    r->q = rd_kafka_queue_get_consumer(r->rk);
    int parts = 0;
    double until = bench_now() + timeout_ms / 1000.0;
    while (!parts && bench_now() < until) {
        rd_kafka_topic_t *t = rd_kafka_topic_new(r->rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(r->rk, 0, t, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
            !md->topics[0].err)
            parts = md->topics[0].partition_cnt;
        if (md) rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(t);
        if (!parts) {
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
        }
    }
    if (!parts) {
        fprintf(stderr, "bench: topic %s not found\n", topic);
        topic_reader_close(r);
        return -1;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(r->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        fprintf(stderr, "bench: assign %s: %s\n", topic, rd_kafka_err2str(e));
        topic_reader_close(r);
        return -1;
    }
    return 0;
}

rd_kafka_message_t *topic_reader_next(topic_reader *r, int timeout_ms) {
    double until = bench_now() + timeout_ms / 1000.0;
    for (;;) {
        double left = until - bench_now();
        if (left < 0) left = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, (int)(left * 1000));
        if (m && !m->err) return m;
        if (m) rd_kafka_message_destroy(m);
        if (bench_now() >= until) return NULL;
    }
}

void topic_reader_close(topic_reader *r) {
    if (r->q) rd_kafka_queue_destroy(r->q);
    if (r->rk) {
        rd_kafka_consumer_close(r->rk);
        rd_kafka_destroy(r->rk);
    }
    memset(r, 0, sizeof *r);
}
