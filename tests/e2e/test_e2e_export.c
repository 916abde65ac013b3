/* Seed 003 (sourcing-tool export into Lever) through the whole stack: an
 * earlier export puts 10 candidates into Lever; an export of 50 (those 10
 * among them) with duplicate_policy skip creates the other 40 and reports
 * the 10 as duplicates in the task status. */
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lifted limits: the test is about duplicates, not Lever's 2 submissions/s. */
static stack s;
static char *const env[] = {"ATSB_LEVER_RATE=500", "ATSB_LEVER_BURST=500", "ATSB_LEVER_APPLY_RATE=200",
                            "ATSB_LEVER_APPLY_BURST=200", NULL};
static void setup(void) {
    stack_start(&s, env);
    stack_seed(&s);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/lever/rate-limit",
                             "{\"rate\":0,\"burst\":0,\"apply_rate\":0,\"apply_burst\":0}", NULL));
}
static void teardown(void) { stack_stop(&s); }
TestSuite(e2e_export, .init = setup, .fini = teardown, .timeout = 180);

/* An export of candidates [from, to) named name; its task id into id.
 * first_extra (may be "") adds members to the first candidate. */
static void export(const char *name, int from, int to, const char *first_extra, char *id, size_t idlen) {
    size_t cap = 64 * 1024 + strlen(first_extra), len = 0;
    char *body = malloc(cap);
    len += (size_t)snprintf(body + len, cap - len,
                            "{\"name\":\"%s\",\"account_id\":\"demo-lever\",\"posting_id\":\"demo-lever-posting\","
                            "\"stage\":\"lead-reached-out\",\"duplicate_policy\":\"skip\",\"source\":\"ProvenBase\","
                            "\"candidates\":[",
                            name);
    for (int i = from; i < to; i++)
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"id\":\"pb-%d\",\"first_name\":\"Kandidat\",\"last_name\":\"Nummer %d\","
                                "\"email\":\"pb-%d.e2e@example.org\"%s}",
                                i > from ? "," : "", i, i, i, i == from ? first_extra : "");
    snprintf(body + len, cap - len, "]}");
    json_object *o = NULL;
    long st = stack_http(&s, STACK_INGEST, "POST", "/v1/exports", body, "Authorization: Bearer " STACK_TOOL_KEY, &o);
    free(body);
    cr_assert_eq(st, 202, "export %s: %ld %s", name, st, o ? json_object_to_json_string(o) : "");
    cr_assert_eq(ji(o, "count"), to - from);
    snprintf(id, idlen, "%s", js(o, "export_task_id"));
    json_object_put(o);
}

static int finished(json_object *o, void *arg) {
    (void)arg;
    return ji(o, "pending") == 0 && strcmp(js(o, "state"), "running") != 0;
}

static json_object *wait_export(const char *id) {
    char path[256];
    snprintf(path, sizeof path, "/v1/exports/%s", id);
    json_object *o = stack_poll(&s, STACK_STATUS, path, finished, NULL, 90000);
    cr_assert(o && finished(o, NULL), "export %s not finished (logs in %s): %s", id, s.dir,
              o ? json_object_to_json_string(o) : "(none)");
    return o;
}

static int opps_for(json_object *ledger, int i) {
    char email[64];
    snprintf(email, sizeof email, "pb-%d.e2e@example.org", i);
    json_object *opps = jo(ledger, "lever.opportunities");
    int n = 0;
    for (size_t k = 0; opps && k < json_object_array_length(opps); k++) {
        json_object *o = json_object_array_get_idx(opps, k);
        if (!strcmp(js(o, "emails.0"), email)) {
            n++;
            cr_expect_eq(ji(o, "create_requests"), 1, "%s created by one request", email);
            cr_expect_str_eq(js(o, "origin"), "sourced");
            cr_expect_str_eq(js(o, "sources.0"), "ProvenBase");
        }
    }
    return n;
}

/* The opportunity of pb-<i> in the simulator's ledger (a new reference), or NULL. */
static json_object *opp_of(int i) {
    char email[64];
    snprintf(email, sizeof email, "pb-%d.e2e@example.org", i);
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL), *found = NULL;
    json_object *opps = jo(ledger, "lever.opportunities");
    for (size_t k = 0; opps && k < json_object_array_length(opps); k++) {
        json_object *o = json_object_array_get_idx(opps, k);
        if (!strcmp(js(o, "emails.0"), email)) found = json_object_get(o);
    }
    json_object_put(ledger);
    return found;
}

Test(e2e_export, seed_003_skip_duplicates) {
    char first[128], second[128];
    /* The first candidate comes with a phone, a CV and a cover letter: one
     * multipart create carries them (resumeFile and files[]). */
    char *cv = stack_pdf_b64("export-cv"), *letter = stack_pdf_b64("export-letter");
    size_t xl = strlen(cv) + strlen(letter) + 512;
    char *extra = malloc(xl);
    snprintf(extra, xl,
             ",\"phone\":\"+49 40 555 0100\",\"documents\":["
             "{\"kind\":\"cv\",\"filename\":\"lebenslauf.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"},"
             "{\"kind\":\"cover_letter\",\"filename\":\"anschreiben.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}]",
             cv, letter);
    free(cv);
    free(letter);
    export("Vorab: 10 Kandidaten", 0, 10, extra, first, sizeof first);
    free(extra);
    json_object *t = wait_export(first);
    cr_assert_eq(ji(t, "delivered"), 10, "%s", json_object_to_json_string(t));
    json_object_put(t);
    json_object *opp = opp_of(0);
    cr_assert(opp, "pb-0 in Lever");
    json_object *files = jo(opp, "files");
    cr_expect_eq(json_object_array_length(files), 2, "CV and cover letter: %s", json_object_to_json_string(files));
    cr_expect_str_eq(js(opp, "files.0.field"), "resumeFile");
    cr_expect_str_eq(js(opp, "files.0.filename"), "lebenslauf.pdf");
    cr_expect_str_eq(js(opp, "files.1.field"), "files[]");
    cr_expect_str_eq(js(opp, "files.1.filename"), "anschreiben.pdf");
    cr_expect_str_eq(js(opp, "phones.0.value"), "+49 40 555 0100");
    cr_expect_str_eq(js(opp, "postings.0"), "demo-lever-posting");
    json_object_put(opp);

    export("Lager Hamburg: 50 Kandidaten", 0, 50, "", second, sizeof second);
    t = wait_export(second);
    cr_expect_eq(ji(t, "total"), 50, "%s", json_object_to_json_string(t));
    cr_expect_eq(ji(t, "delivered"), 40, "new candidates: %s", json_object_to_json_string(t));
    cr_expect_eq(ji(t, "duplicates"), 10, "already in Lever: %s", json_object_to_json_string(t));
    cr_expect_eq(ji(t, "failed"), 0);
    cr_expect_str_eq(js(t, "state"), "completed");
    cr_expect_str_eq(js(t, "name"), "Lager Hamburg: 50 Kandidaten");
    json_object_put(t);

    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    for (int i = 0; i < 50; i++) cr_expect_eq(opps_for(ledger, i), 1, "pb-%d exactly once in Lever", i);
    json_object *opps = jo(ledger, "lever.opportunities");
    for (size_t k = 0; opps && k < json_object_array_length(opps); k++) {
        json_object *o = json_object_array_get_idx(opps, k);
        if (strstr(js(o, "emails.0"), ".e2e@example.org")) cr_expect_str_eq(js(o, "stage"), "lead-reached-out");
    }
    json_object_put(ledger);
}
