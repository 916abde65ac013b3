#include "multipart.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int multipart_boundary(const char *content_type, char *out, size_t outlen) {
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0) return -1;
    const char *p = strcasestr(content_type, "boundary=");
    if (!p) return -1;
    p += 9;
    size_t n;
    if (*p == '"') {
        p++;
        const char *q = strchr(p, '"');
        if (!q) return -1;
        n = (size_t)(q - p);
    } else {
        n = strcspn(p, "; \t");
    }
    if (n == 0 || n > 70 || n + 1 > outlen) return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 0;
}

/* Copies the value of param (name= or filename=) from a Content-Disposition
 * header line [h, end) into out. Returns 1 when found. */
static int disposition_param(const char *h, const char *end, const char *param, char *out,
                             size_t outlen) {
    size_t plen = strlen(param);
    for (const char *p = h; p + plen < end; p++) {
        if (strncasecmp(p, param, plen) != 0) continue;
        if (p != h && (isalnum((unsigned char)p[-1]) || p[-1] == '*')) continue; /* "filename" vs "name" */
        const char *v = p + plen;
        size_t n;
        if (v < end && *v == '"') {
            v++;
            const char *q = memchr(v, '"', (size_t)(end - v));
            if (!q) return 0;
            n = (size_t)(q - v);
        } else {
            const char *q = v;
            while (q < end && *q != ';' && *q != ' ' && *q != '\t') q++;
            n = (size_t)(q - v);
        }
        if (n + 1 > outlen) n = outlen - 1;
        memcpy(out, v, n);
        out[n] = '\0';
        for (char *c = out; *c; c++)
            if (*c == '\r' || *c == '\n') *c = ' ';
        return 1;
    }
    return 0;
}

static int parse_headers(const char *h, const char *end, multipart_part *part) {
    int have_disposition = 0;
    while (h < end) {
        const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
        if (!eol) eol = end;
        if (eol - h > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
            const char *v = h + 20;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            if ((size_t)(eol - v) < 9 || strncasecmp(v, "form-data", 9) != 0) return -1;
            if (!disposition_param(v, eol, "name=", part->name, sizeof part->name)) return -1;
            part->is_file =
                disposition_param(v, eol, "filename=", part->filename, sizeof part->filename);
            have_disposition = 1;
        } else if (eol - h > 13 && strncasecmp(h, "Content-Type:", 13) == 0) {
            const char *v = h + 13;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            size_t n = (size_t)(eol - v);
            if (n + 1 > sizeof part->content_type) n = sizeof part->content_type - 1;
            memcpy(part->content_type, v, n);
            part->content_type[n] = '\0';
        }
        h = eol + 2;
    }
    return have_disposition && part->name[0] ? 0 : -1;
}

int multipart_parse(const char *body, size_t len, const char *boundary, multipart_form *out) {
    out->parts = NULL;
    out->n = 0;
    char delim[80];
    size_t blen = strlen(boundary);
    if (blen == 0 || blen > 70) return -1;
    delim[0] = '\r';
    delim[1] = '\n';
    delim[2] = '-';
    delim[3] = '-';
    memcpy(delim + 4, boundary, blen);
    size_t dlen = blen + 4;
    const char *end = body + len;
    /* The first delimiter may come without the leading CRLF. */
    const char *p;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        p = body + dlen - 2;
    } else {
        p = memmem(body, len, delim, dlen);
        if (!p) return -1;
        p += dlen;
    }
    out->parts = calloc(MULTIPART_MAX_PARTS, sizeof *out->parts);
    if (!out->parts) return -2;
    for (;;) {
        /* After a delimiter: "--" closes, CRLF opens a part. */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return 0;
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') goto bad;
        p += 2;
        /* Search from the CRLF just consumed so a part without headers is seen. */
        const char *hend = memmem(p - 2, (size_t)(end - p + 2), "\r\n\r\n", 4);
        if (!hend) goto bad;
        const char *data = hend + 4;
        if (out->n == MULTIPART_MAX_PARTS) goto bad;
        multipart_part *part = &out->parts[out->n];
        if (parse_headers(p, hend < p ? p : hend, part) != 0) goto bad;
        const char *next = memmem(data, (size_t)(end - data), delim, dlen);
        if (!next) goto bad;
        part->data = data;
        part->len = (size_t)(next - data);
        out->n++;
        p = next + dlen;
    }
bad:
    multipart_free(out);
    return -1;
}

const multipart_part *multipart_get(const multipart_form *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->parts[i].name, name)) return &f->parts[i];
    return NULL;
}

void multipart_free(multipart_form *f) {
    free(f->parts);
    f->parts = NULL;
    f->n = 0;
}
