/* POST /v1/applications end to end: 202 after Kafka has ApplicationReceived
 * (personal fields sealed) and the `received` event, documents stored once
 * by sha256, idempotent resubmission (200, nothing produced), 409 on a
 * different body and 410 once the application was erased, every
 * error path with its status and JSON body, multipart with several files and
 * a 10 MiB CV whose sha256 travels in the message; concurrent posts of the
 * same ids. */
#include "atsbridge/v1/applications.pb-c.h"
#include "atsbridge/v1/events.pb-c.h"
#include "crypto.h"
#include "harness.h"
#include "ingest_support.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ingest_proc P;
static char received[256], events[256];

static void setup(void) {
    ingest_start(&P, 0);
    ingest_topic(&P, "applications.received", received, sizeof received);
    ingest_topic(&P, "application.events", events, sizeof events);
}
static void teardown(void) { ingest_stop(&P); }

TestSuite(ingest_applications, .init = setup, .fini = teardown, .timeout = 240);

static const char *KEY = "dev-stepstone-key";

static json_object *body_json(const ingest_resp *r) {
    json_object *o = json_tokener_parse(r->body ? r->body : "");
    cr_assert(o, "response is not JSON: %s", r->body);
    return o;
}

static const char *error_code(json_object *o) {
    json_object *e, *c;
    cr_assert(json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "code", &c),
              "no error.code in %s", json_object_to_json_string(o));
    return json_object_get_string(c);
}

/* 1 when details[] has an item with this field and code. */
static int has_detail(json_object *o, const char *field, const char *code) {
    json_object *e, *d;
    if (!json_object_object_get_ex(o, "error", &e) || !json_object_object_get_ex(e, "details", &d)) return 0;
    for (size_t i = 0; i < json_object_array_length(d); i++) {
        json_object *it = json_object_array_get_idx(d, i), *f, *c;
        json_object_object_get_ex(it, "field", &f);
        json_object_object_get_ex(it, "code", &c);
        if (!strcmp(json_object_get_string(f), field) && (!code || !strcmp(json_object_get_string(c), code)))
            return 1;
    }
    return 0;
}

static void expect_error(const char *json, const char *key, long status, const char *code) {
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", key, json, &r);
    cr_assert_eq(r.status, status, "expected %ld, got %ld: %s", status, r.status, r.body);
    json_object *o = body_json(&r);
    cr_assert_str_eq(error_code(o), code, "%s", r.body);
    json_object_put(o);
    ingest_resp_free(&r);
}

static const char PDF[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

Test(ingest_applications, accepted_after_kafka_then_idempotent_then_conflict) {
    int64_t before = topic_count(received), ev_before = topic_count(events);
    char *doc = b64(PDF, sizeof PDF - 1);
    char *json = sample_application("SS-1", "Zo\\u00eb", doc);
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    json_object *o = body_json(&r), *v;
    cr_assert(json_object_object_get_ex(o, "application_id", &v));
    char app_id[64];
    snprintf(app_id, sizeof app_id, "%s", json_object_get_string(v));
    char expect[64];
    crypto_derive_id(expect, sizeof expect, "app_", "stepstone_de", "SS-1", (const char *)NULL);
    cr_assert_str_eq(app_id, expect, "deterministic id from (board, board_application_id)");
    cr_assert(json_object_object_get_ex(o, "status_url", &v));
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:8084/v1/applications/%s", app_id);
    cr_assert_str_eq(json_object_get_string(v), url);
    json_object_put(o);
    ingest_resp_free(&r);

    /* The message is in Kafka with the schema header and the document by reference. */
    cr_assert_eq(topic_count(received), before + 1);
    rd_kafka_message_t *m = topic_read(received, before);
    cr_assert(m, "no ApplicationReceived");
    char hv[128];
    cr_assert_str_eq(msg_header(m, "schema", hv, sizeof hv), "atsbridge.v1.ApplicationReceived");
    cr_assert_eq(m->key_len, strlen(app_id));
    cr_assert(!memcmp(m->key, app_id, m->key_len));
    /* Personal fields travel sealed (personal.h): nothing readable on the wire. */
    cr_assert_null(memmem(m->payload, m->len, "zoe@example.org", 15));
    cr_assert_null(memmem(m->payload, m->len, "M\xc3\xbcller", 7));
    Atsbridge__V1__ApplicationReceived *ar = received_open(&P, m);
    cr_assert(ar);
    cr_assert_str_eq(ar->application_id, app_id);
    cr_assert_str_eq(ar->board, "stepstone_de");
    cr_assert_str_eq(ar->account_id, "demo-lever");
    cr_assert_str_eq(ar->candidate->first_name, "Zo\xc3\xab");
    cr_assert_str_eq(ar->candidate->last_name, "M\xc3\xbcller");
    cr_assert_eq(ar->n_answers, 2);
    cr_assert_eq(ar->answers[1]->n_values, 2);
    cr_assert(ar->consent->privacy_policy_accepted);
    cr_assert_eq(ar->consent->accepted_at_ms, 1795514400000LL);
    cr_assert_eq(ar->n_documents, 1);
    char sha[CRYPTO_SHA256_HEX];
    crypto_sha256_hex(PDF, sizeof PDF - 1, sha);
    cr_assert_str_eq(ar->documents[0]->sha256, sha);
    cr_assert_str_eq(ar->documents[0]->content_type, "application/pdf");
    cr_assert_eq(ar->documents[0]->size_bytes, sizeof PDF - 1);
    cr_assert_eq(strlen(ar->body_sha256), 64);
    atsbridge__v1__application_received__free_unpacked(ar, NULL);
    rd_kafka_message_destroy(m);

    /* The audit event. */
    cr_assert_eq(topic_count(events), ev_before + 1);
    m = topic_read(events, ev_before);
    cr_assert(m);
    Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
    cr_assert(ev);
    cr_assert_str_eq(ev->type, "received");
    cr_assert_str_eq(ev->state, "received");
    cr_assert_str_eq(ev->application_id, app_id);
    cr_assert_str_eq(ev->board, "stepstone_de");
    cr_assert_str_eq(ev->service, "ingest");
    atsbridge__v1__application_event__free_unpacked(ev, NULL);
    rd_kafka_message_destroy(m);

    /* Stored once. */
    const char *sp[] = {sha};
    cr_assert_eq(db_scalar(P.dsn, "SELECT size_bytes FROM ingest.documents WHERE sha256 = $1", 1, sp),
                 (int64_t)(sizeof PDF - 1));

    /* Same again: 200, same id, nothing produced. */
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, app_id));
    ingest_resp_free(&r);
    cr_assert_eq(topic_count(received), before + 1);
    cr_assert_eq(topic_count(events), ev_before + 1);

    /* Same ids, different body: 409. */
    char *other = sample_application("SS-1", "Anna", doc);
    expect_error(other, KEY, 409, "conflict");
    cr_assert_eq(topic_count(received), before + 1);

    /* Erased (its data key destroyed): the same application again is 410, nothing produced. */
    erase_key(&P, app_id);
    expect_error(json, KEY, 410, "erased");
    cr_assert_eq(topic_count(received), before + 1);
    cr_assert_eq(topic_count(events), ev_before + 1);
    free(other);
    free(json);
    free(doc);
}

/* 48 posts at once, three per id for 16 ids (two with one body, the third
 * with another), interleaved so that copies race each other: each id is
 * accepted exactly once (one 202, one ApplicationReceived), every other post
 * is 200 when its body is the accepted one and 409 when not. */
#define CONC_IDS 16
#define CONC_POSTS (3 * CONC_IDS)

typedef struct {
    int id, variant;
    long status;
    char *json;
    char body[160];
} conc_post;

static void *conc_post_one(void *arg) {
    conc_post *p = arg;
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, p->json, &r);
    p->status = r.status;
    snprintf(p->body, sizeof p->body, "%s", r.body ? r.body : "");
    ingest_resp_free(&r);
    return NULL;
}

Test(ingest_applications, concurrent_posts_accept_each_id_once) {
    int64_t before = topic_count(received);
    conc_post posts[CONC_POSTS];
    pthread_t threads[CONC_POSTS];
    for (int i = 0; i < CONC_POSTS; i++) {
        char bid[32];
        posts[i].id = i % CONC_IDS;
        posts[i].variant = i / CONC_IDS == 2;
        posts[i].status = 0;
        snprintf(bid, sizeof bid, "CONC-%d", posts[i].id);
        posts[i].json = sample_application(bid, posts[i].variant ? "Anna" : "Zoe", NULL);
    }
    for (int i = 0; i < CONC_POSTS; i++) cr_assert_eq(pthread_create(&threads[i], NULL, conc_post_one, &posts[i]), 0);
    for (int i = 0; i < CONC_POSTS; i++) pthread_join(threads[i], NULL);
    int accepted[CONC_IDS] = {0}, accepted_variant[CONC_IDS] = {0};
    for (int i = 0; i < CONC_POSTS; i++)
        if (posts[i].status == 202) {
            accepted[posts[i].id]++;
            accepted_variant[posts[i].id] = posts[i].variant;
        }
    for (int id = 0; id < CONC_IDS; id++) cr_assert_eq(accepted[id], 1, "id %d accepted %d times", id, accepted[id]);
    for (int i = 0; i < CONC_POSTS; i++) {
        if (posts[i].status == 202) continue;
        long want = posts[i].variant == accepted_variant[posts[i].id] ? 200 : 409;
        cr_assert_eq(posts[i].status, want, "post %d (id %d variant %d): %ld %s", i, posts[i].id, posts[i].variant,
                     posts[i].status, posts[i].body);
    }
    cr_assert_eq(topic_count(received), before + CONC_IDS);
    for (int i = 0; i < CONC_POSTS; i++) free(posts[i].json);
}

/* An application larger than the broker takes (120 answers of 10 000
 * characters: valid, but its message passes the producer's 1 MB) is 413,
 * nothing stored; the applications sent with it, in its batch or not, are
 * accepted, and it may be sent again (its idempotency row was not kept). */
#define BIG_WITH 8

Test(ingest_applications, too_large_for_the_broker_is_413_and_spares_its_batch) {
    int64_t before = topic_count(received);
    size_t cap = 140 * 10100 + 1024, n = 0;
    char *big = malloc(cap);
    cr_assert(big);
    n += (size_t)snprintf(big + n, cap - n,
                          "{\"board\":\"stepstone_de\",\"board_application_id\":\"BIG-1\",\"account_id\":\"demo-lever\","
                          "\"posting_id\":\"demo-lever-posting\",\"candidate\":{\"first_name\":\"Zoe\",\"last_name\":\"M\","
                          "\"email\":\"zoe@example.org\"},\"answers\":[");
    for (int i = 0; i < 120; i++) {
        n += (size_t)snprintf(big + n, cap - n, "%s{\"question_id\":\"q-%d\",\"value\":\"", i ? "," : "", i);
        memset(big + n, 'a' + i % 26, 10000);
        n += 10000;
        n += (size_t)snprintf(big + n, cap - n, "\"}");
    }
    snprintf(big + n, cap - n,
             "],\"consent\":{\"privacy_policy_accepted\":true,\"accepted_at\":\"2026-11-24T10:00:00Z\"}}");
    conc_post posts[BIG_WITH + 1];
    pthread_t threads[BIG_WITH + 1];
    for (int i = 0; i <= BIG_WITH; i++) {
        char bid[32];
        snprintf(bid, sizeof bid, "WITH-BIG-%d", i);
        posts[i] = (conc_post){.id = i, .json = i == BIG_WITH ? big : sample_application(bid, "Zoe", NULL)};
    }
    for (int i = 0; i <= BIG_WITH; i++) cr_assert_eq(pthread_create(&threads[i], NULL, conc_post_one, &posts[i]), 0);
    for (int i = 0; i <= BIG_WITH; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < BIG_WITH; i++) cr_assert_eq(posts[i].status, 202, "post %d: %ld %s", i, posts[i].status, posts[i].body);
    cr_assert_eq(posts[BIG_WITH].status, 413, "%ld %s", posts[BIG_WITH].status, posts[BIG_WITH].body);
    cr_assert(strstr(posts[BIG_WITH].body, "payload_too_large"), "%s", posts[BIG_WITH].body);
    cr_assert_eq(topic_count(received), before + BIG_WITH);
    conc_post_one(&posts[BIG_WITH]); /* again: refused the same way, not 200 */
    cr_assert_eq(posts[BIG_WITH].status, 413, "%ld %s", posts[BIG_WITH].status, posts[BIG_WITH].body);
    for (int i = 0; i <= BIG_WITH; i++) free(posts[i].json);
}

Test(ingest_applications, auth_errors) {
    char *json = sample_application("SS-auth", "Zoe", NULL);
    expect_error(json, NULL, 401, "unauthorized");
    expect_error(json, "not-a-key", 401, "unauthorized");
    /* A key of another board cannot submit as stepstone_de. */
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/boards/totaljobs/keys", "{\"key\":\"totaljobs-key-123\"}"), 200);
    expect_error(json, "totaljobs-key-123", 403, "forbidden");
    /* A sourcing tool's key is not a board key. */
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/source-tools/provenbase/keys", "{\"key\":\"provenbase-key-1\"}"), 200);
    expect_error(json, "provenbase-key-1", 403, "forbidden");
    /* A key belongs to one owner. */
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/boards/caterer/keys", "{\"key\":\"totaljobs-key-123\"}"), 409);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/boards/nosuchboard/keys", "{\"key\":\"whatever-key-1\"}"), 404);
    free(json);
}

/* The body of an answer for an application into account. */
static char *answer_for_account(const char *account) {
    char *json = sample_application("SS-grant", "Zoe", NULL);
    char *at = strstr(json, "\"account_id\":\"demo-lever\"");
    cr_assert_not_null(at);
    size_t n = strlen(json) + strlen(account) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s\"account_id\":\"%s\"%s", (int)(at - json), json, account, at + 25);
    free(json);
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, out, &r);
    free(out);
    cr_assert_eq(r.status, 403, "account %s: %s", account, r.body);
    char *body = strdup(r.body);
    ingest_resp_free(&r);
    return body;
}

Test(ingest_applications, ungranted_and_unknown_accounts_get_the_same_403) {
    int64_t before = topic_count(received);
    char *ungranted = answer_for_account("other-employer");
    char *unknown = answer_for_account("no-such-employer");
    cr_assert(strstr(ungranted, "\"not_granted\""), "%s", ungranted);
    cr_assert_str_eq(ungranted, unknown, "the answers must not tell which accounts exist");
    cr_assert_eq(topic_count(received), before, "nothing may be produced");
    free(ungranted);
    free(unknown);
}

Test(ingest_applications, admin_requires_token) {
    char url[256];
    snprintf(url, sizeof url, "%s/v1/admin/boards/stepstone_de/keys", P.base);
    ingest_resp r;
    const char *bad[] = {"Authorization: Bearer wrong", NULL};
    ingest_http("PUT", url, "application/json", "{\"key\":\"abcdefghijklmnop\"}", 26, bad, &r);
    cr_assert_eq(r.status, 401);
    ingest_resp_free(&r);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/boards/stepstone_de/keys", "{\"key\":\"short\"}"), 422);
}

Test(ingest_applications, malformed_bodies_are_400_with_position) {
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, "{\"board\": \"stepstone_de\",", &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(r.body, "malformed_json") && strstr(r.body, "offset"), "%s", r.body);
    ingest_resp_free(&r);
    ingest_post_json(&P, "/v1/applications", KEY, "{\"board\": tru}", &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(r.body, "offset 1"), "%s", r.body);
    ingest_resp_free(&r);
    /* Invalid UTF-8 inside a string. */
    ingest_post_json(&P, "/v1/applications", KEY, "{\"board\": \"\xff\xfe\"}", &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    ingest_resp_free(&r);
    /* Bad base64 names the field. */
    char *json = sample_application("SS-b64", "Zoe", "!!!not base64!!!");
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    json_object *o = body_json(&r);
    cr_assert(has_detail(o, "documents[0].content_base64", "malformed_base64"), "%s", r.body);
    json_object_put(o);
    ingest_resp_free(&r);
    free(json);
    /* Unsupported media type. */
    char url[256];
    snprintf(url, sizeof url, "%s/v1/applications", P.base);
    const char *h[] = {"Authorization: Bearer dev-stepstone-key", NULL};
    ingest_http("POST", url, "text/plain", "hello", 5, h, &r);
    cr_assert_eq(r.status, 415, "%s", r.body);
    cr_assert(strstr(r.body, "unsupported_media_type"));
    ingest_resp_free(&r);
}

Test(ingest_applications, validation_lists_every_field) {
    const char *json =
        "{\"board\":\"stepstone_de\",\"board_application_id\":\"SS-v\",\"account_id\":\"demo-lever\","
        "\"candidate\":{\"first_name\":\"\",\"email\":\"not-an-email\"},"
        "\"answers\":[{\"question_id\":\"q1\",\"value\":7},{\"values\":[\"a\",3]}],"
        "\"consent\":{\"privacy_policy_accepted\":false},"
        "\"documents\":[{\"filename\":\"x.exe\",\"content_base64\":\"TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAA==\"},"
        "{\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\",\"content_base64\":\"e1xydGYxIGhpfQ==\"}]}";
    ingest_resp r;
    int64_t before = topic_count(received);
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 422, "%s", r.body);
    json_object *o = body_json(&r);
    cr_assert_str_eq(error_code(o), "validation_failed");
    cr_assert(has_detail(o, "candidate.first_name", "required"), "%s", r.body);
    cr_assert(has_detail(o, "candidate.last_name", "required"), "%s", r.body);
    cr_assert(has_detail(o, "candidate.email", "invalid_email"), "%s", r.body);
    cr_assert(has_detail(o, "answers[0].value", "type"), "%s", r.body);
    cr_assert(has_detail(o, "answers[1].question_id", "required"), "%s", r.body);
    cr_assert(has_detail(o, "answers[1].values[1]", "type"), "%s", r.body);
    cr_assert(has_detail(o, "consent.privacy_policy_accepted", "consent_required"), "%s", r.body);
    cr_assert(has_detail(o, "documents[0]", "unsupported_type"), "%s", r.body);
    cr_assert(has_detail(o, "documents[1]", "type_mismatch"), "%s", r.body);
    json_object_put(o);
    ingest_resp_free(&r);
    cr_assert_eq(topic_count(received), before, "nothing produced on 422");
    cr_assert_eq(db_scalar(P.dsn, "SELECT count(*) FROM ingest.idempotency_keys", 0, NULL), 0);

    expect_error("{\"board\":\"stepstone_de\"}", KEY, 422, "validation_failed");
}

Test(ingest_applications, json_beyond_its_limits_is_413_json_too_large) {
    /* 7.5 MB of 2.5 million empty objects: refused before json-c builds any. */
    size_t n = 2500000, cap = 64 + 3 * n, k = 0;
    char *json = malloc(cap);
    cr_assert_not_null(json);
    k += (size_t)snprintf(json, cap, "{\"board\":\"x\",\"x\":[{}");
    for (size_t i = 1; i < n; i++, k += 3) memcpy(json + k, ",{}", 3);
    snprintf(json + k, cap - k, "]}");
    int64_t before = topic_count(received);
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    json_object *o = body_json(&r);
    cr_assert_str_eq(error_code(o), "json_too_large");
    cr_assert(has_detail(o, "", "json_too_large"), "%s", r.body);
    cr_assert(strstr(r.body, "JSON values"), "the limit is named: %s", r.body);
    json_object_put(o);
    ingest_resp_free(&r);
    free(json);
    /* Nesting deeper than 32. */
    char deep[80];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    ingest_post_json(&P, "/v1/applications", KEY, deep, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    cr_assert(strstr(r.body, "deeper than 32"), "%s", r.body);
    ingest_resp_free(&r);
    cr_assert_eq(topic_count(received), before, "nothing produced");
    expect_error("{\"board\": [1,]}", KEY, 400, "malformed_request");
}

Test(ingest_applications, documents_over_the_limits_are_413) {
    /* 10 MiB + 1 byte: over the per-document limit. */
    size_t n = 10 * 1024 * 1024 + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    char *doc = b64(big, n);
    char *json = sample_application("SS-413", "Zoe", doc);
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    json_object *o = body_json(&r);
    cr_assert_str_eq(error_code(o), "payload_too_large");
    cr_assert(has_detail(o, "documents[0]", "too_large"), "%s", r.body);
    json_object_put(o);
    ingest_resp_free(&r);
    free(json);
    free(doc);
    free(big);

    /* Three 7 MiB documents: each fine, together over 20 MiB. */
    n = 7 * 1024 * 1024;
    big = malloc(n);
    memset(big, 'b', n);
    doc = b64(big, n);
    size_t cap = 3 * strlen(doc) + 1024;
    json = malloc(cap);
    int k = snprintf(json, cap,
                     "{\"board\":\"stepstone_de\",\"board_application_id\":\"SS-413b\",\"account_id\":\"demo-lever\","
                     "\"candidate\":{\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"a@b.de\"},"
                     "\"consent\":{\"privacy_policy_accepted\":true},\"documents\":[");
    for (int i = 0; i < 3; i++)
        k += snprintf(json + k, cap - (size_t)k, "%s{\"filename\":\"f%d.txt\",\"content_base64\":\"%s\"}",
                      i ? "," : "", i, doc);
    snprintf(json + k, cap - (size_t)k, "]}");
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    o = body_json(&r);
    cr_assert(has_detail(o, "documents[2]", "too_large"), "%s", r.body);
    json_object_put(o);
    ingest_resp_free(&r);
    free(json);
    free(doc);
    free(big);
}

Test(ingest_applications, multipart_with_several_files) {
    const char *boundary = "XyZ-boundary-42";
    const char *app =
        "{\"board\":\"stepstone_de\",\"board_application_id\":\"SS-mp\",\"account_id\":\"demo-lever\","
        "\"candidate\":{\"first_name\":\"Zoe\",\"last_name\":\"M\",\"email\":\"zoe@example.org\"},"
        "\"consent\":{\"privacy_policy_accepted\":true}}";
    const char rtf[] = "{\\rtf1\\ansi Cover letter}";
    const char txt[] = "Plain text references\n";
    char *body = malloc(8192);
    int n = snprintf(body, 8192,
                     "--%s\r\nContent-Disposition: form-data; name=\"application\"\r\n"
                     "Content-Type: application/json\r\n\r\n%s\r\n"
                     "--%s\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"../../cv.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n%s\r\n"
                     "--%s\r\nContent-Disposition: form-data; name=\"cover_letter\"; filename=\"letter.rtf\"\r\n"
                     "Content-Type: application/rtf\r\n\r\n%s\r\n"
                     "--%s\r\nContent-Disposition: form-data; name=\"other\"; filename=\"refs.txt\"\r\n\r\n%s\r\n"
                     "--%s--\r\n",
                     boundary, app, boundary, PDF, boundary, rtf, boundary, txt, boundary);
    char url[256], ct[128];
    snprintf(url, sizeof url, "%s/v1/applications", P.base);
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=\"%s\"", boundary);
    const char *h[] = {"Authorization: Bearer dev-stepstone-key", NULL};
    int64_t before = topic_count(received);
    ingest_resp r;
    ingest_http("POST", url, ct, body, (size_t)n, h, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    ingest_resp_free(&r);
    rd_kafka_message_t *m = topic_read(received, before);
    cr_assert(m);
    Atsbridge__V1__ApplicationReceived *ar = received_open(&P, m);
    cr_assert_eq(ar->n_documents, 3);
    cr_assert_str_eq(ar->documents[0]->kind, "cv");
    cr_assert_str_eq(ar->documents[0]->filename, "cv.pdf", "path components are stripped");
    cr_assert_str_eq(ar->documents[1]->kind, "cover_letter");
    cr_assert_str_eq(ar->documents[1]->content_type, "application/rtf");
    cr_assert_str_eq(ar->documents[2]->content_type, "text/plain");
    for (size_t i = 0; i < 3; i++) {
        const char *p[] = {ar->documents[i]->sha256};
        cr_assert_eq(db_scalar(P.dsn, "SELECT count(*) FROM ingest.documents WHERE sha256 = $1", 1, p), 1);
    }
    atsbridge__v1__application_received__free_unpacked(ar, NULL);
    rd_kafka_message_destroy(m);

    /* A multipart body without the application part. */
    n = snprintf(body, 8192, "--%s\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"a.pdf\"\r\n\r\n%s\r\n--%s--\r\n",
                 boundary, PDF, boundary);
    ingest_http("POST", url, ct, body, (size_t)n, h, &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    ingest_resp_free(&r);
    /* A truncated one. */
    ingest_http("POST", url, ct, body, (size_t)n / 2, h, &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(r.body, "malformed_multipart"), "%s", r.body);
    ingest_resp_free(&r);
    free(body);
}

Test(ingest_applications, ten_mib_cv_end_to_end) {
    size_t n = 10 * 1024 * 1024;
    unsigned char *pdf = malloc(n);
    memcpy(pdf, "%PDF-1.7\n", 9);
    for (size_t i = 9; i < n; i++) pdf[i] = (unsigned char)(i * 2654435761u >> 24);
    char sha[CRYPTO_SHA256_HEX];
    crypto_sha256_hex(pdf, n, sha);
    char *doc = b64(pdf, n);
    char *json = sample_application("SS-10mib", "Zoe", doc);
    int64_t before = topic_count(received);
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    ingest_resp_free(&r);
    rd_kafka_message_t *m = topic_read(received, before);
    cr_assert(m);
    cr_assert_lt(m->len, 4096, "only the reference travels in Kafka");
    Atsbridge__V1__ApplicationReceived *ar = received_open(&P, m);
    cr_assert_str_eq(ar->documents[0]->sha256, sha);
    cr_assert_eq(ar->documents[0]->size_bytes, n);
    atsbridge__v1__application_received__free_unpacked(ar, NULL);
    rd_kafka_message_destroy(m);
    const char *p[] = {sha};
    cr_assert_eq(db_scalar(P.dsn, "SELECT octet_length(content) FROM ingest.documents WHERE sha256 = $1", 1, p),
                 (int64_t)n);
    cr_assert_eq(db_scalar(P.dsn,
                           "SELECT count(*) FROM ingest.documents WHERE sha256 = $1"
                           " AND encode(sha256(content), 'hex') = sha256",
                           1, p),
                 1);
    free(json);
    free(doc);
    free(pdf);
}

Test(ingest_applications, metrics_cover_bytes_and_produce_latency) {
    char *json = sample_application("SS-metrics", "Zoe", NULL);
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", KEY, json, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    ingest_resp_free(&r);
    free(json);
    char url[256];
    snprintf(url, sizeof url, "%s/metrics", P.base);
    ingest_http("GET", url, NULL, NULL, 0, NULL, &r);
    cr_assert(strstr(r.body, "atsb_ingest_bytes_total"), "%s", r.body);
    cr_assert(strstr(r.body, "atsb_ingest_produce_seconds"), "%s", r.body);
    cr_assert(strstr(r.body, "atsb_http_request_duration_seconds"), "%s", r.body);
    cr_assert(strstr(r.body, "route=\"/v1/applications\",code=\"202\""), "%s", r.body);
    ingest_resp_free(&r);
}
