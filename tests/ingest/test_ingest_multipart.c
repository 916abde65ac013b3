/* multipart_parse: boundaries (quoted, bare), several parts, preambles,
 * bare LF line ends, and every malformed shape answered with an error, never
 * a crash (random inputs included). */
#include "multipart.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(multipart, boundary_forms) {
    char b[80];
    cr_assert_eq(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b), 0);
    cr_assert_str_eq(b, "abc");
    cr_assert_eq(multipart_boundary("Multipart/Form-Data;boundary=\"a b;c\"", b, sizeof b), 0);
    cr_assert_str_eq(b, "a b;c");
    cr_assert_eq(multipart_boundary("multipart/form-data; charset=utf-8; boundary=x", b, sizeof b), 0);
    cr_assert_str_eq(b, "x");
    cr_assert_eq(multipart_boundary("multipart/form-data", b, sizeof b), -1);
    cr_assert_eq(multipart_boundary("multipart/form-data; boundary=", b, sizeof b), -1);
    cr_assert_eq(multipart_boundary("multipart/mixed; boundary=x", b, sizeof b), -1);
    cr_assert_eq(multipart_boundary("application/json", b, sizeof b), -1);
    cr_assert_eq(multipart_boundary(NULL, b, sizeof b), -1);
    char longb[200] = "multipart/form-data; boundary=";
    memset(longb + strlen(longb), 'x', 71);
    cr_assert_eq(multipart_boundary(longb, b, sizeof b), -1, "boundaries are at most 70 characters");
}

static const char *CT = "multipart/form-data; boundary=BB";

Test(multipart, several_parts_with_files) {
    const char body[] = "preamble to ignore\r\n"
                        "--BB\r\n"
                        "Content-Disposition: form-data; name=\"application\"\r\n"
                        "Content-Type: application/json\r\n\r\n"
                        "{\"a\":1}\r\n"
                        "--BB\r\n"
                        "content-disposition: form-data; name=\"cv\"; filename=\"my \\\"cv\\\".pdf\"\r\n\r\n"
                        "%PDF-1.4\r\n--B not a boundary\r\n"
                        "--BB  \r\n"
                        "Content-Disposition: form-data; name=\"empty\"; filename=\"e.txt\"\r\n\r\n"
                        "\r\n"
                        "--BB--\r\nepilogue";
    multipart m;
    char err[128];
    cr_assert_eq(multipart_parse(body, sizeof body - 1, CT, &m, err, sizeof err), 0, "%s", err);
    cr_assert_eq(m.n, 3);
    cr_assert_str_eq(m.parts[0].name, "application");
    cr_assert_null(m.parts[0].filename);
    cr_assert_str_eq(m.parts[0].content_type, "application/json");
    cr_assert_eq(m.parts[0].len, 7);
    cr_assert(!memcmp(m.parts[0].data, "{\"a\":1}", 7));
    cr_assert_str_eq(m.parts[1].filename, "my \"cv\".pdf");
    cr_assert_eq(m.parts[1].len, strlen("%PDF-1.4\r\n--B not a boundary"));
    cr_assert_eq(m.parts[2].len, 0);
    cr_assert_eq(multipart_get(&m, "cv"), &m.parts[1]);
    cr_assert_null(multipart_get(&m, "nope"));
    multipart_free(&m);
}

Test(multipart, bare_lf_line_ends) {
    const char body[] = "--BB\nContent-Disposition: form-data; name=\"a\"\n\nxyz\r\n--BB--";
    multipart m;
    char err[128];
    cr_assert_eq(multipart_parse(body, sizeof body - 1, CT, &m, err, sizeof err), 0, "%s", err);
    cr_assert_eq(m.n, 1);
    cr_assert_eq(m.parts[0].len, 3);
    multipart_free(&m);
}

static void expect_fail(const char *body, const char *what) {
    multipart m;
    char err[128] = "";
    cr_assert_eq(multipart_parse(body, strlen(body), CT, &m, err, sizeof err), -1, "%s should fail", what);
    cr_assert(err[0], "%s: no reason", what);
    cr_assert_eq(m.n, 0);
    cr_assert_null(m.parts);
}

Test(multipart, malformed_inputs_fail_cleanly) {
    expect_fail("", "empty body");
    expect_fail("no boundary here", "missing boundary");
    expect_fail("--BB--", "no parts");
    expect_fail("--BB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "unterminated part");
    expect_fail("--BB\r\nContent-Type: text/plain\r\n\r\nx\r\n--BB--", "no disposition");
    expect_fail("--BB\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--BB--", "not form-data");
    expect_fail("--BB\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--BB--", "unclosed quote");
    expect_fail("--BB\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nx\r\n--BB--", "bad UTF-8");
    expect_fail("--BB\r\nno colon line\r\n\r\nx\r\n--BB--", "header without colon");
    expect_fail("--BBjunk\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--BB--", "junk after delimiter");
    multipart m;
    char err[128];
    cr_assert_eq(multipart_parse("--BB\r\n\r\nx\r\n--BB--", 18, "application/json", &m, err, sizeof err), -1);
}

Test(multipart, too_many_parts) {
    size_t cap = 100 * 80;
    char *b = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < MULTIPART_MAX_PARTS + 1; i++)
        n += (size_t)snprintf(b + n, cap - n, "--BB\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\nv\r\n", i);
    n += (size_t)snprintf(b + n, cap - n, "--BB--");
    multipart m;
    char err[128];
    cr_assert_eq(multipart_parse(b, n, CT, &m, err, sizeof err), -1);
    cr_assert(strstr(err, "parts"), "%s", err);
    free(b);
}

Test(multipart, random_inputs_never_crash) {
    const char seed[] = "--BB\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\r\n"
                        "Content-Type: x\r\n\r\nhello\r\n--BB\r\nContent-Disposition: form-data; name=b\r\n\r\n\r\n--BB--\r\n";
    char buf[sizeof seed];
    srand(42);
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, seed, sizeof seed);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++) buf[rand() % (sizeof seed - 1)] = (char)(rand() % 256);
        size_t len = (size_t)(rand() % (int)sizeof seed);
        multipart m;
        char err[128];
        if (multipart_parse(buf, len, CT, &m, err, sizeof err) == 0) {
            for (size_t i = 0; i < m.n; i++) cr_assert(m.parts[i].data + m.parts[i].len <= buf + len);
            multipart_free(&m);
        }
    }
}
