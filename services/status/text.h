#ifndef STATUS_TEXT_H
#define STATUS_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Checks on untrusted text before it reaches PostgreSQL (which refuses
 * invalid UTF-8) or a response. */

/* 1 when s is a usable identifier: 1..200 bytes of [A-Za-z0-9._:@-]. Ids
 * outside this set are never stored by status's API, so a lookup can answer
 * 404 without asking the database. */
int text_id_ok(const char *s);

/* Opaque cursors: base64url of "kind:value". text_cursor_decode checks the
 * kind and copies the value; returns 0 or -1 (malformed). */
void text_cursor_encode(const char *kind, const char *value, char *out, size_t len);
int text_cursor_decode(const char *kind, const char *cursor, char *value, size_t len);

#endif
