/* POST /v1/exports: a sourcing tool's export task becomes one application per
 * candidate (ApplicationReceived with export fields, personal fields sealed,
 * + `received` event) and one `export_created` event; validation uses
 * indexed paths; a resent export answers 200 and produces nothing, and 410
 * once one of its candidates was erased. */
#include "atsbridge/v1/applications.pb-c.h"
#include "atsbridge/v1/events.pb-c.h"
#include "harness.h"
#include "ingest_support.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ingest_proc P;
static char received[256], events[256];

static void setup(void) {
    ingest_start(&P, 0);
    ingest_topic(&P, "applications.received", received, sizeof received);
    ingest_topic(&P, "application.events", events, sizeof events);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/source-tools/provenbase/keys", "{\"key\":\"provenbase-key-1\"}"), 200);
}
static void teardown(void) { ingest_stop(&P); }

TestSuite(ingest_exports, .init = setup, .fini = teardown, .timeout = 120);

static const char *EXPORT =
    "{\"name\":\"Backend hires Q4\",\"account_id\":\"demo-lever\",\"stage\":\"Reached Out\","
    "\"duplicate_policy\":\"merge\",\"source\":\"ProvenBase\",\"candidates\":["
    "{\"id\":\"pb-1\",\"first_name\":\"Ada\",\"last_name\":\"L\",\"email\":\"ada@example.org\","
    "\"documents\":[{\"kind\":\"cv\",\"filename\":\"ada.txt\",\"content_base64\":\"QWRhJ3MgQ1YK\"}]},"
    "{\"id\":\"pb-2\",\"first_name\":\"Bob\",\"last_name\":\"K\",\"email\":\"bob@example.org\"},"
    "{\"first_name\":\"Cy\",\"last_name\":\"D\",\"email\":\"cy@example.org\",\"headline\":\"SRE\"}]}";

Test(ingest_exports, only_into_accounts_that_grant_the_tool) {
    static const char *const accounts[] = {"other-employer", "no-such-employer"};
    char first[1024] = "";
    for (size_t i = 0; i < 2; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"name\":\"x\",\"account_id\":\"%s\",\"candidates\":[{\"first_name\":\"A\",\"last_name\":\"B\","
                 "\"email\":\"a@example.org\"}]}",
                 accounts[i]);
        ingest_resp r;
        ingest_post_json(&P, "/v1/exports", "provenbase-key-1", body, &r);
        cr_assert_eq(r.status, 403, "%s: %s", accounts[i], r.body);
        cr_assert(strstr(r.body, "\"not_granted\""), "%s", r.body);
        if (i == 0) snprintf(first, sizeof first, "%s", r.body);
        else cr_assert_str_eq(r.body, first, "the answers must not tell which accounts exist");
        ingest_resp_free(&r);
    }
}

Test(ingest_exports, every_candidate_becomes_an_application) {
    int64_t before = topic_count(received), ev_before = topic_count(events);
    ingest_resp r;
    ingest_post_json(&P, "/v1/exports", "provenbase-key-1", EXPORT, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    json_object *o = json_tokener_parse(r.body), *v;
    cr_assert(json_object_object_get_ex(o, "export_task_id", &v));
    char task[64], app1[64];
    snprintf(task, sizeof task, "%s", json_object_get_string(v));
    cr_assert(json_object_object_get_ex(o, "count", &v) && json_object_get_int(v) == 3);
    cr_assert(json_object_object_get_ex(o, "application_ids", &v) && json_object_array_length(v) == 3);
    snprintf(app1, sizeof app1, "%s", json_object_get_string(json_object_array_get_idx(v, 1)));
    json_object_put(o);
    ingest_resp_free(&r);

    cr_assert_eq(topic_count(received), before + 3);
    for (int i = 0; i < 3; i++) {
        rd_kafka_message_t *m = topic_read(received, before + i);
        cr_assert(m);
        static const char *const emails[] = {"ada@example.org", "bob@example.org", "cy@example.org"};
        cr_assert_null(memmem(m->payload, m->len, emails[i], strlen(emails[i])), "sealed on the wire");
        Atsbridge__V1__ApplicationReceived *ar = received_open(&P, m);
        cr_assert_str_eq(ar->candidate->email, emails[i]);
        cr_assert(ar);
        cr_assert_str_eq(ar->export_task_id, task);
        cr_assert_str_eq(ar->source_label, "ProvenBase");
        cr_assert_str_eq(ar->stage, "Reached Out");
        cr_assert_str_eq(ar->duplicate_policy, "merge");
        cr_assert_str_eq(ar->board, "provenbase");
        cr_assert_str_eq(ar->account_id, "demo-lever");
        cr_assert_str_eq(ar->posting_id, "");
        if (i == 0) {
            cr_assert_eq(ar->n_documents, 1);
            cr_assert_str_eq(ar->documents[0]->content_type, "text/plain");
        }
        atsbridge__v1__application_received__free_unpacked(ar, NULL);
        rd_kafka_message_destroy(m);
    }
    /* 3 received + 1 export_created. */
    cr_assert_eq(topic_count(events), ev_before + 4);
    int created = 0, rec = 0;
    for (int i = 0; i < 4; i++) {
        rd_kafka_message_t *m = topic_read(events, ev_before + i);
        cr_assert(m);
        Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
        if (!strcmp(ev->type, "export_created")) {
            created++;
            cr_assert_str_eq(ev->subject_id, task);
            cr_assert_str_eq(ev->name, "Backend hires Q4");
            cr_assert_eq(ev->count, 3);
        } else {
            cr_assert_str_eq(ev->type, "received");
            cr_assert_str_eq(ev->export_task_id, task);
            rec++;
        }
        atsbridge__v1__application_event__free_unpacked(ev, NULL);
        rd_kafka_message_destroy(m);
    }
    cr_assert_eq(created, 1);
    cr_assert_eq(rec, 3);

    /* Resent: 200 with the same task, nothing produced. */
    ingest_post_json(&P, "/v1/exports", "provenbase-key-1", EXPORT, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, task));
    ingest_resp_free(&r);
    cr_assert_eq(topic_count(received), before + 3);
    cr_assert_eq(topic_count(events), ev_before + 4);

    /* One candidate's application erased: the export again is 410 naming it, nothing produced. */
    erase_key(&P, app1);
    ingest_post_json(&P, "/v1/exports", "provenbase-key-1", EXPORT, &r);
    cr_assert_eq(r.status, 410, "%s", r.body);
    cr_assert(strstr(r.body, "\"erased\"") && strstr(r.body, "candidates[1]"), "%s", r.body);
    ingest_resp_free(&r);
    cr_assert_eq(topic_count(received), before + 3);
    cr_assert_eq(topic_count(events), ev_before + 4);
}

Test(ingest_exports, validation_uses_indexed_paths) {
    const char *bad =
        "{\"account_id\":\"demo-lever\",\"duplicate_policy\":\"sometimes\",\"candidates\":["
        "{\"first_name\":\"Ada\",\"last_name\":\"L\",\"email\":\"ada@example.org\"},"
        "{\"first_name\":\"Bob\",\"last_name\":\"K\",\"email\":\"bob@\"},"
        "7,"
        "{\"first_name\":\"Cy\",\"email\":\"cy@example.org\"}]}";
    ingest_resp r;
    ingest_post_json(&P, "/v1/exports", "provenbase-key-1", bad, &r);
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"name\""), "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"duplicate_policy\""), "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"candidates[1].email\""), "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"candidates[2]\""), "%s", r.body);
    cr_assert(strstr(r.body, "\"field\":\"candidates[3].last_name\""), "%s", r.body);
    ingest_resp_free(&r);
}

Test(ingest_exports, limits_and_auth) {
    ingest_resp r;
    /* A board key cannot create exports. */
    ingest_post_json(&P, "/v1/exports", "dev-stepstone-key", EXPORT, &r);
    cr_assert_eq(r.status, 403, "%s", r.body);
    ingest_resp_free(&r);
    ingest_post_json(&P, "/v1/exports", NULL, EXPORT, &r);
    cr_assert_eq(r.status, 401, "%s", r.body);
    ingest_resp_free(&r);
    /* 1001 candidates. */
    size_t cap = 1001 * 100 + 256;
    char *big = malloc(cap);
    int k = snprintf(big, cap, "{\"name\":\"x\",\"account_id\":\"demo-lever\",\"candidates\":[");
    for (int i = 0; i < 1001; i++)
        k += snprintf(big + k, cap - (size_t)k,
                      "%s{\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"a%d@example.org\"}", i ? "," : "", i);
    snprintf(big + k, cap - (size_t)k, "]}");
    ingest_post_json(&P, "/v1/exports", "provenbase-key-1", big, &r);
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert(strstr(r.body, "too_many"), "%s", r.body);
    ingest_resp_free(&r);
    free(big);
}
