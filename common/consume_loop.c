#include "consume_loop.h"

#include "backoff.h"
#include "events.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"
#include "shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A batch ends when no message came for this long (consume_loop.h). */
#define BATCH_GAP_MS 5

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int consume_schema_is(const rd_kafka_message_t *m, const char *schema) {
    char buf[160];
    const char *s = kafka_header(m, HDR_SCHEMA, buf, sizeof buf);
    return s && !strcmp(s, schema);
}

int consume_deadletter(kafka_producer *p, const rd_kafka_message_t *m, const char *code,
                       const char *message) {
    char topic[256], part[16], off[32], first[32];
    const char *orig_topic = rd_kafka_topic_name(m->rkt);
    snprintf(part, sizeof part, "%d", (int)m->partition);
    snprintf(off, sizeof off, "%lld", (long long)m->offset);
    if (!kafka_header(m, "first-failure-ms", first, sizeof first))
        snprintf(first, sizeof first, "%lld", (long long)events_now_ms());
    kafka_hdr extra[HDR_MAX_DEADLETTER];
    size_t n = 0;
    extra[n++] = (kafka_hdr){"error-code", code};
    extra[n++] = (kafka_hdr){"error-message", message};
    extra[n++] = (kafka_hdr){"original-topic", orig_topic};
    extra[n++] = (kafka_hdr){"original-partition", part};
    extra[n++] = (kafka_hdr){"original-offset", off};
    extra[n++] = (kafka_hdr){"first-failure-ms", first};
    char attempt[16];
    if (kafka_header(m, "attempt", attempt, sizeof attempt)) extra[n++] = (kafka_hdr){"attempt", attempt};
    rd_kafka_resp_err_t e =
        kafka_producer_forward(p, m, kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, topic, sizeof topic), extra, n);
    char labels[200];
    snprintf(labels, sizeof labels, "topic=\"%s\",code=\"%s\"", orig_topic, code);
    if (!e) metrics_counter_add("atsb_deadletters_total", labels, 1);
    log_warn("message dead-lettered", "topic", orig_topic, "partition", part, "offset", off, "code", code);
    return e ? -1 : 0;
}

int consume_loop_run(const loop_spec *spec) {
    char err[512];
    char names[8][256];
    const char *topics[8];
    size_t nt = spec->ntopics < 8 ? spec->ntopics : 8;
    for (size_t i = 0; i < nt; i++) topics[i] = kafka_topic(spec->topics[i], names[i], sizeof names[i]);
    size_t max_batch = spec->max_batch ? spec->max_batch : 500;
    int max_wait = spec->max_wait_ms ? spec->max_wait_ms : 50;
    rd_kafka_message_t **batch = calloc(max_batch, sizeof *batch);
    kafka_consumer *c = NULL;
    if (!batch || kafka_consumer_new(spec->service, spec->group, topics, nt, &c, err, sizeof err)) {
        fprintf(stderr, "%s: consumer: %s\n", spec->service, batch ? err : "out of memory");
        free(batch);
        return -1;
    }
    char labels[160];
    snprintf(labels, sizeof labels, "group=\"%s\"", spec->group);
    metrics_counter_add("atsb_consumed_total", labels, 0);
    metrics_counter_add("atsb_consume_retries_total", labels, 0);
    metrics_declare("atsb_consume_batch_size", METRICS_HISTOGRAM);
    while (!shutdown_requested()) {
        size_t n = 0;
        long long deadline = mono_ms() + max_wait;
        rd_kafka_message_t *m = kafka_consumer_poll(c, 100);
        if (!m) continue;
        batch[n++] = m;
        /* More while they keep coming (none for BATCH_GAP_MS ends the
         * batch: little wait at low load, full batches under load), until
         * the window closes; then only what is fetched already. */
        while (n < max_batch) {
            long long left = deadline - mono_ms();
            m = kafka_consumer_poll(c, left <= 0 ? 0 : left < BATCH_GAP_MS ? (int)left : BATCH_GAP_MS);
            if (!m) break;
            batch[n++] = m;
        }
        int tries = 0;
        loop_result r;
        while ((r = spec->handle(spec->ctx, batch, n)) == LOOP_RETRY && !shutdown_requested()) {
            metrics_counter_add("atsb_consume_retries_total", labels, 1);
            shutdown_sleep_ms((long)backoff_step_ms(++tries, 100, 5000));
        }
        if (r == LOOP_DONE) {
            for (size_t i = 0; i < n; i++) kafka_consumer_store(c, batch[i]);
            metrics_counter_add("atsb_consumed_total", labels, (double)n);
            metrics_observe("atsb_consume_batch_size", labels, (double)n / 1000.0);
        }
        for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(batch[i]);
    }
    kafka_consumer_destroy(c, 10000);
    free(batch);
    return 0;
}
