#include "validate.h"

#include "answers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_reason(qv_result *r, const char *id, const char *code) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        qv_reason *n = realloc(r->reasons, cap * sizeof *n);
        if (!n) return -1;
        r->reasons = n;
        r->cap = cap;
    }
    snprintf(r->reasons[r->n].question_id, sizeof r->reasons[0].question_id, "%s", id);
    r->reasons[r->n].code = code;
    r->n++;
    return 0;
}

/* The reason code for one question, or NULL when its answer is acceptable.
 * A sourcing-tool export answers no form (the recruiter sources the
 * candidate into the job: Lever creates the opportunity directly), so for
 * exports a missing answer is fine; given answers are still checked. */
static const char *check(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, const qs_question *q) {
    if (q->type == QT_INFORMATION) return NULL;
    int required = q->required && !(app->export_task_id && *app->export_task_id);
    qa_value v;
    qa_resolve(app, set, q, &v);
    if (q->type == QT_FILE) {
        if (v.document_sha256) return qa_has_document(app, v.document_sha256) ? NULL : "unknown_document";
        return required ? "file_missing" : NULL;
    }
    if (v.n == 0) return required ? "required" : NULL;
    if (v.too_many) return "too_many_values";
    if (q->type != QT_MULTI_SELECT && v.n > 1) return "too_many_values";
    for (size_t i = 0; i < v.n; i++) {
        char ymd[11];
        int b;
        switch (q->type) {
        case QT_NUMBER:
            if (qa_number(v.values[i])) return "not_a_number";
            break;
        case QT_DATE:
            if (qa_date(v.values[i], ymd)) return "not_a_date";
            break;
        case QT_BOOLEAN:
            if (qa_bool(v.values[i], &b)) return "not_a_boolean";
            break;
        case QT_SINGLE_SELECT:
        case QT_MULTI_SELECT:
            if (qa_option(q, v.values[i]) < 0) return "not_an_option";
            break;
        default:
            break;
        }
    }
    return NULL;
}

int questions_validate(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, qv_result *out) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < set->n; i++) {
        const char *code = check(app, set, &set->q[i]);
        if (code && add_reason(out, set->q[i].id, code)) return -1;
    }
    /* Board applications need the privacy-policy consent; sourcing-tool
     * exports carry none (the candidate did not apply through a form). */
    int is_export = app->export_task_id && *app->export_task_id;
    if (!is_export && (!app->consent || !app->consent->privacy_policy_accepted) &&
        add_reason(out, "consent.privacy_policy", "consent_required"))
        return -1;
    for (size_t i = 0; i < app->n_answers; i++)
        if (!app->answers[i]->question_id || !qs_set_find(set, app->answers[i]->question_id)) out->unknown_answers++;
    return 0;
}

void qv_result_free(qv_result *r) {
    free(r->reasons);
    memset(r, 0, sizeof *r);
}

const char *qv_result_summary(const qv_result *r, char *buf, size_t len) {
    size_t used = 0;
    if (len) buf[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        char item[200];
        int n = snprintf(item, sizeof item, "%s%s:%s", i ? ";" : "", r->reasons[i].question_id, r->reasons[i].code);
        /* keep room for ";+NNNN more" */
        if (n < 0 || used + (size_t)n + 16 >= len) {
            snprintf(buf + used, len - used, ";+%zu more", r->n - i);
            break;
        }
        memcpy(buf + used, item, (size_t)n + 1);
        used += (size_t)n;
    }
    return buf;
}

Atsbridge__V1__ApplicationReceived *questions_received_decode(const void *payload, size_t len) {
    Atsbridge__V1__ApplicationReceived *app = atsbridge__v1__application_received__unpack(NULL, len, payload);
    if (app && (!app->application_id || !*app->application_id || !app->account_id)) {
        atsbridge__v1__application_received__free_unpacked(app, NULL);
        app = NULL;
    }
    return app;
}
