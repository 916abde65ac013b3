/* common: json_bounded_scan and json_bounded_parse over any bytes, under the
 * default, the response and a tiny set of limits. Whatever json-c builds
 * from a text the scanner let through must stay within the limits (values,
 * depth, string bytes), the scanner and the parser must agree on every
 * limit, and a refused text must leave nothing behind; any breach aborts. */
#include "fuzz.h"
#include "json_bounded.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t values, depth, longest;
} tree_size;

/* Walks what json-c built: values (keys too), the deepest nesting of
 * containers, the longest string or key. */
static void measure(json_object *o, size_t depth, tree_size *t) {
    t->values++;
    if (json_object_is_type(o, json_type_object)) {
        if (depth + 1 > t->depth) t->depth = depth + 1;
        json_object_object_foreach(o, k, v) {
            t->values++;
            if (strlen(k) > t->longest) t->longest = strlen(k);
            measure(v, depth + 1, t);
        }
    } else if (json_object_is_type(o, json_type_array)) {
        if (depth + 1 > t->depth) t->depth = depth + 1;
        for (size_t i = 0; i < json_object_array_length(o); i++) measure(json_object_array_get_idx(o, i), depth + 1, t);
    } else if (json_object_is_type(o, json_type_string)) {
        size_t n = (size_t)json_object_get_string_len(o);
        if (n > t->longest) t->longest = n;
    }
}

static void one(const char *text, size_t len, const json_limits *lim) {
    json_bounded_error e1, e2;
    json_object *o = NULL;
    json_bounded_status scanned = json_bounded_scan(text, len, lim, &e1);
    json_bounded_status parsed = json_bounded_parse(text, len, lim, &o, &e2);
    if (scanned != JSON_BOUNDED_OK && (parsed != scanned || e1.offset != e2.offset)) abort();
    if (scanned == JSON_BOUNDED_OK && json_bounded_is_limit(parsed)) abort();
    if (parsed != JSON_BOUNDED_OK) {
        if (o || !e2.message[0] || e2.offset > len) abort();
        return;
    }
    tree_size t = {0, 0, 0};
    measure(o, 0, &t);
    if (t.values > lim->max_values || t.depth > lim->max_depth || t.longest > lim->max_string) abort();
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const json_limits tiny = {.max_values = 16, .max_depth = 4, .max_string = 8};
    const char *text = (const char *)data;
    one(text, size, &JSON_LIMITS_DEFAULT);
    one(text, size, &JSON_LIMITS_RESPONSE);
    one(text, size, &tiny);
    return 0;
}
