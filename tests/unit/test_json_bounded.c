#include "json_bounded.h"

#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_limits lim(size_t values, size_t depth, size_t string) {
    return (json_limits){.max_values = values, .max_depth = depth, .max_string = string};
}

/* Scans and parses s (strlen) under l; both must agree on the status. */
static json_bounded_status both(const char *s, json_limits l, json_bounded_error *err) {
    json_object *o = (json_object *)1;
    json_bounded_status scanned = json_bounded_scan(s, strlen(s), &l, err);
    json_bounded_status parsed = json_bounded_parse(s, strlen(s), &l, &o, err);
    if (scanned == JSON_BOUNDED_OK)
        cr_assert(parsed == JSON_BOUNDED_OK || parsed == JSON_BOUNDED_MALFORMED, "%s: parse %d", s, parsed);
    else
        cr_assert_eq(parsed, scanned, "%s: scan %d, parse %d", s, scanned, parsed);
    if (parsed != JSON_BOUNDED_OK) cr_assert_null(o, "%s", s);
    json_object_put(o);
    return parsed;
}

/* n nested arrays around inner, or objects {"k": ...} when objects is set. */
static char *nested(size_t n, int objects, const char *inner) {
    size_t cap = n * 6 + strlen(inner) + 1, k = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++) {
        memcpy(s + k, objects ? "{\"k\":" : "[", objects ? 5 : 1);
        k += objects ? 5 : 1;
    }
    memcpy(s + k, inner, strlen(inner));
    k += strlen(inner);
    for (size_t i = 0; i < n; i++) s[k++] = objects ? '}' : ']';
    s[k] = '\0';
    return s;
}

Test(json_bounded, value_count_at_and_one_over_the_limit) {
    json_bounded_error e;
    cr_assert_eq(both("[1,2,3,4]", lim(5, 32, 64), &e), JSON_BOUNDED_OK, "array + 4 numbers = 5");
    cr_assert_eq(both("[1,2,3,4,5]", lim(5, 32, 64), &e), JSON_BOUNDED_TOO_MANY_VALUES);
    cr_assert_str_eq(e.message, "More than 5 JSON values (at offset 9).");
    cr_assert_eq(e.offset, 9);
    cr_assert(json_bounded_is_limit(JSON_BOUNDED_TOO_MANY_VALUES));
    cr_assert_eq(both("7", lim(1, 32, 64), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both("7", lim(0, 32, 64), &e), JSON_BOUNDED_TOO_MANY_VALUES);
}

Test(json_bounded, object_keys_count_as_values) {
    json_bounded_error e;
    const char *s = "{\"a\":1,\"b\":{}}"; /* object, 2 keys, 1, {} */
    cr_assert_eq(both(s, lim(5, 32, 64), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both(s, lim(4, 32, 64), &e), JSON_BOUNDED_TOO_MANY_VALUES);
    cr_assert_eq(e.offset, 11, "the {} is the fifth: %s", e.message);
    cr_assert_eq(both("{\"a\":1}", lim(2, 32, 64), &e), JSON_BOUNDED_TOO_MANY_VALUES, "the key is the second, 1 the third");
    cr_assert_eq(e.offset, 5);
}

Test(json_bounded, numbers_and_literals_count) {
    json_bounded_error e;
    const char *s = "[true,false,null,-1.5e3,0,2E-7]";
    cr_assert_eq(both(s, lim(7, 32, 64), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both(s, lim(6, 32, 64), &e), JSON_BOUNDED_TOO_MANY_VALUES);
    json_object *o = NULL;
    json_limits l = lim(7, 32, 64);
    cr_assert_eq(json_bounded_parse(s, strlen(s), &l, &o, &e), JSON_BOUNDED_OK);
    cr_assert_eq(json_object_array_length(o), 6);
    cr_assert(json_object_is_type(json_object_array_get_idx(o, 0), json_type_boolean));
    cr_assert_null(json_object_array_get_idx(o, 2));
    cr_assert(json_object_is_type(json_object_array_get_idx(o, 3), json_type_double));
    json_object_put(o);
}

Test(json_bounded, depth_at_and_one_over_the_limit) {
    json_bounded_error e;
    cr_assert_eq(both("[[[1]]]", lim(100, 3, 64), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both("[[[[1]]]]", lim(100, 3, 64), &e), JSON_BOUNDED_TOO_DEEP);
    cr_assert_str_eq(e.message, "JSON nesting deeper than 3 (at offset 3).");
    cr_assert_eq(both("{\"a\":{\"b\":{\"c\":{}}}}", lim(100, 4, 64), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both("{\"a\":{\"b\":{\"c\":{}}}}", lim(100, 3, 64), &e), JSON_BOUNDED_TOO_DEEP);
    cr_assert_eq(both("1", lim(100, 0, 64), &e), JSON_BOUNDED_OK, "a scalar has no nesting");
    cr_assert_eq(both("[]", lim(100, 0, 64), &e), JSON_BOUNDED_TOO_DEEP);
}

Test(json_bounded, json_c_builds_what_the_default_depth_allows) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    for (int objects = 0; objects < 2; objects++) {
        char *ok = nested(32, objects, "\"leaf\""), *over = nested(33, objects, "1");
        json_object *o = NULL;
        cr_assert_eq(json_bounded_parse(ok, strlen(ok), &l, &o, &e), JSON_BOUNDED_OK, "%s", e.message);
        cr_assert_not_null(o);
        json_object_put(o);
        cr_assert_eq(json_bounded_parse(over, strlen(over), &l, &o, &e), JSON_BOUNDED_TOO_DEEP);
        cr_assert_str_eq(strstr(e.message, "deeper than 32") ? "found" : e.message, "found");
        free(ok);
        free(over);
    }
}

Test(json_bounded, deep_nesting_stops_at_the_limit) {
    json_bounded_error e;
    size_t n = 1000000;
    char *s = malloc(n);
    cr_assert_not_null(s);
    memset(s, '[', n);
    json_limits l = JSON_LIMITS_DEFAULT;
    cr_assert_eq(json_bounded_scan(s, n, &l, &e), JSON_BOUNDED_TOO_DEEP);
    cr_assert_eq(e.offset, 32);
    /* Beyond JSON_BOUNDED_DEPTH_MAX a larger max_depth does not help. */
    l.max_depth = (size_t)-1;
    l.max_values = n;
    cr_assert_eq(json_bounded_scan(s, n, &l, &e), JSON_BOUNDED_TOO_DEEP);
    cr_assert_eq(e.offset, JSON_BOUNDED_DEPTH_MAX);
    free(s);
    char *ok = nested(JSON_BOUNDED_DEPTH_MAX, 0, "{}");
    cr_assert_eq(both(ok, lim(100000, 100000, 64), &e), JSON_BOUNDED_TOO_DEEP, "the {} is one level too many");
    free(ok);
    ok = nested(JSON_BOUNDED_DEPTH_MAX, 1, "true");
    cr_assert_eq(both(ok, lim(100000, 100000, 64), &e), JSON_BOUNDED_OK, "%s", e.message);
    free(ok);
}

Test(json_bounded, string_length_at_and_one_over_the_limit) {
    json_bounded_error e;
    cr_assert_eq(both("\"abcd\"", lim(10, 32, 4), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both("\"abcde\"", lim(10, 32, 4), &e), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert_str_eq(e.message, "A JSON string longer than 4 bytes (at offset 0).");
    cr_assert_eq(both("{\"abcd\":\"\"}", lim(10, 32, 4), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both("{\"abcde\":\"\"}", lim(10, 32, 4), &e), JSON_BOUNDED_STRING_TOO_LONG, "keys too");
    cr_assert_eq(e.offset, 1);
    cr_assert_eq(both("[\"\"]", lim(10, 32, 0), &e), JSON_BOUNDED_OK, "empty strings fit any limit");
    /* Numbers are bounded by the same length. */
    cr_assert_eq(both("[1234]", lim(10, 32, 4), &e), JSON_BOUNDED_OK);
    cr_assert_eq(both("[-1234]", lim(10, 32, 4), &e), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert(strstr(e.message, "number longer than 4 bytes"), "%s", e.message);
}

/* s (a JSON string literal) is exactly want bytes for json-c and for the scanner. */
static void exact_length(const char *s, size_t want) {
    json_bounded_error e;
    json_object *o = NULL;
    json_limits l = lim(10, 32, want);
    cr_assert_eq(json_bounded_parse(s, strlen(s), &l, &o, &e), JSON_BOUNDED_OK, "%s: %s", s, e.message);
    cr_assert_eq((size_t)json_object_get_string_len(o), want, "%s: json-c stored %d", s,
                 json_object_get_string_len(o));
    json_object_put(o);
    l.max_string = want - 1;
    cr_assert_eq(json_bounded_scan(s, strlen(s), &l, &e), JSON_BOUNDED_STRING_TOO_LONG, "%s", s);
}

Test(json_bounded, escapes_count_as_the_bytes_they_decode_to) {
    exact_length("\"\\\"\\\\\\/\\n\"", 4);              /* \" \\ \/ \n */
    exact_length("\"a\\b\\f\\r\\tz\"", 6);
    exact_length("\"\\u0041\\u00e9\\u20ac\"", 1 + 2 + 3); /* A, é, € */
    exact_length("\"\\ud83d\\ude00\"", 4);                /* one surrogate pair: U+1F600 */
    exact_length("\"\\ud800x\"", 4);                      /* lone high surrogate: U+FFFD + x */
    exact_length("\"\\udc00\"", 3);                       /* lone low surrogate */
    exact_length("\"\\ud800\\ud800\"", 6);                /* two lone highs */
    exact_length("\"\\ud800\\u0041\"", 4);                /* high + ASCII */
    exact_length("\"\\u0000\"", 1);
    exact_length("\"\xc3\xa9\xe2\x82\xac\"", 5); /* raw UTF-8 counts its bytes */
}

Test(json_bounded, a_million_empty_objects_are_refused_without_allocating) {
    size_t n = 1000000, cap = 32 + 3 * n, k = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    k += (size_t)snprintf(s, cap, "{\"board\":\"x\",\"x\":[");
    for (size_t i = 0; i < n; i++) {
        memcpy(s + k, i ? ",{}" : "{}", i ? 3 : 2);
        k += i ? 3 : 2;
    }
    memcpy(s + k, "]}", 2);
    k += 2;
    json_limits l = JSON_LIMITS_DEFAULT;
    json_bounded_error e;
    json_object *o = NULL;
    struct mallinfo2 before = mallinfo2();
    json_bounded_status st = json_bounded_parse(s, k, &l, &o, &e);
    struct mallinfo2 after = mallinfo2();
    cr_assert_eq(st, JSON_BOUNDED_TOO_MANY_VALUES);
    cr_assert_null(o);
    cr_assert_str_eq(strstr(e.message, "More than 1000 JSON values") ? "found" : e.message, "found");
    cr_assert_eq(after.uordblks, before.uordblks, "allocated %zu bytes", after.uordblks - before.uordblks);
    /* Under a limit large enough the whole text is scanned. */
    l.max_values = 3 * n;
    cr_assert_eq(json_bounded_scan(s, k, &l, &e), JSON_BOUNDED_OK, "%s", e.message);
    free(s);
}

Test(json_bounded, trailing_data_is_refused) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    cr_assert_eq(both("{\"a\": 1} x", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_str_eq(e.message, "Unexpected data after the JSON value at offset 9.");
    cr_assert_eq(e.offset, 9);
    cr_assert_eq(both("{}{}", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(both("1 2", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(both(" {\"a\": 1} \r\n\t ", l, &e), JSON_BOUNDED_OK, "whitespace may follow");
    /* An embedded NUL ends nothing: it is data after the value. */
    json_object *o = NULL;
    cr_assert_eq(json_bounded_parse("{\"a\":1}\0{", 9, &l, &o, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(e.offset, 7);
    cr_assert_eq(json_bounded_parse("[\"a\0b\"]", 7, &l, &o, &e), JSON_BOUNDED_MALFORMED, "NUL in a string");
}

Test(json_bounded, invalid_utf8_is_malformed) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    cr_assert_eq(both("{\"a\": \"\xc3\x28\"}", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert(strstr(e.message, "utf-8"), "%s", e.message);
    cr_assert_eq(both("[\"\xff\xfe\"]", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(both("\xef\xbb\xbf[1]", l, &e), JSON_BOUNDED_MALFORMED, "no byte order mark");
}

Test(json_bounded, empty_input_is_malformed) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    json_object *o = NULL;
    cr_assert_eq(both("", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_str_eq(e.message, "Unexpected end of JSON at offset 0.");
    cr_assert_eq(both(" \n ", l, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(e.offset, 3);
    cr_assert_eq(json_bounded_parse(NULL, 0, &l, &o, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(json_bounded_scan(NULL, 0, &l, NULL), JSON_BOUNDED_MALFORMED, "err may be NULL");
}

Test(json_bounded, truncated_text_reports_its_end) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    static const char *const cut[] = {"{\"a\"", "{\"a\":", "[1,", "\"abc", "\"\\u00", "tru", "-", "[1.", "{"};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        cr_assert_eq(both(cut[i], l, &e), JSON_BOUNDED_MALFORMED, "%s", cut[i]);
        char want[64];
        snprintf(want, sizeof want, "Unexpected end of JSON at offset %zu.", strlen(cut[i]));
        cr_assert_str_eq(e.message, want, "%s", cut[i]);
    }
    /* Only len bytes are read: "[1,2]" cut after 3 bytes. */
    json_object *o = NULL;
    cr_assert_eq(json_bounded_parse("[1,2]", 3, &l, &o, &e), JSON_BOUNDED_MALFORMED);
    cr_assert_eq(json_bounded_parse("123", 2, &l, &o, &e), JSON_BOUNDED_OK);
    cr_assert_eq(json_object_get_int(o), 12);
    json_object_put(o);
}

Test(json_bounded, malformed_structure_is_refused_with_its_offset) {
    static const struct {
        const char *text;
        size_t offset;
    } bad[] = {
        {"[1,]", 3},         {"{\"a\" 1}", 5},  {"{'a':1}", 1},   {"[NaN]", 1},    {"[Infinity]", 1},
        {"[01]", 2},         {"[1.]", 3},       {"[.5]", 1},      {"[+1]", 1},     {"[1e]", 3},
        {"{\"a\":1,}", 7},   {"[}", 1},         {"{]", 1},        {"\"\\x\"", 1},  {"\"\\u12g4\"", 1},
        {"nulx", 0},          {"TRUE", 0},       {"[1 2]", 3},     {"{\"a\":1 \"b\":2}", 7},
        {"{1:2}", 1},        {"/*c*/[1]", 0},   {"[1]]", 3},      {",", 0},        {"-a", 1},
    };
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(both(bad[i].text, l, &e), JSON_BOUNDED_MALFORMED, "%s", bad[i].text);
        cr_assert_eq(e.offset, bad[i].offset, "%s: %s", bad[i].text, e.message);
        cr_assert(strstr(e.message, "offset"), "%s", e.message);
    }
}

Test(json_bounded, valid_json_parses_to_what_json_c_builds) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    json_object *o = NULL;
    const char *s = "{\"board\":\"x\",\"n\":-0.5e+2,\"list\":[1,\"two\",{\"three\":[true,false,null]}],\"e\":{}}";
    cr_assert_eq(json_bounded_parse(s, strlen(s), &l, &o, &e), JSON_BOUNDED_OK, "%s", e.message);
    cr_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                     "{\"board\":\"x\",\"n\":-0.5e+2,\"list\":[1,\"two\",{\"three\":[true,false,null]}],\"e\":{}}");
    json_object_put(o);
    cr_assert_eq(json_bounded_parse(" 42 ", 4, &l, &o, &e), JSON_BOUNDED_OK, "top-level number");
    cr_assert_eq(json_object_get_int(o), 42);
    json_object_put(o);
    cr_assert_eq(json_bounded_parse("-7", 2, &l, &o, &e), JSON_BOUNDED_OK, "number up to the end");
    cr_assert_eq(json_object_get_int(o), -7);
    json_object_put(o);
    o = (json_object *)1;
    cr_assert_eq(json_bounded_parse("null", 4, &l, &o, &e), JSON_BOUNDED_OK);
    cr_assert_null(o, "JSON null is NULL");
    /* json-c's strict mode allows raw control characters in strings; so do we. */
    cr_assert_eq(json_bounded_parse("\"a\tb\"", 5, &l, &o, &e), JSON_BOUNDED_OK);
    json_object_put(o);
}

Test(json_bounded, default_limits_are_named_in_messages) {
    json_bounded_error e;
    json_limits l = JSON_LIMITS_DEFAULT;
    cr_assert_eq(l.max_values, 1000);
    cr_assert_eq(l.max_depth, 32);
    cr_assert_eq(l.max_string, 65536);
    size_t n = 65537 + 2;
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memset(s, 'a', n);
    s[0] = s[n - 1] = '"';
    s[n] = '\0';
    cr_assert_eq(json_bounded_scan(s, n, &l, &e), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert_str_eq(e.message, "A JSON string longer than 65536 bytes (at offset 0).");
    s[n - 2] = '"';
    cr_assert_eq(json_bounded_scan(s, n - 1, &l, &e), JSON_BOUNDED_OK, "65536 bytes fit");
    free(s);
    json_limits r = JSON_LIMITS_RESPONSE;
    cr_assert_gt(r.max_values, l.max_values);
    cr_assert_gt(r.max_string, l.max_string);
}

Test(json_bounded, only_the_named_member_may_hold_a_long_string) {
    json_limits l = {.max_values = 100, .max_depth = 8, .max_string = 4, .long_string_key = "doc",
                     .max_long_string = 10};
    cr_assert_eq(json_bounded_scan("{\"doc\":\"0123456789\"}", 20, &l, NULL), JSON_BOUNDED_OK);
    cr_assert_eq(json_bounded_scan("{\"doc\":\"0123456789A\"}", 21, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert_eq(json_bounded_scan("{\"dob\":\"01234\"}", 15, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
    /* The next member's key, and a string inside a non-string value, get the short limit. */
    cr_assert_eq(json_bounded_scan("{\"doc\":1,\"x\":\"01234\"}", 21, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert_eq(json_bounded_scan("{\"doc\":[\"01234\"]}", 17, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert_eq(json_bounded_scan("[\"doc\",\"01234\"]", 15, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
}

Test(json_bounded, the_long_allowance_ends_with_its_value) {
    json_limits l = {.max_values = 100, .max_depth = 8, .max_string = 4, .long_string_key = "doc",
                     .max_long_string = 10};
    cr_assert_eq(json_bounded_scan("[{\"doc\":null},\"01234\"]", 23, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
    cr_assert_eq(json_bounded_scan("{\"doc\":true,\"a\":[\"01234\"]}", 27, &l, NULL), JSON_BOUNDED_STRING_TOO_LONG);
}
