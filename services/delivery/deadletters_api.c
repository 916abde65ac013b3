#include "deadletters_api.h"

#include "auth.h"
#include "dctx.h"
#include "dlq.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "pgarr.h"
#include "rfc3339.h"
#include "topic_reader.h"
#include "utf8.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCAN_MS 20000   /* one pass over the dead-letter topic */
#define MAX_MATCHES 1000 /* dead letters one replay call holds at a time */
#define MAX_IDS 100
#define MAX_REASON 500
#define LIST_DEFAULT 50
#define LIST_MAX 500
#define HASH_SIZE 4096 /* > 2 * MAX_MATCHES, a power of two */

typedef struct {
    dlq_entry e;
    int64_t ts_ms;       /* when it was dead-lettered (record timestamp) */
    const char *outcome; /* replay: NULL (to re-drive) or why it is skipped */
    int done;            /* replay pass: re-produced */
} match;

typedef struct {
    /* what to match: ids, or account (+ error_code) */
    char ids[MAX_IDS][48];
    size_t nids;
    const char *account, *error_code;
    size_t limit; /* list: keep the newest limit */
    match *m;
    size_t n;
    int truncated, db_failed;
    size_t dropped;      /* replay: skipped matches let go to make room */
    dctx *x;
    int hash[HASH_SIZE]; /* application id -> index in m + 1 (replay) */
    /* replay pass */
    kafka_producer *producer;
    const char *by, *reason;
    size_t redriven;
} scan;

static unsigned hash_of(const char *s) {
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h & (HASH_SIZE - 1);
}

/* The slot of application id in the hash (empty or holding it). */
static int *slot(scan *s, const char *app) {
    unsigned i = hash_of(app);
    while (s->hash[i] && strcmp(s->m[s->hash[i] - 1].e.application_id, app)) i = (i + 1) & (HASH_SIZE - 1);
    return &s->hash[i];
}

static int wanted(const scan *s, const dlq_entry *e) {
    if (s->nids) {
        for (size_t i = 0; i < s->nids; i++)
            if (!strcmp(s->ids[i], e->ref)) return 1;
        return 0;
    }
    if (s->account && strcmp(s->account, e->account_id)) return 0;
    return !s->error_code || !strcmp(s->error_code, e->error_code);
}

static int64_t ts_of(const rd_kafka_message_t *m) {
    rd_kafka_timestamp_type_t t;
    int64_t ts = rd_kafka_message_timestamp(m, &t);
    return ts < 0 ? 0 : ts;
}

/* List pass: keeps the limit newest matches. */
static int on_list(const rd_kafka_message_t *m, void *ctx) {
    scan *s = ctx;
    dlq_entry e;
    dlq_describe(m, &e);
    if (!wanted(s, &e)) return 0;
    int64_t ts = ts_of(m);
    size_t at = s->n;
    if (s->n == s->limit) {
        s->truncated = 1;
        at = 0;
        for (size_t i = 1; i < s->n; i++)
            if (s->m[i].ts_ms < s->m[at].ts_ms) at = i;
        if (s->m[at].ts_ms > ts) return 0;
    } else {
        s->n++;
    }
    s->m[at] = (match){.e = e, .ts_ms = ts};
    return 0;
}

static int check_ledger(scan *s);

/* Makes room in a full match list: drops the matches already known to be
 * skipped (counted in dropped) after asking the ledger. 0 when there is
 * room now, else -1 (truncated) or -2 (the database failed). */
static int make_room(scan *s) {
    if (check_ledger(s)) return -2;
    size_t k = 0;
    memset(s->hash, 0, sizeof s->hash);
    for (size_t i = 0; i < s->n; i++) {
        if (s->m[i].outcome) {
            s->dropped++;
            continue;
        }
        s->m[k++] = s->m[i];
        if (*s->m[i].e.application_id) *slot(s, s->m[k - 1].e.application_id) = (int)k;
    }
    s->n = k;
    return k < MAX_MATCHES ? 0 : -1;
}

/* Replay pass 1: the matches, each marked superseded once a newer dead
 * letter of its application follows (an application's records share a key,
 * so a partition holds them in order). */
static int on_collect(const rd_kafka_message_t *m, void *ctx) {
    scan *s = ctx;
    dlq_entry e;
    dlq_describe(m, &e);
    int *h = *e.application_id && s->n ? slot(s, e.application_id) : NULL;
    if (h && *h) s->m[*h - 1].outcome = "superseded";
    if (!wanted(s, &e)) return 0;
    if (s->n == MAX_MATCHES) {
        int r = make_room(s);
        if (r) {
            s->truncated = 1;
            s->db_failed = r == -2;
            return 1;
        }
    }
    s->m[s->n] = (match){.e = e, .ts_ms = ts_of(m)};
    s->n++;
    if (*e.application_id) *slot(s, e.application_id) = (int)s->n;
    return 0; /* on to the end: a later dead letter may supersede this one */
}

/* Replay pass 2: re-produces the matches left to re-drive. */
static int on_replay(const rd_kafka_message_t *m, void *ctx) {
    scan *s = ctx;
    char ref[48], err[256];
    snprintf(ref, sizeof ref, "%d:%lld", (int)m->partition, (long long)m->offset);
    size_t left = 0;
    for (size_t i = 0; i < s->n; i++) {
        match *x = &s->m[i];
        if (x->outcome || x->done) continue;
        if (strcmp(x->e.ref, ref)) {
            left++;
            continue;
        }
        x->done = 1;
        if (dlq_replay(s->producer, m, s->by, s->reason, err, sizeof err)) {
            x->outcome = "replay_failed";
            log_warn("dead letter re-drive failed", "ref", ref, "reason", err);
        } else {
            s->redriven++;
        }
    }
    return left == 0;
}

static int scan_topic(read_fn fn, scan *s, int timeout_ms, char *err, size_t errlen) {
    char topic[256];
    read_opts o = {.topic = kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, topic, sizeof topic),
                   .start = READ_FROM_BEGINNING,
                   .timeout_ms = timeout_ms};
    return reader_run(&o, fn, s, err, errlen);
}

static void unavailable(http_response *resp, const char *why) {
    log_warn("dead-letter topic unreadable", "reason", why);
    http_unavailable(resp, 5, "broker_unavailable", "The dead-letter topic cannot be read.");
}

static json_object *entry_json(const match *x) {
    char at[32];
    json_object *o = json_object_new_object();
    rfc3339_format(x->ts_ms, at, sizeof at);
    json_object_object_add(o, "id", json_object_new_string(x->e.ref));
    json_object_object_add(o, "application_id", json_object_new_string(x->e.application_id));
    json_object_object_add(o, "account_id", json_object_new_string(x->e.account_id));
    json_object_object_add(o, "error_code", json_object_new_string(x->e.error_code));
    json_object_object_add(o, "error_message", json_object_new_string(x->e.error_message));
    json_object_object_add(o, "original_topic", json_object_new_string(x->e.original_topic));
    json_object_object_add(o, "dead_lettered_at", json_object_new_string(at));
    return o;
}

static int newest_first(const void *a, const void *b) {
    int64_t x = ((const match *)a)->ts_ms, y = ((const match *)b)->ts_ms;
    return (x < y) - (x > y);
}

/* A query or body string: absent (NULL), or 1..max bytes of UTF-8. */
static int text_ok(const char *s, size_t max) {
    size_t n = s ? strlen(s) : 0;
    return !s || (n > 0 && n <= max && utf8_valid(s, n));
}

void deadletters_list(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    scan s = {.account = http_query(req, "account"), .error_code = http_query(req, "error_code"),
              .limit = LIST_DEFAULT};
    const char *limit = http_query(req, "limit");
    if (limit) {
        char *end;
        long l = strtol(limit, &end, 10);
        if (*end || end == limit || l < 1 || l > LIST_MAX) {
            http_error(resp, 400, "invalid_limit", "limit must be 1 to 500.");
            return;
        }
        s.limit = (size_t)l;
    }
    if (!text_ok(s.account, 128) || !text_ok(s.error_code, 64)) {
        http_error(resp, 400, "invalid_filter", "account and error_code must be 1-128 and 1-64 bytes of UTF-8.");
        return;
    }
    char err[256];
    s.m = calloc(s.limit, sizeof *s.m);
    if (!s.m) {
        http_unavailable(resp, 1, "out_of_memory", "Out of memory.");
        return;
    }
    int r = scan_topic(on_list, &s, SCAN_MS, err, sizeof err);
    if (r < 0) {
        unavailable(resp, err);
        goto out;
    }
    qsort(s.m, s.n, sizeof *s.m, newest_first);
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < s.n; i++) json_object_array_add(a, entry_json(&s.m[i]));
    json_object_object_add(o, "deadletters", a);
    json_object_object_add(o, "more", json_object_new_boolean(s.truncated));
    json_object_object_add(o, "complete", json_object_new_boolean(r == 0));
    http_json(resp, 200, o);
out:
    free(s.m);
}

static int valid_ref(const char *s) {
    const char *colon = strchr(s, ':');
    size_t n = strlen(s);
    if (!colon || colon == s || colon == s + n - 1 || n >= 48) return 0;
    for (const char *p = s; *p; p++)
        if (p != colon && (*p < '0' || *p > '9')) return 0;
    return 1;
}

/* Reads the replay body into s (ids copied; account/error_code/reason point
 * into o). Returns 0, or -1 after answering 422 with the fields at fault. */
static int replay_body(json_object *o, scan *s, http_response *resp) {
    json_object *d = json_object_new_array(), *v, *ids = NULL;
    if (!json_object_object_get_ex(o, "reason", &v) || !json_object_is_type(v, json_type_string) ||
        !text_ok(json_object_get_string(v), MAX_REASON))
        http_detail_add(d, "reason", "required", "why the dead letters are re-driven: 1-500 bytes of UTF-8");
    else
        s->reason = json_object_get_string(v);
    if (json_object_object_get_ex(o, "ids", &v)) ids = v;
    if (json_object_object_get_ex(o, "account", &v)) {
        if (!json_object_is_type(v, json_type_string) || !text_ok(json_object_get_string(v), 128))
            http_detail_add(d, "account", "invalid", "an account id: 1-128 bytes of UTF-8");
        else
            s->account = json_object_get_string(v);
    }
    if (json_object_object_get_ex(o, "error_code", &v)) {
        if (!json_object_is_type(v, json_type_string) || !text_ok(json_object_get_string(v), 64))
            http_detail_add(d, "error_code", "invalid", "an error code: 1-64 bytes of UTF-8");
        else
            s->error_code = json_object_get_string(v);
    }
    if (!ids == !json_object_object_get_ex(o, "account", NULL))
        http_detail_add(d, ids ? "account" : "ids", "exclusive", "give either ids or account (with error_code)");
    if (ids) {
        size_t n = json_object_is_type(ids, json_type_array) ? json_object_array_length(ids) : 0;
        if (n == 0 || n > MAX_IDS) {
            http_detail_add(d, "ids", "invalid", "1-100 dead-letter ids, each PARTITION:OFFSET");
        } else {
            for (size_t i = 0; i < n; i++) {
                json_object *id = json_object_array_get_idx(ids, i);
                const char *t = json_object_is_type(id, json_type_string) ? json_object_get_string(id) : "";
                if (!valid_ref(t)) {
                    http_detail_add(d, "ids", "invalid", "each id is PARTITION:OFFSET, as GET /v1/deadletters lists it");
                    break;
                }
                snprintf(s->ids[s->nids++], sizeof s->ids[0], "%s", t);
            }
        }
    }
    if (json_object_array_length(d) == 0) {
        json_object_put(d);
        return 0;
    }
    http_error_details(resp, 422, "invalid_replay", "The re-drive request is invalid.", d);
    return -1;
}

/* Marks matches whose application was delivered meanwhile or is being
 * worked on. Returns 0, or -1 when the ledger cannot be read. */
static int check_ledger(scan *s) {
    pgarr ids;
    pgarr_init(&ids);
    for (size_t i = 0; i < s->n; i++)
        if (!s->m[i].outcome && *s->m[i].e.application_id) pgarr_add(&ids, s->m[i].e.application_id, 0);
    if (ids.n == 0) {
        pgarr_free(&ids);
        return 0;
    }
    int rc = -1;
    PGresult *res = NULL;
    PGconn *c = pg_pool_acquire(s->x->svc.db);
    const char *arr = pgarr_text(&ids);
    if (!c || !arr) goto out;
    const char *p[] = {arr};
    res = PQexecParams(c, "SELECT application_id, state FROM delivery.ledger WHERE application_id = ANY($1::text[])",
                       1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) goto out;
    for (int r = 0; r < PQntuples(res); r++) {
        const char *state = PQgetvalue(res, r, 1);
        const char *why = !strcmp(state, "DELIVERED") ? "already_delivered"
                          : strcmp(state, "FAILED")   ? "in_progress"
                                                      : NULL;
        for (size_t i = 0; why && i < s->n; i++)
            if (!s->m[i].outcome && !strcmp(s->m[i].e.application_id, PQgetvalue(res, r, 0))) s->m[i].outcome = why;
    }
    rc = 0;
out:
    PQclear(res);
    if (c) pg_pool_release(s->x->svc.db, c);
    pgarr_free(&ids);
    return rc;
}

static json_object *outcome_json(const scan *s) {
    json_object *o = json_object_new_object(), *done = json_object_new_array(), *skipped = json_object_new_array();
    for (size_t i = 0; i < s->n; i++) {
        const match *x = &s->m[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "id", json_object_new_string(x->e.ref));
        json_object_object_add(e, "application_id", json_object_new_string(x->e.application_id));
        json_object_object_add(e, "error_code", json_object_new_string(x->e.error_code));
        if (x->outcome) json_object_object_add(e, "reason", json_object_new_string(x->outcome));
        json_object_array_add(x->outcome ? skipped : done, e);
    }
    for (size_t i = 0; i < s->nids; i++) { /* ids not found in the topic */
        size_t j = 0;
        while (j < s->n && strcmp(s->m[j].e.ref, s->ids[i])) j++;
        if (j < s->n) continue;
        json_object *e = json_object_new_object();
        json_object_object_add(e, "id", json_object_new_string(s->ids[i]));
        json_object_object_add(e, "reason", json_object_new_string("not_found"));
        json_object_array_add(skipped, e);
    }
    json_object_object_add(o, "redriven", done);
    json_object_object_add(o, "skipped", skipped);
    return o;
}

void deadletters_replay(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    json_object *o = NULL;
    scan *s = calloc(1, sizeof *s);
    char err[256];
    if (!s) {
        http_unavailable(resp, 1, "out_of_memory", "Out of memory.");
        return;
    }
    s->x = x;
    if (http_body_object(req, resp, &o) || replay_body(o, s, resp)) goto out;
    s->m = calloc(MAX_MATCHES, sizeof *s->m);
    if (!s->m) {
        http_unavailable(resp, 1, "out_of_memory", "Out of memory.");
        goto out;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = scan_topic(on_collect, s, SCAN_MS, err, sizeof err);
    if (r < 0) {
        unavailable(resp, err);
        goto out;
    }
    int complete = r == 0 && !s->truncated;
    if (s->db_failed || check_ledger(s)) {
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
        goto out;
    }
    size_t todo = 0;
    for (size_t i = 0; i < s->n; i++) todo += !s->m[i].outcome;
    if (todo) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        int spent = (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        s->producer = x->svc.producer;
        s->by = auth_actor(req);
        if (scan_topic(on_replay, s, 2 * SCAN_MS - spent > 1000 ? 2 * SCAN_MS - spent : 1000, err, sizeof err) < 0) {
            unavailable(resp, err);
            goto out;
        }
        for (size_t i = 0; i < s->n; i++)
            if (!s->m[i].outcome && !s->m[i].done) s->m[i].outcome = "not_reached", complete = 0;
    }
    if (s->redriven) {
        metrics_counter_add("atsb_deadletters_redriven_total", NULL, (double)s->redriven);
        log_info("dead letters re-driven", "by", s->by);
    }
    json_object *body = outcome_json(s);
    json_object_object_add(body, "skipped_earlier", json_object_new_int64((int64_t)s->dropped));
    json_object_object_add(body, "complete", json_object_new_boolean(complete));
    http_json(resp, 200, body);
out:
    json_object_put(o);
    free(s->m);
    free(s);
}
