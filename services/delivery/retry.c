#include "retry.h"

#include "events.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t header_int(const rd_kafka_message_t *m, const char *name, int64_t def) {
    char buf[32];
    if (!kafka_header(m, name, buf, sizeof buf)) return def;
    char *end = NULL;
    long long v = strtoll(buf, &end, 10);
    return end == buf || *end || v < 0 ? def : (int64_t)v;
}

int retry_attempt(const rd_kafka_message_t *m) {
    int64_t a = header_int(m, "attempt", 1);
    return a < 1 ? 1 : a > 1000000 ? 1000000 : (int)a;
}

int retry_deferrals(const rd_kafka_message_t *m) {
    int64_t d = header_int(m, "deferrals", 0);
    return d > 1000000000 ? 1000000000 : (int)d;
}

int64_t retry_due_ms(const rd_kafka_message_t *m) { return header_int(m, "due-at-ms", 0); }

int retry_schedule(kafka_producer *p, const rd_kafka_message_t *m, int attempt, int deferrals, int64_t due_ms,
                   const char *error_code) {
    char topic[256], a[16], d[16], due[32], first[32];
    snprintf(a, sizeof a, "%d", attempt);
    snprintf(d, sizeof d, "%d", deferrals);
    snprintf(due, sizeof due, "%lld", (long long)due_ms);
    if (!kafka_header(m, "first-failure-ms", first, sizeof first))
        snprintf(first, sizeof first, "%lld", (long long)events_now_ms());
    kafka_hdr extra[] = {{"attempt", a}, {"due-at-ms", due}, {"error-code", error_code},
                         {"first-failure-ms", first}, {"deferrals", d}};
    rd_kafka_resp_err_t e = kafka_producer_forward(p, m, kafka_topic(TOPIC_APPLICATIONS_RETRY, topic, sizeof topic),
                                                   extra, sizeof extra / sizeof extra[0]);
    if (e) return -1;
    char labels[96];
    snprintf(labels, sizeof labels, "code=\"%s\"", error_code);
    metrics_counter_add("atsb_delivery_retries_total", labels, 1);
    return 0;
}

typedef struct {
    int32_t partition;
    int64_t offset;
    int64_t due_ms;
    int resumed;
} gated;

struct retry_gate {
    char *topic;
    gated *g;
    size_t n, cap;
};

retry_gate *retry_gate_new(const char *retry_topic) {
    retry_gate *g = calloc(1, sizeof *g);
    if (g && !(g->topic = strdup(retry_topic))) {
        free(g);
        g = NULL;
    }
    return g;
}

void retry_gate_free(retry_gate *g) {
    if (!g) return;
    free(g->topic);
    free(g->g);
    free(g);
}

static gated *find(retry_gate *g, int32_t partition) {
    for (size_t i = 0; i < g->n; i++)
        if (g->g[i].partition == partition) return &g->g[i];
    return NULL;
}

static void forget(retry_gate *g, gated *e) { *e = g->g[--g->n]; }

/* Pauses (or resumes) the partition after seeking it back to offset. */
static void seek_to(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset, int resume) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
    if (!resume) rd_kafka_pause_partitions(rk, l);
    rd_kafka_error_t *e = rd_kafka_seek_partitions(rk, l, 5000);
    if (e) {
        log_warn("retry: seek failed", "reason", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    if (resume) rd_kafka_resume_partitions(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
}

int retry_gate_check(retry_gate *g, rd_kafka_t *rk, const rd_kafka_message_t *m, int64_t now_ms) {
    if (strcmp(rd_kafka_topic_name(m->rkt), g->topic) != 0) return 0;
    gated *cur = find(g, m->partition);
    if (cur) {
        /* Still waiting: anything later was prefetched before the seek (or
         * came with a re-assignment) and is fetched again after the resume. */
        if (!cur->resumed && m->offset > cur->offset) return 1;
        forget(g, cur);
    }
    int64_t due = retry_due_ms(m);
    if (due <= now_ms) return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        gated *n = realloc(g->g, cap * sizeof *n);
        if (!n) return 0; /* cannot gate: dispatch now, the worker schedules it again */
        g->g = n;
        g->cap = cap;
    }
    g->g[g->n++] = (gated){m->partition, m->offset, due, 0};
    seek_to(rk, g->topic, m->partition, m->offset, 0);
    metrics_counter_add("atsb_delivery_retry_pauses_total", "", 1);
    return 1;
}

int retry_gate_release(retry_gate *g, rd_kafka_t *rk, int64_t now_ms) {
    int waiting = 0;
    for (size_t i = 0; i < g->n; i++) {
        gated *e = &g->g[i];
        if (e->resumed) continue;
        if (e->due_ms > now_ms) {
            waiting++;
            continue;
        }
        /* Seek again before resuming: if the partition moved meanwhile, what
         * was dropped while gated is fetched again instead of skipped. */
        seek_to(rk, g->topic, e->partition, e->offset, 1);
        e->resumed = 1;
    }
    return waiting;
}
