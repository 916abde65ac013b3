#include "retry.h"

#include "events.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"
#include "retry_tier.h"

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

static int64_t tier_due_ms(const rd_kafka_message_t *m) { return header_int(m, "tier-due-ms", 0); }

/* Produces m to the tier for due_ms with the retry headers. Returns the
 * tier's index, or -1 when the broker did not take it. */
static int produce_tier(kafka_producer *p, const rd_kafka_message_t *m, int attempt, int deferrals, int64_t due_ms,
                        const char *error_code, int64_t now_ms) {
    int t = retry_tier_for(due_ms - now_ms);
    char topic[256], a[16], d[16], due[32], tdue[32], first[32];
    snprintf(a, sizeof a, "%d", attempt);
    snprintf(d, sizeof d, "%d", deferrals);
    snprintf(due, sizeof due, "%lld", (long long)due_ms);
    snprintf(tdue, sizeof tdue, "%lld", (long long)retry_tier_due(t, now_ms, due_ms));
    if (!kafka_header(m, "first-failure-ms", first, sizeof first))
        snprintf(first, sizeof first, "%lld", (long long)now_ms);
    kafka_hdr extra[] = {{"attempt", a},           {"due-at-ms", due},        {"tier-due-ms", tdue},
                         {"error-code", error_code}, {"first-failure-ms", first}, {"deferrals", d}};
    rd_kafka_resp_err_t e = kafka_producer_forward(p, m, kafka_topic(retry_tiers[t].topic, topic, sizeof topic),
                                                   extra, sizeof extra / sizeof extra[0]);
    return e ? -1 : t;
}

int retry_schedule(kafka_producer *p, const rd_kafka_message_t *m, int attempt, int deferrals, int64_t due_ms,
                   const char *error_code) {
    int t = produce_tier(p, m, attempt, deferrals, due_ms, error_code, events_now_ms());
    if (t < 0) return -1;
    char labels[128];
    snprintf(labels, sizeof labels, "code=\"%s\",tier=\"%s\"", error_code, retry_tiers[t].label);
    metrics_counter_add("atsb_delivery_retries_total", labels, 1);
    return 0;
}

int retry_hop(kafka_producer *p, const rd_kafka_message_t *m, int64_t now_ms) {
    char code[64];
    if (!kafka_header(m, "error-code", code, sizeof code)) snprintf(code, sizeof code, "unknown");
    int t = produce_tier(p, m, retry_attempt(m), retry_deferrals(m), retry_due_ms(m), code, now_ms);
    if (t < 0) return -1;
    char labels[64];
    snprintf(labels, sizeof labels, "tier=\"%s\"", retry_tiers[t].label);
    metrics_counter_add("atsb_delivery_retry_hops_total", labels, 1);
    return 0;
}

/* The gate's topics: the tiers, then the single retry topic of earlier
 * versions (its messages have no tier-due-ms, so they never wait: each one
 * is delivered or hops into its tier). */
#define GATE_TOPICS (RETRY_TIERS + 1)

typedef struct {
    int topic; /* index into names */
    int32_t partition;
    int64_t offset;
    int64_t due_ms;
    int resumed;
} gated;

struct retry_gate {
    char names[GATE_TOPICS][256];
    gated *g;
    size_t n, cap;
};

retry_gate *retry_gate_new(void) {
    retry_gate *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    for (int t = 0; t < RETRY_TIERS; t++) kafka_topic(retry_tiers[t].topic, g->names[t], sizeof g->names[t]);
    kafka_topic(TOPIC_APPLICATIONS_RETRY, g->names[RETRY_TIERS], sizeof g->names[RETRY_TIERS]);
    return g;
}

void retry_gate_free(retry_gate *g) {
    if (!g) return;
    free(g->g);
    free(g);
}

/* Index of m's topic among the gate's, -1 when it is none of them. */
static int topic_of(const retry_gate *g, const rd_kafka_message_t *m) {
    const char *name = rd_kafka_topic_name(m->rkt);
    for (int t = 0; t < GATE_TOPICS; t++)
        if (!strcmp(name, g->names[t])) return t;
    return -1;
}

static gated *find(retry_gate *g, int topic, int32_t partition) {
    for (size_t i = 0; i < g->n; i++)
        if (g->g[i].topic == topic && g->g[i].partition == partition) return &g->g[i];
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
    int topic = topic_of(g, m);
    if (topic < 0) return 0;
    gated *cur = find(g, topic, m->partition);
    if (cur) {
        /* Still waiting: anything later was prefetched before the seek (or
         * came with a re-assignment) and is fetched again after the resume. */
        if (!cur->resumed && m->offset > cur->offset) return 1;
        forget(g, cur);
    }
    int64_t tier_due = tier_due_ms(m);
    if (retry_step_at(tier_due, retry_due_ms(m), now_ms) != RETRY_WAIT) return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        gated *n = realloc(g->g, cap * sizeof *n);
        if (!n) return 0; /* cannot gate: dispatch now (delivered early rather than stalled) */
        g->g = n;
        g->cap = cap;
    }
    int64_t due = retry_due_ms(m);
    g->g[g->n++] = (gated){topic, m->partition, m->offset, tier_due < due ? tier_due : due, 0};
    seek_to(rk, g->names[topic], m->partition, m->offset, 0);
    char labels[64];
    snprintf(labels, sizeof labels, "tier=\"%s\"", topic < RETRY_TIERS ? retry_tiers[topic].label : "legacy");
    metrics_counter_add("atsb_delivery_retry_pauses_total", labels, 1);
    return 1;
}

int retry_gate_release(retry_gate *g, rd_kafka_t *rk, int64_t now_ms) {
    int waiting[GATE_TOPICS] = {0}, all = 0;
    for (size_t i = 0; i < g->n; i++) {
        gated *e = &g->g[i];
        if (e->resumed) continue;
        if (e->due_ms > now_ms) {
            waiting[e->topic]++;
            all++;
            continue;
        }
        /* Seek again before resuming: if the partition moved meanwhile, what
         * was dropped while gated is fetched again instead of skipped. */
        seek_to(rk, g->names[e->topic], e->partition, e->offset, 1);
        e->resumed = 1;
    }
    for (int t = 0; t < RETRY_TIERS; t++) {
        char labels[64];
        snprintf(labels, sizeof labels, "tier=\"%s\"", retry_tiers[t].label);
        metrics_gauge_set("atsb_delivery_retry_partitions_waiting", labels, waiting[t]);
    }
    return all;
}

int retry_gate_must_hop(const retry_gate *g, const rd_kafka_message_t *m, int64_t now_ms) {
    return topic_of(g, m) >= 0 && retry_step_at(tier_due_ms(m), retry_due_ms(m), now_ms) == RETRY_HOP;
}
