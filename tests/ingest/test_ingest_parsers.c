/* The pure parsers behind ingest's endpoints: applications, exports, Lever
 * webhooks, provider callbacks, timestamps, e-mail and file-name checks.
 * Every one returns errors for bad input and survives random input. */
#include "application_parse.h"
#include "callbacks.h"
#include "crypto.h"
#include "export_parse.h"
#include "lookup_cache.h"
#include "text.h"
#include "rfc3339.h"
#include "webhooks.h"
#include "utf8.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const app_limits LIM = {1024, 2048};

static void init(void) { crypto_init(); }
TestSuite(parsers, .init = init);

static int has(const errlist *e, int status, const char *field, const char *code) {
    for (size_t i = 0; i < e->n; i++)
        if (e->items[i].status == status && !strcmp(e->items[i].field, field) && !strcmp(e->items[i].code, code))
            return 1;
    return 0;
}

static void dump(const errlist *e, char *buf, size_t len) {
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < e->n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "[%d %s %s] ", e->items[i].status, e->items[i].field, e->items[i].code);
}

static const char *GOOD =
    "{\"board\":\"stepstone_de\",\"board_application_id\":\"A-1\",\"account_id\":\"demo-lever\","
    "\"candidate\":{\"first_name\":\"Zo\xc3\xab\",\"last_name\":\"M\",\"email\":\"zoe@example.org\",\"links\":[\"https://x.org\"]},"
    "\"answers\":[{\"question_id\":\"q\",\"value\":\"7\"},{\"question_id\":\"r\",\"values\":[\"a\",\"b\"]}],"
    "\"consent\":{\"privacy_policy_accepted\":true,\"accepted_at\":\"2026-11-24T11:00:00+01:00\"},"
    "\"documents\":[{\"kind\":\"cv\",\"filename\":\"C:\\\\docs\\\\cv.txt\",\"content_base64\":\"aGVsbG8K\"}]}";

Test(parsers, application_good) {
    app_application a;
    errlist e = {0};
    char d[2048];
    int rc = app_parse(GOOD, strlen(GOOD), &LIM, &a, &e);
    dump(&e, d, sizeof d);
    cr_assert_eq(rc, 0, "%s", d);
    cr_assert_str_eq(a.candidate.first_name, "Zo\xc3\xab");
    cr_assert_eq(a.nanswers, 2);
    cr_assert_eq(a.answers[1].nvalues, 2);
    cr_assert_eq(a.accepted_at_ms, 1795514400000LL);
    cr_assert_eq(a.documents.n, 1);
    cr_assert_str_eq(a.documents.v[0].filename, "cv.txt");
    cr_assert_str_eq(a.documents.v[0].content_type, "text/plain");
    cr_assert_eq(a.documents.v[0].len, 6);
    app_application_free(&a);
}

Test(parsers, canonical_hash_ignores_order_and_spacing) {
    const char *x = "{\"board\":\"stepstone_de\",\"board_application_id\":\"A\",\"account_id\":\"a\","
                    "\"candidate\":{\"first_name\":\"F\",\"last_name\":\"L\",\"email\":\"f@l.de\"},"
                    "\"consent\":{\"privacy_policy_accepted\":true}}";
    const char *y = "{ \"consent\": {\"privacy_policy_accepted\": true}, \"account_id\": \"a\",\n"
                    "  \"candidate\": {\"email\": \"f@l.de\", \"last_name\": \"L\", \"first_name\": \"F\"},"
                    "  \"board_application_id\": \"A\", \"board\": \"stepstone_de\", \"ignored\": 1 }";
    const char *z = "{\"board\":\"stepstone_de\",\"board_application_id\":\"A\",\"account_id\":\"a\","
                    "\"candidate\":{\"first_name\":\"G\",\"last_name\":\"L\",\"email\":\"f@l.de\"},"
                    "\"consent\":{\"privacy_policy_accepted\":true}}";
    char hx[CRYPTO_SHA256_HEX], hy[CRYPTO_SHA256_HEX], hz[CRYPTO_SHA256_HEX];
    const char *in[] = {x, y, z};
    char *out[] = {hx, hy, hz};
    for (int i = 0; i < 3; i++) {
        app_application a;
        errlist e = {0};
        cr_assert_eq(app_parse(in[i], strlen(in[i]), &LIM, &a, &e), 0);
        app_canonical_sha256(&a, out[i]);
        app_application_free(&a);
    }
    cr_assert_str_eq(hx, hy);
    cr_assert_str_neq(hx, hz);
}

Test(parsers, application_lists_every_problem) {
    const char *bad = "{\"board\":\"monster\",\"board_application_id\":5,"
                      "\"candidate\":{\"first_name\":\"a\\u0000b\",\"last_name\":\"L\",\"email\":\"a@@b\",\"links\":\"x\"},"
                      "\"answers\":[{\"question_id\":\"q\",\"value\":\"1\",\"values\":[]},{\"question_id\":\"q\",\"value\":\"2\"},3],"
                      "\"consent\":{\"privacy_policy_accepted\":\"yes\",\"accepted_at\":\"yesterday\"},"
                      "\"documents\":[{\"kind\":\"photo\",\"content_base64\":\"aGk=\"},{\"filename\":\"x\"}]}";
    app_application a;
    errlist e = {0};
    char d[4096];
    cr_assert_eq(app_parse(bad, strlen(bad), &LIM, &a, &e), -1);
    dump(&e, d, sizeof d);
    cr_assert_eq(errlist_status(&e), 422, "%s", d);
    cr_assert(has(&e, 422, "board", "unknown_board"), "%s", d);
    cr_assert(has(&e, 422, "board_application_id", "type"), "%s", d);
    cr_assert(has(&e, 422, "account_id", "required"), "%s", d);
    cr_assert(has(&e, 422, "candidate.first_name", "invalid"), "%s", d);
    cr_assert(has(&e, 422, "candidate.email", "invalid_email"), "%s", d);
    cr_assert(has(&e, 422, "candidate.links", "type"), "%s", d);
    cr_assert(has(&e, 422, "answers[0]", "invalid"), "%s", d);
    cr_assert(has(&e, 422, "answers[1].question_id", "duplicate"), "%s", d);
    cr_assert(has(&e, 422, "answers[2]", "type"), "%s", d);
    cr_assert(has(&e, 422, "consent.privacy_policy_accepted", "type"), "%s", d);
    cr_assert(has(&e, 422, "consent.accepted_at", "invalid"), "%s", d);
    cr_assert(has(&e, 422, "documents[0].kind", "invalid"), "%s", d);
    cr_assert(has(&e, 422, "documents[1].content_base64", "required"), "%s", d);
    json_object *j = errlist_json(&e, 422);
    cr_assert_eq(json_object_array_length(j), e.n);
    json_object_put(j);
    app_application_free(&a);
    errlist_free(&e);
}

Test(parsers, malformed_json_reports_offset) {
    errlist e = {0};
    cr_assert_null(app_json_parse("{\"a\": [1, 2,]}", 14, &JSON_LIMITS_DEFAULT, &e), "strict: no trailing commas");
    cr_assert_eq(errlist_status(&e), 400);
    cr_assert(strstr(e.items[0].message, "offset"), "%s", e.items[0].message);
    errlist_free(&e);
    cr_assert_null(app_json_parse("{\"a\": 1} x", 10, &JSON_LIMITS_DEFAULT, &e));
    cr_assert(strstr(e.items[0].message, "offset 9"), "%s", e.items[0].message);
    errlist_free(&e);
    cr_assert_null(app_json_parse("[1]", 3, &JSON_LIMITS_DEFAULT, &e), "must be an object");
    errlist_free(&e);
    cr_assert_null(app_json_parse("{\"a\": \"\xc3\x28\"}", 11, &JSON_LIMITS_DEFAULT, &e), "invalid UTF-8");
    errlist_free(&e);
    cr_assert_null(app_json_parse("{\"a\"", 4, &JSON_LIMITS_DEFAULT, &e));
    cr_assert(strstr(e.items[0].message, "end"), "%s", e.items[0].message);
    errlist_free(&e);
    cr_assert_null(app_json_parse("{\"a\":1}\0{", 9, &JSON_LIMITS_DEFAULT, &e), "embedded NUL");
    errlist_free(&e);
}

/* A growing text buffer for the large bodies below. */
static char *grow(char *s, size_t *k, size_t *cap, const char *add) {
    size_t n = strlen(add);
    if (*k + n + 1 > *cap) {
        *cap = (*k + n + 1) * 2;
        s = realloc(s, *cap);
        cr_assert_not_null(s);
    }
    memcpy(s + *k, add, n + 1);
    *k += n;
    return s;
}

Test(parsers, largest_valid_application_fits_the_json_limits) {
    size_t k = 0, cap = 0;
    char *s = NULL, buf[256];
    s = grow(s, &k, &cap,
             "{\"board\":\"stepstone_de\",\"board_application_id\":\"A-1\",\"account_id\":\"demo-lever\","
             "\"posting_id\":\"p\",\"candidate\":{\"first_name\":\"Z\",\"last_name\":\"M\",\"email\":\"z@e.org\","
             "\"phone\":\"1\",\"location\":\"B\",\"headline\":\"H\",\"links\":[");
    for (int i = 0; i < 20; i++) s = grow(s, &k, &cap, i ? ",\"https://x.org\"" : "\"https://x.org\"");
    s = grow(s, &k, &cap, "]},\"answers\":[");
    for (int i = 0; i < 200; i++) {
        snprintf(buf, sizeof buf, "%s{\"question_id\":\"q%d\",\"values\":[", i ? "," : "", i);
        s = grow(s, &k, &cap, buf);
        for (int j = 0; j < 100; j++) s = grow(s, &k, &cap, j ? ",\"v\"" : "\"v\"");
        s = grow(s, &k, &cap, "]}");
    }
    s = grow(s, &k, &cap, "],\"consent\":{\"privacy_policy_accepted\":true,\"accepted_at\":\"2026-11-24T11:00:00Z\"},"
                          "\"documents\":[");
    for (int i = 0; i < 20; i++)
        s = grow(s, &k, &cap, i ? ",{\"kind\":\"other\",\"filename\":\"a.txt\",\"content_type\":\"text/plain\","
                                  "\"content_base64\":\"aGVsbG8K\"}"
                                : "{\"kind\":\"cv\",\"filename\":\"a.txt\",\"content_type\":\"text/plain\","
                                  "\"content_base64\":\"aGVsbG8K\"}");
    s = grow(s, &k, &cap, "]}");
    app_application a;
    errlist e = {0};
    char d[2048];
    int rc = app_parse(s, k, &LIM, &a, &e);
    dump(&e, d, sizeof d);
    cr_assert_eq(rc, 0, "%s %s", d, e.n ? e.items[0].message : "");
    cr_assert_eq(a.nanswers, 200);
    cr_assert_eq(a.documents.n, 20);
    app_application_free(&a);
    free(s);
}

Test(parsers, json_beyond_its_limits_is_413_json_too_large) {
    size_t k = 0, cap = 0;
    char *s = grow(NULL, &k, &cap, "{\"board\":\"x\",\"x\":[{}");
    for (int i = 0; i < 30000; i++) s = grow(s, &k, &cap, ",{}");
    s = grow(s, &k, &cap, "]}");
    app_application a;
    errlist e = {0};
    cr_assert_eq(app_parse(s, k, &LIM, &a, &e), -1);
    cr_assert_eq(errlist_status(&e), 413);
    cr_assert(has(&e, 413, "", "json_too_large"));
    cr_assert(strstr(e.items[0].message, "JSON values"), "%s", e.items[0].message);
    app_application_free(&a);
    errlist_free(&e);
    /* The same body as an export of at most 2 candidates: 1024 + 2 * 256 values. */
    export_request r;
    cr_assert_eq(export_parse(s, k, &LIM, 2, &r, &e), -1);
    cr_assert(has(&e, 413, "", "json_too_large"));
    cr_assert(strstr(e.items[0].message, "More than 1536 JSON values"), "%s", e.items[0].message);
    export_request_free(&r);
    errlist_free(&e);
    free(s);
    /* Nesting and string length. */
    char deep[200];
    memset(deep, '[', sizeof deep);
    cr_assert_null(app_json_parse(deep, sizeof deep, &JSON_LIMITS_DEFAULT, &e));
    cr_assert(has(&e, 413, "", "json_too_large"));
    cr_assert(strstr(e.items[0].message, "deeper than 32"), "%s", e.items[0].message);
    errlist_free(&e);
    json_limits jl = app_json_limits(&LIM);
    cr_assert_geq(jl.max_string, 64 * 1024, "answers and names are never refused for length here");
    size_t n = jl.max_string + 16;
    char *str = malloc(n);
    memset(str, 'A', n);
    memcpy(str, "{\"a\":\"", 6);
    memcpy(str + n - 2, "\"}", 2);
    cr_assert_eq(app_parse(str, n, &LIM, &a, &e), -1);
    cr_assert(has(&e, 413, "", "json_too_large"));
    cr_assert(strstr(e.items[0].message, "string longer than"), "%s", e.items[0].message);
    app_application_free(&a);
    errlist_free(&e);
    /* Only a document's content may be longer than 64 KiB. */
    n = 1 << 20;
    str = realloc(str, n);
    memset(str, 'A', n);
    memcpy(str, "{\"candidate\":{\"first_name\":\"", 28);
    memcpy(str + n - 3, "\"}}", 3);
    cr_assert_eq(app_parse(str, n, &LIM, &a, &e), -1);
    cr_assert(has(&e, 413, "", "json_too_large"), "a 1 MiB name must be refused by the scanner");
    app_application_free(&a);
    errlist_free(&e);
    free(str);
}

Test(parsers, export_of_the_largest_candidates_fits_the_json_limits) {
    size_t k = 0, cap = 0;
    char *s = grow(NULL, &k, &cap, "{\"name\":\"n\",\"account_id\":\"a\",\"candidates\":[");
    for (int c = 0; c < 3; c++) {
        s = grow(s, &k, &cap, c ? ",{" : "{");
        s = grow(s, &k, &cap, "\"id\":\"1\",\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"a@b.de\","
                              "\"phone\":\"1\",\"location\":\"L\",\"headline\":\"H\",\"links\":[");
        for (int i = 0; i < 20; i++) s = grow(s, &k, &cap, i ? ",\"https://x.org\"" : "\"https://x.org\"");
        s = grow(s, &k, &cap, "],\"documents\":[");
        for (int i = 0; i < 20; i++)
            s = grow(s, &k, &cap, i ? ",{\"kind\":\"other\",\"filename\":\"a.txt\",\"content_type\":\"text/plain\","
                                      "\"content_base64\":\"aGk=\"}"
                                    : "{\"kind\":\"cv\",\"filename\":\"a.txt\",\"content_type\":\"text/plain\","
                                      "\"content_base64\":\"aGk=\"}");
        s = grow(s, &k, &cap, "]}");
    }
    s = grow(s, &k, &cap, "]}");
    export_request r;
    errlist e = {0};
    char d[2048];
    int rc = export_parse(s, k, &LIM, 3, &r, &e);
    dump(&e, d, sizeof d);
    cr_assert_eq(rc, 0, "%s %s", d, e.n ? e.items[0].message : "");
    cr_assert_eq(r.ncandidates, 3);
    export_request_free(&r);
    free(s);
}

Test(parsers, base64_and_sizes) {
    app_application a;
    errlist e = {0};
    const char *b = "{\"documents\":[{\"content_base64\":\"@@@@\"}]}";
    app_parse(b, strlen(b), &LIM, &a, &e);
    cr_assert_eq(errlist_status(&e), 400);
    cr_assert(has(&e, 400, "documents[0].content_base64", "malformed_base64"));
    app_application_free(&a);
    errlist_free(&e);
    /* 1025 bytes > 1024 per document. */
    char big[1400];
    char raw[1100];
    memset(raw, 'a', sizeof raw);
    size_t n = 0;
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i + 3 <= 1026; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | (unsigned)raw[i + 2];
        big[n++] = tbl[v >> 18 & 63];
        big[n++] = tbl[v >> 12 & 63];
        big[n++] = tbl[v >> 6 & 63];
        big[n++] = tbl[v & 63];
    }
    big[n] = '\0';
    char *json = malloc(sizeof big + 100);
    snprintf(json, sizeof big + 100, "{\"documents\":[{\"content_base64\":\"%s\"}]}", big);
    app_parse(json, strlen(json), &LIM, &a, &e);
    cr_assert_eq(errlist_status(&e), 413);
    cr_assert(has(&e, 413, "documents[0]", "too_large"));
    app_application_free(&a);
    errlist_free(&e);
    free(json);
    /* Three of 801 bytes: each fine, the third over the 2048-byte total. */
    char *three = malloc(8000);
    int k = snprintf(three, 8000, "{\"documents\":[");
    for (int i = 0; i < 3; i++) {
        k += snprintf(three + k, (size_t)(8000 - k), "%s{\"content_base64\":\"", i ? "," : "");
        for (int j = 0; j < 267; j++, k += 4) memcpy(three + k, "YWFh", 4); /* 801 bytes of "aaa" */
        k += snprintf(three + k, (size_t)(8000 - k), "\"}");
    }
    snprintf(three + k, (size_t)(8000 - k), "]}");
    app_parse(three, strlen(three), &LIM, &a, &e);
    cr_assert(has(&e, 413, "documents[2]", "too_large"), "total over the request limit");
    app_application_free(&a);
    errlist_free(&e);
    free(three);
}

Test(parsers, export_paths_are_indexed) {
    const char *x = "{\"name\":\"n\",\"account_id\":\"a\",\"candidates\":["
                    "{\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"a@b.de\"},"
                    "{\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"nope\"},"
                    "[],"
                    "{\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"a@b.de\",\"documents\":[{\"content_base64\":\"AAAA\"}]}]}";
    export_request r;
    errlist e = {0};
    char d[2048];
    cr_assert_eq(export_parse(x, strlen(x), &LIM, 1000, &r, &e), -1);
    dump(&e, d, sizeof d);
    cr_assert(has(&e, 422, "candidates[1].email", "invalid_email"), "%s", d);
    cr_assert(has(&e, 422, "candidates[2]", "type"), "%s", d);
    cr_assert(has(&e, 422, "candidates[3].documents[0]", "unsupported_type"), "%s", d);
    cr_assert_str_eq(r.duplicate_policy, "skip", "default policy");
    export_request_free(&r);
    errlist_free(&e);
    cr_assert_eq(export_parse(x, strlen(x), &LIM, 2, &r, &e), -1);
    cr_assert(has(&e, 422, "candidates", "too_many"));
    export_request_free(&r);
    errlist_free(&e);
    const char *none = "{\"name\":\"n\",\"account_id\":\"a\",\"candidates\":[]}";
    cr_assert_eq(export_parse(none, strlen(none), &LIM, 10, &r, &e), -1);
    cr_assert(has(&e, 422, "candidates", "required"));
    export_request_free(&r);
    errlist_free(&e);
}

Test(parsers, lever_webhook_signature) {
    lever_webhook w;
    errlist e = {0};
    const char *body = "{\"triggeredAt\":1764000000000,\"event\":\"candidateStageChange\",\"signature\":\"s\","
                       "\"token\":\"t0k\",\"data\":{\"opportunityId\":\"o\",\"candidateId\":\"c\",\"toStageId\":\"x\"}}";
    cr_assert_eq(lever_webhook_parse(body, strlen(body), &w, &e), 0);
    cr_assert_str_eq(w.triggered_at, "1764000000000");
    cr_assert_str_eq(w.opportunity_id, "o");
    cr_assert_str_eq(w.contact_id, "c");
    char sig[CRYPTO_SHA256_HEX], ref[CRYPTO_SHA256_HEX];
    lever_webhook_sign("key", w.token, w.triggered_at, sig);
    crypto_hmac_sha256_hex("key", 3, "t0k1764000000000", 16, ref);
    cr_assert_str_eq(sig, ref, "HMAC of token + triggeredAt keyed with the signature token");
    lever_webhook_free(&w);
    const char *ping = "{\"triggeredAt\":\"1764000000000\",\"event\":\"candidateStageChange\",\"token\":\"t\",\"data\":{}}";
    cr_assert_eq(lever_webhook_parse(ping, strlen(ping), &w, &e), 0);
    cr_assert_null(w.opportunity_id);
    cr_assert_null(w.signature);
    lever_webhook_free(&w);
    const char *bad = "{\"triggeredAt\":1.5,\"event\":3,\"data\":[]}";
    cr_assert_eq(lever_webhook_parse(bad, strlen(bad), &w, &e), -1);
    cr_assert(has(&e, 400, "triggeredAt", "type") && has(&e, 400, "event", "type") && has(&e, 400, "data", "type"));
    lever_webhook_free(&w);
    errlist_free(&e);
}

Test(parsers, bgcheck_callback) {
    bgcheck_callback cb;
    errlist e = {0};
    const char *ok = "{\"order_id\":\"o1\",\"status\":\"In Progress\",\"occurred_at\":1764000000000}";
    cr_assert_eq(bgcheck_callback_parse(ok, strlen(ok), &cb, &e), 0);
    cr_assert_eq(cb.status, 4);
    cr_assert_eq(cb.occurred_at_ms, 1764000000000LL);
    bgcheck_callback_free(&cb);
    const char *bad = "{\"status\":\"Done\",\"occurred_at\":\"soon\",\"score\":7}";
    cr_assert_eq(bgcheck_callback_parse(bad, strlen(bad), &cb, &e), -1);
    cr_assert(has(&e, 422, "order_id", "required") && has(&e, 422, "status", "invalid") &&
              has(&e, 422, "occurred_at", "invalid") && has(&e, 422, "score", "type"));
    bgcheck_callback_free(&cb);
    errlist_free(&e);
    char sig[CRYPTO_SHA256_HEX], ref[CRYPTO_SHA256_HEX];
    bgcheck_callback_sign("sec", "1700000000", "{}", 2, sig);
    crypto_hmac_sha256_hex("sec", 3, "1700000000.{}", 13, ref);
    cr_assert_str_eq(sig, ref, "HMAC of timestamp + '.' + body");
}

Test(parsers, timestamps) {
    int64_t ms = 0;
    cr_assert_eq(rfc3339_parse("1970-01-01T00:00:00Z", &ms), 0);
    cr_assert_eq(ms, 0);
    cr_assert_eq(rfc3339_parse("2026-11-24T10:00:00.5Z", &ms), 0);
    cr_assert_eq(ms, 1795514400500LL);
    cr_assert_eq(rfc3339_parse("2026-11-24T12:30:00+02:30", &ms), 0);
    cr_assert_eq(ms, 1795514400000LL);
    cr_assert_eq(rfc3339_parse("2024-02-29T00:00:00Z", &ms), 0);
    cr_assert_eq(rfc3339_parse("2025-02-29T00:00:00Z", &ms), -1);
    cr_assert_eq(rfc3339_parse("2026-13-01T00:00:00Z", &ms), -1);
    cr_assert_eq(rfc3339_parse("2026-11-24T10:00:00", &ms), -1, "offset required");
    cr_assert_eq(rfc3339_parse("2026-11-24T10:00:00Zjunk", &ms), -1);
    cr_assert_eq(rfc3339_parse("", &ms), -1);
}

Test(parsers, emails_and_names) {
    cr_assert(text_email_valid("zoe@example.org"));
    cr_assert(text_email_valid("first.last+tag@sub.example.co.uk"));
    cr_assert(text_email_valid("j\xc3\xbcrgen@m\xc3\xbcller.de"));
    const char *bad[] = {"", "a", "@b.de", "a@", "a@b", "a..b@c.de", ".a@b.de", "a.@b.de", "a b@c.de",
                         "a@-b.de", "a@b-.de", "a@b..de", "a@b.de.", "a@@b.de", "a(b)@c.de"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cr_assert(!text_email_valid(bad[i]), "%s", bad[i]);
    char out[16];
    text_sanitize_filename("../../etc/passwd", out, sizeof out);
    cr_assert_str_eq(out, "passwd");
    text_sanitize_filename("a\tb\"c.pdf", out, sizeof out);
    cr_assert_str_eq(out, "a_b_c.pdf");
    text_sanitize_filename("dir/", out, sizeof out);
    cr_assert_str_eq(out, "document");
    text_sanitize_filename("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", out, 6);
    cr_assert_str_eq(out, "\xc3\xa4\xc3\xa4", "never cut inside a character");
    cr_assert(utf8_valid("\xf0\x9f\x98\x80", 4));
    cr_assert(!utf8_valid("\xed\xa0\x80", 3), "surrogate");
    cr_assert(!utf8_valid("\xc0\xaf", 2), "overlong");
    cr_assert(!utf8_valid("\xf4\x90\x80\x80", 4), "beyond U+10FFFF");
}

Test(parsers, random_inputs_never_crash) {
    const char *seeds[] = {GOOD, "{\"triggeredAt\":1,\"event\":\"e\",\"signature\":\"s\",\"token\":\"t\",\"data\":{\"opportunityId\":\"o\"}}",
                           "{\"order_id\":\"o\",\"status\":\"Completed\",\"occurred_at\":\"2026-11-24T10:00:00Z\"}"};
    srand(7);
    char buf[2048];
    for (int iter = 0; iter < 6000; iter++) {
        const char *s = seeds[iter % 3];
        size_t len = strlen(s);
        memcpy(buf, s, len);
        for (int k = 0; k < 1 + rand() % 3; k++) buf[rand() % len] = (char)(rand() % 256);
        size_t n = (size_t)rand() % (len + 1);
        errlist e = {0};
        app_application a;
        app_parse(buf, n, &LIM, &a, &e);
        app_application_free(&a);
        export_request r;
        export_parse(buf, n, &LIM, 10, &r, &e);
        export_request_free(&r);
        lever_webhook w;
        lever_webhook_parse(buf, n, &w, &e);
        lever_webhook_free(&w);
        bgcheck_callback cb;
        bgcheck_callback_parse(buf, n, &cb, &e);
        bgcheck_callback_free(&cb);
        errlist_free(&e);
    }
}

Test(lookup_cache, hit_expiry_and_off) {
    char v[32];
    cr_assert_eq(lookup_cache_get("key:never-stored", 5000, v, sizeof v), 0);
    lookup_cache_put("key:abc", "board stepstone_de");
    cr_assert_eq(lookup_cache_get("key:abc", 5000, v, sizeof v), 1);
    cr_assert_str_eq(v, "board stepstone_de");
    cr_assert_eq(lookup_cache_get("key:abc", 0, v, sizeof v), 0, "ttl 0 turns the cache off");
    lookup_cache_put("key:gone", "1");
    lookup_cache_forget("key:gone");
    cr_assert_eq(lookup_cache_get("key:gone", 5000, v, sizeof v), 0, "forgotten");
    usleep(20 * 1000);
    cr_assert_eq(lookup_cache_get("key:abc", 10, v, sizeof v), 0, "expired");
    char longkey[300];
    memset(longkey, 'x', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    lookup_cache_put(longkey, "1");
    cr_assert_eq(lookup_cache_get(longkey, 5000, v, sizeof v), 0, "a truncated key never matches");
}
