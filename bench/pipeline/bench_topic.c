/* Topic-level helpers of scripts/bench (bench/run.sh):
 *
 *   bench_topic count TOPIC N TIMEOUT_S [EVENT_TYPE]
 *     reads TOPIC from the beginning until N messages (with EVENT_TYPE: N
 *     ApplicationEvents of that type) have arrived or TIMEOUT_S passed;
 *     prints READY once the topic is assigned, then
 *     RESULT count=.. elapsed_s=.. span_s=.. rate=..
 *     (elapsed: from READY to the last counted message; rate: messages per
 *     second between the first and the last counted message).
 *
 *   bench_topic pass SRC DST N TIMEOUT_S [COPIES]
 *     the questions baseline: a bare consumer -> producer that copies every
 *     message of the first N of SRC (key, value, headers) COPIES times (1)
 *     to DST with the services' producer settings (idempotent, acks=all,
 *     linger.ms=2, lz4) until every delivery report is positive. With 2 it
 *     writes what questions writes per input (the resolved application and
 *     its event): the bound of any service doing so.
 *
 *   bench_topic delivered SRC EVENTS N TIMEOUT_S
 *     the replicas scenario: reads SRC (keyed by application id:
 *     applications.resolved) until it has N distinct applications and
 *     learns each one's partition, prints READY, then reads EVENTS until every one of them
 *     has a `delivered` ApplicationEvent or TIMEOUT_S passed, printing
 *     D AT_MS PARTITION
 *     for each application's first (AT_MS: when delivery recorded it), then
 *     RESULT count=.. duplicates=.. (more than one `delivered` for an
 *     application). */
#include "topic_reader.h"

#include "atsbridge/v1/events.pb-c.h"
#include "config.h"
#include "kafka_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: bench_topic count TOPIC N TIMEOUT_S [EVENT_TYPE]\n"
                    "       bench_topic pass SRC DST N TIMEOUT_S [COPIES]\n"
                    "       bench_topic delivered SRC EVENTS N TIMEOUT_S\n");
    return 2;
}

static long num(const char *s, long min, long max, long *out) {
    int64_t v;
    if (config_parse_int(s, min, max, &v)) return -1;
    *out = (long)v;
    return 0;
}

static int is_type(const rd_kafka_message_t *m, const char *type) {
    Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
    int yes = ev && ev->type && !strcmp(ev->type, type);
    if (ev) atsbridge__v1__application_event__free_unpacked(ev, NULL);
    return yes;
}

static int count(const char *topic, long n, long timeout_s, const char *type) {
    topic_reader r;
    if (topic_reader_open(&r, topic, 30000)) return 1;
    double t0 = bench_now(), first = 0, last = 0, until = t0 + (double)timeout_s;
    printf("READY\n");
    fflush(stdout);
    long got = 0;
    while (got < n && bench_now() < until) {
        rd_kafka_message_t *m = topic_reader_next(&r, 200);
        if (!m) continue;
        if (!type || is_type(m, type)) {
            last = bench_now();
            if (!got) first = last;
            got++;
        }
        rd_kafka_message_destroy(m);
    }
    topic_reader_close(&r);
    double span = last - first;
    printf("RESULT count=%ld elapsed_s=%.3f span_s=%.3f rate=%.1f\n", got, got ? last - t0 : 0.0, span,
           got > 1 && span > 0 ? (double)(got - 1) / span : 0.0);
    return got == n ? 0 : 3;
}

static long acked, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err) failed++;
    else acked++;
}

static int pass(const char *src, const char *dst, long n, long timeout_s, long copies) {
    char err[512];
    rd_kafka_conf_t *conf = kafka_conf_new("atsb-bench-pass", err, sizeof err);
    if (!conf || kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err) ||
        kafka_conf_set(conf, "acks", "all", err, sizeof err) ||
        kafka_conf_set(conf, "linger.ms", "2", err, sizeof err) ||
        kafka_conf_set(conf, "compression.type", "lz4", err, sizeof err) ||
        /* A whole run in flight: the default 100 000 messages fail copies of larger runs. */
        kafka_conf_set(conf, "queue.buffering.max.messages", "10000000", err, sizeof err) ||
        kafka_conf_set(conf, "queue.buffering.max.kbytes", "2097151", err, sizeof err)) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!p) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    topic_reader r;
    if (topic_reader_open(&r, src, 30000)) return 1;
    double until = bench_now() + (double)timeout_s;
    long sent = 0;
    long want = n * copies;
    while (acked < want && bench_now() < until) {
        rd_kafka_message_t *m = sent < want ? topic_reader_next(&r, 20) : NULL;
        for (long c = 0; m && c < copies; c++) {
            rd_kafka_headers_t *h = NULL;
            if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) h = rd_kafka_headers_copy(h);
            else h = rd_kafka_headers_new(0);
            rd_kafka_resp_err_t e = rd_kafka_producev(
                p, RD_KAFKA_V_TOPIC(dst), RD_KAFKA_V_KEY(m->key, m->key_len),
                RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
            if (e) {
                rd_kafka_headers_destroy(h);
                failed++;
            } else {
                sent++;
            }
        }
        if (m) rd_kafka_message_destroy(m);
        rd_kafka_poll(p, m ? 0 : 20);
    }
    rd_kafka_flush(p, 10000);
    topic_reader_close(&r);
    rd_kafka_destroy(p);
    printf("RESULT sent=%ld acked=%ld failed=%ld\n", sent, acked, failed);
    return acked >= want ? 0 : 3;
}

typedef struct {
    char id[64];
    int partition;
    int delivered;
} app_slot;

static int slot_cmp(const void *a, const void *b) { return strcmp(((const app_slot *)a)->id, ((const app_slot *)b)->id); }

static int delivered(const char *src, const char *events, long n, long timeout_s) {
    app_slot *apps = calloc((size_t)n, sizeof *apps);
    topic_reader r = {0}, e = {0};
    int rc = 1;
    if (!apps) return 1;
    double until = bench_now() + (double)timeout_s;
    /* Until N distinct applications: a message may be there twice (a
     * batch produced again after a failure). */
    size_t cap = (size_t)n, have = 0, distinct = 0;
    if (topic_reader_open(&r, src, 30000)) goto done;
    while (distinct < (size_t)n && bench_now() < until) {
        rd_kafka_message_t *m = topic_reader_next(&r, 200);
        if (!m) {
            qsort(apps, have, sizeof *apps, slot_cmp);
            distinct = 0;
            for (size_t i = 0; i < have; i++)
                if (!distinct || strcmp(apps[distinct - 1].id, apps[i].id)) apps[distinct++] = apps[i];
            have = distinct;
            continue;
        }
        if (m->key && m->key_len > 0 && m->key_len < sizeof apps[0].id) {
            if (have == cap) {
                app_slot *more = realloc(apps, 2 * cap * sizeof *apps);
                if (!more) {
                    rd_kafka_message_destroy(m);
                    topic_reader_close(&r);
                    goto done;
                }
                apps = more;
                cap *= 2;
            }
            memset(&apps[have], 0, sizeof apps[have]);
            memcpy(apps[have].id, m->key, m->key_len);
            apps[have++].partition = (int)m->partition;
        }
        rd_kafka_message_destroy(m);
    }
    topic_reader_close(&r);
    if (distinct != (size_t)n) {
        fprintf(stderr, "bench: %zu distinct applications in %s, expected %ld\n", distinct, src, n);
        goto done;
    }
    if (topic_reader_open(&e, events, 30000)) goto done;
    printf("READY\n");
    fflush(stdout);
    long got = 0, dups = 0;
    while (got < n && bench_now() < until) {
        rd_kafka_message_t *m = topic_reader_next(&e, 200);
        if (!m) continue;
        Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
        rd_kafka_message_destroy(m);
        if (!ev) continue;
        app_slot key = {0}, *a = NULL;
        if (ev->type && !strcmp(ev->type, "delivered") && ev->application_id &&
            strlen(ev->application_id) < sizeof key.id) {
            strcpy(key.id, ev->application_id);
            a = bsearch(&key, apps, (size_t)n, sizeof *apps, slot_cmp);
        }
        if (a && a->delivered++) {
            dups++;
        } else if (a) {
            printf("D %lld %d\n", (long long)ev->at_ms, a->partition);
            got++;
        }
        atsbridge__v1__application_event__free_unpacked(ev, NULL);
    }
    topic_reader_close(&e);
    printf("RESULT count=%ld duplicates=%ld\n", got, dups);
    rc = got == n ? 0 : 3;
done:
    free(apps);
    return rc;
}

int main(int argc, char **argv) {
    long n, t;
    if (argc >= 5 && !strcmp(argv[1], "count") && !num(argv[3], 1, 100000000, &n) &&
        !num(argv[4], 1, 86400, &t))
        return count(argv[2], n, t, argc > 5 ? argv[5] : NULL);
    long copies = 1;
    if ((argc == 6 || argc == 7) && !strcmp(argv[1], "pass") && !num(argv[4], 1, 100000000, &n) &&
        !num(argv[5], 1, 86400, &t) && (argc == 6 || !num(argv[6], 1, 16, &copies)))
        return pass(argv[2], argv[3], n, t, copies);
    if (argc == 6 && !strcmp(argv[1], "delivered") && !num(argv[4], 1, 10000000, &n) && !num(argv[5], 1, 86400, &t))
        return delivered(argv[2], argv[3], n, t);
    return usage();
}
