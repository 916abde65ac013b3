#include "json_bounded.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The scanner's state: one pass over s[0..n), i the next byte. stack holds
 * one bit per open container (1 object, 0 array), depth of them. */
typedef struct {
    const char *s;
    size_t n, i;
    size_t values, depth, max_depth;
    int long_next; /* the next value is the member named lim->long_string_key */
    const json_limits *lim;
    json_bounded_error *err;
    uint64_t stack[JSON_BOUNDED_DEPTH_MAX / 64];
} scanner;

static json_bounded_status fail(json_bounded_error *err, json_bounded_status st, size_t offset, const char *fmt,
                                ...) __attribute__((format(printf, 4, 5)));

static json_bounded_status fail(json_bounded_error *err, json_bounded_status st, size_t offset, const char *fmt,
                                ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->offset = offset;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

static json_bounded_status invalid(scanner *sc, size_t at, const char *what) {
    if (at >= sc->n)
        return fail(sc->err, JSON_BOUNDED_MALFORMED, sc->n, "Unexpected end of JSON at offset %zu.", sc->n);
    return fail(sc->err, JSON_BOUNDED_MALFORMED, at, "Invalid JSON at offset %zu: %s.", at, what);
}

static void skip_ws(scanner *sc) {
    while (sc->i < sc->n) {
        char c = sc->s[sc->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        sc->i++;
    }
}

/* Counts one more value (or key) starting at at. */
static json_bounded_status count(scanner *sc, size_t at) {
    if (sc->values >= sc->lim->max_values)
        return fail(sc->err, JSON_BOUNDED_TOO_MANY_VALUES, at, "More than %zu JSON values (at offset %zu).",
                    sc->lim->max_values, at);
    sc->values++;
    return JSON_BOUNDED_OK;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string at s[i] == '"'. Counts the bytes json-c will store: one per raw
 * byte and per simple escape, the UTF-8 length of a \uXXXX (a surrogate
 * pair is 4 bytes, a lone surrogate becomes U+FFFD: 3). */
static json_bounded_status scan_string(scanner *sc, size_t max) {
    size_t start = sc->i, bytes = 0;
    const char *s = sc->s;
    size_t n = sc->n, i = sc->i + 1;
    for (;;) {
        if (bytes > max)
            return fail(sc->err, JSON_BOUNDED_STRING_TOO_LONG, start,
                        "A JSON string longer than %zu bytes (at offset %zu).", max, start);
        if (i >= n) return invalid(sc, n, "");
        unsigned char c = (unsigned char)s[i];
        if (c == '"') break;
        if (c == '\0') return invalid(sc, i, "NUL byte in a string");
        if (c != '\\') {
            bytes++;
            i++;
            continue;
        }
        if (i + 1 >= n) return invalid(sc, n, "");
        switch (s[i + 1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            bytes++;
            i += 2;
            continue;
        case 'u':
            break;
        default:
            return invalid(sc, i, "invalid escape sequence in a string");
        }
        unsigned cp, lo;
        if (n - i < 6) return invalid(sc, n, "");
        if (hex4(s + i + 2, &cp)) return invalid(sc, i, "invalid \\u escape in a string");
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' &&
            hex4(s + i + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            bytes += 4;
            i += 6;
        } else {
            bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
        }
    }
    sc->i = i + 1;
    return JSON_BOUNDED_OK;
}

static size_t digits(const char *s, size_t n, size_t i) {
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    return i;
}

/* A number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static json_bounded_status scan_number(scanner *sc) {
    const char *s = sc->s;
    size_t n = sc->n, start = sc->i, i = sc->i, d;
    if (s[i] == '-') i++;
    if (i >= n) return invalid(sc, n, "");
    if (s[i] == '0') {
        i++;
    } else {
        if ((d = digits(s, n, i)) == i) return invalid(sc, i, "invalid number");
        i = d;
    }
    if (i < n && s[i] == '.') {
        if ((d = digits(s, n, i + 1)) == i + 1) return invalid(sc, i + 1, "invalid number");
        i = d;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if ((d = digits(s, n, i)) == i) return invalid(sc, i, "invalid number");
        i = d;
    }
    if (i - start > sc->lim->max_string)
        return fail(sc->err, JSON_BOUNDED_STRING_TOO_LONG, start,
                    "A JSON number longer than %zu bytes (at offset %zu).", sc->lim->max_string, start);
    sc->i = i;
    return JSON_BOUNDED_OK;
}

static json_bounded_status scan_literal(scanner *sc, const char *word) {
    size_t len = strlen(word), have = sc->n - sc->i < len ? sc->n - sc->i : len;
    if (memcmp(sc->s + sc->i, word, have)) return invalid(sc, sc->i, "invalid literal");
    if (have < len) return invalid(sc, sc->n, "");
    sc->i += len;
    return JSON_BOUNDED_OK;
}

static json_bounded_status push(scanner *sc, int object) {
    if (sc->depth >= sc->max_depth)
        return fail(sc->err, JSON_BOUNDED_TOO_DEEP, sc->i, "JSON nesting deeper than %zu (at offset %zu).",
                    sc->max_depth, sc->i);
    uint64_t bit = (uint64_t)1 << (sc->depth % 64);
    if (object) sc->stack[sc->depth / 64] |= bit;
    else sc->stack[sc->depth / 64] &= ~bit;
    sc->depth++;
    sc->i++;
    return JSON_BOUNDED_OK;
}

static int top_is_object(const scanner *sc) {
    size_t d = sc->depth - 1;
    return (sc->stack[d / 64] >> (d % 64)) & 1;
}

/* An object key and its ':' at s[i] (whitespace skipped before). */
static json_bounded_status scan_key(scanner *sc) {
    json_bounded_status st;
    if (sc->i >= sc->n || sc->s[sc->i] != '"') return invalid(sc, sc->i, "expected a string as object key");
    size_t key = sc->i + 1;
    if ((st = count(sc, sc->i)) || (st = scan_string(sc, sc->lim->max_string))) return st;
    const char *lk = sc->lim->long_string_key;
    sc->long_next = lk && sc->lim->max_long_string && sc->i - 1 - key == strlen(lk) && !memcmp(sc->s + key, lk, strlen(lk));
    skip_ws(sc);
    if (sc->i >= sc->n || sc->s[sc->i] != ':') return invalid(sc, sc->i, "expected ':' after an object key");
    sc->i++;
    return JSON_BOUNDED_OK;
}

/* json_bounded_scan, telling how many values it counted into *values. */
static json_bounded_status scan(const char *text, size_t len, const json_limits *lim, json_bounded_error *err,
                                size_t *values) {
    scanner sc;
    json_bounded_status st;
    sc.s = text;
    sc.n = text ? len : 0;
    sc.i = 0;
    sc.values = 0;
    sc.depth = 0;
    sc.long_next = 0;
    sc.max_depth = lim->max_depth < JSON_BOUNDED_DEPTH_MAX ? lim->max_depth : JSON_BOUNDED_DEPTH_MAX;
    sc.lim = lim;
    sc.err = err;
    if (err) {
        err->offset = 0;
        err->message[0] = '\0';
    }
    for (;;) {
        /* A value is due at i. */
        skip_ws(&sc);
        if (sc.i >= sc.n) return invalid(&sc, sc.n, "");
        if ((st = count(&sc, sc.i))) return st;
        int long_ok = sc.long_next; /* this value is the one the last key allows to be long */
        sc.long_next = 0;
        char c = sc.s[sc.i];
        if (c == '{' || c == '[') {
            if ((st = push(&sc, c == '{'))) return st;
            skip_ws(&sc);
            if (sc.i < sc.n && sc.s[sc.i] == (c == '{' ? '}' : ']')) {
                sc.i++;
                sc.depth--;
            } else if (c == '{') {
                if ((st = scan_key(&sc))) return st;
                continue;
            } else {
                continue;
            }
        } else if (c == '"') {
            if ((st = scan_string(&sc, long_ok ? lim->max_long_string : lim->max_string))) return st;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if ((st = scan_number(&sc))) return st;
        } else if (c == 't' || c == 'f' || c == 'n') {
            if ((st = scan_literal(&sc, c == 't' ? "true" : c == 'f' ? "false" : "null"))) return st;
        } else {
            return invalid(&sc, sc.i, "expected a value");
        }
        /* After a complete value: a separator, the end of its container, or the end. */
        for (;;) {
            skip_ws(&sc);
            if (sc.depth == 0) {
                if (sc.i < sc.n)
                    return fail(err, JSON_BOUNDED_MALFORMED, sc.i, "Unexpected data after the JSON value at offset %zu.",
                                sc.i);
                *values = sc.values;
                return JSON_BOUNDED_OK;
            }
            int object = top_is_object(&sc);
            if (sc.i >= sc.n) return invalid(&sc, sc.n, "");
            c = sc.s[sc.i];
            if (c == ',') {
                sc.i++;
                if (object) {
                    skip_ws(&sc);
                    if ((st = scan_key(&sc))) return st;
                }
                break;
            }
            if (c != (object ? '}' : ']'))
                return invalid(&sc, sc.i, object ? "expected ',' or '}' after an object member"
                                                 : "expected ',' or ']' after an array element");
            sc.i++;
            sc.depth--;
        }
    }
}

json_bounded_status json_bounded_scan(const char *text, size_t len, const json_limits *lim,
                                      json_bounded_error *err) {
    size_t values;
    return scan(text, len, lim, err, &values);
}

static _Atomic(json_bounded_charge_fn) charge_fn;

void json_bounded_set_charge(json_bounded_charge_fn fn) { charge_fn = fn; }

int json_bounded_is_limit(json_bounded_status st) {
    return st == JSON_BOUNDED_TOO_MANY_VALUES || st == JSON_BOUNDED_TOO_DEEP || st == JSON_BOUNDED_STRING_TOO_LONG;
}

json_bounded_status json_bounded_parse(const char *text, size_t len, const json_limits *lim, json_object **out,
                                       json_bounded_error *err) {
    json_tokener *tok = NULL;
    json_object *o = NULL;
    json_bounded_status st;
    *out = NULL;
    if (len > INT_MAX) {
        st = fail(err, JSON_BOUNDED_MALFORMED, (size_t)INT_MAX, "JSON text longer than %d bytes.", INT_MAX);
        goto cleanup;
    }
    size_t values = 0;
    if ((st = scan(text, len, lim, err, &values))) goto cleanup;
    json_bounded_charge_fn charge = charge_fn;
    if (charge && charge(values * JSON_BOUNDED_VALUE_BYTES) != 0) {
        st = fail(err, JSON_BOUNDED_BUSY, 0, "The memory for parsing JSON is in use; retry shortly.");
        goto cleanup;
    }
    /* json-c counts the scalar inside the innermost container as a level too. */
    size_t depth = lim->max_depth < JSON_BOUNDED_DEPTH_MAX ? lim->max_depth : JSON_BOUNDED_DEPTH_MAX;
    tok = json_tokener_new_ex((int)depth + 1);
    if (!tok) {
        st = fail(err, JSON_BOUNDED_NO_MEMORY, 0, "Out of memory while parsing JSON.");
        goto cleanup;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue) {
        /* A number at the top level ends only at a delimiter: give json-c the end. */
        o = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
    }
    if (jerr != json_tokener_success) {
        json_object_put(o);
        o = NULL;
        if (jerr == json_tokener_continue)
            st = fail(err, JSON_BOUNDED_MALFORMED, len, "Unexpected end of JSON at offset %zu.", len);
        else
            st = fail(err, JSON_BOUNDED_MALFORMED, end, "Invalid JSON at offset %zu: %s.", end,
                      json_tokener_error_desc(jerr));
        goto cleanup;
    }
    for (size_t i = end; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') {
            json_object_put(o);
            o = NULL;
            st = fail(err, JSON_BOUNDED_MALFORMED, i, "Unexpected data after the JSON value at offset %zu.", i);
            goto cleanup;
        }
    }
    *out = o;
    st = JSON_BOUNDED_OK;
cleanup:
    if (tok) json_tokener_free(tok);
    return st;
}
