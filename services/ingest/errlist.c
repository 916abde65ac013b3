#include "errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void errlist_add(errlist *e, int status, const char *field, const char *code, const char *fmt, ...) {
    if (e->n >= ERRLIST_MAX) {
        e->dropped++;
        return;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        errlist_item *v = realloc(e->items, cap * sizeof *v);
        if (!v) {
            e->dropped++;
            return;
        }
        e->items = v;
        e->cap = cap;
    }
    errlist_item *it = &e->items[e->n++];
    it->status = status;
    snprintf(it->field, sizeof it->field, "%s", field ? field : "");
    snprintf(it->code, sizeof it->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
}

size_t errlist_count(const errlist *e, int status) {
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++)
        if (e->items[i].status == status) n++;
    return n;
}

int errlist_status(const errlist *e) {
    static const int order[] = {400, 413, 422};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (errlist_count(e, order[i])) return order[i];
    if (e->n) return 422;
    return e->dropped ? 422 : 0;
}

json_object *errlist_json(const errlist *e, int status) {
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < e->n; i++) {
        const errlist_item *it = &e->items[i];
        if (it->status != status) continue;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "field", json_object_new_string(it->field));
        json_object_object_add(o, "code", json_object_new_string(it->code));
        json_object_object_add(o, "message", json_object_new_string(it->message));
        json_object_array_add(a, o);
    }
    return a;
}

void errlist_free(errlist *e) {
    free(e->items);
    e->items = NULL;
    e->n = e->cap = e->dropped = 0;
}
