/* Validation (required missing, option not offered, wrong types, files,
 * consent) and mapping to the ATS's field ids and value formats, on the
 * demo question sets of the fixtures. */
#include "answers.h"
#include "harness.h"
#include "mapping.h"
#include "normalize.h"
#include "validate.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define FIX ATSB_SOURCE_DIR "/tests/questions/fixtures/"
#define MAXA 32

static qs_set load(const char *ats) {
    char *p, *f;
    qs_set s;
    if (!strcmp(ats, "lever")) {
        p = harness_read_file(FIX "lever_posting.json");
        f = harness_read_file(FIX "lever_apply.json");
        cr_assert_eq(lever_questions_parse(p, f, "demo-lever-posting", &s), 0);
    } else {
        p = harness_read_file(FIX "eploy_vacancy.json");
        f = harness_read_file(FIX "eploy_questions.json");
        cr_assert_eq(eploy_questions_parse(p, f, "demo-eploy-posting", &s), 0);
    }
    free(p);
    free(f);
    return s;
}

/* An application on the stack; answers point at string literals. */
typedef struct {
    Atsbridge__V1__ApplicationReceived app;
    Atsbridge__V1__Candidate cand;
    Atsbridge__V1__Consent consent;
    Atsbridge__V1__Answer ans[MAXA];
    Atsbridge__V1__Answer *ansp[MAXA];
    char *vals[MAXA][4];
    Atsbridge__V1__DocumentRef doc;
    Atsbridge__V1__DocumentRef *docp[1];
    char *links[2];
} app_t;

static void answer(app_t *a, const char *id, const char *value) {
    size_t i = a->app.n_answers++;
    atsbridge__v1__answer__init(&a->ans[i]);
    a->ans[i].question_id = (char *)id;
    a->ans[i].value = (char *)value;
    a->ansp[i] = &a->ans[i];
}

static void answer_multi(app_t *a, const char *id, const char *v1, const char *v2) {
    size_t i = a->app.n_answers++;
    atsbridge__v1__answer__init(&a->ans[i]);
    a->ans[i].question_id = (char *)id;
    a->vals[i][0] = (char *)v1;
    a->vals[i][1] = (char *)v2;
    a->ans[i].values = a->vals[i];
    a->ans[i].n_values = v2 ? 2 : 1;
    a->ansp[i] = &a->ans[i];
}

static void base(app_t *a) {
    memset(a, 0, sizeof *a);
    atsbridge__v1__application_received__init(&a->app);
    atsbridge__v1__candidate__init(&a->cand);
    atsbridge__v1__consent__init(&a->consent);
    atsbridge__v1__document_ref__init(&a->doc);
    a->app.application_id = "app-1";
    a->app.account_id = "demo-lever";
    a->app.board = "stepstone_de";
    a->cand.first_name = "Zoë";
    a->cand.last_name = "Müller";
    a->cand.email = "zoe@example.org";
    a->links[0] = "https://www.linkedin.com/in/zoe";
    a->links[1] = "https://zoe.example.org";
    a->cand.links = a->links;
    a->cand.n_links = 2;
    a->app.candidate = &a->cand;
    a->consent.privacy_policy_accepted = 1;
    a->app.consent = &a->consent;
    a->doc.kind = "cv";
    a->doc.sha256 = "aaaa";
    a->docp[0] = &a->doc;
    a->app.documents = a->docp;
    a->app.n_documents = 1;
    a->app.answers = a->ansp;
}

static void valid_lever(app_t *a) {
    base(a);
    answer(a, "q-motivation", "Weil Logistik Spaß macht 🚚");
    answer(a, "q-years", "7");
    answer(a, "q-forklift", "Yes");
    answer(a, "q-start", "2026-12-01");
    answer(a, "q-shift", "early");
    answer_multi(a, "q-langs", "de", "en");
}

static const char *reason(const qv_result *r, const char *id) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->reasons[i].question_id, id)) return r->reasons[i].code;
    return NULL;
}

static qv_result check(const app_t *a, const qs_set *s) {
    qv_result r;
    cr_assert_eq(questions_validate(&a->app, s, &r), 0);
    return r;
}

Test(validate, valid_application_passes) {
    qs_set s = load("lever");
    app_t a;
    valid_lever(&a);
    qv_result r = check(&a, &s);
    char buf[512];
    cr_assert_eq(r.n, 0, "unexpected: %s", qv_result_summary(&r, buf, sizeof buf));
    qv_result_free(&r);
    qs_set_free(&s);
}

Test(validate, required_missing_one_reason_per_question) {
    qs_set s = load("lever");
    app_t a;
    base(&a);
    a.cand.email = "";
    answer(&a, "q-years", "7");
    qv_result r = check(&a, &s);
    cr_assert_str_eq(reason(&r, "personal.email"), "required");
    cr_assert_str_eq(reason(&r, "q-motivation"), "required");
    cr_assert_str_eq(reason(&r, "q-forklift"), "required");
    cr_assert_str_eq(reason(&r, "q-start"), "required");
    cr_assert_str_eq(reason(&r, "q-shift"), "required");
    cr_assert_str_eq(reason(&r, "q-langs"), "required");
    cr_assert_null(reason(&r, "q-years"));
    cr_assert_null(reason(&r, "q-nickname"), "optional questions may stay empty");
    cr_assert_null(reason(&r, "q-info"), "information blocks need no answer");
    cr_assert_eq(r.n, 6);
    qv_result_free(&r);
    qs_set_free(&s);
}

Test(validate, exports_answer_no_form_but_given_answers_are_checked) {
    qs_set s = load("lever");
    app_t a;
    base(&a);
    a.app.export_task_id = "exp_1";
    a.app.consent = NULL;
    answer(&a, "q-years", "seven");
    qv_result r = check(&a, &s);
    cr_assert_null(reason(&r, "q-motivation"), "a sourced candidate answered no form");
    cr_assert_null(reason(&r, "consent.privacy_policy"));
    cr_assert_str_eq(reason(&r, "q-years"), "not_a_number", "what is given must still be valid");
    cr_assert_eq(r.n, 1);
    qv_result_free(&r);
    qs_set_free(&s);
}

Test(validate, option_not_offered) {
    qs_set s = load("lever");
    app_t a;
    valid_lever(&a);
    a.ans[4].value = "weekend";                /* q-shift */
    a.vals[5][1] = "xx";                       /* q-langs: de, xx */
    qv_result r = check(&a, &s);
    cr_assert_str_eq(reason(&r, "q-shift"), "not_an_option");
    cr_assert_str_eq(reason(&r, "q-langs"), "not_an_option");
    cr_assert_eq(r.n, 2);
    qv_result_free(&r);
    qs_set_free(&s);
}

Test(validate, wrong_types) {
    qs_set s = load("lever");
    app_t a;
    valid_lever(&a);
    a.ans[1].value = "seven";       /* q-years */
    a.ans[2].value = "maybe";       /* q-forklift */
    a.ans[3].value = "2026-02-30";  /* q-start: no such day */
    qv_result r = check(&a, &s);
    cr_assert_str_eq(reason(&r, "q-years"), "not_a_number");
    cr_assert_str_eq(reason(&r, "q-forklift"), "not_a_boolean");
    cr_assert_str_eq(reason(&r, "q-start"), "not_a_date");
    cr_assert_eq(r.n, 3);
    char buf[256];
    cr_assert_str_eq(qv_result_summary(&r, buf, sizeof buf),
                     "q-years:not_a_number;q-forklift:not_a_boolean;q-start:not_a_date");
    cr_assert_null(strstr(buf, "seven"), "reasons never carry answer values");
    qv_result_free(&r);
    qs_set_free(&s);
}

Test(validate, single_select_takes_one_value) {
    qs_set s = load("lever");
    app_t a;
    valid_lever(&a);
    answer_multi(&a, "q-contract", "full-time", "part-time");
    qv_result r = check(&a, &s);
    cr_assert_str_eq(reason(&r, "q-contract"), "too_many_values");
    qv_result_free(&r);
    qs_set_free(&s);
}

Test(validate, files_and_consent) {
    char *p = harness_read_file(FIX "lever_posting.json");
    char *f = harness_read_file(FIX "lever_apply.json");
    /* Make the resume required for this test. */
    char *at = strstr(f, "\"Resume/CV\"");
    cr_assert_not_null(at);
    char *req = strstr(at, "false");
    memcpy(req, "true ", 5);
    qs_set s;
    cr_assert_eq(lever_questions_parse(p, f, "x", &s), 0);
    app_t a;
    valid_lever(&a);
    a.app.n_documents = 0;
    a.consent.privacy_policy_accepted = 0;
    answer(&a, "q-certificate", "");
    a.ans[a.app.n_answers - 1].document_sha256 = "bbbb"; /* not among the documents */
    qv_result r = check(&a, &s);
    cr_assert_str_eq(reason(&r, "personal.resume"), "file_missing");
    cr_assert_str_eq(reason(&r, "q-certificate"), "unknown_document");
    cr_assert_str_eq(reason(&r, "consent.privacy_policy"), "consent_required");
    qv_result_free(&r);
    /* Exports carry no consent. */
    a.app.export_task_id = "exp-1";
    a.app.n_documents = 1;
    a.ans[a.app.n_answers - 1].document_sha256 = "aaaa";
    r = check(&a, &s);
    cr_assert_eq(r.n, 0);
    qv_result_free(&r);
    qs_set_free(&s);
    free(p);
    free(f);
}

Test(validate, value_checks) {
    const char *numbers[] = {"7", "-3", "+2.5", ".5", "1e3", "0.0"};
    const char *not_numbers[] = {"", "1,5", "inf", "nan", " 7", "7 ", "1e", "--1", "0x10"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) cr_assert_eq(qa_number(numbers[i]), 0, "%s", numbers[i]);
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++)
        cr_assert_eq(qa_number(not_numbers[i]), -1, "%s", not_numbers[i]);
    char ymd[11];
    const char *dates[] = {"2026-12-01", "2024-02-29", "2026-12-01T10:00:00Z", "2026-12-01T10:00+01:00",
                           "2026-12-01T10:00:00.123-05:30"};
    const char *not_dates[] = {"2026-13-01", "2025-02-29", "01.12.2026", "2026-12-1", "2026-12-01T25:00Z",
                               "2026-12-01X", "1764000000000"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) cr_assert_eq(qa_date(dates[i], ymd), 0, "%s", dates[i]);
    cr_assert_str_eq(ymd, "2026-12-01");
    for (size_t i = 0; i < sizeof not_dates / sizeof not_dates[0]; i++)
        cr_assert_eq(qa_date(not_dates[i], ymd), -1, "%s", not_dates[i]);
    int b;
    cr_assert(qa_bool("YES", &b) == 0 && b == 1);
    cr_assert(qa_bool("false", &b) == 0 && b == 0);
    cr_assert_eq(qa_bool("ja", &b), -1);
}

static const Atsbridge__V1__MappedAnswer *mapped(const qm_mapped *m, const char *field) {
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->items[i]->ats_field_id, field)) return m->items[i];
    return NULL;
}

Test(mapping, lever_field_ids_and_values) {
    qs_set s = load("lever");
    app_t a;
    valid_lever(&a);
    answer(&a, "q-contract", "Teilzeit"); /* by label: mapped to its option id */
    answer(&a, "q-start", "ignored duplicate");
    a.app.n_answers--; /* keep the set valid */
    qm_mapped m;
    cr_assert_eq(questions_map(&a.app, &s, &m), 0);
    const Atsbridge__V1__MappedAnswer *x;
    x = mapped(&m, "personalInformation/fullName");
    cr_assert(x && x->n_values == 1);
    cr_assert_str_eq(x->values[0], "Zoë Müller");
    cr_assert_str_eq(mapped(&m, "personalInformation/email")->values[0], "zoe@example.org");
    x = mapped(&m, "personalInformation/resume");
    cr_assert(x);
    cr_assert_str_eq(x->document_sha256, "aaaa");
    cr_assert_str_eq(x->type, "FILE");
    cr_assert_str_eq(mapped(&m, "urls/LinkedIn")->values[0], "https://www.linkedin.com/in/zoe");
    cr_assert_str_eq(mapped(&m, "urls/Portfolio")->values[0], "https://zoe.example.org");
    cr_assert_null(mapped(&m, "urls/Other"), "only two links");
    cr_assert_str_eq(mapped(&m, "customQuestions/cq-demo-screening/q-forklift")->values[0], "yes");
    cr_assert_str_eq(mapped(&m, "customQuestions/cq-demo-screening/q-shift")->values[0], "early");
    cr_assert_str_eq(mapped(&m, "customQuestions/cq-demo-screening/q-contract")->values[0], "part-time");
    x = mapped(&m, "customQuestions/cq-demo-screening/q-langs");
    cr_assert(x && x->n_values == 2);
    cr_assert_str_eq(x->values[1], "en");
    cr_assert_str_eq(x->type, "MULTI_SELECT");
    cr_assert_null(mapped(&m, "customQuestions/cq-demo-screening/q-info"));
    cr_assert_null(mapped(&m, "customQuestions/cq-demo-screening/q-nickname"), "unanswered is left out");
    qm_mapped_free(&m);
    qs_set_free(&s);
}

Test(mapping, eploy_formats) {
    qs_set s = load("eploy");
    app_t a;
    base(&a);
    answer(&a, "q-motivation", "Kochen 🍳");
    answer(&a, "q-years", "3");
    answer(&a, "q-hygiene", "yes");
    answer(&a, "q-start", "2026-12-01T09:30:00Z");
    answer(&a, "q-shift", "late");
    answer_multi(&a, "q-langs", "ga", NULL);
    qv_result r = check(&a, &s);
    cr_assert_eq(r.n, 0);
    qv_result_free(&r);
    qm_mapped m;
    cr_assert_eq(questions_map(&a.app, &s, &m), 0);
    cr_assert_str_eq(mapped(&m, "Questions/q-hygiene")->values[0], "true");
    cr_assert_str_eq(mapped(&m, "Questions/q-start")->values[0], "2026-12-01");
    cr_assert_str_eq(mapped(&m, "Questions/q-langs")->values[0], "ga");
    cr_assert_str_eq(mapped(&m, "Candidate/FirstName")->values[0], "Zoë");
    cr_assert_str_eq(mapped(&m, "Candidate/CV")->document_sha256, "aaaa");
    qm_mapped_free(&m);
    qs_set_free(&s);
}
