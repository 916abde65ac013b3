#include "model.h"

#include "json_bounded.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[] = {
    [QT_TEXT] = "TEXT",
    [QT_TEXTAREA] = "TEXTAREA",
    [QT_NUMBER] = "NUMBER",
    [QT_BOOLEAN] = "BOOLEAN",
    [QT_DATE] = "DATE",
    [QT_SINGLE_SELECT] = "SINGLE_SELECT",
    [QT_MULTI_SELECT] = "MULTI_SELECT",
    [QT_FILE] = "FILE",
    [QT_INFORMATION] = "INFORMATION",
};

#define NTYPES (sizeof type_names / sizeof type_names[0])

const char *qs_type_name(qs_type t) { return (size_t)t < NTYPES ? type_names[t] : "TEXT"; }

int qs_type_parse(const char *name, qs_type *t) {
    for (size_t i = 0; name && i < NTYPES; i++)
        if (!strcmp(type_names[i], name)) {
            *t = (qs_type)i;
            return 0;
        }
    return -1;
}

void qs_set_init(qs_set *s) { memset(s, 0, sizeof *s); }

static void question_free(qs_question *q) {
    free(q->id);
    free(q->ats_field_id);
    free(q->section);
    free(q->label);
    free(q->description);
    free(q->ats_type);
    free(q->candidate_field);
    free(q->document_kind);
    for (size_t i = 0; i < q->noptions; i++) {
        free(q->options[i].id);
        free(q->options[i].label);
    }
    free(q->options);
}

void qs_set_free(qs_set *s) {
    for (size_t i = 0; i < s->n; i++) question_free(&s->q[i]);
    free(s->q);
    free(s->posting_id);
    free(s->title);
    qs_set_init(s);
}

int qs_set_str(char **member, const char *v) {
    char *c = NULL;
    if (v && !(c = strdup(v))) return -1;
    free(*member);
    *member = c;
    return 0;
}

qs_question *qs_set_add(qs_set *s, const char *id, const char *ats_field_id, const char *section,
                        const char *label, qs_type type, int required) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        qs_question *q = realloc(s->q, cap * sizeof *q);
        if (!q) return NULL;
        s->q = q;
        s->cap = cap;
    }
    qs_question *q = &s->q[s->n];
    memset(q, 0, sizeof *q);
    q->id = strdup(id ? id : "");
    q->ats_field_id = strdup(ats_field_id ? ats_field_id : "");
    q->section = strdup(section ? section : "custom");
    q->label = strdup(label ? label : "");
    q->type = type;
    q->required = required ? 1 : 0;
    if (!q->id || !q->ats_field_id || !q->section || !q->label) {
        question_free(q);
        return NULL;
    }
    s->n++;
    return q;
}

int qs_question_add_option(qs_question *q, const char *id, const char *label) {
    qs_option *o = realloc(q->options, (q->noptions + 1) * sizeof *o);
    if (!o) return -1;
    q->options = o;
    char *i = strdup(id ? id : ""), *l = strdup(label ? label : (id ? id : ""));
    if (!i || !l) {
        free(i);
        free(l);
        return -1;
    }
    o[q->noptions].id = i;
    o[q->noptions].label = l;
    q->noptions++;
    return 0;
}

const qs_question *qs_set_find(const qs_set *s, const char *id) {
    for (size_t i = 0; id && i < s->n; i++)
        if (!strcmp(s->q[i].id, id)) return &s->q[i];
    return NULL;
}

static void add_str(json_object *o, const char *k, const char *v) {
    if (v) json_object_object_add(o, k, json_object_new_string(v));
}

json_object *qs_set_to_json(const qs_set *s) {
    json_object *o = json_object_new_object();
    json_object *arr = json_object_new_array();
    if (!o || !arr) goto oom;
    add_str(o, "ats", s->ats);
    add_str(o, "posting_id", s->posting_id ? s->posting_id : "");
    add_str(o, "title", s->title);
    json_object_object_add(o, "closed", json_object_new_boolean(s->closed));
    json_object_object_add(o, "is_test", json_object_new_boolean(s->is_test));
    for (size_t i = 0; i < s->n; i++) {
        const qs_question *q = &s->q[i];
        json_object *j = json_object_new_object();
        if (!j) goto oom;
        json_object_array_add(arr, j);
        add_str(j, "id", q->id);
        add_str(j, "ats_field_id", q->ats_field_id);
        add_str(j, "section", q->section);
        add_str(j, "label", q->label);
        add_str(j, "description", q->description);
        add_str(j, "type", qs_type_name(q->type));
        json_object_object_add(j, "required", json_object_new_boolean(q->required));
        add_str(j, "ats_type", q->ats_type);
        add_str(j, "candidate_field", q->candidate_field);
        add_str(j, "document_kind", q->document_kind);
        if (q->type == QT_SINGLE_SELECT || q->type == QT_MULTI_SELECT || q->noptions) {
            json_object *opts = json_object_new_array();
            if (!opts) goto oom;
            json_object_object_add(j, "options", opts);
            for (size_t k = 0; k < q->noptions; k++) {
                json_object *x = json_object_new_object();
                if (!x) goto oom;
                add_str(x, "id", q->options[k].id);
                add_str(x, "label", q->options[k].label);
                json_object_array_add(opts, x);
            }
        }
    }
    json_object_object_add(o, "questions", arr);
    return o;
oom:
    json_object_put(arr);
    json_object_put(o);
    return NULL;
}

json_object *qs_jparse(const char *text) {
    json_object *o = NULL;
    if (!text || json_bounded_parse(text, strlen(text), &JSON_LIMITS_RESPONSE, &o, NULL) != JSON_BOUNDED_OK)
        return NULL;
    return o;
}

const char *qs_jstr(json_object *o, const char *key) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

const char *qs_jscalar(json_object *o, const char *key, char *buf, size_t len) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) || !v)
        return NULL;
    switch (json_object_get_type(v)) {
    case json_type_string:
        snprintf(buf, len, "%s", json_object_get_string(v));
        return buf;
    case json_type_int:
        snprintf(buf, len, "%" PRId64, json_object_get_int64(v));
        return buf;
    case json_type_double:
    case json_type_boolean:
        snprintf(buf, len, "%s", json_object_get_string(v));
        return buf;
    default:
        return NULL;
    }
}

int qs_jbool(json_object *o, const char *key, int def) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) || !v)
        return def;
    if (json_object_is_type(v, json_type_boolean)) return json_object_get_boolean(v);
    if (json_object_is_type(v, json_type_int)) return json_object_get_int64(v) != 0;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")) return 1;
        if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")) return 0;
    }
    return def;
}

int qs_set_from_json(json_object *o, qs_set *out) {
    qs_set_init(out);
    json_object *arr;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "questions", &arr) ||
        !json_object_is_type(arr, json_type_array))
        goto bad;
    snprintf(out->ats, sizeof out->ats, "%s", qs_jstr(o, "ats") ? qs_jstr(o, "ats") : "");
    if (qs_set_str(&out->posting_id, qs_jstr(o, "posting_id") ? qs_jstr(o, "posting_id") : "") ||
        qs_set_str(&out->title, qs_jstr(o, "title")))
        goto bad;
    out->closed = qs_jbool(o, "closed", 0);
    out->is_test = qs_jbool(o, "is_test", 0);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *j = json_object_array_get_idx(arr, i);
        qs_type t;
        if (!qs_jstr(j, "id") || qs_type_parse(qs_jstr(j, "type"), &t)) goto bad;
        qs_question *q = qs_set_add(out, qs_jstr(j, "id"), qs_jstr(j, "ats_field_id"), qs_jstr(j, "section"),
                                    qs_jstr(j, "label"), t, qs_jbool(j, "required", 0));
        if (!q || qs_set_str(&q->description, qs_jstr(j, "description")) ||
            qs_set_str(&q->ats_type, qs_jstr(j, "ats_type")) ||
            qs_set_str(&q->candidate_field, qs_jstr(j, "candidate_field")) ||
            qs_set_str(&q->document_kind, qs_jstr(j, "document_kind")))
            goto bad;
        json_object *opts;
        if (json_object_object_get_ex(j, "options", &opts) && json_object_is_type(opts, json_type_array))
            for (size_t k = 0; k < json_object_array_length(opts); k++) {
                json_object *x = json_object_array_get_idx(opts, k);
                if (!qs_jstr(x, "id") || qs_question_add_option(q, qs_jstr(x, "id"), qs_jstr(x, "label")))
                    goto bad;
            }
    }
    return 0;
bad:
    qs_set_free(out);
    return -1;
}
