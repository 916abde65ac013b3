#include "dlq.h"

#include "atsbridge/v1/applications.pb-c.h"
#include "atsbridge/v1/ats.pb-c.h"
#include "kafka_conf.h"

#include <stdio.h>
#include <string.h>

#define MAX_KEPT 16 /* original headers carried over; the producer's own come on top */

/* The account a known payload names into e->account_id. */
static void account_of(const rd_kafka_message_t *m, const char *schema, dlq_entry *e) {
    const uint8_t *buf = m->payload;
    size_t len = m->len;
    const char *account = NULL;
    if (!buf) return;
    if (!strcmp(schema, SCHEMA_RECEIVED)) {
        Atsbridge__V1__ApplicationReceived *a = atsbridge__v1__application_received__unpack(NULL, len, buf);
        if (a) snprintf(e->account_id, sizeof e->account_id, "%s", a->account_id);
        atsbridge__v1__application_received__free_unpacked(a, NULL);
    } else if (!strcmp(schema, SCHEMA_RESOLVED)) {
        Atsbridge__V1__ApplicationResolved *r = atsbridge__v1__application_resolved__unpack(NULL, len, buf);
        if (r && r->application) account = r->application->account_id;
        if (account) snprintf(e->account_id, sizeof e->account_id, "%s", account);
        atsbridge__v1__application_resolved__free_unpacked(r, NULL);
    } else if (!strcmp(schema, SCHEMA_COMMAND)) {
        Atsbridge__V1__AtsCommand *c = atsbridge__v1__ats_command__unpack(NULL, len, buf);
        if (c) snprintf(e->account_id, sizeof e->account_id, "%s", c->account_id);
        atsbridge__v1__ats_command__free_unpacked(c, NULL);
    } else if (!strcmp(schema, SCHEMA_CHECK_UPDATE)) {
        Atsbridge__V1__BackgroundCheckUpdate *u = atsbridge__v1__background_check_update__unpack(NULL, len, buf);
        if (u) snprintf(e->account_id, sizeof e->account_id, "%s", u->account_id);
        atsbridge__v1__background_check_update__free_unpacked(u, NULL);
    } else if (!strcmp(schema, SCHEMA_WEBHOOK)) {
        Atsbridge__V1__AtsWebhook *w = atsbridge__v1__ats_webhook__unpack(NULL, len, buf);
        if (w) snprintf(e->account_id, sizeof e->account_id, "%s", w->account_id);
        atsbridge__v1__ats_webhook__free_unpacked(w, NULL);
    }
}

void dlq_describe(const rd_kafka_message_t *m, dlq_entry *e) {
    char schema[128] = "";
    memset(e, 0, sizeof *e);
    snprintf(e->ref, sizeof e->ref, "%d:%lld", (int)m->partition, (long long)m->offset);
    kafka_header(m, "error-code", e->error_code, sizeof e->error_code);
    kafka_header(m, "error-message", e->error_message, sizeof e->error_message);
    kafka_header(m, "original-topic", e->original_topic, sizeof e->original_topic);
    kafka_header(m, "first-failure-ms", e->first_failure_ms, sizeof e->first_failure_ms);
    kafka_header(m, HDR_SCHEMA, schema, sizeof schema);
    if ((!strcmp(schema, SCHEMA_RECEIVED) || !strcmp(schema, SCHEMA_RESOLVED)) && m->key &&
        m->key_len < sizeof e->application_id) {
        memcpy(e->application_id, m->key, m->key_len);
        e->application_id[m->key_len] = '\0';
    }
    account_of(m, schema, e);
}

/* Headers a re-drive does not carry over. */
static int dropped(const char *name) {
    static const char *const exact[] = {HDR_SCHEMA, HDR_TRACE_ID, HDR_PRODUCER, "first-failure-ms", "attempt",
                                        "deferrals", "due-at-ms", "replayed-from"};
    static const char *const prefixes[] = {"error-", "original-", "redrive-", "tier-"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (!strcmp(name, exact[i])) return 1;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) return 1;
    return 0;
}

int dlq_replay(kafka_producer *p, const rd_kafka_message_t *m, const char *by, const char *reason, char *err,
               size_t errlen) {
    char orig[256], from[320], values[MAX_KEPT][256];
    if (!kafka_header(m, "original-topic", orig, sizeof orig) || !*orig) {
        snprintf(err, errlen, "no original-topic header");
        return -1;
    }
    kafka_hdr extra[MAX_KEPT + 3];
    size_t n = 0;
    rd_kafka_headers_t *h = NULL;
    if (!rd_kafka_message_headers(m, &h)) {
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; n < MAX_KEPT && !rd_kafka_header_get_all(h, i, &name, &val, &size); i++) {
            if (dropped(name)) continue;
            snprintf(values[n], sizeof values[n], "%.*s", (int)(size < 255 ? size : 255), val ? (const char *)val : "");
            extra[n] = (kafka_hdr){name, values[n]};
            n++;
        }
    }
    snprintf(from, sizeof from, "%s/%d/%lld", rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset);
    extra[n++] = (kafka_hdr){"replayed-from", from};
    extra[n++] = (kafka_hdr){"redrive-by", by};
    extra[n++] = (kafka_hdr){"redrive-reason", reason ? reason : ""};
    rd_kafka_resp_err_t e = kafka_producer_forward(p, m, orig, extra, n);
    if (e) {
        snprintf(err, errlen, "%s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}
