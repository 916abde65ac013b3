#ifndef ATSB_PGARR_H
#define ATSB_PGARR_H

#include <stddef.h>
#include <stdint.h>

/* Builds the text form of a PostgreSQL array ("{"a","b",NULL}") to pass as
 * ONE query parameter, so a whole batch goes to the server in one statement
 * (unnest($1::text[], ...)). Values are quoted and escaped here; they are
 * parameter data, never SQL. Values must be valid UTF-8 without NUL (the
 * caller validates input). */
typedef struct {
    char *buf;
    size_t len, cap;
    size_t n;   /* elements added */
    int oom;    /* an allocation failed: pgarr_text returns NULL */
} pgarr;

void pgarr_init(pgarr *a);
/* Appends s; NULL appends SQL NULL, as does "" when empty_is_null. */
void pgarr_add(pgarr *a, const char *s, int empty_is_null);
void pgarr_add_int(pgarr *a, int64_t v);
/* The literal (owned by a, valid until the next add or pgarr_free), or NULL
 * when out of memory. */
const char *pgarr_text(pgarr *a);
/* Empties a for reuse, keeping its buffer. */
void pgarr_reset(pgarr *a);
void pgarr_free(pgarr *a);

#endif
