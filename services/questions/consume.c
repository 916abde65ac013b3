#include "consume.h"

#include "kafka_conf.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>


void qconsume_ctx_free(qconsume_ctx *c) {
    free(c->done);
    c->done = NULL;
    c->done_cap = 0;
}

/* Decides m into b. 0 decided (or dead-lettered), -1 transient. */
static int decide(qconsume_ctx *c, qr_batch *b, rd_kafka_message_t *m) {
    char trace[128];
    const char *trace_id = kafka_header(m, HDR_TRACE_ID, trace, sizeof trace);
    if (!consume_schema_is(m, SCHEMA_RECEIVED))
        return consume_deadletter(c->rc->producer, m, "unknown_schema", "questions expects ApplicationReceived");
    qr_decision d;
    int rc = questions_resolve(c->rc, b, m->payload, m->len, trace_id, 0, &d);
    if (rc == QR_UNDECODABLE)
        return consume_deadletter(c->rc->producer, m, "undecodable", "payload is not an ApplicationReceived");
    if (rc == QR_SEALED_INVALID)
        return consume_deadletter(c->rc->producer, m, "sealed_invalid", "sealed personal data does not open");
    if (rc == QR_INVALID) return consume_deadletter(c->rc->producer, m, "invalid_message", b->why);
    return rc == 0 ? 0 : -1;
}

/* The data keys of the batch's applications in one round trip: each
 * message's key is its application id. */
static void prefetch_keys(qconsume_ctx *c, qr_batch *b, rd_kafka_message_t **msgs, size_t n) {
    char(*ids)[64] = calloc(n, sizeof *ids);
    const char **ptrs = calloc(n, sizeof *ptrs);
    size_t k = 0;
    for (size_t i = 0; ids && ptrs && i < n; i++) {
        if (c->done[i] || !msgs[i]->key || msgs[i]->key_len == 0 || msgs[i]->key_len >= sizeof ids[0]) continue;
        memcpy(ids[k], msgs[i]->key, msgs[i]->key_len);
        ptrs[k] = ids[k];
        k++;
    }
    qr_batch_prefetch_keys(b, c->rc, ptrs, k);
    free(ids);
    free(ptrs);
}

loop_result questions_consume_batch(void *vctx, rd_kafka_message_t **msgs, size_t n) {
    qconsume_ctx *c = vctx;
    if (n > c->done_cap) {
        unsigned char *d = realloc(c->done, n);
        if (!d) return LOOP_RETRY;
        c->done = d;
        c->done_cap = n;
    }
    /* The loop hands a failed batch back unchanged: same first message. */
    if (msgs[0] != c->first || n != c->n) {
        memset(c->done, 0, n);
        c->first = msgs[0];
        c->n = n;
    }
    /* Every decision goes into one produce batch; messages count as done
     * only once the broker has all of that batch's output. */
    qr_batch b;
    qr_batch_begin(&b, c->rc);
    prefetch_keys(c, &b, msgs, n);
    size_t i = 0;
    int failed = 0;
    for (; i < n && !failed; i++)
        if (!c->done[i] && decide(c, &b, msgs[i])) failed = 1;
    if (qr_batch_end(&b, "decisions")) return LOOP_RETRY;
    /* Up to the failed message (exclusive) everything is durable. */
    size_t durable = failed ? i - 1 : n;
    memset(c->done, 1, durable);
    if (failed) return LOOP_RETRY;
    c->first = NULL;
    c->n = 0;
    return LOOP_DONE;
}
