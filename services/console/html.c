#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(html_buf *b, size_t n) {
    if (b->failed) return -1;
    if (n > HTML_MAX || b->len + n + 1 > HTML_MAX) {
        b->failed = 1;
        return -1;
    }
    if (b->len + n + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1) cap *= 2;
    if (cap > HTML_MAX) cap = HTML_MAX;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void html_rawn(html_buf *b, const char *s, size_t n) {
    if (!s || reserve(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void html_raw(html_buf *b, const char *s) {
    if (s) html_rawn(b, s, strlen(s));
}

void html_rawf(html_buf *b, const char *fmt, ...) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->failed = 1;
        return;
    }
    html_rawn(b, tmp, (size_t)n);
}

/* The replacement of one byte, NULL when it is kept. */
static const char *entity(unsigned char c) {
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    case '\t':
    case '\n':
    case '\r': return NULL;
    default: return c < 0x20 || c == 0x7f ? "\xef\xbf\xbd" : NULL;
    }
}

size_t html_escape(const char *s, size_t n, char *out, size_t outlen) {
    size_t need = 0, pos = 0;
    int fits = outlen > 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = entity((unsigned char)s[i]);
        size_t el = e ? strlen(e) : 1;
        /* Whole replacements only: a truncated answer never ends in half an entity. */
        if (fits && pos + el < outlen) {
            memcpy(out + pos, e ? e : s + i, el);
            pos += el;
        } else {
            fits = 0;
        }
        need += el;
    }
    if (outlen) out[pos] = '\0';
    return need;
}

void html_textn(html_buf *b, const char *s, size_t n) {
    if (!s) return;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = entity((unsigned char)s[i]);
        if (!e) continue;
        html_rawn(b, s + start, i - start);
        html_raw(b, e);
        start = i + 1;
    }
    html_rawn(b, s + start, n - start);
}

void html_text(html_buf *b, const char *s) {
    if (s) html_textn(b, s, strlen(s));
}

void html_url(html_buf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    if (!s) return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            html_rawn(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            html_rawn(b, e, 3);
        }
    }
}

char *html_take(html_buf *b, size_t *len) {
    if (b->failed || reserve(b, 0)) {
        html_free(b);
        return NULL;
    }
    char *p = b->p;
    *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

void html_free(html_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}
