#include "consume.h"

#include "kafka_conf.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

#define RECEIVED_SCHEMA "atsbridge.v1.ApplicationReceived"

void qconsume_ctx_free(qconsume_ctx *c) {
    free(c->done);
    c->done = NULL;
    c->done_cap = 0;
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
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = msgs[i];
        if (c->done[i]) continue;
        char trace[128];
        const char *trace_id = kafka_header(m, HDR_TRACE_ID, trace, sizeof trace);
        if (!consume_schema_is(m, RECEIVED_SCHEMA)) {
            if (consume_deadletter(c->rc->producer, m, "unknown_schema", "questions expects ApplicationReceived"))
                return LOOP_RETRY;
            c->done[i] = 1;
            continue;
        }
        qr_decision d;
        int rc = questions_resolve(c->rc, m->payload, m->len, trace_id, 0, &d);
        if (rc == QR_UNDECODABLE) {
            if (consume_deadletter(c->rc->producer, m, "undecodable", "payload is not an ApplicationReceived"))
                return LOOP_RETRY;
        } else if (rc != 0) {
            return LOOP_RETRY;
        }
        c->done[i] = 1;
    }
    c->first = NULL;
    c->n = 0;
    return LOOP_DONE;
}
