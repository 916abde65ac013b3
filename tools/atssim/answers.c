#include "answers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int empty(json_object *v) {
    if (!v) return 1;
    if (json_object_is_type(v, json_type_string)) return json_object_get_string_len(v) == 0;
    if (json_object_is_type(v, json_type_array)) return json_object_array_length(v) == 0;
    return 0;
}

static int is_option(json_object *options, const char *const *keys, json_object *v) {
    if (!json_object_is_type(v, json_type_string)) return 0;
    const char *s = json_object_get_string(v);
    size_t n = options && json_object_is_type(options, json_type_array) ? json_object_array_length(options) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *opt = json_object_array_get_idx(options, i);
        for (const char *const *k = keys; *k; k++) {
            json_object *x;
            if (json_object_object_get_ex(opt, *k, &x) && json_object_is_type(x, json_type_string) &&
                !strcmp(json_object_get_string(x), s))
                return 1;
        }
    }
    return 0;
}

static int is_number(json_object *v) {
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) return 1;
    if (!json_object_is_type(v, json_type_string)) return 0;
    const char *s = json_object_get_string(v);
    char *end = NULL;
    strtod(s, &end);
    return end != s && *end == '\0' && !isspace((unsigned char)*s);
}

static int is_date(json_object *v) {
    if (json_object_is_type(v, json_type_int)) return json_object_get_int64(v) >= 0;
    if (!json_object_is_type(v, json_type_string)) return 0;
    const char *s = json_object_get_string(v);
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return 0;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static int is_bool(json_object *v) {
    if (json_object_is_type(v, json_type_boolean)) return 1;
    if (!json_object_is_type(v, json_type_string)) return 0;
    const char *s = json_object_get_string(v);
    return !strcasecmp(s, "yes") || !strcasecmp(s, "no") || !strcasecmp(s, "true") ||
           !strcasecmp(s, "false");
}

const char *answers_check(answers_kind kind, int required, json_object *options,
                          const char *const *option_keys, json_object *value,
                          int (*file_ok)(const char *ref, void *ctx), void *ctx) {
    if (kind == ANSWERS_INFO) return NULL;
    if (empty(value)) return required ? "required" : NULL;
    switch (kind) {
    case ANSWERS_TEXT:
        return json_object_is_type(value, json_type_string) ? NULL : "not_text";
    case ANSWERS_NUMBER:
        return is_number(value) ? NULL : "not_a_number";
    case ANSWERS_DATE:
        return is_date(value) ? NULL : "not_a_date";
    case ANSWERS_BOOL:
        return is_bool(value) ? NULL : "not_yes_no";
    case ANSWERS_SINGLE:
        return is_option(options, option_keys, value) ? NULL : "not_an_option";
    case ANSWERS_MULTI: {
        if (!json_object_is_type(value, json_type_array)) return "not_a_list";
        size_t n = json_object_array_length(value);
        for (size_t i = 0; i < n; i++)
            if (!is_option(options, option_keys, json_object_array_get_idx(value, i))) return "not_an_option";
        return NULL;
    }
    case ANSWERS_FILE:
        if (!json_object_is_type(value, json_type_string)) return "not_a_file";
        return !file_ok || file_ok(json_object_get_string(value), ctx) ? NULL : "unknown_file";
    case ANSWERS_INFO:
    case ANSWERS_UNKNOWN:
        break;
    }
    return NULL;
}
