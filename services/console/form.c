#include "form.h"

#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into out (NUL-terminated); returns the decoded length or
 * -1 on a bad escape. */
static long decode(const char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= n) return -1;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return -1;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return (long)o;
}

static int text_ok(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return 0;
    }
    return utf8_valid(s, n);
}

form_result form_parse(const char *body, size_t len, form *f) {
    memset(f, 0, sizeof *f);
    if (len > FORM_MAX_BODY) return FORM_TOO_LARGE;
    /* Decoded text never grows: one byte per input byte plus a NUL per part. */
    f->buf = malloc(len * 2 + 2);
    if (!f->buf) return FORM_NO_MEMORY;
    f->cap = len * 2 + 2;
    form_result rc = FORM_OK;
    size_t pos = 0, i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end > i) {
            if (f->n == FORM_MAX_FIELDS) {
                rc = FORM_TOO_MANY;
                goto fail;
            }
            size_t eq = i;
            while (eq < end && body[eq] != '=') eq++;
            char *name = f->buf + pos;
            long nl = decode(body + i, eq - i, name);
            if (nl < 0) {
                rc = FORM_BAD_ENCODING;
                goto fail;
            }
            pos += (size_t)nl + 1;
            char *value = f->buf + pos;
            long vl = eq < end ? decode(body + eq + 1, end - eq - 1, value) : (value[0] = '\0', 0);
            if (vl < 0) {
                rc = FORM_BAD_ENCODING;
                goto fail;
            }
            pos += (size_t)vl + 1;
            if (!text_ok(name, (size_t)nl) || !text_ok(value, (size_t)vl)) {
                rc = FORM_BAD_TEXT;
                goto fail;
            }
            f->name[f->n] = name;
            f->value[f->n] = value;
            f->n++;
        }
        i = end + 1;
    }
    return FORM_OK;
fail:
    form_free(f);
    return rc;
}

void form_free(form *f) {
    if (f->buf) explicit_bzero(f->buf, f->cap);
    free(f->buf);
    memset(f, 0, sizeof *f);
}

const char *form_get(const form *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->name[i], name)) return f->value[i];
    return NULL;
}

size_t form_count(const form *f, const char *name) {
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++) k += !strcmp(f->name[i], name);
    return k;
}
