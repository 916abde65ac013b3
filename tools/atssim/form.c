#include "form.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into a new string. Returns 0, -1 on a malformed escape
 * or NUL byte, -2 when out of memory. */
static int decode(const char *s, size_t len, char **out) {
    char *d = malloc(len + 1);
    if (!d) return -2;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            d[o++] = ' ';
            continue;
        }
        if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) goto bad;
            d[o++] = (char)(hi * 16 + lo);
            i += 2;
            continue;
        }
        if (c == '\0') goto bad;
        d[o++] = c;
    }
    d[o] = '\0';
    *out = d;
    return 0;
bad:
    free(d);
    return -1;
}

int form_parse(const char *s, size_t len, form_data *out) {
    out->fields = NULL;
    out->n = 0;
    size_t cap = 0;
    size_t i = 0;
    int rc = 0;
    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - s) : len;
        if (end > i) {
            const char *eq = memchr(s + i, '=', end - i);
            size_t nend = eq ? (size_t)(eq - s) : end;
            if (out->n == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                form_field *f = realloc(out->fields, ncap * sizeof *f);
                if (!f) {
                    rc = -2;
                    goto fail;
                }
                out->fields = f;
                cap = ncap;
            }
            form_field *f = &out->fields[out->n];
            f->name = f->value = NULL;
            rc = decode(s + i, nend - i, &f->name);
            if (rc) goto fail;
            rc = eq ? decode(eq + 1, end - nend - 1, &f->value) : decode("", 0, &f->value);
            if (rc) {
                free(f->name);
                goto fail;
            }
            out->n++;
        }
        i = end + 1;
    }
    return 0;
fail:
    form_free(out);
    return rc;
}

const char *form_get(const form_data *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->fields[i].name, name)) return f->fields[i].value;
    return NULL;
}

void form_free(form_data *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    f->fields = NULL;
    f->n = 0;
}
