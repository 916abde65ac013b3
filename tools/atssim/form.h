#ifndef ATSSIM_FORM_H
#define ATSSIM_FORM_H

#include <stddef.h>

/* application/x-www-form-urlencoded bodies (the OAuth token endpoint, the
 * consent form). Names and values are decoded ('+' is a space, %XX escapes)
 * into malloc'd copies owned by the form_data. */

typedef struct {
    char *name;
    char *value;
} form_field;

typedef struct {
    form_field *fields;
    size_t n;
} form_data;

/* Parses len bytes of s. Returns 0, -1 on a malformed escape or an embedded
 * NUL (out is then empty), -2 when out of memory. Empty input is valid. */
int form_parse(const char *s, size_t len, form_data *out);
/* First value for name, or NULL. */
const char *form_get(const form_data *f, const char *name);
void form_free(form_data *f);

#endif
