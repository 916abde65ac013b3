/* The outbound policy (common/outbound.h): address classes, the allow-list,
 * the URL rule, and the libcurl hook in http_client. The checks are pure;
 * the few requests made here go to a server on 127.0.0.1 in this process,
 * and no test ever connects anywhere else (getaddrinfo is only given IP
 * literals and "localhost"). */
#include "http_client.h"
#include "outbound.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A socket address for an IP literal. */
typedef struct {
    struct sockaddr_storage ss;
    socklen_t len;
} saddr;

static saddr addr_of(const char *text) {
    saddr a;
    memset(&a, 0, sizeof a);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
    if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        a.len = sizeof *s4;
    } else {
        cr_assert_eq(inet_pton(AF_INET6, text, &s6->sin6_addr), 1, "bad literal %s", text);
        s6->sin6_family = AF_INET6;
        a.len = sizeof *s6;
    }
    return a;
}

static int class_of(const char *text) {
    saddr a = addr_of(text);
    return outbound_addr_class((struct sockaddr *)&a.ss, a.len);
}

static int check(const outbound_allow *allow, const char *text) {
    saddr a = addr_of(text);
    return outbound_addr_check(allow, (struct sockaddr *)&a.ss, a.len);
}

static outbound_allow parse_ok(const char *list) {
    outbound_allow allow;
    char err[200];
    cr_assert_eq(outbound_allow_parse(list, &allow, err, sizeof err), 0, "%s: %s", list, err);
    return allow;
}

Test(outbound, refuses_internal_addresses) {
    static const struct {
        const char *addr;
        int cls;
    } cases[] = {
        {"10.0.0.1", OUTBOUND_PRIVATE},
        {"10.255.255.255", OUTBOUND_PRIVATE},
        {"172.16.0.1", OUTBOUND_PRIVATE},
        {"172.31.255.254", OUTBOUND_PRIVATE},
        {"192.168.1.1", OUTBOUND_PRIVATE},
        {"169.254.169.254", OUTBOUND_METADATA},
        {"169.254.1.1", OUTBOUND_LINK_LOCAL},
        {"127.0.0.1", OUTBOUND_LOOPBACK},
        {"127.255.0.9", OUTBOUND_LOOPBACK},
        {"0.0.0.0", OUTBOUND_UNSPECIFIED},
        {"0.1.2.3", OUTBOUND_RESERVED},
        {"100.64.0.1", OUTBOUND_SHARED},
        {"100.127.255.255", OUTBOUND_SHARED},
        {"224.0.0.1", OUTBOUND_MULTICAST},
        {"239.255.255.250", OUTBOUND_MULTICAST},
        {"255.255.255.255", OUTBOUND_BROADCAST},
        {"240.0.0.1", OUTBOUND_RESERVED},
        {"::1", OUTBOUND_LOOPBACK},
        {"::", OUTBOUND_UNSPECIFIED},
        {"fd00::1", OUTBOUND_PRIVATE},
        {"fc00::1", OUTBOUND_PRIVATE},
        {"fd00:ec2::254", OUTBOUND_METADATA},
        {"fe80::1", OUTBOUND_LINK_LOCAL},
        {"febf::1", OUTBOUND_LINK_LOCAL},
        {"fec0::1", OUTBOUND_PRIVATE},
        {"ff02::1", OUTBOUND_MULTICAST},
        /* IPv4 inside IPv6 */
        {"::ffff:10.0.0.1", OUTBOUND_PRIVATE},
        {"::ffff:127.0.0.1", OUTBOUND_LOOPBACK},
        {"::ffff:169.254.169.254", OUTBOUND_METADATA},
        {"::ffff:0.0.0.0", OUTBOUND_UNSPECIFIED},
        {"::10.0.0.1", OUTBOUND_PRIVATE},
        {"64:ff9b::a9fe:a9fe", OUTBOUND_METADATA},
        {"2002:c0a8:101::1", OUTBOUND_PRIVATE},
    };
    outbound_allow none = parse_ok("");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(class_of(cases[i].addr), cases[i].cls, "%s: class %d, want %d", cases[i].addr,
                     class_of(cases[i].addr), cases[i].cls);
        cr_expect_eq(check(&none, cases[i].addr), cases[i].cls, "%s refused", cases[i].addr);
        cr_expect_eq(check(NULL, cases[i].addr), cases[i].cls, "%s refused without a list", cases[i].addr);
    }
}

Test(outbound, allows_public_addresses) {
    static const char *const pub[] = {
        "93.184.216.34", "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
        "169.253.0.1", "192.169.0.1", "223.255.255.255", "2606:4700::1", "2a00:1450:4001::200e",
        "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1",
    };
    outbound_allow none = parse_ok("");
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++) {
        cr_expect_eq(class_of(pub[i]), OUTBOUND_PUBLIC, "%s", pub[i]);
        cr_expect_eq(check(&none, pub[i]), 0, "%s", pub[i]);
    }
}

Test(outbound, refuses_what_is_not_ip) {
    struct sockaddr_un_like {
        sa_family_t family;
        char path[32];
    } u = {AF_UNIX, "/tmp/x"};
    cr_assert_eq(outbound_addr_class((struct sockaddr *)&u, sizeof u), OUTBOUND_BAD_ADDRESS);
    cr_assert_eq(outbound_addr_check(NULL, (struct sockaddr *)&u, sizeof u), OUTBOUND_BAD_ADDRESS);
    saddr a = addr_of("93.184.216.34");
    cr_assert_eq(outbound_addr_class((struct sockaddr *)&a.ss, 4), OUTBOUND_BAD_ADDRESS, "truncated");
    cr_assert_eq(outbound_addr_class(NULL, 0), OUTBOUND_BAD_ADDRESS);
}

Test(outbound, allow_list_permits_its_ranges) {
    outbound_allow a = parse_ok("127.0.0.0/8,::1");
    cr_assert_eq(a.n, 2);
    cr_expect_eq(check(&a, "127.0.0.1"), 0);
    cr_expect_eq(check(&a, "127.255.255.254"), 0);
    cr_expect_eq(check(&a, "::1"), 0);
    cr_expect_eq(check(&a, "::ffff:127.0.0.1"), 0, "v4-mapped matches the v4 entry");
    cr_expect_eq(check(&a, "10.0.0.1"), OUTBOUND_PRIVATE);
    cr_expect_eq(check(&a, "169.254.169.254"), OUTBOUND_METADATA);
    cr_expect_eq(check(&a, "::2"), OUTBOUND_RESERVED, "::2 is not ::1");
    cr_expect_eq(check(&a, "93.184.216.34"), 0, "public stays allowed");

    a = parse_ok(" 10.0.0.0/8 , fd00::/8 ,192.168.1.10 ");
    cr_assert_eq(a.n, 3);
    cr_expect_eq(check(&a, "10.200.0.1"), 0);
    cr_expect_eq(check(&a, "fd00::1"), 0);
    cr_expect_eq(check(&a, "fd12::1"), 0);
    cr_expect_eq(check(&a, "fc00::1"), OUTBOUND_PRIVATE);
    cr_expect_eq(check(&a, "192.168.1.10"), 0, "a bare address is a /32");
    cr_expect_eq(check(&a, "192.168.1.11"), OUTBOUND_PRIVATE);
    cr_expect_eq(check(&a, "172.16.0.1"), OUTBOUND_PRIVATE);

    a = parse_ok("172.16.5.5/12"); /* host bits ignored */
    cr_expect_eq(check(&a, "172.31.0.1"), 0);
    cr_expect_eq(check(&a, "172.32.0.1"), 0, "public anyway");
    cr_expect_eq(check(&a, "172.15.0.1"), 0, "public anyway");
    cr_expect_eq(check(&a, "10.0.0.1"), OUTBOUND_PRIVATE);

    a = parse_ok("::ffff:10.0.0.0/104"); /* an IPv4-mapped entry is IPv4 */
    cr_expect_eq(check(&a, "10.1.2.3"), 0);
    cr_expect_eq(check(&a, "::ffff:10.1.2.3"), 0);
    cr_expect_eq(check(&a, "11.0.0.1"), 0, "public anyway");
    cr_expect_eq(check(&a, "192.168.0.1"), OUTBOUND_PRIVATE);

    a = parse_ok("fe80::/10,169.254.0.0/16");
    cr_expect_eq(check(&a, "fe80::1"), 0);
    cr_expect_eq(check(&a, "169.254.169.254"), 0, "the list is the operator's word");

    a = parse_ok("0.0.0.0/0");
    cr_expect_eq(check(&a, "10.0.0.1"), 0);
    cr_expect_eq(check(&a, "fd00::1"), OUTBOUND_PRIVATE, "an IPv4 range never matches IPv6");

    a = parse_ok("10.0.0.1/31");
    cr_expect_eq(check(&a, "10.0.0.0"), 0);
    cr_expect_eq(check(&a, "10.0.0.1"), 0);
    cr_expect_eq(check(&a, "10.0.0.2"), OUTBOUND_PRIVATE);

    a = parse_ok("fd00:ec2::/127");
    cr_expect_eq(check(&a, "fd00:ec2::1"), 0);
    cr_expect_eq(check(&a, "fd00:ec2::254"), OUTBOUND_METADATA);
}

Test(outbound, empty_allow_lists) {
    outbound_allow a;
    char err[200] = "x";
    cr_assert_eq(outbound_allow_parse(NULL, &a, err, sizeof err), 0);
    cr_assert_eq(a.n, 0);
    cr_assert_eq(outbound_allow_parse("", &a, err, sizeof err), 0);
    cr_assert_eq(a.n, 0);
    cr_assert_eq(outbound_allow_parse("  ", &a, err, sizeof err), 0);
    cr_assert_eq(a.n, 0);
    cr_expect_eq(check(&a, "127.0.0.1"), OUTBOUND_LOOPBACK);
}

Test(outbound, allow_list_errors_name_the_entry) {
    static const struct {
        const char *list;
        const char *err;
    } cases[] = {
        {"foo", "'foo' is not an IPv4 or IPv6 address or CIDR"},
        {"127.0.0.0/8,localhost", "'localhost' is not an IPv4 or IPv6 address or CIDR"},
        {"10.0.0.0/33", "'10.0.0.0/33': the prefix length must be 0-32"},
        {"::/129", "'::/129': the prefix length must be 0-128"},
        {"10.0.0.0/", "'10.0.0.0/': the prefix length must be 0-32"},
        {"10.0.0.0/8x", "'10.0.0.0/8x': the prefix length must be 0-32"},
        {"10.0.0.0/-1", "'10.0.0.0/-1': the prefix length must be 0-32"},
        {"10.0.0.0/+8", "'10.0.0.0/+8': the prefix length must be 0-32"},
        {"1.2.3", "'1.2.3' is not an IPv4 or IPv6 address or CIDR"},
        {"256.0.0.1", "'256.0.0.1' is not an IPv4 or IPv6 address or CIDR"},
        {"fe80::1%eth0", "'fe80::1%eth0' is not an IPv4 or IPv6 address or CIDR"},
        {"[::1]", "'[::1]' is not an IPv4 or IPv6 address or CIDR"},
        {"/8", "'/8' is not an IPv4 or IPv6 address or CIDR"},
        {"10.0.0.0/8,,::1", "an empty entry (two commas in a row, or one at an end)"},
        {"10.0.0.0/8,", "an empty entry (two commas in a row, or one at an end)"},
        {",::1", "an empty entry (two commas in a row, or one at an end)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        outbound_allow a;
        char err[200] = "";
        cr_expect_eq(outbound_allow_parse(cases[i].list, &a, err, sizeof err), -1, "%s accepted", cases[i].list);
        cr_expect_str_eq(err, cases[i].err, "%s", cases[i].list);
        cr_expect_eq(a.n, 0, "%s: nothing kept", cases[i].list);
    }
    char many[2048] = "";
    for (int i = 0; i <= OUTBOUND_ALLOW_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.%d.0/24", i ? "," : "", i);
    outbound_allow a;
    char err[200];
    cr_expect_eq(outbound_allow_parse(many, &a, err, sizeof err), -1);
    cr_expect_str_eq(err, "more than 64 entries");
}

/* outbound_url_check: expected status and message (NULL: not checked). */
static void url_is(const outbound_allow *allow, const char *url, int want, const char *msg) {
    char got[300];
    int rc = outbound_url_check(url, allow, got, sizeof got);
    cr_expect_eq(rc, want, "%s: %d (%s), want %d", url, rc, got, want);
    if (msg) cr_expect_str_eq(got, msg, "%s", url);
    if (rc == OUTBOUND_URL_OK) cr_expect_str_eq(got, "", "%s: no message when allowed", url);
}

Test(outbound, url_rule_without_allow_list) {
    outbound_allow none = parse_ok("");
    url_is(&none, "https://93.184.216.34/api", OUTBOUND_URL_OK, NULL);
    url_is(&none, "https://[2606:4700::1]:8443/x?y=1", OUTBOUND_URL_OK, NULL);
    url_is(&none, "HTTPS://93.184.216.34/", OUTBOUND_URL_OK, NULL);
    url_is(&none, "http://93.184.216.34/api", OUTBOUND_URL_SCHEME, "the URL must use https");
    url_is(&none, "ftp://93.184.216.34/f", OUTBOUND_URL_SCHEME, "the URL must use https");
    url_is(&none, "gopher://93.184.216.34/", OUTBOUND_URL_SCHEME, "the URL must use https");
    url_is(&none, "file:///etc/passwd", OUTBOUND_URL_SCHEME, "the URL must use https");
    url_is(&none, "https://10.0.0.1/", OUTBOUND_URL_ADDRESS, "the host resolves to a private address (10.0.0.1)");
    url_is(&none, "http://10.0.0.1/", OUTBOUND_URL_ADDRESS, "the host resolves to a private address (10.0.0.1)");
    url_is(&none, "https://169.254.169.254/latest/meta-data/", OUTBOUND_URL_ADDRESS,
           "the host resolves to a cloud metadata address (169.254.169.254)");
    url_is(&none, "http://127.0.0.1:8090/eploy/site", OUTBOUND_URL_ADDRESS,
           "the host resolves to a loopback address (127.0.0.1)");
    url_is(&none, "https://[::1]:8443/", OUTBOUND_URL_ADDRESS, "the host resolves to a loopback address (::1)");
    url_is(&none, "https://[::ffff:10.0.0.1]/", OUTBOUND_URL_ADDRESS,
           "the host resolves to a private address (::ffff:10.0.0.1)");
    url_is(&none, "https://[fd00:ec2::254]/", OUTBOUND_URL_ADDRESS,
           "the host resolves to a cloud metadata address (fd00:ec2::254)");
    url_is(&none, "https://0.0.0.0/", OUTBOUND_URL_ADDRESS, "the host resolves to an unspecified address (0.0.0.0)");
    url_is(&none, "https://100.64.0.1/", OUTBOUND_URL_ADDRESS,
           "the host resolves to a shared (carrier-grade NAT) address (100.64.0.1)");
    url_is(&none, "http://2130706433/", OUTBOUND_URL_ADDRESS, "the host resolves to a loopback address (127.0.0.1)");
    /* "localhost" resolves through /etc/hosts to loopback addresses only. */
    url_is(&none, "http://localhost:8090/", OUTBOUND_URL_ADDRESS, NULL);
    url_is(&none, "https://localhost/", OUTBOUND_URL_ADDRESS, NULL);
    url_is(&none, "not a url", OUTBOUND_URL_INVALID, "not a valid URL (expected https://host/...)");
    url_is(&none, "//93.184.216.34/x", OUTBOUND_URL_INVALID, NULL);
    url_is(&none, "https://", OUTBOUND_URL_INVALID, NULL);
    url_is(&none, "", OUTBOUND_URL_INVALID, NULL);
    url_is(&none, NULL, OUTBOUND_URL_INVALID, NULL);
    char msg[300];
    cr_expect_eq(outbound_url_check("http://localhost:8090/", &none, msg, sizeof msg), OUTBOUND_URL_ADDRESS);
    cr_expect(strstr(msg, "the host resolves to a loopback address ("), "%s", msg);
}

Test(outbound, http_only_to_allow_listed_hosts) {
    outbound_allow a = parse_ok("127.0.0.0/8,::1");
    url_is(&a, "http://127.0.0.1:8090/eploy/site", OUTBOUND_URL_OK, NULL);
    url_is(&a, "https://127.0.0.1:8090/", OUTBOUND_URL_OK, NULL);
    url_is(&a, "http://[::1]:8090/", OUTBOUND_URL_OK, NULL);
    url_is(&a, "http://localhost:8090/", OUTBOUND_URL_OK, NULL);
    url_is(&a, "http://10.0.0.1/", OUTBOUND_URL_ADDRESS, "the host resolves to a private address (10.0.0.1)");
    url_is(&a, "http://93.184.216.34/", OUTBOUND_URL_SCHEME, "the URL must use https");
    url_is(&a, "https://93.184.216.34/", OUTBOUND_URL_OK, NULL);
    a = parse_ok("93.184.216.0/24");
    url_is(&a, "http://93.184.216.34/", OUTBOUND_URL_OK, NULL);
    url_is(&a, "http://93.184.217.34/", OUTBOUND_URL_SCHEME, "the URL must use https");
    a = parse_ok("127.0.0.1"); /* localhost's ::1 is not on the list */
    url_is(&a, "http://127.0.0.1/", OUTBOUND_URL_OK, NULL);
    url_is(&a, "http://[::1]/", OUTBOUND_URL_ADDRESS, "the host resolves to a loopback address (::1)");
}

Test(outbound, curl_error_texts) {
    outbound_guard g;
    memset(&g, 0, sizeof g);
    g.max_response = 8u << 20;
    char buf[256];
    g.too_large = 1;
    outbound_curl_error(&g, CURLE_WRITE_ERROR, buf, sizeof buf);
    cr_expect_str_eq(buf, "response larger than 8388608 bytes");
    g.too_large = 0;
    outbound_curl_error(&g, CURLE_FILESIZE_EXCEEDED, buf, sizeof buf);
    cr_expect_str_eq(buf, "response larger than 8388608 bytes");
    outbound_curl_error(&g, CURLE_OPERATION_TIMEDOUT, buf, sizeof buf);
    cr_expect_str_eq(buf, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
    snprintf(g.refused, sizeof g.refused, "connection to 10.0.0.1 refused");
    outbound_curl_error(&g, CURLE_COULDNT_CONNECT, buf, sizeof buf);
    cr_expect_str_eq(buf, "connection to 10.0.0.1 refused");
}

Test(outbound, process_policy_reads_the_environment) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.0/8, ::1", 1);
    unsetenv("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB");
    cr_assert_eq(outbound_policy()->n, 2);
    cr_assert_eq(outbound_max_response(), (size_t)8 << 20);
    outbound_config_url("ATSB_PROVIDER_URL", "http://127.0.0.1:8090/provider/v1"); /* returns */
}

Test(outbound, bad_allow_list_exits_2, .exit_code = 2) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.0/8,localhost", 1);
    outbound_configure();
}

Test(outbound, refused_operator_url_exits_2, .exit_code = 2) {
    unsetenv("ATSB_OUTBOUND_ALLOW");
    outbound_config_url("ATSB_PROVIDER_URL", "http://127.0.0.1:8090/provider/v1");
}

Test(outbound, bad_response_cap_exits_2, .exit_code = 2) {
    setenv("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB", "0", 1);
    outbound_configure();
}

/* A one-shot HTTP server on 127.0.0.1 in this process: answers every
 * connection with the canned response, counts connections. */
typedef struct {
    int fd;
    int port;
    const char *head;  /* status line and headers, "\r\n\r\n" included */
    size_t body_len;   /* bytes of 'x' after head */
    int connections;
    pthread_t tid;
} local_server;

static void *serve(void *arg) {
    local_server *s = arg;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) return NULL;
        __atomic_add_fetch(&s->connections, 1, __ATOMIC_SEQ_CST);
        char req[8192];
        size_t got = 0;
        while (got < sizeof req - 1) {
            ssize_t n = recv(c, req + got, sizeof req - 1 - got, 0);
            if (n <= 0) break;
            got += (size_t)n;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n")) break;
        }
        if (send(c, s->head, strlen(s->head), MSG_NOSIGNAL) < 0) {
            close(c);
            continue;
        }
        char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (size_t sent = 0; sent < s->body_len;) {
            size_t n = s->body_len - sent < sizeof chunk ? s->body_len - sent : sizeof chunk;
            ssize_t w = send(c, chunk, n, MSG_NOSIGNAL);
            if (w <= 0) break;
            sent += (size_t)w;
        }
        close(c);
    }
}

static void server_start(local_server *s, const char *head, size_t body_len) {
    memset(s, 0, sizeof *s);
    s->head = head;
    s->body_len = body_len;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(s->fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(s->fd, 8), 0);
    socklen_t len = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&s->tid, NULL, serve, s), 0);
}

static void server_stop(local_server *s) {
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->tid, NULL);
}

Test(outbound, http_client_refuses_loopback_without_allow_list) {
    unsetenv("ATSB_OUTBOUND_ALLOW");
    local_server s;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", s.port);
    http_result r;
    cr_expect_eq(http_client_request("GET", url, NULL, NULL, 0, 5000, &r), -1);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.error, "connection to 127.0.0.1 refused: a loopback address not in ATSB_OUTBOUND_ALLOW");
    http_result_free(&r);
    /* localhost's every address (127.0.0.1, ::1) is refused the same way. */
    snprintf(url, sizeof url, "http://localhost:%d/x", s.port);
    cr_expect_eq(http_client_request("GET", url, NULL, NULL, 0, 5000, &r), -1);
    cr_expect(strstr(r.error, "refused: a loopback address"), "%s", r.error);
    http_result_free(&r);
    server_stop(&s);
    cr_expect_eq(s.connections, 0, "the hook refuses before connecting");
}

Test(outbound, http_client_reaches_allow_listed_and_follows_no_redirect) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.0/8", 1);
    local_server s;
    server_start(&s, "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n", 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", s.port);
    http_result r;
    cr_expect_eq(http_client_request("GET", url, NULL, NULL, 0, 5000, &r), 0, "%s", r.error);
    cr_expect_eq(r.status, 302, "the redirect is returned, not followed");
    http_result_free(&r);
    server_stop(&s);
    cr_expect_eq(s.connections, 1);
}

Test(outbound, http_client_caps_the_body_by_content_length) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.1", 1);
    setenv("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB", "1", 1);
    local_server s;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\nConnection: close\r\n\r\n", 2u << 20);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s.port);
    http_result r;
    cr_expect_eq(http_client_request("GET", url, NULL, NULL, 0, 5000, &r), -1);
    cr_expect_str_eq(r.error, "response larger than 1048576 bytes");
    http_result_free(&r);
    server_stop(&s);
}

Test(outbound, http_client_caps_a_body_of_unknown_length) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.1", 1);
    setenv("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB", "1", 1);
    local_server s;
    /* No Content-Length: the body runs until the connection closes. */
    server_start(&s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", (1u << 20) + 1);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s.port);
    http_result r;
    cr_expect_eq(http_client_request("GET", url, NULL, NULL, 0, 5000, &r), -1);
    cr_expect_str_eq(r.error, "response larger than 1048576 bytes");
    http_result_free(&r);
    server_stop(&s);
}

Test(outbound, http_client_accepts_a_body_at_the_cap) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.1", 1);
    setenv("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB", "1", 1);
    local_server s;
    server_start(&s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 1u << 20);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s.port);
    http_result r;
    cr_expect_eq(http_client_request("GET", url, NULL, NULL, 0, 5000, &r), 0, "%s", r.error);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(r.body_len, (size_t)1 << 20);
    http_result_free(&r);
    server_stop(&s);
}

Test(outbound, http_client_refuses_other_protocols) {
    setenv("ATSB_OUTBOUND_ALLOW", "127.0.0.1", 1);
    http_result r;
    cr_expect_eq(http_client_request("GET", "file:///etc/hostname", NULL, NULL, 0, 5000, &r), -1);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.error, curl_easy_strerror(CURLE_UNSUPPORTED_PROTOCOL));
    http_result_free(&r);
}
