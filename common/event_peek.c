#include "event_peek.h"

#include <string.h>

#define TYPE_FIELD 4

/* A base-128 varint at *p (before end) into *v; advances *p. 0, or -1 when
 * truncated or longer than 10 bytes. */
static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

int event_type_is(const uint8_t *msg, size_t len, const char *type) {
    const uint8_t *p = msg, *end = msg + len, *found = NULL;
    uint64_t found_len = 0;
    while (p < end) {
        uint64_t tag, n;
        if (varint(&p, end, &tag) || (tag >> 3) == 0) return 0;
        switch (tag & 7) {
        case 0: /* varint */
            if (varint(&p, end, &n)) return 0;
            break;
        case 1: /* 64-bit */
            if (end - p < 8) return 0;
            p += 8;
            break;
        case 2: /* length-delimited */
            if (varint(&p, end, &n) || n > (uint64_t)(end - p)) return 0;
            if ((tag >> 3) == TYPE_FIELD) {
                found = p;
                found_len = n;
            }
            p += n;
            break;
        case 5: /* 32-bit */
            if (end - p < 4) return 0;
            p += 4;
            break;
        default: /* groups and invalid wire types: not a message we decode */
            return 0;
        }
    }
    /* As strcmp on the decoded field reads it: absent is "", and the string
     * ends at a NUL byte. */
    size_t want = strlen(type);
    if (!found) return want == 0;
    return found_len >= want && !memcmp(found, type, want) && (found_len == want || found[want] == 0);
}
