#ifndef ATSSIM_MULTIPART_H
#define ATSSIM_MULTIPART_H

#include <stddef.h>

/* multipart/form-data bodies (Lever uploads and resume files). Parts point
 * into the caller's body buffer, which must outlive the multipart_form. */

#define MULTIPART_MAX_PARTS 64

typedef struct {
    char name[128];
    char filename[256];    /* "" for plain fields */
    char content_type[128];
    const char *data;      /* into the body; not NUL-terminated */
    size_t len;
    int is_file;
} multipart_part;

typedef struct {
    multipart_part *parts;
    size_t n;
} multipart_form;

/* Extracts the boundary from a Content-Type header value. Returns 0, or -1
 * when the type is not multipart/form-data or has no usable boundary. */
int multipart_boundary(const char *content_type, char *out, size_t outlen);
/* Parses body. Returns 0, -1 when the body is malformed (missing delimiters,
 * part without a name, more than MULTIPART_MAX_PARTS parts), -2 when out of
 * memory. On failure out is empty. */
int multipart_parse(const char *body, size_t len, const char *boundary, multipart_form *out);
/* First part called name, or NULL. */
const multipart_part *multipart_get(const multipart_form *f, const char *name);
void multipart_free(multipart_form *f);

#endif
