#ifndef INGEST_ERRLIST_H
#define INGEST_ERRLIST_H

#include <json-c/json.h>
#include <stddef.h>

/* Problems found in a request, each tagged with the HTTP status it calls for:
 * 400 (malformed: JSON, base64, multipart), 413 (too large), 422 (invalid
 * field). The answer uses the most fundamental class present (400 before
 * 413 before 422) and lists every item of that class, so a client sees all
 * offending fields at once. */

#define ERRLIST_MAX 200 /* items beyond this are counted, not kept */

typedef struct {
    int status;
    char field[160];  /* e.g. "candidates[3].email"; "" for the whole body */
    char code[32];    /* snake_case */
    char message[200];
} errlist_item;

typedef struct {
    errlist_item *items;
    size_t n, cap;
    size_t dropped;
} errlist;

/* Adds one item (message printf-style). Can't fail: out of memory or over
 * ERRLIST_MAX only increments dropped. */
void errlist_add(errlist *e, int status, const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* 0 when empty, else 400, 413 or 422 (see above). */
int errlist_status(const errlist *e);

/* Number of items with this status. */
size_t errlist_count(const errlist *e, int status);

/* New JSON array of {field, code, message} for the items of status. */
json_object *errlist_json(const errlist *e, int status);

/* Frees the items; e is empty and reusable afterwards. */
void errlist_free(errlist *e);

#endif
