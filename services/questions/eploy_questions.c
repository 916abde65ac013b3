/* Eploy vacancy questions (GET /api/vacancies/{id}/questions) -> unified
 * model. Eploy's questions carry no personal-information block (candidate
 * fields are part of its candidate record), so the standard candidate
 * fields are added in front.
 *
 * ats_field_id formats, read back by delivery:
 *   Candidate/<Field>   (FirstName, LastName, EmailAddress, TelephoneNumber, CV)
 *   Questions/<QuestionId>
 */
#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static qs_type eploy_type(const char *t) {
    static const struct {
        const char *name;
        qs_type type;
    } map[] = {{"Text", QT_TEXT},           {"TextBox", QT_TEXT},          {"TextArea", QT_TEXTAREA},
               {"Number", QT_NUMBER},       {"Numeric", QT_NUMBER},        {"YesNo", QT_BOOLEAN},
               {"Date", QT_DATE},           {"DropDown", QT_SINGLE_SELECT}, {"RadioButtons", QT_SINGLE_SELECT},
               {"CheckBoxes", QT_MULTI_SELECT}, {"MultiSelect", QT_MULTI_SELECT}, {"FileUpload", QT_FILE},
               {"Information", QT_INFORMATION}, {"Label", QT_INFORMATION}};
    for (size_t i = 0; t && i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(map[i].name, t)) return map[i].type;
    return QT_TEXT;
}

static int add_personal(qs_set *s) {
    static const struct {
        const char *id, *field, *label, *cf;
        qs_type type;
        int required;
    } std[] = {
        {"personal.first_name", "Candidate/FirstName", "First name", "first_name", QT_TEXT, 1},
        {"personal.last_name", "Candidate/LastName", "Last name", "last_name", QT_TEXT, 1},
        {"personal.email", "Candidate/EmailAddress", "Email", "email", QT_TEXT, 1},
        {"personal.phone", "Candidate/TelephoneNumber", "Phone", "phone", QT_TEXT, 0},
        {"personal.cv", "Candidate/CV", "CV", NULL, QT_FILE, 0},
    };
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++) {
        qs_question *q = qs_set_add(s, std[i].id, std[i].field, "personal", std[i].label, std[i].type, std[i].required);
        if (!q || qs_set_str(&q->candidate_field, std[i].cf)) return -1;
        if (std[i].type == QT_FILE && qs_set_str(&q->document_kind, "cv")) return -1;
    }
    return 0;
}

static int add_options(qs_question *q, json_object *opts) {
    if (!opts || !json_object_is_type(opts, json_type_array)) return 0;
    for (size_t i = 0; i < json_object_array_length(opts) && i < QS_MAX_OPTIONS; i++) {
        json_object *o = json_object_array_get_idx(opts, i);
        char idbuf[128];
        const char *id, *text;
        if (o && json_object_is_type(o, json_type_string)) {
            id = text = json_object_get_string(o);
        } else {
            id = qs_jscalar(o, "OptionId", idbuf, sizeof idbuf);
            text = qs_jstr(o, "Text");
            if (!text) text = qs_jstr(o, "Description");
            if (!id) id = text;
        }
        if (!id || !*id) continue;
        if (qs_question_add_option(q, id, text)) return -1;
    }
    return 0;
}

static int eploy_is_test(json_object *v) {
    return qs_jbool(v, "IsTest", 0) || qs_jbool(v, "Test", 0) || qs_jbool(v, "is_test", 0) ||
           qs_jbool(v, "TestVacancy", 0);
}

int eploy_questions_parse(const char *vacancy_json, const char *questions_json, const char *posting_id,
                          qs_set *out) {
    qs_set_init(out);
    json_object *vroot = qs_jparse(vacancy_json);
    json_object *qroot = qs_jparse(questions_json);
    json_object *v = vroot && json_object_is_type(vroot, json_type_object) ? vroot : NULL;
    json_object *list = NULL;
    int rc = -1;
    if (qroot && json_object_is_type(qroot, json_type_array)) list = qroot;
    else if (qroot && json_object_is_type(qroot, json_type_object) &&
             json_object_object_get_ex(qroot, "Questions", &list) && !json_object_is_type(list, json_type_array))
        list = NULL;
    if (!list) goto done;
    snprintf(out->ats, sizeof out->ats, "eploy");
    if (qs_set_str(&out->posting_id, posting_id ? posting_id : "") ||
        qs_set_str(&out->title, qs_jstr(v, "Title") ? qs_jstr(v, "Title") : qs_jstr(v, "JobTitle")))
        goto bad;
    const char *status = qs_jstr(v, "Status");
    out->closed = status && strcasecmp(status, "Open") && strcasecmp(status, "Live");
    out->is_test = eploy_is_test(v);
    if (add_personal(out)) goto bad;
    rc = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        if (out->n >= QS_MAX_QUESTIONS) {
            rc = 1;
            break;
        }
        json_object *q = json_object_array_get_idx(list, i);
        char qidbuf[128], id[160], field[160];
        const char *qid = qs_jscalar(q, "QuestionId", qidbuf, sizeof qidbuf);
        if (!qid || !*qid) continue;
        snprintf(field, sizeof field, "Questions/%s", qid);
        if (!qs_set_find(out, qid)) snprintf(id, sizeof id, "%s", qid);
        else snprintf(id, sizeof id, "eploy.%s", qid);
        if (qs_set_find(out, id)) continue;
        const char *type = qs_jstr(q, "Type");
        qs_type t = eploy_type(type);
        const char *label = qs_jstr(q, "Text");
        if (!label) label = qs_jstr(q, "Question");
        qs_question *uq = qs_set_add(out, id, field, "custom", label, t, t == QT_INFORMATION ? 0 : qs_jbool(q, "Required", 0));
        if (!uq || qs_set_str(&uq->ats_type, type)) goto bad;
        const char *desc = qs_jstr(q, "HelpText") ? qs_jstr(q, "HelpText") : qs_jstr(q, "Description");
        if (qs_set_str(&uq->description, desc)) goto bad;
        if (t == QT_FILE && qs_set_str(&uq->document_kind, qs_guess_document_kind(NULL, label))) goto bad;
        if (add_options(uq, json_object_object_get(q, "Options"))) goto bad;
    }
    goto done;
bad:
    qs_set_free(out);
    rc = -1;
done:
    json_object_put(vroot);
    json_object_put(qroot);
    return rc;
}
