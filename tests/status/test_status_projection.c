/* status projections: redelivered and reordered events leave the same
 * result; poison messages are dead-lettered and consumption goes on;
 * listing pages stay stable while applications arrive. */
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_consumer.h"
#include "status_support.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *type;
    int attempt;
    int64_t offset_ms;
    const char *error;
    const char *candidate;
} step;

static const step flow[] = {
    {"received", 0, 0, NULL, NULL},
    {"resolved", 0, 1000, NULL, NULL},
    {"delivering", 1, 2000, NULL, NULL},
    {"retrying", 1, 3000, "ats_503", NULL},
    {"delivering", 2, 4000, NULL, NULL},
    {"retrying", 2, 5000, "ats_timeout", NULL},
    {"delivering", 3, 6000, NULL, NULL},
    {"delivered", 3, 7000, NULL, "opp-1"},
};
#define NFLOW (sizeof flow / sizeof flow[0])

static const int64_t T0 = 1795000000000;

static void send_step(status_proc *s, const char *app, size_t i) {
    st_event(s, app, "acme", flow[i].type, flow[i].attempt, T0 + flow[i].offset_ms, flow[i].error,
             flow[i].candidate, NULL);
}

static int nevents(json_object *o) {
    json_object *ev;
    return o && json_object_object_get_ex(o, "events", &ev) ? (int)json_object_array_length(ev) : -1;
}

static int events_eq(json_object *o, void *arg) { return nevents(o) == (int)(intptr_t)arg; }

static json_object *wait_events(status_proc *s, const char *app, int n) {
    char path[128];
    snprintf(path, sizeof path, "/v1/applications/%s", app);
    json_object *o = st_poll(s, path, events_eq, (void *)(intptr_t)n, 20000);
    cr_assert(nevents(o) == n, "%s: expected %d events, got %d", app, n, nevents(o));
    return o;
}

/* The projection without ids: what must not depend on delivery order. */
static char *fingerprint(json_object *o) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "%s|%s|%s|%s|%s|%s|%lld|%s|", st_str(o, "account_id"), st_str(o, "board"),
            st_str(o, "posting_id"), st_str(o, "state"), st_str(o, "ats"), st_str(o, "ats_candidate_id"),
            (long long)st_int(o, "attempts"), st_str(o, "last_error"));
    json_object *ev;
    json_object_object_get_ex(o, "events", &ev);
    for (size_t i = 0; i < json_object_array_length(ev); i++) {
        json_object *e = json_object_array_get_idx(ev, i);
        fprintf(f, "%s@%s/%s;", st_str(e, "type"), st_str(e, "at"), st_str(e, "service"));
    }
    fclose(f);
    return buf;
}

Test(status_projection, redelivery_and_reordering_give_identical_projections) {
    status_proc s;
    st_start(&s, NULL);
    /* A: in order. */
    for (size_t i = 0; i < NFLOW; i++) send_step(&s, "app-a", i);
    /* B: reversed, in one burst (folded inside one batch). */
    for (size_t i = NFLOW; i-- > 0;) send_step(&s, "app-b", i);
    /* C: shuffled, one batch per event (folded against the stored row); the
     * state never goes back once delivered arrived. */
    static const size_t order[] = {7, 3, 0, 5, 1, 6, 2, 4};
    for (size_t k = 0; k < NFLOW; k++) {
        send_step(&s, "app-c", order[k]);
        json_object *o = wait_events(&s, "app-c", (int)k + 1);
        cr_expect_str_eq(st_str(o, "state"), "delivered", "after %zu events", k + 1);
        json_object_put(o);
    }
    /* D: in order, then everything redelivered twice. */
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < NFLOW; i++) send_step(&s, "app-d", i);
    /* A marker after the redeliveries, so D's duplicates were consumed. */
    send_step(&s, "marker", 0);
    json_object_put(wait_events(&s, "marker", 1));

    json_object *a = wait_events(&s, "app-a", NFLOW);
    char *fa = fingerprint(a);
    cr_expect_str_eq(st_str(a, "state"), "delivered");
    cr_expect_eq(st_int(a, "attempts"), 3);
    cr_expect_str_eq(st_str(a, "last_error"), "ats_timeout");
    cr_expect_str_eq(st_str(a, "ats_candidate_id"), "opp-1");
    cr_expect_str_eq(st_str(a, "board"), "stepstone_de");
    static const char *const others[] = {"app-b", "app-c", "app-d"};
    for (size_t i = 0; i < 3; i++) {
        json_object *o = wait_events(&s, others[i], NFLOW);
        char *f = fingerprint(o);
        cr_expect_str_eq(f, fa, "%s differs from app-a", others[i]);
        free(f);
        json_object_put(o);
    }
    /* The events table holds each event once. */
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.events WHERE application_id = $1", "app-d"),
                 (long long)NFLOW);
    free(fa);
    json_object_put(a);
    st_stop(&s);
}

static int dlq_codes(const char *dlq_topic, char codes[][64], int want) {
    char err[256];
    kafka_consumer *c;
    const char *topics[] = {dlq_topic};
    char group[64];
    snprintf(group, sizeof group, "dlq-%d", (int)getpid());
    cr_assert_eq(kafka_consumer_new("test", group, topics, 1, &c, err, sizeof err), 0, "%s", err);
    int n = 0;
    for (int i = 0; i < 300 && n < want; i++) {
        rd_kafka_message_t *m = kafka_consumer_poll(c, 100);
        if (!m) continue;
        kafka_header(m, "error-code", codes[n], 64);
        n++;
        rd_kafka_message_destroy(m);
    }
    kafka_consumer_destroy(c, 5000);
    return n;
}

static int has_code(char codes[][64], int n, const char *code) {
    for (int i = 0; i < n; i++)
        if (!strcmp(codes[i], code)) return 1;
    return 0;
}

Test(status_projection, poison_messages_are_dead_lettered_and_consumption_continues) {
    status_proc s;
    st_start(&s, NULL);
    st_event(&s, "before", "acme", "received", 0, 0, NULL, NULL, NULL);
    st_raw(&s, "application.events", "atsbridge.v1.Nonsense", "{}", 2, "k1");
    static const uint8_t truncated[] = {0x0a, 0x10, 'a', 'b', 'c'};
    st_raw(&s, "application.events", EVENT_SCHEMA, truncated, sizeof truncated, "k2");
    /* Decodes, but carries invalid UTF-8 the database would refuse. */
    Atsbridge__V1__ApplicationEvent bad = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    bad.application_id = "bad-utf8";
    bad.account_id = "acme";
    bad.type = bad.state = "received";
    bad.detail = "caf\xc3";
    st_emit(&s, &bad);
    st_raw(&s, "bgcheck.updates", "atsbridge.v1.BackgroundCheckUpdate", truncated, sizeof truncated, "k3");
    /* Oversized: 900 KB of garbage under a known schema. */
    size_t big_len = 900 * 1024;
    uint8_t *big = malloc(big_len);
    cr_assert_not_null(big);
    memset(big, 0xff, big_len);
    st_raw(&s, "ats.webhooks", "atsbridge.v1.AtsWebhook", big, big_len, "k4");
    free(big);
    st_event(&s, "after", "acme", "received", 0, 0, NULL, NULL, NULL);

    json_object_put(wait_events(&s, "after", 1));
    json_object_put(wait_events(&s, "before", 1));
    cr_expect_eq(st_get(&s, "/v1/applications/bad-utf8", NULL), 404);

    char dlq[256];
    kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, dlq, sizeof dlq);
    char codes[8][64];
    int n = dlq_codes(dlq, codes, 5);
    cr_expect_eq(n, 5, "five poison messages dead-lettered");
    cr_expect(has_code(codes, n, "unknown_schema"));
    cr_expect(has_code(codes, n, "undecodable"));
    cr_expect(has_code(codes, n, "invalid_message"));

    /* Still consuming. */
    st_event(&s, "later", "acme", "received", 0, 0, NULL, NULL, NULL);
    json_object_put(wait_events(&s, "later", 1));
    char *metrics = NULL;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", s.port);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &metrics), 200);
    cr_expect(strstr(metrics, "atsb_deadletters_total"), "dead letters counted");
    cr_expect(strstr(metrics, "atsb_status_events_stored_total"), "events stored counted");
    free(metrics);
    st_stop(&s);
}

static int count_eq(json_object *o, void *arg) {
    json_object *list;
    return json_object_object_get_ex(o, "applications", &list) &&
           json_object_array_length(list) == (size_t)(intptr_t)arg;
}

static const char *page(status_proc *s, const char *cursor, json_object **out, char seen[][32], int *nseen) {
    char path[512];
    snprintf(path, sizeof path, "/v1/applications?account=pag&limit=3%s%s", cursor ? "&cursor=" : "",
             cursor ? cursor : "");
    cr_assert_eq(st_get(s, path, out), 200);
    json_object *list;
    cr_assert(json_object_object_get_ex(*out, "applications", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++)
        snprintf(seen[(*nseen)++], 32, "%s", st_str(json_object_array_get_idx(list, i), "application_id"));
    json_object *next;
    return json_object_object_get_ex(*out, "next_cursor", &next) && next ? json_object_get_string(next)
                                                                       : NULL;
}

static void add_apps(status_proc *s, const char *prefix, int n, int expect_total) {
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        st_event(s, id, "pag", "received", 0, 0, NULL, NULL, NULL);
    }
    json_object_put(st_poll(s, "/v1/applications?account=pag&limit=500", count_eq,
                            (void *)(intptr_t)expect_total, 20000));
}

Test(status_projection, pagination_is_stable_under_inserts) {
    status_proc s;
    st_start(&s, NULL);
    add_apps(&s, "old-", 7, 7);
    char seen[64][32];
    int nseen = 0;
    json_object *p1 = NULL, *p2 = NULL, *p3 = NULL;
    const char *c1 = page(&s, NULL, &p1, seen, &nseen);
    cr_assert_not_null(c1);
    /* Arrivals and a state change between pages. */
    add_apps(&s, "new-", 3, 10);
    st_event(&s, "old-1", "pag", "resolved", 0, 0, NULL, NULL, NULL);
    const char *c2 = page(&s, c1, &p2, seen, &nseen);
    cr_assert_not_null(c2);
    add_apps(&s, "newer-", 2, 12);
    const char *c3 = page(&s, c2, &p3, seen, &nseen);
    cr_expect_null(c3, "three pages hold the seven");
    cr_expect_eq(nseen, 7);
    for (int i = 0; i < 7; i++) {
        char id[32];
        snprintf(id, sizeof id, "old-%d", i);
        int count = 0;
        for (int k = 0; k < nseen; k++) count += !strcmp(seen[k], id);
        cr_expect_eq(count, 1, "%s seen %d times", id, count);
    }
    json_object_put(p1);
    json_object_put(p2);
    json_object_put(p3);

    /* Filters. old-1's "resolved" travels on its own partition: the newer
     * arrivals being listed does not mean it has been consumed, so wait. */
    json_object *o = st_poll(&s, "/v1/applications?account=pag&state=resolved", count_eq, (void *)(intptr_t)1,
                             20000);
    cr_expect(count_eq(o, (void *)(intptr_t)1));
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/applications?since=2999-01-01T00:00:00Z", &o), 200);
    cr_expect(count_eq(o, (void *)(intptr_t)0));
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/applications?since=2020-01-01T00:00:00%2B01:00&limit=500", &o), 200);
    cr_expect(count_eq(o, (void *)(intptr_t)12));
    json_object_put(o);

    /* Bad parameters: 400 naming each one. */
    cr_assert_eq(st_get(&s, "/v1/applications?limit=0&state=lost&since=yesterday&cursor=xyz&account=a%20b", &o),
                 400);
    json_object *e, *details;
    cr_assert(json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "details", &details));
    cr_expect_eq(json_object_array_length(details), 5);
    json_object_put(o);
    cr_expect_eq(st_get(&s, "/v1/applications?limit=501", NULL), 400);
    cr_expect_eq(st_get(&s, "/v1/applications?limit=500", NULL), 200);
    st_stop(&s);
}
