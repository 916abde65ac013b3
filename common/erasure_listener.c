#include "erasure_listener.h"

#include "config.h"
#include "consume_loop.h"
#include "event_peek.h"
#include "events.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "produce_batch.h"
#include "shutdown.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct erasure_listener {
    service *svc;
    char name[64];
    char group[256];
    erasure_fn erase;
    void *ctx;
    pthread_t tid;
    int rc;
};

/* Copies id into out (ERASURE_ID_MAX + 1 bytes): 0, or -1 when it does not fit. */
static int copy_id(char *out, const char *id) {
    size_t n = id ? strlen(id) : 0;
    if (n > ERASURE_ID_MAX) return -1;
    memcpy(out, id ? id : "", n);
    out[n] = '\0';
    return 0;
}

int erasure_listener_match(const char *schema, const uint8_t *payload, size_t len, erasure_target *out) {
    if (!schema || strcmp(schema, EVENT_SCHEMA) != 0 || !event_type_is(payload, len, "erasure_requested")) return 0;
    Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, len, payload);
    if (!ev) return 0;
    int ok = ev->type && !strcmp(ev->type, "erasure_requested") && ev->application_id &&
             *ev->application_id && !copy_id(out->application_id, ev->application_id) &&
             !copy_id(out->account_id, ev->account_id);
    atsbridge__v1__application_event__free_unpacked(ev, NULL);
    return ok;
}

/* Runs the erasures of one batch in one transaction. 0, or -1 (rolled back
 * when the connection is released). */
static int erase_all(erasure_listener *l, PGconn *c, const erasure_target *t, size_t n) {
    if (pg_run(c, "BEGIN", 0, NULL)) return -1;
    for (size_t i = 0; i < n; i++)
        if (l->erase(l->ctx, c, t[i].application_id, t[i].account_id)) return -1;
    return pg_run(c, "COMMIT", 0, NULL);
}

/* Produces erasure_done for each target and waits for the broker: 0 or -1. */
static int confirm_all(erasure_listener *l, rd_kafka_message_t **msgs, const erasure_target *t,
                       const size_t *from, size_t n) {
    produce_batch b;
    produce_batch_init(&b, l->svc->producer, l->name);
    for (size_t i = 0; i < n; i++) {
        Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
        char trace[128];
        ev.application_id = (char *)t[i].application_id;
        ev.account_id = (char *)t[i].account_id;
        ev.type = "erasure_done";
        /* The service name discriminates: each service confirms once. */
        produce_batch_event(&b, &ev, l->name, kafka_header(msgs[from[i]], HDR_TRACE_ID, trace, sizeof trace));
    }
    return produce_batch_wait(&b, "erasure_done") == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

static loop_result handle(void *vctx, rd_kafka_message_t **msgs, size_t n) {
    erasure_listener *l = vctx;
    loop_result res = LOOP_RETRY;
    PGconn *c = NULL;
    size_t k = 0;
    erasure_target *t = malloc(n * sizeof *t);
    size_t *from = malloc(n * sizeof *from);
    if (!t || !from) goto cleanup;
    for (size_t i = 0; i < n; i++) {
        char schema[160];
        if (erasure_listener_match(kafka_header(msgs[i], HDR_SCHEMA, schema, sizeof schema), msgs[i]->payload,
                                   msgs[i]->len, &t[k]))
            from[k++] = i;
    }
    if (k == 0) {
        res = LOOP_DONE;
        goto cleanup;
    }
    if (!(c = pg_pool_acquire(l->svc->db)) || erase_all(l, c, t, k)) goto cleanup;
    pg_pool_release(l->svc->db, c);
    c = NULL;
    /* After the COMMIT: a confirmation only says what is durable. If the
     * broker does not take it, the batch comes again and erases nothing new. */
    if (confirm_all(l, msgs, t, from, k)) goto cleanup;
    char labels[96];
    snprintf(labels, sizeof labels, "service=\"%s\"", l->name);
    metrics_counter_add("atsb_erasures_confirmed_total", labels, (double)k);
    for (size_t i = 0; i < k; i++) log_info("erasure confirmed", "application_id", t[i].application_id);
    res = LOOP_DONE;
cleanup:
    if (c) pg_pool_release(l->svc->db, c); /* rolls back an open transaction */
    if (res != LOOP_DONE) log_warn("erasure batch failed; retrying");
    free(t);
    free(from);
    return res;
}

static void *run(void *arg) {
    erasure_listener *l = arg;
    static const char *const topics[] = {TOPIC_APPLICATION_EVENTS};
    loop_spec spec = {
        .service = l->name,
        .group = l->group,
        .topics = topics,
        .ntopics = 1,
        .handle = handle,
        .ctx = l,
    };
    l->rc = consume_loop_run(&spec);
    if (l->rc) shutdown_request(); /* a service that cannot erase must not run */
    return NULL;
}

erasure_listener *erasure_listener_start(service *svc, const char *name, erasure_fn erase, void *ctx) {
    erasure_listener *l = calloc(1, sizeof *l);
    if (!l) goto fail;
    l->svc = svc;
    l->erase = erase;
    l->ctx = ctx;
    snprintf(l->name, sizeof l->name, "%s", name);
    char base[128];
    snprintf(base, sizeof base, "%s-erasure", name);
    kafka_topic(base, l->group, sizeof l->group);
    if (pthread_create(&l->tid, NULL, run, l) != 0) goto fail;
    return l;
fail:
    fprintf(stderr, "%s: cannot start the erasure listener\n", name);
    free(l);
    return NULL;
}

int erasure_listener_join(erasure_listener *l) {
    if (!l) return 0;
    pthread_join(l->tid, NULL);
    int rc = l->rc ? -1 : 0;
    free(l);
    return rc;
}
