/* Normalization of Lever apply forms and Eploy vacancy questions (fixtures
 * shaped like the simulator's answers) into the unified model: every
 * question type, required flags, options with the ATS's ids, unicode
 * labels, test/closed flags, the JSON round trip, and garbage input. */
#include "harness.h"
#include "model.h"
#include "normalize.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX ATSB_SOURCE_DIR "/tests/questions/fixtures/"

static char *fixture(const char *name) {
    char path[512];
    snprintf(path, sizeof path, FIX "%s", name);
    char *s = harness_read_file(path);
    cr_assert_not_null(s, "fixture %s", path);
    return s;
}

static qs_set lever_demo(void) {
    char *p = fixture("lever_posting.json"), *f = fixture("lever_apply.json");
    qs_set s;
    cr_assert_eq(lever_questions_parse(p, f, "demo-lever-posting", &s), 0);
    free(p);
    free(f);
    return s;
}

static qs_set eploy_demo(void) {
    char *v = fixture("eploy_vacancy.json"), *q = fixture("eploy_questions.json");
    qs_set s;
    cr_assert_eq(eploy_questions_parse(v, q, "demo-eploy-posting", &s), 0);
    free(v);
    free(q);
    return s;
}

static const qs_question *must(const qs_set *s, const char *id) {
    const qs_question *q = qs_set_find(s, id);
    cr_assert_not_null(q, "question %s missing", id);
    return q;
}

Test(normalize_lever, every_type_with_ids_and_required) {
    qs_set s = lever_demo();
    cr_assert_str_eq(s.ats, "lever");
    cr_assert(s.is_test, "posting marked test");
    cr_assert(!s.closed);
    cr_assert_str_eq(s.title, "Lagerist*in (m/w/d) – Testanzeige");
    const struct {
        const char *id;
        qs_type type;
        int required;
        const char *field;
    } want[] = {
        {"personal.fullName", QT_TEXT, 1, "personalInformation/fullName"},
        {"personal.email", QT_TEXT, 1, "personalInformation/email"},
        {"personal.resume", QT_FILE, 0, "personalInformation/resume"},
        {"personal.additionalInformation", QT_TEXTAREA, 0, "personalInformation/additionalInformation"},
        {"url.LinkedIn", QT_TEXT, 0, "urls/LinkedIn"},
        {"q-motivation", QT_TEXTAREA, 1, "customQuestions/cq-demo-screening/q-motivation"},
        {"q-years", QT_NUMBER, 1, "customQuestions/cq-demo-screening/q-years"},
        {"q-salary", QT_NUMBER, 0, "customQuestions/cq-demo-screening/q-salary"},
        {"q-forklift", QT_BOOLEAN, 1, "customQuestions/cq-demo-screening/q-forklift"},
        {"q-start", QT_DATE, 1, "customQuestions/cq-demo-screening/q-start"},
        {"q-shift", QT_SINGLE_SELECT, 1, "customQuestions/cq-demo-screening/q-shift"},
        {"q-contract", QT_SINGLE_SELECT, 0, "customQuestions/cq-demo-screening/q-contract"},
        {"q-langs", QT_MULTI_SELECT, 1, "customQuestions/cq-demo-screening/q-langs"},
        {"q-certificate", QT_FILE, 0, "customQuestions/cq-demo-screening/q-certificate"},
        {"q-info", QT_INFORMATION, 0, "customQuestions/cq-demo-screening/q-info"},
        {"eeo.gender", QT_SINGLE_SELECT, 0, "eeoQuestions/gender"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const qs_question *q = must(&s, want[i].id);
        cr_assert_eq(q->type, want[i].type, "%s type %s", want[i].id, qs_type_name(q->type));
        cr_assert_eq(q->required, want[i].required, "%s required", want[i].id);
        cr_assert_str_eq(q->ats_field_id, want[i].field);
    }
    cr_assert_str_eq(must(&s, "personal.fullName")->candidate_field, "name");
    cr_assert_str_eq(must(&s, "personal.email")->candidate_field, "email");
    cr_assert_str_eq(must(&s, "personal.resume")->document_kind, "cv");
    cr_assert_str_eq(must(&s, "personal.email")->section, "personal");
    cr_assert_str_eq(must(&s, "url.GitHub")->section, "links");
    cr_assert_str_eq(must(&s, "eeo.gender")->section, "eeo");
    cr_assert_str_eq(must(&s, "q-years")->ats_type, "number");
    qs_set_free(&s);
}

Test(normalize_lever, options_keep_ats_ids_and_unicode_labels) {
    qs_set s = lever_demo();
    const qs_question *q = must(&s, "q-langs");
    cr_assert_eq(q->noptions, 5);
    cr_assert_str_eq(q->options[2].id, "fr");
    cr_assert_str_eq(q->options[2].label, "Français");
    cr_assert_str_eq(q->options[4].label, "Türkçe");
    cr_assert_str_eq(must(&s, "q-shift")->options[0].label, "Frühschicht");
    cr_assert_str_eq(must(&s, "q-motivation")->label, "Warum möchten Sie bei uns arbeiten? 🚚");
    cr_assert_str_eq(must(&s, "q-motivation")->description, "Ein paar Sätze genügen.");
    /* EEO options without optionId are identified by their text. */
    cr_assert_str_eq(must(&s, "eeo.gender")->options[0].id, "Female");
    qs_set_free(&s);
}

Test(normalize_lever, closed_posting) {
    char *p = fixture("lever_posting_closed.json"), *f = fixture("lever_apply.json");
    qs_set s;
    cr_assert_eq(lever_questions_parse(p, f, "lever-posting-closed", &s), 0);
    cr_assert(s.closed);
    cr_assert(!s.is_test);
    qs_set_free(&s);
    free(p);
    free(f);
}

Test(normalize_eploy, every_type_with_ids_and_required) {
    qs_set s = eploy_demo();
    cr_assert_str_eq(s.ats, "eploy");
    cr_assert(s.is_test);
    cr_assert(!s.closed);
    const struct {
        const char *id;
        qs_type type;
        int required;
    } want[] = {
        {"personal.first_name", QT_TEXT, 1}, {"personal.email", QT_TEXT, 1}, {"personal.cv", QT_FILE, 0},
        {"q-name-pref", QT_TEXT, 0},         {"q-motivation", QT_TEXTAREA, 1}, {"q-years", QT_NUMBER, 1},
        {"q-hygiene", QT_BOOLEAN, 1},        {"q-start", QT_DATE, 1},          {"q-shift", QT_SINGLE_SELECT, 1},
        {"q-contract", QT_SINGLE_SELECT, 0}, {"q-langs", QT_MULTI_SELECT, 1},  {"q-certificate", QT_FILE, 0},
        {"q-info", QT_INFORMATION, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const qs_question *q = must(&s, want[i].id);
        cr_assert_eq(q->type, want[i].type, "%s type", want[i].id);
        cr_assert_eq(q->required, want[i].required, "%s required", want[i].id);
    }
    cr_assert_str_eq(must(&s, "q-years")->ats_field_id, "Questions/q-years");
    cr_assert_str_eq(must(&s, "personal.email")->ats_field_id, "Candidate/EmailAddress");
    cr_assert_str_eq(must(&s, "q-motivation")->label, "Warum möchten Sie bei uns kochen? 🍳");
    cr_assert_str_eq(must(&s, "q-shift")->options[0].id, "early");
    cr_assert_str_eq(must(&s, "q-shift")->options[0].label, "Früh / Early");
    qs_set_free(&s);
}

Test(normalize_eploy, closed_vacancy_and_numeric_ids) {
    const char *v = "{\"VacancyId\":7,\"Title\":\"Chef\",\"Status\":\"Closed\"}";
    const char *q = "{\"VacancyId\":7,\"Questions\":[{\"QuestionId\":42,\"Type\":\"DropDown\",\"Text\":\"Shift\","
                    "\"Required\":true,\"Options\":[{\"OptionId\":3,\"Text\":\"Late\"}]}]}";
    qs_set s;
    cr_assert_eq(eploy_questions_parse(v, q, "7", &s), 0);
    cr_assert(s.closed);
    const qs_question *x = must(&s, "42");
    cr_assert_str_eq(x->ats_field_id, "Questions/42");
    cr_assert_str_eq(x->options[0].id, "3");
    qs_set_free(&s);
}

Test(normalize, json_round_trip) {
    qs_set s = lever_demo(), back;
    json_object *j = qs_set_to_json(&s);
    cr_assert_not_null(j);
    cr_assert_eq(qs_set_from_json(j, &back), 0);
    cr_assert_eq(back.n, s.n);
    cr_assert_eq(back.is_test, s.is_test);
    for (size_t i = 0; i < s.n; i++) {
        cr_assert_str_eq(back.q[i].id, s.q[i].id);
        cr_assert_str_eq(back.q[i].ats_field_id, s.q[i].ats_field_id);
        cr_assert_eq(back.q[i].type, s.q[i].type);
        cr_assert_eq(back.q[i].noptions, s.q[i].noptions);
    }
    json_object_put(j);
    qs_set_free(&s);
    qs_set_free(&back);
}

Test(normalize, garbage_never_crashes) {
    const char *inputs[] = {NULL, "", "null", "[]", "{}", "{\"data\":5}", "{\"data\":{\"customQuestions\":7}}",
                            "{\"customQuestions\":[{\"id\":{},\"fields\":[1,null,\"x\",{\"type\":[]}]}]}",
                            "{\"customQuestions\":[{\"id\":\"c\",\"fields\":[{\"options\":[null,1,{\"text\":{}}]}]}]}",
                            "{\"Questions\":[null,{\"QuestionId\":null},{\"QuestionId\":[1]},{\"QuestionId\":\"x\","
                            "\"Options\":{}}]}",
                            "{\"eeoQuestions\":{\"\":{},\"a\":5,\"b\":[1,{\"text\":2}]}}", "\xff\xfe garbage {{{"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
            qs_set s;
            lever_questions_parse(inputs[i], inputs[k], "p", &s);
            qs_set_free(&s);
            eploy_questions_parse(inputs[i], inputs[k], "p", &s);
            qs_set_free(&s);
        }
    qs_set s;
    cr_assert_eq(lever_questions_parse(NULL, "not json", "p", &s), -1);
    cr_assert_eq(eploy_questions_parse(NULL, "{\"Questions\":5}", "p", &s), -1);
    cr_assert_eq(lever_questions_parse(NULL, "{\"foo\":1}", "p", &s), -1);
}
