#include "outbound.h"

#include "config.h"
#include "log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An address reduced to its family and bytes; IPv4-mapped IPv6 becomes IPv4. */
typedef struct {
    int family;
    uint8_t b[16];
} ip;

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Fills out from sa. Returns 0, or -1 when sa is not AF_INET/AF_INET6 or too short. */
static int ip_from_sockaddr(const struct sockaddr *sa, socklen_t len, ip *out) {
    memset(out, 0, sizeof *out);
    if (!sa) return -1;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        out->family = AF_INET;
        memcpy(out->b, &s4->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (!memcmp(&s6->sin6_addr, v4_mapped_prefix, 12)) {
            out->family = AF_INET;
            memcpy(out->b, (const uint8_t *)&s6->sin6_addr + 12, 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->b, &s6->sin6_addr, 16);
        }
        return 0;
    }
    return -1;
}

static outbound_class class_v4(const uint8_t *b) {
    uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (a == 0) return OUTBOUND_UNSPECIFIED;
    if (a == 0xffffffffu) return OUTBOUND_BROADCAST;
    if (a == 0xa9fea9feu) return OUTBOUND_METADATA; /* 169.254.169.254 */
    if ((a >> 24) == 0) return OUTBOUND_RESERVED;
    if ((a >> 24) == 127) return OUTBOUND_LOOPBACK;
    if ((a >> 24) == 10 || (a & 0xfff00000u) == 0xac100000u || (a & 0xffff0000u) == 0xc0a80000u)
        return OUTBOUND_PRIVATE;
    if ((a & 0xffff0000u) == 0xa9fe0000u) return OUTBOUND_LINK_LOCAL;
    if ((a & 0xffc00000u) == 0x64400000u) return OUTBOUND_SHARED;
    if ((a & 0xf0000000u) == 0xe0000000u) return OUTBOUND_MULTICAST;
    if ((a & 0xf0000000u) == 0xf0000000u) return OUTBOUND_RESERVED;
    return OUTBOUND_PUBLIC;
}

static outbound_class class_v6(const uint8_t *b) {
    static const uint8_t zero[16] = {0};
    static const uint8_t metadata[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(b, zero, 16)) return OUTBOUND_UNSPECIFIED;
    if (!memcmp(b, zero, 15) && b[15] == 1) return OUTBOUND_LOOPBACK;
    if (!memcmp(b, metadata, 16)) return OUTBOUND_METADATA;
    if ((b[0] & 0xfe) == 0xfc) return OUTBOUND_PRIVATE;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return OUTBOUND_LINK_LOCAL;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return OUTBOUND_PRIVATE; /* site-local, deprecated */
    if (b[0] == 0xff) return OUTBOUND_MULTICAST;
    /* IPv4 carried inside IPv6: IPv4-compatible, NAT64, 6to4. */
    if (!memcmp(b, zero, 12) || !memcmp(b, nat64, 12)) return class_v4(b + 12);
    if (b[0] == 0x20 && b[1] == 0x02) return class_v4(b + 2);
    return OUTBOUND_PUBLIC;
}

outbound_class outbound_addr_class(const struct sockaddr *sa, socklen_t len) {
    ip a;
    if (ip_from_sockaddr(sa, len, &a)) return OUTBOUND_BAD_ADDRESS;
    return a.family == AF_INET ? class_v4(a.b) : class_v6(a.b);
}

/* 1 when the first prefix bits of x and y are equal. */
static int prefix_equal(const uint8_t *x, const uint8_t *y, int prefix) {
    int whole = prefix / 8, rest = prefix % 8;
    if (memcmp(x, y, (size_t)whole)) return 0;
    if (!rest) return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (x[whole] & mask) == (y[whole] & mask);
}

static int ip_allowed(const outbound_allow *allow, const ip *a) {
    for (size_t i = 0; allow && i < allow->n; i++) {
        const outbound_range *r = &allow->range[i];
        if (r->family == a->family && prefix_equal(r->addr, a->b, r->prefix)) return 1;
    }
    return 0;
}

int outbound_allow_has(const outbound_allow *allow, const struct sockaddr *sa, socklen_t len) {
    ip a;
    if (ip_from_sockaddr(sa, len, &a)) return 0;
    return ip_allowed(allow, &a);
}

int outbound_addr_check(const outbound_allow *allow, const struct sockaddr *sa, socklen_t len) {
    ip a;
    if (ip_from_sockaddr(sa, len, &a)) return OUTBOUND_BAD_ADDRESS;
    if (ip_allowed(allow, &a)) return 0;
    return a.family == AF_INET ? class_v4(a.b) : class_v6(a.b);
}

const char *outbound_class_text(int cls) {
    switch (cls) {
    case OUTBOUND_PUBLIC: return "a public address";
    case OUTBOUND_LOOPBACK: return "a loopback address";
    case OUTBOUND_PRIVATE: return "a private address";
    case OUTBOUND_LINK_LOCAL: return "a link-local address";
    case OUTBOUND_METADATA: return "a cloud metadata address";
    case OUTBOUND_UNSPECIFIED: return "an unspecified address";
    case OUTBOUND_SHARED: return "a shared (carrier-grade NAT) address";
    case OUTBOUND_MULTICAST: return "a multicast address";
    case OUTBOUND_BROADCAST: return "a broadcast address";
    case OUTBOUND_RESERVED: return "a reserved address";
    default: return "not an IP address";
    }
}

void outbound_addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen) {
    if (!buflen) return;
    const void *src = NULL;
    if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
        src = &((const struct sockaddr_in *)sa)->sin_addr;
    else if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
        src = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (!src || !inet_ntop(sa->sa_family, src, buf, (socklen_t)buflen)) snprintf(buf, buflen, "?");
}

/* Parses one entry (NUL-terminated, trimmed) into r. Returns 0 or -1 with err set. */
static int parse_entry(const char *entry, outbound_range *r, char *err, size_t errlen) {
    char addr[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(entry, '/');
    size_t alen = slash ? (size_t)(slash - entry) : strlen(entry);
    memset(r, 0, sizeof *r);
    if (alen == 0 || alen >= sizeof addr) goto bad_address;
    memcpy(addr, entry, alen);
    addr[alen] = '\0';
    if (strchr(addr, ':')) {
        if (inet_pton(AF_INET6, addr, r->addr) != 1) goto bad_address;
        r->family = AF_INET6;
        r->prefix = 128;
    } else {
        if (inet_pton(AF_INET, addr, r->addr) != 1) goto bad_address;
        r->family = AF_INET;
        r->prefix = 32;
    }
    if (slash) {
        int64_t p;
        const char *digits = slash + 1;
        for (const char *d = digits; *d; d++)
            if (!isdigit((unsigned char)*d)) digits = "";
        if (config_parse_int(digits, 0, r->prefix, &p) != 0) {
            snprintf(err, errlen, "'%.64s': the prefix length must be 0-%d", entry, r->prefix);
            return -1;
        }
        r->prefix = (int)p;
    }
    if (r->family == AF_INET6 && r->prefix >= 96 && !memcmp(r->addr, v4_mapped_prefix, 12)) {
        memmove(r->addr, r->addr + 12, 4);
        memset(r->addr + 4, 0, 12);
        r->family = AF_INET;
        r->prefix -= 96;
    }
    /* Clear the host bits so matching compares networks only. */
    int bytes = r->family == AF_INET ? 4 : 16;
    for (int i = 0; i < bytes; i++) {
        int keep = r->prefix - i * 8;
        if (keep >= 8) continue;
        r->addr[i] = keep <= 0 ? 0 : (uint8_t)(r->addr[i] & (0xff << (8 - keep)));
    }
    return 0;
bad_address:
    snprintf(err, errlen, "'%.64s' is not an IPv4 or IPv6 address or CIDR", entry);
    return -1;
}

int outbound_allow_parse(const char *list, outbound_allow *out, char *err, size_t errlen) {
    char entry[128];
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (errlen) err[0] = '\0';
    const char *p = list ? list : "";
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return 0;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *s = p, *e = p + n;
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if (s == e) {
            snprintf(err, errlen, "an empty entry (two commas in a row, or one at an end)");
            goto cleanup;
        }
        if ((size_t)(e - s) >= sizeof entry) {
            snprintf(err, errlen, "'%.64s...' is not an IPv4 or IPv6 address or CIDR", s);
            goto cleanup;
        }
        if (out->n == OUTBOUND_ALLOW_MAX) {
            snprintf(err, errlen, "more than %d entries", OUTBOUND_ALLOW_MAX);
            goto cleanup;
        }
        memcpy(entry, s, (size_t)(e - s));
        entry[e - s] = '\0';
        if (parse_entry(entry, &out->range[out->n], err, errlen)) goto cleanup;
        out->n++;
        if (!end) break;
        p = end + 1;
    }
    rc = 0;
cleanup:
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}

/* Scheme (lower case) and host (IPv6 without brackets) of url into the
 * buffers. Returns 0; -1 when url does not parse; -2 when it has no usable
 * host (scheme filled). */
static int url_parts(const char *url, char *scheme, size_t slen, char *host, size_t hlen) {
    CURLU *u = curl_url();
    char *s = NULL, *h = NULL;
    int rc = -1;
    if (!u || !url) goto cleanup;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) goto cleanup;
    if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK || strlen(s) >= slen) goto cleanup;
    snprintf(scheme, slen, "%s", s);
    for (char *c = scheme; *c; c++) *c = (char)tolower((unsigned char)*c);
    rc = -2;
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) goto cleanup;
    const char *hs = h;
    size_t hn = strlen(h);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        hs++;
        hn -= 2;
    }
    if (hn == 0 || hn >= hlen) goto cleanup;
    memcpy(host, hs, hn);
    host[hn] = '\0';
    rc = 0;
cleanup:
    curl_free(s);
    curl_free(h);
    curl_url_cleanup(u);
    return rc;
}

int outbound_url_check(const char *url, const outbound_allow *allow, char *msg, size_t msglen) {
    char scheme[32], host[512];
    struct addrinfo hints, *res = NULL;
    int rc;
    if (msglen) msg[0] = '\0';
    int parts = url_parts(url, scheme, sizeof scheme, host, sizeof host);
    if (parts == -1) {
        snprintf(msg, msglen, "not a valid URL (expected https://host/...)");
        return OUTBOUND_URL_INVALID;
    }
    int https = !strcmp(scheme, "https");
    if (!https && strcmp(scheme, "http") != 0) {
        snprintf(msg, msglen, "the URL must use https");
        return OUTBOUND_URL_SCHEME;
    }
    if (parts != 0) {
        snprintf(msg, msglen, "not a valid URL (expected https://host/...)");
        return OUTBOUND_URL_INVALID;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) {
        if (https) return OUTBOUND_URL_OK; /* checked again at connect time */
        snprintf(msg, msglen, "the URL must use https (the host does not resolve)");
        return OUTBOUND_URL_SCHEME;
    }
    int all_allowed = 1;
    rc = OUTBOUND_URL_OK;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (outbound_allow_has(allow, ai->ai_addr, ai->ai_addrlen)) continue;
        all_allowed = 0;
        int cls = outbound_addr_class(ai->ai_addr, ai->ai_addrlen);
        if (cls != OUTBOUND_PUBLIC) {
            char text[INET6_ADDRSTRLEN];
            outbound_addr_text(ai->ai_addr, ai->ai_addrlen, text, sizeof text);
            snprintf(msg, msglen, "the host resolves to %s (%s)", outbound_class_text(cls), text);
            rc = OUTBOUND_URL_ADDRESS;
            goto cleanup;
        }
    }
    if (!https && !all_allowed) {
        snprintf(msg, msglen, "the URL must use https");
        rc = OUTBOUND_URL_SCHEME;
    }
cleanup:
    freeaddrinfo(res);
    return rc;
}

static pthread_once_t policy_once = PTHREAD_ONCE_INIT;
static outbound_allow policy;
static size_t max_response;

static void policy_load(void) {
    char err[200];
    if (outbound_allow_parse(config_str("ATSB_OUTBOUND_ALLOW", ""), &policy, err, sizeof err))
        config_fail("ATSB_OUTBOUND_ALLOW", err);
    max_response = (size_t)config_int("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB", 8, 1, 1024) << 20;
}

void outbound_configure(void) { pthread_once(&policy_once, policy_load); }

const outbound_allow *outbound_policy(void) {
    outbound_configure();
    return &policy;
}

size_t outbound_max_response(void) {
    outbound_configure();
    return max_response;
}

void outbound_config_url(const char *name, const char *url) {
    char msg[300], reason[400];
    int rc = outbound_url_check(url, outbound_policy(), msg, sizeof msg);
    if (rc == OUTBOUND_URL_OK) return;
    if (rc == OUTBOUND_URL_INVALID) config_fail(name, msg);
    snprintf(reason, sizeof reason, "%s (%s)", msg,
             rc == OUTBOUND_URL_SCHEME ? "plain http only to addresses in ATSB_OUTBOUND_ALLOW"
                                       : "not in ATSB_OUTBOUND_ALLOW");
    config_fail(name, reason);
}

/* CURLOPT_OPENSOCKETFUNCTION: every connection libcurl makes, after DNS. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
    outbound_guard *g = clientp;
    (void)purpose;
    int cls = outbound_addr_check(outbound_policy(), &a->addr, (socklen_t)a->addrlen);
    if (cls != 0) {
        char text[INET6_ADDRSTRLEN];
        outbound_addr_text(&a->addr, (socklen_t)a->addrlen, text, sizeof text);
        if (g)
            snprintf(g->refused, sizeof g->refused, "connection to %s refused: %s not in ATSB_OUTBOUND_ALLOW", text,
                     outbound_class_text(cls));
        log_warn("outbound connection refused", "address", text, "reason", outbound_class_text(cls));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

int outbound_curl_setup(CURL *h, outbound_guard *g) {
    memset(g, 0, sizeof *g);
    g->max_response = outbound_max_response();
    if (curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
#else
        curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        /* A proxy from the environment would be the address checked, not the destination. */
        curl_easy_setopt(h, CURLOPT_PROXY, "") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)g->max_response) != CURLE_OK)
        return -1;
    return 0;
}

void outbound_curl_error(const outbound_guard *g, CURLcode e, char *buf, size_t len) {
    if (g && g->refused[0] && e == CURLE_COULDNT_CONNECT)
        snprintf(buf, len, "%s", g->refused);
    else if (g && (g->too_large || e == CURLE_FILESIZE_EXCEEDED))
        snprintf(buf, len, "response larger than %zu bytes", g->max_response);
    else
        snprintf(buf, len, "%s", curl_easy_strerror(e));
}
