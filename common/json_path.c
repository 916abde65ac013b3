#include "json_path.h"

#include <stdlib.h>
#include <string.h>

json_object *json_path(json_object *o, const char *path) {
    char seg[128];
    const char *p = path;
    while (o && *p) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof seg) return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        p += n;
        if (*p == '.') p++;
        if (json_object_is_type(o, json_type_array)) {
            char *end = NULL;
            long idx = strtol(seg, &end, 10);
            if (end == seg || *end || idx < 0 || (size_t)idx >= json_object_array_length(o)) return NULL;
            o = json_object_array_get_idx(o, (size_t)idx);
        } else if (json_object_is_type(o, json_type_object)) {
            json_object *v = NULL;
            if (!json_object_object_get_ex(o, seg, &v)) return NULL;
            o = v;
        } else {
            return NULL;
        }
    }
    return o;
}
