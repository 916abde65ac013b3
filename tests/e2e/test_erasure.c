/* Erasure through the whole stack (DESIGN.md "Erasure"): status records the
 * request, every service deletes its part and confirms, GET /v1/erasures
 * reports complete. Documents are shared by content: a CV two applications
 * carry stays until the last of them is erased. A held application leaves
 * questions.held. */
#include "stack.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static stack s;
static void setup(void) {
    stack_start(&s, NULL);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(erasure, .init = setup, .fini = teardown, .timeout = 200);

/* The text sql (one text parameter) answers, "" for no row, into out. */
static void sql_text(const char *sql, const char *param, char *out, size_t len) {
    PGconn *c = PQconnectdb(s.dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    const char *p[] = {param};
    PGresult *r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    snprintf(out, len, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
}

/* The number sql (one text parameter, one row) answers. */
static long long sql_num(const char *sql, const char *param) {
    char n[32];
    sql_text(sql, param, n, sizeof n);
    cr_assert(*n, "%s: no row", sql);
    return strtoll(n, NULL, 10);
}

/* A demo-lever application with documents: a CV made from cv_marker (same
 * marker, same bytes, same sha256) and, when letter_marker is not NULL, a
 * cover letter of its own. */
static void app_json(char *buf, size_t len, const char *board_app_id, const char *email, const char *posting,
                     const char *cv_marker, const char *letter_marker) {
    char base[4096];
    stack_lever_app_json(base, sizeof base, board_app_id, email, posting);
    base[strlen(base) - 1] = '\0'; /* the closing brace */
    char *cv = stack_pdf_b64(cv_marker), *letter = letter_marker ? stack_pdf_b64(letter_marker) : NULL;
    snprintf(buf, len,
             "%s,\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}%s%s%s]}",
             base, cv, letter ? ",{\"kind\":\"cover_letter\",\"filename\":\"letter.pdf\","
                                "\"content_type\":\"application/pdf\",\"content_base64\":\"" : "",
             letter ? letter : "", letter ? "\"}" : "");
    free(cv);
    free(letter);
}

/* Requests the erasure of app_id and waits (30 s) until every service has
 * confirmed it. */
static void erase_and_wait(const char *app_id) {
    char path[256];
    snprintf(path, sizeof path, "/v1/applications/%s", app_id);
    json_object *o = NULL;
    cr_assert_eq(stack_http(&s, STACK_STATUS, "DELETE", path, NULL, STACK_ADMIN, &o), 202, "erasure of %s", app_id);
    json_object_put(o);
    snprintf(path, sizeof path, "/v1/erasures/%s", app_id);
    o = stack_poll(&s, STACK_STATUS, path, stack_erasure_complete, NULL, 30000);
    cr_assert(o && stack_erasure_complete(o, NULL), "erasure of %s not complete in 30 s: %s (logs in %s)", app_id,
              o ? json_object_to_json_string(o) : "no answer", s.dir);
    json_object *conf = jo(o, "confirmations");
    cr_expect_eq(json_object_array_length(conf), 4, "%s", json_object_to_json_string(conf));
    static const char *const services[] = {"delivery", "ingest", "questions", "status"};
    for (size_t i = 0; i < 4 && i < json_object_array_length(conf); i++)
        cr_expect_str_eq(js(json_object_array_get_idx(conf, i), "service"), services[i]);
    cr_expect_eq(json_object_array_length(jo(o, "pending")), 0);
    json_object_put(o);
}

static const char DOCS_OF[] =
    "SELECT count(*) FROM ingest.documents d JOIN ingest.document_refs r USING (sha256)"
    " WHERE r.application_id = $1";
static const char REFS_OF[] = "SELECT count(*) FROM ingest.document_refs WHERE application_id = $1";
static const char DOC[] = "SELECT count(*) FROM ingest.documents WHERE sha256 = $1";
static const char BODY_HASH[] = "SELECT body_sha256 FROM ingest.idempotency_keys WHERE application_id = $1";

Test(erasure, delivered_applications_sharing_a_cv) {
    char body_a[16384], body_b[16384], a[128], b[128];
    app_json(body_a, sizeof body_a, "SS-ERASE-A", "erase.a@example.org", "demo-lever-posting", "shared-cv", "a-letter");
    app_json(body_b, sizeof body_b, "SS-ERASE-B", "erase.b@example.org", "demo-lever-posting", "shared-cv", NULL);
    cr_assert_eq(stack_apply(&s, body_a, a, sizeof a), 202);
    cr_assert_eq(stack_apply(&s, body_b, b, sizeof b), 202);
    json_object_put(stack_wait_app(&s, a, "delivered", 60000));
    json_object_put(stack_wait_app(&s, b, "delivered", 60000));
    cr_assert_eq(sql_num(REFS_OF, a), 2, "A's CV and letter");
    cr_assert_eq(sql_num(DOCS_OF, b), 1, "B's CV");
    char shared[80], letter[80];
    sql_text("SELECT sha256 FROM ingest.document_refs WHERE application_id = $1", b, shared, sizeof shared);
    sql_text("SELECT r.sha256 FROM ingest.document_refs r WHERE r.application_id = $1"
             " AND NOT EXISTS (SELECT 1 FROM ingest.document_refs o WHERE o.sha256 = r.sha256"
             "                 AND o.application_id <> r.application_id)",
             a, letter, sizeof letter);
    cr_assert(*shared && *letter && strcmp(shared, letter) != 0);
    cr_assert_eq(sql_num("SELECT count(*) FROM ingest.document_refs WHERE sha256 = $1", shared), 2, "one CV, two refs");

    /* Erasing A: its own letter goes, the CV B holds stays. */
    erase_and_wait(a);
    cr_expect_eq(sql_num(DOC, letter), 0, "A's cover letter deleted");
    cr_expect_eq(sql_num(DOC, shared), 1, "the CV B still holds is kept");
    cr_expect_eq(sql_num(REFS_OF, a), 0);
    cr_expect_eq(sql_num(REFS_OF, b), 1);
    char hash[80];
    sql_text(BODY_HASH, a, hash, sizeof hash);
    cr_expect_str_eq(hash, "erased");
    sql_text(BODY_HASH, b, hash, sizeof hash);
    cr_expect_neq(strcmp(hash, "erased"), 0, "B's idempotency row untouched");
    cr_expect_eq(sql_num("SELECT count(*) FROM questions.held WHERE application_id = $1", a), 0);
    cr_expect_eq(sql_num("SELECT count(*) FROM delivery.ledger WHERE application_id = $1 AND state = 'DELIVERED'"
                         " AND last_error IS NULL", a),
                 1, "delivery keeps ids and states, nothing else");
    cr_expect_eq(sql_num("SELECT count(*) FROM keys.data_keys WHERE subject_id = $1 AND wrapped IS NULL", a), 1,
                 "A's data key destroyed");
    json_object *o = NULL;
    char path[256];
    snprintf(path, sizeof path, "/v1/applications/%s", b);
    cr_expect_eq(stack_http(&s, STACK_STATUS, "GET", path, NULL, STACK_ADMIN, &o), 200);
    cr_expect_str_eq(js(o, "state"), "delivered", "B is untouched");
    json_object_put(o);
    /* The board resending A is refused (its data key is a tombstone), and
     * nothing could compare it with the erased body anyway. */
    cr_expect_eq(stack_apply(&s, body_a, NULL, 0), 410, "a resend of an erased application");

    /* Erasing B, the last holder: the CV goes. */
    erase_and_wait(b);
    cr_expect_eq(sql_num(DOC, shared), 0, "the CV is deleted with its last application");
    cr_expect_eq(sql_num("SELECT count(*) FROM ingest.document_refs WHERE sha256 = $1", shared), 0);
    sql_text(BODY_HASH, b, hash, sizeof hash);
    cr_expect_str_eq(hash, "erased");
}

Test(erasure, held_application) {
    /* demo-lever is in test mode: a live posting's application is held. */
    char body[16384], id[128];
    app_json(body, sizeof body, "SS-ERASE-HELD", "erase.held@example.org", "lever-posting-driver-hamburg",
             "held-cv", NULL);
    cr_assert_eq(stack_apply(&s, body, id, sizeof id), 202);
    json_object_put(stack_wait_app(&s, id, "held", 60000));
    cr_assert_eq(sql_num("SELECT count(*) FROM questions.held WHERE application_id = $1", id), 1);
    cr_assert_eq(sql_num(DOCS_OF, id), 1);
    char cv[80];
    sql_text("SELECT sha256 FROM ingest.document_refs WHERE application_id = $1", id, cv, sizeof cv);

    erase_and_wait(id);
    cr_expect_eq(sql_num("SELECT count(*) FROM questions.held WHERE application_id = $1", id), 0,
                 "no longer held");
    cr_expect_eq(sql_num(REFS_OF, id), 0);
    cr_expect_eq(sql_num(DOC, cv), 0, "its CV is deleted");
}
