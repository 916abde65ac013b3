#ifndef ATSB_CONSOLE_HTML_H
#define ATSB_CONSOLE_HTML_H

#include <stddef.h>

/* A growable text buffer for one page, bounded at HTML_MAX bytes: past it
 * (or when memory runs out) the buffer is marked failed, keeps what it had
 * and ignores further appends, so a page is built without checking every
 * call and checked once at the end (html_take). */

#define HTML_MAX (4u * 1024 * 1024)

typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} html_buf;

/* Appends raw markup (trusted text: literals of this program). */
void html_raw(html_buf *b, const char *s);
void html_rawn(html_buf *b, const char *s, size_t n);
/* Appends printf-formatted raw markup (trusted format; arguments must be
 * numbers or already escaped text). */
void html_rawf(html_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text escaped for an HTML text node or a quoted attribute value:
 * & < > " ' become entities; bytes below 0x20 other than tab, LF and CR and
 * the byte 0x7f become U+FFFD; a NULL s appends nothing. Escaping is the only
 * way data from an API or a request reaches a page. */
void html_text(html_buf *b, const char *s);
void html_textn(html_buf *b, const char *s, size_t n);
/* Appends s percent-encoded for a URL path segment or query value
 * (RFC 3986 unreserved characters kept). */
void html_url(html_buf *b, const char *s);
/* The page (NUL-terminated, malloc'd, *len its length), the buffer reset;
 * NULL when it failed (the buffer freed). */
char *html_take(html_buf *b, size_t *len);
void html_free(html_buf *b);

/* Escapes s into out (at most outlen bytes with the NUL); returns the length
 * the whole escape needs (like snprintf): out is complete when it is less
 * than outlen. Pure; the unit of html_text. */
size_t html_escape(const char *s, size_t n, char *out, size_t outlen);

#endif
