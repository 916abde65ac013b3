/* Connector response parsers: values found, missing and garbage input. */
#include "connectors/parse.h"
#include "lever_scopes.h"
#include "oauth.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define P(s) s, strlen(s)

Test(parse, lever_shapes) {
    char out[64], name[64], email[64];
    cr_assert_eq(parse_lever_opportunity_id(P("{\"data\":{\"id\":\"opp-1\",\"contact\":\"c\"}}"), out, sizeof out), 0);
    cr_assert_str_eq(out, "opp-1");
    cr_assert_eq(parse_lever_first_id(P("{\"data\":[{\"id\":\"o2\"},{\"id\":\"o3\"}],\"hasNext\":false}"), out, sizeof out), 0);
    cr_assert_str_eq(out, "o2");
    cr_assert_eq(parse_lever_first_id(P("{\"data\":[],\"hasNext\":false}"), out, sizeof out), 1);
    cr_assert_str_eq(out, "");
    cr_assert_eq(parse_lever_upload_uri(P("{\"data\":{\"uri\":\"http://x/f/1\"}}"), out, sizeof out), 0);
    cr_assert_eq(parse_lever_application_id(P("{\"data\":{\"applicationId\":\"a-9\"}}"), out, sizeof out), 0);
    cr_assert_str_eq(out, "a-9");
    const char *posting = "{\"data\":{\"tags\":[\"Logistik\",7,\"Asurint Package: Basic Search\"]}}";
    cr_assert_eq(parse_lever_posting_tag(P(posting), "Asurint Package:", out, sizeof out), 0);
    cr_assert_str_eq(out, "Asurint Package: Basic Search");
    cr_assert_eq(parse_lever_posting_tag(P(posting), "Other:", out, sizeof out), 1);
    cr_assert_eq(parse_lever_posting_tag(P("{\"data\":{}}"), "Asurint Package:", out, sizeof out), 1);
    cr_assert_eq(parse_lever_contact(P("{\"data\":{\"name\":\"Zoe M\",\"emails\":[\"z@e.org\"]}}"), name, sizeof name,
                                     email, sizeof email), 0);
    cr_assert_str_eq(name, "Zoe M");
    cr_assert_str_eq(email, "z@e.org");
    cr_assert_eq(parse_lever_contact(P("{\"data\":{\"name\":\"Zoe\",\"emails\":[]}}"), name, sizeof name, email,
                                     sizeof email), 1);
    cr_assert_eq(parse_lever_opportunity_posting(P("{\"data\":{\"postings\":[\"p-1\",\"p-2\"]}}"), out,
                                                 sizeof out), 0);
    cr_assert_str_eq(out, "p-1");
    cr_assert_eq(parse_lever_opportunity_posting(P("{\"data\":{\"postings\":[]}}"), out, sizeof out), 1);
}

Test(parse, eploy_and_provider_shapes) {
    char out[64];
    cr_assert_eq(parse_eploy_id(P("{\"CandidateId\":100001}"), "CandidateId", out, sizeof out), 0);
    cr_assert_str_eq(out, "100001");
    cr_assert_eq(parse_eploy_first(P("{\"Records\":[{\"ApplicationId\":5}],\"TotalRecords\":1}"), "ApplicationId", out,
                                   sizeof out), 0);
    cr_assert_str_eq(out, "5");
    cr_assert_eq(parse_eploy_first(P("{\"Records\":[],\"TotalRecords\":0}"), "ApplicationId", out, sizeof out), 1);
    cr_assert_eq(parse_eploy_id(P("{}"), "a.b", out, sizeof out), -1, "no paths through member names");
    cr_assert_eq(parse_provider_order_id(P("{\"order_id\":\"ord_1\",\"status\":\"Pending Candidate\"}"), out, sizeof out), 0);
    cr_assert_str_eq(out, "ord_1");
}

Test(parse, errors_in_every_shape) {
    char code[64], msg[128];
    cr_assert_eq(parse_error(P("{\"code\":\"NotFoundError\",\"message\":\"Posting not found.\"}"), code, sizeof code, msg,
                             sizeof msg), 0);
    cr_assert_str_eq(code, "NotFoundError");
    cr_assert_eq(parse_error(P("{\"error\":\"invalid_grant\",\"error_description\":\"x\"}"), code, sizeof code, msg,
                             sizeof msg), 0);
    cr_assert_str_eq(code, "invalid_grant");
    cr_assert_eq(parse_error(P("{\"Message\":\"The request is invalid.\"}"), code, sizeof code, msg, sizeof msg), 0);
    cr_assert_str_eq(code, "");
    cr_assert_str_eq(msg, "The request is invalid.");
    cr_assert_eq(parse_error(P("{\"error\":{\"code\":\"unauthorized\",\"message\":\"m\"}}"), code, sizeof code, msg,
                             sizeof msg), 0);
    cr_assert_str_eq(code, "unauthorized");
    cr_assert_eq(parse_error(P("<html>502</html>"), code, sizeof code, msg, sizeof msg), -1);
}

Test(parse, garbage_never_crashes) {
    static const char *const bodies[] = {"", "{", "}", "[", "null", "1", "\"x\"", "{\"data\":null}", "{\"data\":[null]}",
                                         "{\"data\":{\"id\":{}}}", "{\"data\":{\"id\":1e999}}", "{\"data\":\"x\"} junk",
                                         "{\"Records\":{}}", "{\"data\":{\"tags\":\"x\"}}", "\xff\xfe\x00\x01"};
    char out[8], out2[8];
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        const char *b = bodies[i];
        size_t n = strlen(b);
        cr_assert_neq(parse_lever_opportunity_id(b, n, out, sizeof out), 0);
        cr_assert_neq(parse_lever_first_id(b, n, out, sizeof out), 0);
        cr_assert_neq(parse_lever_posting_tag(b, n, "A", out, sizeof out), 0);
        cr_assert_neq(parse_lever_contact(b, n, out, sizeof out, out2, sizeof out2), 0);
        cr_assert_neq(parse_eploy_first(b, n, "X", out, sizeof out), 0);
        parse_error(b, n, out, sizeof out, out2, sizeof out2);
    }
    /* A value longer than the buffer is refused, not truncated. */
    cr_assert_eq(parse_lever_opportunity_id(P("{\"data\":{\"id\":\"0123456789\"}}"), out, sizeof out), -1);
    /* Not NUL-terminated input: only len bytes are read. */
    char raw[] = {'{', '"', 'o', 'r', 'd', 'e', 'r', '_', 'i', 'd', '"', ':', '"', 'a', '"', '}', 'X'};
    cr_assert_eq(parse_provider_order_id(raw, 16, out, sizeof out), 0);
    cr_assert_str_eq(out, "a");
    /* Random bytes. */
    unsigned seed = 42;
    char buf[256];
    for (int k = 0; k < 2000; k++) {
        size_t n = (size_t)(rand_r(&seed) % (int)sizeof buf);
        for (size_t i = 0; i < n; i++) buf[i] = "{}[]\":,0a1\\ e."[rand_r(&seed) % 14];
        parse_json_path(buf, n, "data.0.id", out, sizeof out);
        parse_error(buf, n, out, sizeof out, out2, sizeof out2);
    }
}

Test(oauth, activation_link_has_exactly_the_parameters) {
    char url[1024];
    cr_assert_eq(oauth_activation_url("https://auth.lever.co/authorize", "cid", "http://127.0.0.1:8083/oauth/lever/callback",
                                      "st4te", LEVER_SCOPES_APPLY, "https://api.lever.co/v1/", url, sizeof url),
                 0);
    cr_assert_str_eq(url, "https://auth.lever.co/authorize?client_id=cid"
                          "&redirect_uri=http://127.0.0.1:8083/oauth/lever/callback&state=st4te"
                          "&scope=offline_access%20postings:read:admin%20postings:write:admin%20uploads:write:admin"
                          "&response_type=code&prompt=consent&audience=https://api.lever.co/v1/");
    cr_assert_eq(oauth_activation_url("https://a/authorize", "c&d", "http://x/cb?a=1", "s", "x y", "aud", url, sizeof url), 0);
    cr_assert(strstr(url, "client_id=c%26d&redirect_uri=http://x/cb%3Fa%3D1&"), "%s", url);
    cr_assert_eq(oauth_activation_url("https://a/authorize", "c", "r", "s", "x", "a", url, 40), -1);
}
