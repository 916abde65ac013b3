#include "multipart.h"

#include "text.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Skips "; " separators; returns the position after them. */
static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    return p;
}

static int tchar(char c) {
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* Parses `; name=value` parameters of a header value (value a token or a
 * quoted-string with backslash escapes) and calls back for each. Returns 0,
 * or -1 on a syntax error. */
typedef int (*param_fn)(const char *name, size_t nlen, const char *val, size_t vlen, void *ud);

static int parse_params(const char *p, const char *end, param_fn fn, void *ud) {
    char val[1024];
    for (;;) {
        p = skip_ws(p, end);
        if (p == end) return 0;
        if (*p != ';') return -1;
        p = skip_ws(p + 1, end);
        if (p == end) return 0; /* tolerate a trailing ';' */
        const char *name = p;
        while (p < end && tchar(*p)) p++;
        size_t nlen = (size_t)(p - name);
        if (nlen == 0) return -1;
        p = skip_ws(p, end);
        if (p == end || *p != '=') return -1;
        p = skip_ws(p + 1, end);
        size_t vlen = 0;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p == end) return -1;
                if (*p == '"') {
                    p++;
                    break;
                }
                if (*p == '\\' && p + 1 < end) p++;
                if (vlen + 1 >= sizeof val) return -1;
                val[vlen++] = *p++;
            }
        } else {
            const char *v = p;
            while (p < end && *p != ';' && *p != ' ' && *p != '\t') p++;
            vlen = (size_t)(p - v);
            if (vlen == 0 || vlen >= sizeof val) return -1;
            memcpy(val, v, vlen);
        }
        val[vlen] = '\0';
        if (fn(name, nlen, val, vlen, ud)) return -1;
    }
}

typedef struct {
    char *boundary;
    size_t cap;
    int found;
} boundary_ud;

static int on_boundary(const char *name, size_t nlen, const char *val, size_t vlen, void *vud) {
    boundary_ud *ud = vud;
    if (nlen == 8 && !strncasecmp(name, "boundary", 8)) {
        if (vlen == 0 || vlen > 70 || vlen >= ud->cap) return -1;
        memcpy(ud->boundary, val, vlen + 1);
        ud->found = 1;
    }
    return 0;
}

int multipart_boundary(const char *content_type, char *out, size_t outlen) {
    static const char mt[] = "multipart/form-data";
    if (!content_type || outlen == 0) return -1;
    const char *end = content_type + strlen(content_type);
    const char *p = skip_ws(content_type, end);
    if ((size_t)(end - p) < sizeof mt - 1 || strncasecmp(p, mt, sizeof mt - 1) != 0) return -1;
    p += sizeof mt - 1;
    boundary_ud ud = {out, outlen, 0};
    if (parse_params(p, end, on_boundary, &ud) || !ud.found) return -1;
    return 0;
}

typedef struct {
    char *name;
    char *filename;
} disposition_ud;

static int on_disposition(const char *name, size_t nlen, const char *val, size_t vlen, void *vud) {
    disposition_ud *ud = vud;
    char **slot = NULL;
    if (nlen == 4 && !strncasecmp(name, "name", 4)) slot = &ud->name;
    else if (nlen == 8 && !strncasecmp(name, "filename", 8)) slot = &ud->filename;
    if (!slot) return 0; /* other parameters (filename*, ...) are ignored */
    if (!utf8_valid(val, vlen) || memchr(val, '\0', vlen)) return -1;
    free(*slot);
    *slot = strndup(val, vlen);
    return *slot ? 0 : -1;
}

/* Parses the header block [p, end) of one part into part. Returns 0 or -1. */
static int parse_headers(const char *p, const char *end, multipart_part *part, char *err, size_t errlen) {
    int disposition = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *le = line_end;
        if (le > p && le[-1] == '\r') le--;
        if (le == p) break;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!colon || colon == p) {
            snprintf(err, errlen, "malformed part header");
            return -1;
        }
        size_t nlen = (size_t)(colon - p);
        const char *v = skip_ws(colon + 1, le);
        const char *ve = le;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        if (!utf8_valid(v, (size_t)(ve - v)) || memchr(v, '\0', (size_t)(ve - v))) {
            snprintf(err, errlen, "part header is not valid UTF-8");
            return -1;
        }
        if (nlen == 19 && !strncasecmp(p, "Content-Disposition", 19)) {
            static const char fd[] = "form-data";
            if ((size_t)(ve - v) < sizeof fd - 1 || strncasecmp(v, fd, sizeof fd - 1) != 0) {
                snprintf(err, errlen, "part Content-Disposition is not form-data");
                return -1;
            }
            disposition_ud ud = {NULL, NULL};
            if (parse_params(v + sizeof fd - 1, ve, on_disposition, &ud)) {
                free(ud.name);
                free(ud.filename);
                snprintf(err, errlen, "malformed Content-Disposition parameters");
                return -1;
            }
            free(part->name);
            free(part->filename);
            part->name = ud.name ? ud.name : strdup("");
            part->filename = ud.filename;
            if (!part->name) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            disposition = 1;
        } else if (nlen == 12 && !strncasecmp(p, "Content-Type", 12)) {
            free(part->content_type);
            part->content_type = strndup(v, (size_t)(ve - v));
            if (!part->content_type) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
        if (!eol) break;
        p = eol + 1;
    }
    if (!disposition) {
        snprintf(err, errlen, "part without Content-Disposition");
        return -1;
    }
    return 0;
}

static void part_free(multipart_part *p) {
    free(p->name);
    free(p->filename);
    free(p->content_type);
}

void multipart_free(multipart *m) {
    for (size_t i = 0; i < m->n; i++) part_free(&m->parts[i]);
    free(m->parts);
    m->parts = NULL;
    m->n = 0;
}

const multipart_part *multipart_get(const multipart *m, const char *name) {
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->parts[i].name, name)) return &m->parts[i];
    return NULL;
}

/* After a delimiter: skips transport padding and one line break. Returns the
 * position after it, or NULL when something else follows. */
static const char *after_delim_line(const char *p, const char *end) {
    p = skip_ws(p, end);
    if (p < end && *p == '\r') p++;
    if (p < end && *p == '\n') return p + 1;
    return NULL;
}

int multipart_parse(const char *body, size_t len, const char *content_type, multipart *out, char *err,
                    size_t errlen) {
    char boundary[80];
    char delim[84]; /* "\r\n--" + boundary */
    multipart m = {NULL, 0};
    multipart_part part = {0};
    memset(out, 0, sizeof *out);
    if (multipart_boundary(content_type, boundary, sizeof boundary)) {
        snprintf(err, errlen, "Content-Type lacks a valid multipart boundary");
        return -1;
    }
    size_t dlen = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    const char *end = body + len;
    /* The first delimiter may start the body (no preceding CRLF). */
    const char *p;
    if (len >= dlen - 2 && !memcmp(body, delim + 2, dlen - 2)) {
        p = body + dlen - 2;
    } else {
        const char *d = memmem(body, len, delim, dlen);
        if (!d) {
            snprintf(err, errlen, "multipart boundary not found");
            goto fail;
        }
        p = d + dlen;
    }
    m.parts = calloc(MULTIPART_MAX_PARTS, sizeof *m.parts);
    if (!m.parts) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') break; /* close delimiter */
        p = after_delim_line(p, end);
        if (!p) {
            snprintf(err, errlen, "malformed multipart delimiter line");
            goto fail;
        }
        if (m.n == MULTIPART_MAX_PARTS) {
            snprintf(err, errlen, "more than %d parts", MULTIPART_MAX_PARTS);
            goto fail;
        }
        /* Header block ends at an empty line. */
        const char *hend = NULL, *data = NULL;
        size_t window = (size_t)(end - p) < MULTIPART_MAX_HEADER_BYTES ? (size_t)(end - p)
                                                                       : MULTIPART_MAX_HEADER_BYTES;
        if (window >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p;
            data = p + 2;
        } else if (window >= 1 && p[0] == '\n') {
            hend = p;
            data = p + 1;
        } else {
            const char *crlf = memmem(p, window, "\r\n\r\n", 4);
            const char *lf = memmem(p, window, "\n\n", 2);
            if (crlf && (!lf || crlf < lf)) {
                hend = crlf + 2;
                data = crlf + 4;
            } else if (lf) {
                hend = lf + 1;
                data = lf + 2;
            }
        }
        if (!hend) {
            snprintf(err, errlen, "part headers not terminated within %d bytes", MULTIPART_MAX_HEADER_BYTES);
            goto fail;
        }
        if (parse_headers(p, hend, &part, err, errlen)) goto fail;
        const char *next = memmem(data, (size_t)(end - data), delim, dlen);
        if (!next) {
            snprintf(err, errlen, "multipart part not terminated by its boundary");
            goto fail;
        }
        part.data = data;
        part.len = (size_t)(next - data);
        m.parts[m.n++] = part;
        memset(&part, 0, sizeof part);
        p = next + dlen;
    }
    if (m.n == 0) {
        snprintf(err, errlen, "multipart body has no parts");
        goto fail;
    }
    *out = m;
    return 0;
fail:
    part_free(&part);
    multipart_free(&m);
    return -1;
}
