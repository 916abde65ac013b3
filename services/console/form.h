#ifndef ATSB_CONSOLE_FORM_H
#define ATSB_CONSOLE_FORM_H

#include <stddef.h>

/* application/x-www-form-urlencoded bodies (every console form), parsed in
 * one pass into one buffer no longer than the body: '+' is a space, %XX a
 * byte; a name or value must be valid UTF-8 without NUL or other control
 * bytes but tab, LF and CR. At most FORM_MAX_FIELDS pairs and FORM_MAX_BODY
 * bytes (the routes' body cap is the same). Pure. */

#define FORM_MAX_FIELDS 64
#define FORM_MAX_BODY (64 * 1024)

typedef struct {
    char *buf; /* malloc'd: every name and value, NUL-terminated */
    size_t cap; /* bytes of buf (wiped by form_free: a form may hold a token or a secret) */
    size_t n;
    const char *name[FORM_MAX_FIELDS];
    const char *value[FORM_MAX_FIELDS];
} form;

typedef enum {
    FORM_OK = 0,
    FORM_TOO_LARGE = -1,    /* more than FORM_MAX_BODY bytes */
    FORM_TOO_MANY = -2,     /* more than FORM_MAX_FIELDS pairs */
    FORM_BAD_ENCODING = -3, /* a '%' not followed by two hex digits */
    FORM_BAD_TEXT = -4,     /* not UTF-8, or a control byte */
    FORM_NO_MEMORY = -5,
} form_result;

/* Parses body[0..len) into f (empty pairs, "&&", are skipped; a pair
 * without '=' has the value ""). On anything but FORM_OK f is empty. The
 * caller frees f with form_free either way. */
form_result form_parse(const char *body, size_t len, form *f);
void form_free(form *f);
/* The first value of name, NULL when absent. */
const char *form_get(const form *f, const char *name);
/* How many pairs are named name. */
size_t form_count(const form *f, const char *name);

#endif
