#ifndef INGEST_MULTIPART_H
#define INGEST_MULTIPART_H

#include <stddef.h>

/* multipart/form-data (RFC 7578) over a fully buffered body. Pure and safe
 * on any input, so a fuzzer can call it directly. Part bodies are not
 * copied: data points into the body passed to multipart_parse, which must
 * outlive the result. */

#define MULTIPART_MAX_PARTS 64
#define MULTIPART_MAX_HEADER_BYTES 8192

typedef struct {
    char *name;         /* Content-Disposition name; "" when absent */
    char *filename;     /* Content-Disposition filename; NULL when not a file part */
    char *content_type; /* Content-Type of the part; NULL when absent */
    const char *data;   /* into the body */
    size_t len;
} multipart_part;

typedef struct {
    multipart_part *parts;
    size_t n;
} multipart;

/* Extracts the boundary parameter of a multipart/form-data Content-Type into
 * out. Returns 0, or -1 when the type is not multipart/form-data or the
 * boundary is missing, empty, longer than 70 bytes or does not fit. */
int multipart_boundary(const char *content_type, char *out, size_t outlen);

/* Splits body into parts. Returns 0 with *out filled (free with
 * multipart_free), or -1 with a one-line reason in err and *out empty.
 * Header values must be UTF-8; at most MULTIPART_MAX_PARTS parts. */
int multipart_parse(const char *body, size_t len, const char *content_type, multipart *out, char *err,
                    size_t errlen);

/* The first part named name, or NULL. */
const multipart_part *multipart_get(const multipart *m, const char *name);

/* Frees what multipart_parse allocated; safe on a zeroed struct. */
void multipart_free(multipart *m);

#endif
