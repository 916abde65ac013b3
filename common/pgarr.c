#include "pgarr.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pgarr_init(pgarr *a) { memset(a, 0, sizeof *a); }

/* Makes room for need more bytes plus the closing "}\0". Sets oom on failure. */
static int reserve(pgarr *a, size_t need) {
    if (a->oom) return -1;
    if (a->len + need + 2 <= a->cap) return 0;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + need + 2) cap *= 2;
    char *b = realloc(a->buf, cap);
    if (!b) {
        a->oom = 1;
        return -1;
    }
    a->buf = b;
    a->cap = cap;
    return 0;
}

static void put(pgarr *a, const char *s, size_t n) {
    memcpy(a->buf + a->len, s, n);
    a->len += n;
}

static int open_element(pgarr *a) {
    if (reserve(a, 1)) return -1;
    put(a, a->n ? "," : "{", 1);
    a->n++;
    return 0;
}

void pgarr_add(pgarr *a, const char *s, int empty_is_null) {
    if (open_element(a)) return;
    if (!s || (empty_is_null && !*s)) {
        if (reserve(a, 4) == 0) put(a, "NULL", 4);
        return;
    }
    /* Worst case every byte escaped, plus the quotes. */
    size_t n = strlen(s);
    if (reserve(a, 2 * n + 2)) return;
    put(a, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') a->buf[a->len++] = '\\';
        a->buf[a->len++] = *p;
    }
    put(a, "\"", 1);
}

void pgarr_add_int(pgarr *a, int64_t v) {
    char num[32];
    int n = snprintf(num, sizeof num, "%" PRId64, v);
    if (open_element(a) || reserve(a, (size_t)n)) return;
    put(a, num, (size_t)n);
}

const char *pgarr_text(pgarr *a) {
    if (a->n == 0) {
        if (reserve(a, 1)) return NULL;
        memcpy(a->buf, "{}", 3);
        return a->buf;
    }
    if (a->oom) return NULL;
    /* reserve() always leaves room for the closing brace and NUL. */
    a->buf[a->len] = '}';
    a->buf[a->len + 1] = '\0';
    return a->buf;
}

void pgarr_reset(pgarr *a) {
    a->len = 0;
    a->n = 0;
    a->oom = 0;
}

void pgarr_free(pgarr *a) {
    free(a->buf);
    memset(a, 0, sizeof *a);
}
