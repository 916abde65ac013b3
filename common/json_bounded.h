#ifndef ATSB_JSON_BOUNDED_H
#define ATSB_JSON_BOUNDED_H

#include <json-c/json.h>
#include <stddef.h>

/* JSON from outside (request bodies, ATS and provider responses) is bounded
 * before it is built: json-c spends several hundred bytes on every value (an
 * empty object costs about 760), so a 7.5 MB body of 2.5 million `{}` would
 * take 1.9 GB. json_bounded_scan walks the text once, allocating nothing,
 * and refuses it when it holds more values, deeper nesting or a longer
 * string than the limits allow; only then does json_bounded_parse hand it
 * to json-c (strict mode, UTF-8 validated, nothing but whitespace after the
 * value). json-c's memory is then bounded by roughly
 * max_values * 760 bytes + the text's length.
 *
 * What the scanner accepts is RFC 8259 JSON, with one leniency json-c's
 * strict mode shares: raw control characters other than NUL inside strings.
 * It refuses what json-c would take but is not JSON (NaN, Infinity, single
 * quotes, leading zeros, "1."). */

/* What one JSON text may hold. */
typedef struct {
    size_t max_values; /* objects, arrays, strings, numbers, true/false/null, and object keys */
    size_t max_depth;  /* objects/arrays nested in each other: "[[1]]" is 2; at most JSON_BOUNDED_DEPTH_MAX */
    size_t max_string; /* bytes of one string (keys too) as json-c stores it, escapes decoded; also the
                          characters of one number */
    const char *long_string_key; /* a string that is the value of a member of this name (written without
                                    escapes) may have up to max_long_string bytes; NULL: none */
    size_t max_long_string;
} json_limits;

/* Larger max_depth values are treated as this. */
#define JSON_BOUNDED_DEPTH_MAX 1024

/* Request bodies (admin APIs, webhooks, callbacks): ours nest 3 levels and
 * hold a few dozen values with strings of at most a few KiB, so 1000 values
 * (about 760 KB of json-c objects at worst: webhooks are parsed before
 * their signature can be checked, by every HTTP worker at once), depth 32
 * (json-c's own default) and 64 KiB strings leave wide margins. Ingest's
 * applications and exports derive their own limits from their documents
 * and candidates. */
#define JSON_LIMITS_DEFAULT ((json_limits){.max_values = 1000, .max_depth = 32, .max_string = 64 * 1024})

/* Responses of the ATSs and providers we call: a Lever posting with its
 * apply form or an Eploy vacancy with its questions carries hundreds of
 * questions with their options and long HTML descriptions, so 200000
 * values, depth 32 and 1 MiB strings. */
#define JSON_LIMITS_RESPONSE ((json_limits){.max_values = 200000, .max_depth = 32, .max_string = 1024 * 1024})

typedef enum {
    JSON_BOUNDED_OK = 0,
    JSON_BOUNDED_MALFORMED = -1,       /* not JSON (or not the JSON json-c accepts) */
    JSON_BOUNDED_TOO_MANY_VALUES = -2, /* more than max_values */
    JSON_BOUNDED_TOO_DEEP = -3,        /* nesting deeper than max_depth */
    JSON_BOUNDED_STRING_TOO_LONG = -4, /* a string (or number) longer than max_string */
    JSON_BOUNDED_NO_MEMORY = -5,       /* json-c could not get its tokener */
    JSON_BOUNDED_BUSY = -6,            /* the charge hook refused the memory json-c would take */
} json_bounded_status;

/* Why a text was refused: offset is the byte where the problem was found
 * (for a limit, the start of the value that went over it); message is one
 * sentence naming the limit and its value ("More than 10000 JSON values
 * (at offset 30003).", "JSON nesting deeper than 32 (at offset 32).", "A
 * JSON string longer than 65536 bytes (at offset 9).") or, for malformed
 * text, the offset ("Invalid JSON at offset 12: expected ':' after an
 * object key."). Safe to log and to send back: it never quotes the text. */
typedef struct {
    size_t offset;
    char message[160];
} json_bounded_error;

/* What json-c spends on one value, about: an empty object takes 760 bytes. */
#define JSON_BOUNDED_VALUE_BYTES 800

/* A process-wide hook json_bounded_parse calls once a text has passed the
 * scan, with what json-c will spend on its values (values *
 * JSON_BOUNDED_VALUE_BYTES), before json-c builds anything: 0 lets it go
 * on, non-zero makes it return JSON_BOUNDED_BUSY. None by default. The HTTP
 * server installs one that charges the request its worker is handling to the
 * body budget (http_budget.h) and answers 503 when that is spent; parses on
 * other threads are not charged. */
typedef int (*json_bounded_charge_fn)(size_t bytes);
void json_bounded_set_charge(json_bounded_charge_fn fn);

/* True for the three limit results (the caller's "too large" answer). */
int json_bounded_is_limit(json_bounded_status st);

/* Checks len bytes of text (not necessarily NUL-terminated) against lim in
 * one pass, allocating nothing. Returns JSON_BOUNDED_OK, or the first
 * problem met with err filled (err may be NULL). */
json_bounded_status json_bounded_scan(const char *text, size_t len, const json_limits *lim,
                                      json_bounded_error *err);

/* json_bounded_scan, the charge hook, then json-c (json_tokener_new_ex with room for
 * max_depth, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8) over the
 * same bytes; any value type is accepted at the top level. On
 * JSON_BOUNDED_OK *out is the value (the caller puts it; JSON null is NULL,
 * so check the status, not *out). On failure *out is NULL, nothing is kept
 * and err (may be NULL) says why; text longer than INT_MAX bytes is
 * JSON_BOUNDED_MALFORMED. */
json_bounded_status json_bounded_parse(const char *text, size_t len, const json_limits *lim, json_object **out,
                                       json_bounded_error *err);

#endif
