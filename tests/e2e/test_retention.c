/* Retention through the whole stack: a document goes once its application
 * has been final for ATSB_DOCUMENT_RETENTION_DAYS (documents_expired), and an
 * application held longer than ATSB_HELD_RETENTION_DAYS is erased through
 * the usual path (every service confirms). Days are made to pass by moving
 * the recorded times back. */
#include "stack.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static stack s;
static char *const env[] = {"ATSB_RETENTION_CHECK_INTERVAL_S=1", "ATSB_QUESTIONS_HELD_SWEEP_S=1",
                            "ATSB_DOCUMENT_RETENTION_DAYS=1", "ATSB_HELD_RETENTION_DAYS=1", NULL};
static void setup(void) {
    stack_start(&s, env);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(retention, .init = setup, .fini = teardown, .timeout = 180);

/* Runs sql with one parameter; returns the first value as a number (-1 when none). */
static long long sql1(const char *sql, const char *param) {
    PGconn *c = PQconnectdb(s.dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    const char *p[] = {param};
    PGresult *r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

static void apply_with_cv(const char *tag, const char *posting, char *app_id, size_t len) {
    char body[8192], marker[64];
    snprintf(marker, sizeof marker, "retention-%s", tag);
    char *cv = stack_pdf_b64(marker);
    char base[4096];
    stack_lever_app_json(base, sizeof base, tag, "retention@example.org", posting);
    base[strlen(base) - 1] = '\0'; /* drop the closing brace: add the CV */
    snprintf(body, sizeof body,
             "%s,\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}]}",
             base, cv);
    free(cv);
    cr_assert_eq(stack_apply(&s, body, app_id, len), 202, "application %s", tag);
}

static long long documents_of(const char *app_id) {
    return sql1("SELECT count(*) FROM ingest.documents d JOIN ingest.document_refs r USING (sha256)"
                " WHERE r.application_id = $1",
                app_id);
}

static int has_event(json_object *o, void *type) {
    json_object *evs = jo(o, "events");
    for (size_t i = 0; evs && i < json_object_array_length(evs); i++)
        if (!strcmp(js(json_object_array_get_idx(evs, i), "type"), (const char *)type)) return 1;
    return 0;
}

Test(retention, documents_of_final_applications_and_held_applications_expire) {
    char old[128], recent[128], held[128], path[200];
    apply_with_cv("RET-OLD", "demo-lever-posting", old, sizeof old);
    apply_with_cv("RET-NEW", "demo-lever-posting", recent, sizeof recent);
    json_object_put(stack_wait_app(&s, old, "delivered", 60000));
    json_object_put(stack_wait_app(&s, recent, "delivered", 60000));
    cr_assert_eq(documents_of(old), 1);

    /* Two days pass for the first: its CV goes, the other's stays. */
    sql1("UPDATE status.applications SET updated_at = now() - interval '2 days' WHERE application_id = $1", old);
    snprintf(path, sizeof path, "/v1/applications/%s", old);
    json_object *o = stack_poll(&s, STACK_STATUS, path, has_event, "documents_expired", 30000);
    cr_assert(o && has_event(o, "documents_expired"), "no documents_expired (logs in %s)", s.dir);
    json_object_put(o);
    cr_expect_eq(documents_of(old), 0, "the final application's CV is deleted");
    cr_expect_eq(documents_of(recent), 1, "a recent application keeps its CV");

    /* Held (not a test posting in test mode) for two days: erased. */
    apply_with_cv("RET-HELD", "lever-posting-driver-hamburg", held, sizeof held);
    json_object_put(stack_wait_app(&s, held, "held", 60000));
    sql1("UPDATE questions.held SET held_at = now() - interval '2 days' WHERE application_id = $1", held);
    snprintf(path, sizeof path, "/v1/erasures/%s", held);
    o = stack_poll(&s, STACK_STATUS, path, stack_erasure_complete, NULL, 60000);
    cr_assert(o && stack_erasure_complete(o, NULL), "the held application was not erased (logs in %s): %s", s.dir,
              o ? json_object_to_json_string(o) : "(none)");
    cr_expect_str_eq(js(o, "reason"), "held_retention");
    json_object_put(o);
    cr_expect_eq(sql1("SELECT count(*) FROM questions.held WHERE application_id = $1", held), 0);
    cr_expect_eq(documents_of(held), 0);
}
