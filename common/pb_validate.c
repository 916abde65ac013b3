#include "pb_validate.h"

#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int check(const ProtobufCMessage *m, const pb_limits *lim, int depth, const char *path, char *why,
                 size_t len);

static int bad(char *why, size_t len, const char *path, const char *name, const char *reason) {
    snprintf(why, len, "%s%s%s: %s", path, *path && *name ? "." : "", name, reason);
    return -1;
}

static int check_string(const char *s, const pb_limits *lim, const char *path, const char *name, char *why,
                        size_t len) {
    if (!s) return 0;
    size_t n = strnlen(s, lim->max_string + 1);
    if (n > lim->max_string) return bad(why, len, path, name, "too long");
    if (!utf8_valid(s, n)) return bad(why, len, path, name, "not valid UTF-8");
    return 0;
}

/* One field's value (or one element of a repeated field) at p. */
static int check_value(const ProtobufCFieldDescriptor *f, const void *p, const pb_limits *lim, int depth,
                       const char *path, char *why, size_t len) {
    if (f->type == PROTOBUF_C_TYPE_STRING) return check_string(*(char *const *)p, lim, path, f->name, why, len);
    if (f->type != PROTOBUF_C_TYPE_MESSAGE) return 0;
    const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
    if (!sub) return 0;
    char sub_path[256];
    snprintf(sub_path, sizeof sub_path, "%s%s%s", path, *path ? "." : "", f->name);
    return check(sub, lim, depth + 1, sub_path, why, len);
}

static int check(const ProtobufCMessage *m, const pb_limits *lim, int depth, const char *path, char *why,
                 size_t len) {
    if (depth > lim->max_depth) return bad(why, len, path, "", "nested too deep");
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m + f->offset;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF &&
            *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
            continue; /* another member of the oneof is set */
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (check_value(f, base, lim, depth, path, why, len)) return -1;
            continue;
        }
        size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
        if (n > lim->max_repeated) return bad(why, len, path, f->name, "too many elements");
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
        const void *const *arr = *(const void *const *const *)base;
        for (size_t k = 0; k < n; k++)
            if (check_value(f, &arr[k], lim, depth, path, why, len)) return -1;
    }
    return 0;
}

int pb_validate(const ProtobufCMessage *m, const pb_limits *lim, char *why, size_t len) {
    if (len) why[0] = '\0';
    return m ? check(m, lim, 0, "", why, len) : 0;
}
