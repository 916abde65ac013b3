#ifndef ATSB_UTF8_H
#define ATSB_UTF8_H

#include <stddef.h>

/* 1 when the len bytes at s are well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else 0. NUL bytes are well-formed;
 * callers that store C strings check for them apart. Pure. */
int utf8_valid(const char *s, size_t len);
/* The same for a C string; NULL counts as valid (an absent field). */
int utf8_str_valid(const char *s);

#endif
