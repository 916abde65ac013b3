#include "mapping.h"

#include "answers.h"

#include <stdlib.h>
#include <string.h>

static void item_free(Atsbridge__V1__MappedAnswer *a) {
    if (!a) return;
    free(a->ats_field_id);
    free(a->type);
    for (size_t i = 0; i < a->n_values; i++) free(a->values[i]);
    free(a->values);
    free(a->document_sha256);
    free(a);
}

void qm_mapped_free(qm_mapped *m) {
    for (size_t i = 0; i < m->n; i++) item_free(m->items[i]);
    free(m->items);
    m->items = NULL;
    m->n = 0;
}

/* The ATS's form of one valid value into buf, or NULL when it is invalid. */
static const char *ats_value(const qs_set *set, const qs_question *q, const char *v, char *buf, size_t len) {
    int b, opt;
    switch (q->type) {
    case QT_DATE:
        return len >= 11 && qa_date(v, buf) == 0 ? buf : NULL;
    case QT_BOOLEAN:
        if (qa_bool(v, &b)) return NULL;
        if (!strcmp(set->ats, "eploy")) return b ? "true" : "false";
        return b ? "yes" : "no";
    case QT_NUMBER:
        return qa_number(v) == 0 ? v : NULL;
    case QT_SINGLE_SELECT:
    case QT_MULTI_SELECT:
        opt = qa_option(q, v);
        return opt < 0 ? NULL : q->options[opt].id;
    default:
        return v;
    }
}

static int map_one(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, const qs_question *q,
                   Atsbridge__V1__MappedAnswer **out) {
    *out = NULL;
    if (q->type == QT_INFORMATION) return 0;
    qa_value v;
    qa_resolve(app, set, q, &v);
    if (q->type == QT_FILE ? !v.document_sha256 || !qa_has_document(app, v.document_sha256) : v.n == 0) return 0;
    Atsbridge__V1__MappedAnswer *a = calloc(1, sizeof *a);
    if (!a) return -1;
    atsbridge__v1__mapped_answer__init(a);
    a->ats_field_id = strdup(q->ats_field_id);
    a->type = strdup(qs_type_name(q->type));
    a->document_sha256 = strdup(q->type == QT_FILE ? v.document_sha256 : "");
    if (!a->ats_field_id || !a->type || !a->document_sha256) goto oom;
    if (q->type != QT_FILE) {
        a->values = calloc(v.n, sizeof *a->values);
        if (!a->values) goto oom;
        for (size_t i = 0; i < v.n; i++) {
            char buf[16];
            const char *x = ats_value(set, q, v.values[i], buf, sizeof buf);
            if (!x) continue;
            if (!(a->values[a->n_values] = strdup(x))) goto oom;
            a->n_values++;
        }
    }
    *out = a;
    return 0;
oom:
    item_free(a);
    return -1;
}

int questions_map(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, qm_mapped *out) {
    out->items = calloc(set->n ? set->n : 1, sizeof *out->items);
    out->n = 0;
    if (!out->items) return -1;
    for (size_t i = 0; i < set->n; i++) {
        Atsbridge__V1__MappedAnswer *a;
        if (map_one(app, set, &set->q[i], &a)) {
            qm_mapped_free(out);
            return -1;
        }
        if (a) out->items[out->n++] = a;
    }
    return 0;
}
