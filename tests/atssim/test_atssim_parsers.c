/* atssim: the parsers (form encoding, multipart) never crash on garbage,
 * and the running simulator answers garbage with the API's error shapes. */
#include "form.h"
#include "multipart.h"
#include "simtest.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(atssim_parsers, form_decoding) {
    form_data f;
    cr_assert_eq(form_parse("a=1&b=x+y&c=%C3%BC&d&&e=", 24, &f), 0);
    cr_assert_str_eq(form_get(&f, "a"), "1");
    cr_assert_str_eq(form_get(&f, "b"), "x y");
    cr_assert_str_eq(form_get(&f, "c"), "\xc3\xbc");
    cr_assert_str_eq(form_get(&f, "d"), "");
    cr_assert_str_eq(form_get(&f, "e"), "");
    cr_assert_null(form_get(&f, "z"));
    form_free(&f);
    cr_assert_eq(form_parse("a=%zz", 5, &f), -1);
    cr_assert_eq(form_parse("a=%4", 4, &f), -1);
    cr_assert_eq(form_parse("a=%00", 5, &f), -1);
    cr_assert_eq(form_parse("", 0, &f), 0);
    cr_assert_eq(f.n, 0);
    form_free(&f);
}

#define MP "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n" \
           "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\nContent-Type: application/pdf\r\n\r\n" \
           "%PDF\r\n--b--\r\n"

Test(atssim_parsers, multipart) {
    char boundary[80];
    cr_assert_eq(multipart_boundary("multipart/form-data; boundary=b", boundary, sizeof boundary), 0);
    cr_assert_str_eq(boundary, "b");
    cr_assert_eq(multipart_boundary("multipart/form-data; boundary=\"q q\"; x=1", boundary, sizeof boundary), 0);
    cr_assert_str_eq(boundary, "q q");
    cr_assert_eq(multipart_boundary("application/json", boundary, sizeof boundary), -1);
    cr_assert_eq(multipart_boundary("multipart/form-data", boundary, sizeof boundary), -1);
    multipart_form f;
    cr_assert_eq(multipart_parse(MP, sizeof MP - 1, "b", &f), 0);
    cr_assert_eq(f.n, 2);
    cr_assert_eq(multipart_get(&f, "a")->len, 3);
    const multipart_part *file = multipart_get(&f, "file");
    cr_assert(file->is_file);
    cr_assert_str_eq(file->filename, "x.pdf");
    cr_assert_str_eq(file->content_type, "application/pdf");
    cr_assert_eq(file->len, 4);
    multipart_free(&f);
    /* Every truncation of a valid body is rejected or parsed, never read past. */
    for (size_t n = 0; n < sizeof MP - 1; n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, MP, n);
        int rc = multipart_parse(copy, n, "b", &f);
        cr_assert(rc == 0 || rc == -1);
        multipart_free(&f);
        free(copy);
    }
}

/* A small deterministic PRNG so failures reproduce. */
static uint32_t rnd(uint32_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

Test(atssim_parsers, random_bytes_never_crash) {
    static const char alphabet[] = "-b\r\n=&%+\"; :aZ0\x00\xff";
    uint32_t seed = 12345;
    for (int i = 0; i < 20000; i++) {
        size_t n = rnd(&seed) % 200;
        char *buf = malloc(n ? n : 1);
        for (size_t k = 0; k < n; k++) buf[k] = alphabet[rnd(&seed) % (sizeof alphabet - 1)];
        form_data fd;
        if (form_parse(buf, n, &fd) == 0) form_free(&fd);
        multipart_form mf;
        if (multipart_parse(buf, n, "b", &mf) == 0) {
            for (size_t p = 0; p < mf.n; p++) cr_assert(mf.parts[p].data + mf.parts[p].len <= buf + n);
        }
        multipart_free(&mf);
        free(buf);
    }
}

TestSuite(atssim_garbage, .init = simtest_start, .fini = simtest_stop, .timeout = 60);

Test(atssim_garbage, garbage_bodies_get_api_errors) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    char auth[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", at);
    const char *h[] = {auth, NULL};
    static const struct {
        const char *method, *path, *ct;
    } eps[] = {
        {"POST", "/lever/v1/opportunities?perform_as=user-recruiter", "application/json"},
        {"POST", "/lever/v1/opportunities?perform_as=user-recruiter", "multipart/form-data; boundary=b"},
        {"POST", "/lever/v1/postings/demo-lever-posting/apply", "application/json"},
        {"POST", "/lever/v1/uploads", "multipart/form-data; boundary=b"},
        {"POST", "/lever/v1/uploads", "text/plain"},
        {"POST", "/lever/auth/oauth/token", "application/x-www-form-urlencoded"},
        {"POST", "/lever/auth/oauth/token", "application/json"},
        {"POST", "/lever/auth/authorize", "application/x-www-form-urlencoded"},
        {"POST", "/eploy/demo-eploy-site/api/token", "application/x-www-form-urlencoded"},
        {"POST", "/eploy/demo-eploy-site/api/candidates", "application/json"},
        {"POST", "/provider/v1/orders", "application/json"},
        {"POST", "/_sim/faults", "application/json"},
        {"POST", "/_sim/latency", "application/json"},
        {"POST", "/_sim/lever/webhooks", "application/json"},
    };
    static const char *const bodies[] = {"{", "[1,2", "{\"a\":}", "\x01\x02\xff", "%zz=%", "--b\r\nbroken",
                                         "{\"tags\": 5, \"name\": [1]}", "null", "{} trailing", "\"str\""};
    uint32_t seed = 7;
    for (size_t e = 0; e < sizeof eps / sizeof eps[0]; e++) {
        for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
            simtest_resp r;
            simtest_req(&r, eps[e].method, eps[e].path, eps[e].ct, bodies[b], 0, h, 5000);
            cr_assert(r.status >= 400 && r.status < 500, "%s %s with %s -> %ld %s", eps[e].method, eps[e].path,
                      bodies[b], r.status, r.body);
            simtest_resp_free(&r);
        }
        char junk[512];
        for (size_t k = 0; k < sizeof junk; k++) junk[k] = (char)(rnd(&seed) & 0xff);
        simtest_resp r;
        simtest_req(&r, eps[e].method, eps[e].path, eps[e].ct, junk, sizeof junk, h, 5000);
        cr_assert(r.status >= 400 && r.status < 500, "%s junk -> %ld", eps[e].path, r.status);
        simtest_resp_free(&r);
    }
    simtest_resp r;
    simtest_req(&r, "GET", "/lever/v1/postings?limit=abc", NULL, NULL, 0, h, 0);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);
    simtest_req(&r, "GET", "/lever/v1/postings?limit=1000", NULL, NULL, 0, h, 0);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);
    simtest_req(&r, "GET", "/healthz", NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 200, "still alive");
    simtest_resp_free(&r);
}
