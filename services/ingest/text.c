#include "text.h"

#include <stdio.h>
#include <string.h>

static int atext(unsigned char c) {
    if (c >= 0x80) return 1; /* UTF-8 (RFC 6531); validity is checked elsewhere */
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    return strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL && c != '\0';
}

static int label_char(unsigned char c) {
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

int text_email_valid(const char *s) {
    size_t len = strlen(s);
    const char *at = strrchr(s, '@');
    if (len > 254 || !at) return 0;
    size_t local = (size_t)(at - s);
    if (local < 1 || local > 64 || s[0] == '.' || at[-1] == '.') return 0;
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.') return 0;
            continue;
        }
        if (!atext(c)) return 0;
    }
    const char *d = at + 1;
    int labels = 0;
    while (*d) {
        size_t n = 0;
        while (d[n] && d[n] != '.') {
            if (!label_char((unsigned char)d[n])) return 0;
            n++;
        }
        if (n < 1 || n > 63 || d[0] == '-' || d[n - 1] == '-') return 0;
        labels++;
        d += n;
        if (*d == '.') {
            d++;
            if (!*d) return 0; /* trailing dot */
        }
    }
    return labels >= 2;
}

int text_is_ident(const char *s, size_t maxlen) {
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= maxlen) return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return 0;
    }
    return n > 0;
}

void text_sanitize_filename(const char *in, char *out, size_t outlen) {
    if (outlen == 0) return;
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    size_t o = 0;
    for (const char *p = base; *p && o + 1 < outlen; p++) {
        unsigned char c = (unsigned char)*p;
        out[o++] = (c < 0x20 || c == 0x7f || c == '"') ? '_' : (char)c;
    }
    /* Do not end inside a multi-byte sequence. */
    while (o > 0 && ((unsigned char)out[o - 1] & 0x80)) {
        size_t start = o - 1;
        while (start > 0 && ((unsigned char)out[start] & 0xc0) == 0x80) start--;
        unsigned char lead = (unsigned char)out[start];
        size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (o - start == need) break;
        o = start;
    }
    out[o] = '\0';
    if (o == 0 || !strcmp(out, ".") || !strcmp(out, "..")) snprintf(out, outlen, "document");
}
