/* Dry-run previews of the Lever connector: a board application is an apply
 * with uploads, a sourcing-tool export an opportunity create carrying its
 * documents; personal data is redacted in both. */
#include "connectors/connector.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
static Atsbridge__V1__ApplicationReceived rec = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
static Atsbridge__V1__ApplicationResolved res = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
static cx_document docs[2] = {{.filename = "cv.pdf", .content_type = "application/pdf", .kind = "cv"},
                              {.filename = "letter.pdf", .content_type = "application/pdf", .kind = "cover_letter"}};

static void setup(void) {
    cand.first_name = "Zoë";
    cand.last_name = "Müller";
    cand.email = "zoe@example.org";
    cand.phone = "+49 30 1234567";
    rec.candidate = &cand;
    rec.posting_id = "demo-lever-posting";
    rec.export_task_id = "";
    rec.stage = "";
    res.application = &rec;
}

TestSuite(connectors, .init = setup);

/* The preview as one JSON string (static buffer). */
static const char *preview(const cx_application *a) {
    static char out[4096];
    json_object *p = connector_lever.preview(a);
    snprintf(out, sizeof out, "%s",
             json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(p);
    return out;
}

Test(connectors, lever_preview_of_an_application_is_an_apply_with_uploads) {
    cx_application a = {.app = &res, .source_label = "StepStone.de", .origin = "applied", .docs = docs, .ndocs = 2};
    const char *p = preview(&a);
    cr_assert(strstr(p, "\"path\":\"/postings/demo-lever-posting/apply\""), "%s", p);
    cr_assert(strstr(p, "\"uploads\":2"), "%s", p);
    cr_assert_null(strstr(p, "zoe@example.org"), "redacted: %s", p);
    cr_assert_null(strstr(p, "Müller"), "redacted: %s", p);
    cr_assert_eq(connector_lever.estimate(&a, 0), 4, "two uploads, apply, opportunity lookup");
}

Test(connectors, lever_preview_of_an_export_is_one_opportunity_create_with_its_files) {
    rec.export_task_id = "exp-1";
    rec.stage = "lead-reached-out";
    cx_application a = {.app = &res, .source_label = "ProvenBase", .origin = "sourced", .docs = docs, .ndocs = 2};
    const char *p = preview(&a);
    cr_assert(strstr(p, "\"path\":\"/opportunities\""), "%s", p);
    cr_assert(strstr(p, "\"files\":2"), "%s", p);
    cr_assert(strstr(p, "\"origin\":\"sourced\""), "%s", p);
    cr_assert(strstr(p, "\"stage\":\"lead-reached-out\""), "%s", p);
    cr_assert_null(strstr(p, "zoe@example.org"), "redacted: %s", p);
    cr_assert_null(strstr(p, "Müller"), "redacted: %s", p);
    cr_assert_null(strstr(p, "1234567"), "redacted: %s", p);
    cr_assert_eq(connector_lever.estimate(&a, 0), 1, "documents travel in the create request");
    cr_assert_eq(connector_lever.estimate(&a, 1), 2, "plus the duplicate search");
}

Test(connectors, eploy_export_without_vacancy_is_the_candidate_alone) {
    rec.export_task_id = "exp-2";
    rec.posting_id = "";
    cx_application a = {.app = &res, .source_label = "ProvenBase", .origin = "sourced", .docs = docs, .ndocs = 1};
    json_object *p = connector_eploy.preview(&a);
    cr_assert(json_object_object_get_ex(p, "candidate", NULL));
    cr_assert(!json_object_object_get_ex(p, "application", NULL), "no application without a vacancy");
    json_object_put(p);
    cr_assert_eq(connector_eploy.estimate(&a, 0), 2, "candidate and CV");
    cr_assert_eq(connector_eploy.estimate(&a, 1), 3, "plus the candidate search");
    rec.posting_id = "demo-eploy-posting";
    cr_assert_eq(connector_eploy.estimate(&a, 1), 5, "with a vacancy: candidate, CV, application and both searches");
}
