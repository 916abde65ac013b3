/* The console's pure parts: the form parser, HTML escaping, the sealed
 * session cookie (tampered, expired, wrong key) and the CSRF check; the
 * sign-in limiter;
 * delivery's return_to check (oauth_return_allowed) beside them. */
#include "console.h"
#include "oauth.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

static void init(void) { cr_assert(sodium_init() >= 0); }

TestSuite(console_units, .init = init);

Test(console_units, form_decodes_pairs) {
    form f;
    const char *body = "a=1&b=hello+world&c=%C3%A9t%C3%A9&&d&a=2&e=";
    cr_assert_eq(form_parse(body, strlen(body), &f), FORM_OK);
    cr_assert_eq(f.n, 6);
    cr_assert_str_eq(form_get(&f, "a"), "1");
    cr_assert_str_eq(form_get(&f, "b"), "hello world");
    cr_assert_str_eq(form_get(&f, "c"), "\xc3\xa9t\xc3\xa9");
    cr_assert_str_eq(form_get(&f, "d"), "");
    cr_assert_str_eq(form_get(&f, "e"), "");
    cr_assert_null(form_get(&f, "x"));
    cr_assert_eq(form_count(&f, "a"), 2);
    form_free(&f);
    cr_assert_eq(form_parse("", 0, &f), FORM_OK);
    cr_assert_eq(f.n, 0);
    form_free(&f);
}

Test(console_units, form_refuses_bad_input) {
    form f;
    static const char *const bad_escape[] = {"a=%", "a=%4", "a=%zz", "%g1=x"};
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(form_parse(bad_escape[i], strlen(bad_escape[i]), &f), FORM_BAD_ENCODING, "%s", bad_escape[i]);
        cr_expect_eq(f.n, 0);
        form_free(&f);
    }
    static const char *const bad_text[] = {"a=%00", "a=%C3", "a=%FF", "a=%1B", "%7F=1"};
    for (size_t i = 0; i < 5; i++) {
        cr_expect_eq(form_parse(bad_text[i], strlen(bad_text[i]), &f), FORM_BAD_TEXT, "%s", bad_text[i]);
        form_free(&f);
    }
    cr_assert_eq(form_parse("a=%0D%0A%09", 11, &f), FORM_OK); /* CR, LF and tab are text */
    form_free(&f);
    char many[FORM_MAX_FIELDS * 4 + 8] = "";
    for (int i = 0; i <= FORM_MAX_FIELDS; i++) strcat(many, "a=1&");
    cr_assert_eq(form_parse(many, strlen(many), &f), FORM_TOO_MANY);
    form_free(&f);
    static char big[FORM_MAX_BODY + 2];
    memset(big, 'a', sizeof big - 1);
    cr_assert_eq(form_parse(big, sizeof big - 1, &f), FORM_TOO_LARGE);
    form_free(&f);
    cr_assert_eq(form_parse(big, FORM_MAX_BODY, &f), FORM_OK); /* at the limit: one name */
    cr_assert_eq(f.n, 1);
    form_free(&f);
}

Test(console_units, html_escapes_everything_active) {
    char out[128];
    const char *s = "<script>alert('x')</script>&\"";
    size_t n = html_escape(s, strlen(s), out, sizeof out);
    cr_assert_str_eq(out, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    cr_assert_eq(n, strlen(out));
    /* Control bytes become U+FFFD; tab, LF and CR stay. */
    html_escape("a\x01\tb\x7f", 5, out, sizeof out);
    cr_assert_str_eq(out, "a\xef\xbf\xbd\tb\xef\xbf\xbd");
    /* Truncation never leaves half an entity. */
    n = html_escape("a<b", 3, out, 4);
    cr_assert_str_eq(out, "a");
    cr_assert_eq(n, 6);
    html_buf b = {0};
    html_text(&b, "x\"><img src=x onerror=alert(1)>");
    html_raw(&b, "|");
    html_url(&b, "a b/c?d&e");
    size_t len = 0;
    char *page = html_take(&b, &len);
    cr_assert_str_eq(page, "x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;|a%20b%2Fc%3Fd%26e");
    cr_assert_eq(len, strlen(page));
    free(page);
}

Test(console_units, html_buffer_is_bounded) {
    html_buf b = {0};
    static char chunk[1024 * 1024];
    memset(chunk, '<', sizeof chunk - 1);
    for (int i = 0; i < 8 && !b.failed; i++) html_text(&b, chunk);
    cr_assert(b.failed);
    size_t len;
    cr_assert_null(html_take(&b, &len));
    cr_assert_null(b.p);
}

static session_keys keys(const char *secret) {
    session_keys k;
    cr_assert_eq(session_keys_derive(secret, &k), 0);
    return k;
}

Test(console_units, session_round_trip) {
    session_keys k = keys("0123456789abcdef0123456789abcdef-key");
    char cookie[SESSION_COOKIE_MAX], token[SESSION_TOKEN_MAX + 1];
    int64_t exp = 0;
    cr_assert_eq(session_seal(&k, "dev-admin-token", 1000 + 3600, cookie, sizeof cookie), 0);
    cr_assert_null(strpbrk(cookie, "+/=; "), "cookie-safe base64url: %s", cookie);
    cr_assert_eq(session_open(&k, cookie, 1000, 28800, token, sizeof token, &exp), SESSION_OK);
    cr_assert_str_eq(token, "dev-admin-token");
    cr_assert_eq(exp, 4600);
    /* Two seals of one token differ (random nonce). */
    char again[SESSION_COOKIE_MAX];
    session_seal(&k, "dev-admin-token", 4600, again, sizeof again);
    cr_assert_str_neq(cookie, again);
    /* The longest token fits a cookie header. */
    char longest[SESSION_TOKEN_MAX + 1];
    memset(longest, 'T', SESSION_TOKEN_MAX);
    longest[SESSION_TOKEN_MAX] = '\0';
    cr_assert_eq(session_seal(&k, longest, 4600, cookie, sizeof cookie), 0);
    cr_assert_eq(session_open(&k, cookie, 1000, 28800, token, sizeof token, NULL), SESSION_OK);
    cr_assert_str_eq(token, longest);
    /* Tokens that cannot be a bearer token are not sealed. */
    longest[0] = ' ';
    cr_assert_eq(session_seal(&k, longest, 4600, cookie, sizeof cookie), -1);
    cr_assert_eq(session_seal(&k, "", 4600, cookie, sizeof cookie), -1);
    cr_assert_eq(session_seal(&k, "a\r\nb", 4600, cookie, sizeof cookie), -1);
    cr_assert_eq(session_keys_derive("too short", &k), -1);
}

Test(console_units, session_refuses_tampered_expired_and_other_keys) {
    session_keys k = keys("0123456789abcdef0123456789abcdef-key");
    session_keys other = keys("0123456789abcdef0123456789abcdef-other");
    char cookie[SESSION_COOKIE_MAX], token[SESSION_TOKEN_MAX + 1];
    cr_assert_eq(session_seal(&k, "operator-token-123456789012", 2000, cookie, sizeof cookie), 0);
    /* Every single-character change is refused. */
    size_t n = strlen(cookie);
    for (size_t i = 0; i < n; i++) {
        char t[SESSION_COOKIE_MAX];
        strcpy(t, cookie);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        cr_expect_eq(session_open(&k, t, 1000, 28800, token, sizeof token, NULL), SESSION_INVALID, "position %zu", i);
        cr_expect_str_empty(token);
    }
    char cut[SESSION_COOKIE_MAX];
    snprintf(cut, sizeof cut, "%.*s", (int)n - 4, cookie);
    cr_assert_eq(session_open(&k, cut, 1000, 28800, token, sizeof token, NULL), SESSION_INVALID);
    cr_assert_eq(session_open(&k, "", 1000, 28800, token, sizeof token, NULL), SESSION_INVALID);
    cr_assert_eq(session_open(&k, "not base64!", 1000, 28800, token, sizeof token, NULL), SESSION_INVALID);
    cr_assert_eq(session_open(&other, cookie, 1000, 28800, token, sizeof token, NULL), SESSION_INVALID);
    /* Expired at or after its expiry; an expiry beyond the longest session counts as expired. */
    cr_assert_eq(session_open(&k, cookie, 1999, 28800, token, sizeof token, NULL), SESSION_OK);
    cr_assert_eq(session_open(&k, cookie, 2000, 28800, token, sizeof token, NULL), SESSION_EXPIRED);
    cr_expect_str_empty(token);
    cr_assert_eq(session_open(&k, cookie, 1000, 500, token, sizeof token, NULL), SESSION_EXPIRED);
}

Test(console_units, csrf_token_is_bound_to_the_session) {
    session_keys k = keys("0123456789abcdef0123456789abcdef-key");
    session_keys other = keys("0123456789abcdef0123456789abcdef-other");
    char c1[SESSION_COOKIE_MAX], c2[SESSION_COOKIE_MAX], t1[SESSION_CSRF_LEN], t2[SESSION_CSRF_LEN],
        t3[SESSION_CSRF_LEN];
    session_seal(&k, "token-one-123", 5000, c1, sizeof c1);
    session_seal(&k, "token-one-123", 5000, c2, sizeof c2);
    session_csrf(&k, c1, t1);
    session_csrf(&k, c2, t2);
    session_csrf(&other, c1, t3);
    cr_assert_eq(strlen(t1), SESSION_CSRF_LEN - 1);
    cr_assert(session_csrf_ok(&k, c1, t1));
    cr_assert_not(session_csrf_ok(&k, c1, t2), "another session's token");
    cr_assert_not(session_csrf_ok(&k, c1, t3), "another key's token");
    cr_assert_not(session_csrf_ok(&k, c1, NULL));
    cr_assert_not(session_csrf_ok(&k, c1, ""));
    char bad[SESSION_CSRF_LEN];
    strcpy(bad, t1);
    bad[5] = bad[5] == 'x' ? 'y' : 'x';
    cr_assert_not(session_csrf_ok(&k, c1, bad));
    strcpy(bad, t1);
    bad[SESSION_CSRF_LEN - 2] = '\0';
    cr_assert_not(session_csrf_ok(&k, c1, bad));
}

Test(console_units, cookie_header_lookup) {
    char v[64];
    cr_assert_eq(session_cookie_get("a=1; atsb_session=abc-_9; b=2", "atsb_session", v, sizeof v), 0);
    cr_assert_str_eq(v, "abc-_9");
    cr_assert_eq(session_cookie_get("atsb_session=x", "atsb_session", v, sizeof v), 0);
    cr_assert_str_eq(v, "x");
    cr_assert_eq(session_cookie_get("xatsb_session=1; atsb_sessionx=2", "atsb_session", v, sizeof v), -1);
    cr_assert_eq(session_cookie_get("", "atsb_session", v, sizeof v), -1);
    cr_assert_eq(session_cookie_get("atsb_session=0123456789", "atsb_session", v, 5), -1);
}

Test(console_units, return_to_must_name_an_allowed_origin) {
    const char *list = "http://127.0.0.1:8085, https://console.example";
    cr_assert(oauth_return_allowed("http://127.0.0.1:8085/accounts/a/connections", list));
    cr_assert(oauth_return_allowed("https://console.example/accounts/a/connections?x=1", list));
    cr_assert(oauth_return_allowed("https://console.example", list));
    cr_assert_not(oauth_return_allowed("https://console.example.evil/x", list));
    cr_assert_not(oauth_return_allowed("https://console.example@evil/x", list));
    cr_assert_not(oauth_return_allowed("http://127.0.0.1:8086/accounts", list));
    cr_assert_not(oauth_return_allowed("https://console.example/a#frag", list));
    cr_assert_not(oauth_return_allowed("javascript:alert(1)", list));
    cr_assert_not(oauth_return_allowed("//console.example/x", list));
    cr_assert_not(oauth_return_allowed("https://console.example/a b", list));
    cr_assert_not(oauth_return_allowed("http://127.0.0.1:8085/x", ""));
}

/* ---- the sign-in limiter: a pure function of its table and the time given ---- */

static void v4(unsigned char out[16], unsigned a, unsigned b, unsigned c, unsigned d) {
    memset(out, 0, 16);
    out[10] = out[11] = 0xff;
    out[12] = (unsigned char)a;
    out[13] = (unsigned char)b;
    out[14] = (unsigned char)c;
    out[15] = (unsigned char)d;
}

Test(console_units, signin_limit_burst_then_one_per_interval) {
    signin_limiter l;
    cr_assert_eq(signin_limiter_init(&l, 64, 3, 1000), 0);
    unsigned char a[16], b[16];
    v4(a, 192, 0, 2, 1);
    v4(b, 192, 0, 2, 2);
    int64_t t = 1000000;
    for (int i = 0; i < 3; i++) cr_expect_eq(signin_limit_take(&l, a, t), 0, "attempt %d of the burst", i + 1);
    cr_expect_eq(signin_limit_take(&l, a, t), 1000, "the fourth waits a whole interval");
    cr_expect_eq(signin_limit_take(&l, a, t + 400), 600, "a refused attempt charges nothing");
    cr_expect_eq(signin_limit_take(&l, b, t), 0, "another address has its own bucket");
    cr_expect_eq(signin_limit_take(&l, a, t + 1000), 0, "one attempt back after the interval");
    cr_expect_eq(signin_limit_take(&l, a, t + 1000), 1000);
    /* Idle long enough: the whole burst again, never more. */
    for (int i = 0; i < 3; i++) cr_expect_eq(signin_limit_take(&l, a, t + 60000), 0);
    cr_expect_gt(signin_limit_take(&l, a, t + 60000), 0);
    signin_limiter_free(&l);
}

Test(console_units, signin_limit_ipv6_counts_by_64_and_ipv4_by_address) {
    signin_limiter l;
    cr_assert_eq(signin_limiter_init(&l, 64, 2, 5000), 0);
    unsigned char x[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    unsigned char y[16];
    memcpy(y, x, 16);
    y[15] = 2; /* same /64 */
    unsigned char z[16];
    memcpy(z, x, 16);
    z[7] = 2; /* another /64 */
    cr_expect_eq(signin_limit_take(&l, x, 10), 0);
    cr_expect_eq(signin_limit_take(&l, y, 10), 0);
    cr_expect_eq(signin_limit_take(&l, y, 10), 5000, "one /64 is one client");
    cr_expect_eq(signin_limit_take(&l, z, 10), 0);
    unsigned char a[16], b[16];
    v4(a, 10, 0, 0, 1);
    v4(b, 10, 0, 0, 2);
    cr_expect_eq(signin_limit_take(&l, a, 10), 0);
    cr_expect_eq(signin_limit_take(&l, a, 10), 0);
    cr_expect_gt(signin_limit_take(&l, a, 10), 0);
    cr_expect_eq(signin_limit_take(&l, b, 10), 0, "IPv4 neighbours are distinct clients");
    signin_limiter_free(&l);
}

Test(console_units, signin_limit_memory_is_fixed_and_evicts_the_idlest) {
    signin_limiter l;
    cr_assert_eq(signin_limiter_init(&l, 16, 1, 60000), 0);
    cr_assert_eq(l.n, 16);
    unsigned char a[16], b[16];
    v4(a, 198, 51, 100, 7);
    cr_expect_eq(signin_limit_take(&l, a, 1), 0);
    cr_expect_gt(signin_limit_take(&l, a, 2), 0, "limited");
    /* Ten thousand other addresses later, still 16 slots; the limited
     * address's bucket was the idlest in its probe window sooner or later
     * and was forgotten, the price of fixed memory. */
    for (unsigned i = 0; i < 10000; i++) {
        v4(b, 203, 0, (i >> 8) & 0xff, i & 0xff);
        signin_limit_take(&l, b, 3 + (int64_t)i);
    }
    cr_expect_eq(l.n, 16, "the table never grows");
    size_t used = 0;
    for (size_t i = 0; i < l.n; i++) used += l.slots[i].tat_ms != 0;
    cr_expect_eq(used, 16);
    cr_expect_eq(signin_limit_take(&l, a, 10003), 0, "forgotten: its bucket was the oldest");
    /* Eviction takes the idlest: a busy address survives an idle one. */
    signin_limiter_free(&l);
    cr_assert_eq(signin_limiter_init(&l, 16, 2, 1000), 0);
    v4(a, 198, 51, 100, 8);
    cr_expect_eq(signin_limit_take(&l, a, 100), 0);
    cr_expect_eq(signin_limit_take(&l, a, 100), 0);
    cr_expect_gt(signin_limit_take(&l, a, 100), 0);
    /* Others come once each: their buckets are idler than a's (a's
     * theoretical arrival time is further ahead), so they go first. */
    for (unsigned i = 0; i < 200; i++) {
        v4(b, 203, 0, 113, i & 0xff);
        signin_limit_take(&l, b, 100);
    }
    cr_expect_gt(signin_limit_take(&l, a, 100), 0, "the limited address is not the one evicted");
    signin_limiter_free(&l);
    cr_expect_eq(signin_limiter_init(&l, 16, 0, 1000), -1, "a burst of 0 is refused");
    cr_expect_eq(signin_limiter_init(&l, 8, 1, 1000), -1, "fewer than 16 slots is refused");
}
