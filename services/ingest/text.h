#ifndef INGEST_TEXT_H
#define INGEST_TEXT_H

#include <stddef.h>

/* Small text checks shared by the ingest parsers. Pure functions: no
 * allocation, no global state, safe on any input. */

/* 1 when s looks like a deliverable address: local@domain, local part of
 * 1..64 bytes without spaces, leading/trailing or doubled dots, domain of
 * at least two labels (letters, digits, '-', or UTF-8), at most 254 bytes. */
int text_email_valid(const char *s);

/* 1 when s is 1..maxlen bytes of [A-Za-z0-9_.-] (identifiers in paths). */
int text_is_ident(const char *s, size_t maxlen);

/* Writes a safe file name into out: the last path component of in, control
 * characters and quotes replaced by '_', truncated on a UTF-8 boundary to
 * outlen-1 bytes; "document" when nothing is left. in must be valid UTF-8. */
void text_sanitize_filename(const char *in, char *out, size_t outlen);

#endif
