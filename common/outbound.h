#ifndef ATSB_OUTBOUND_H
#define ATSB_OUTBOUND_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Where atsbridge's own HTTP requests may go (DESIGN.md "Outbound
 * requests"). URLs reach us from admins (an Eploy connection's site_url, an
 * account's notification_url) and operators (ATSB_LEVER_API_URL, ...), so
 * without a check an admin could make the services call the cloud metadata
 * endpoint, the database's host or anything else inside the network.
 *
 * Three layers:
 *  - pure checks: the class of an address (loopback, private, link-local,
 *    metadata, ...) and the allow-list ATSB_OUTBOUND_ALLOW that can permit
 *    some of them (comma-separated CIDRs, IPv4 and IPv6; a bare address is a
 *    /32 or /128; empty permits none);
 *  - the URL check for configured URLs (answered as a 422 field error, or
 *    exit 2 at start-up): https, and every address the host resolves to is
 *    public or allow-listed; plain http only when every address is
 *    allow-listed (the local simulator runs http on 127.0.0.1);
 *  - outbound_curl_setup on every libcurl easy handle: the address libcurl
 *    is about to connect to is checked after DNS resolution, for every
 *    connection (so a name that resolves differently later, DNS rebinding,
 *    is caught), only http and https, no redirects, no proxy from the
 *    environment, and response bodies capped at ATSB_HTTP_CLIENT_MAX_RESPONSE_MB. */

#define OUTBOUND_ALLOW_MAX 64

typedef struct {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network address, host bits cleared; AF_INET uses 4 bytes */
    int prefix;       /* 0-32 or 0-128 */
} outbound_range;

typedef struct {
    size_t n;
    outbound_range range[OUTBOUND_ALLOW_MAX];
} outbound_allow;

/* What an address is. 0 is a public address; every other class is refused
 * unless the allow-list permits the address. */
typedef enum {
    OUTBOUND_PUBLIC = 0,
    OUTBOUND_LOOPBACK = -1,     /* 127/8, ::1 */
    OUTBOUND_PRIVATE = -2,      /* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
    OUTBOUND_LINK_LOCAL = -3,   /* 169.254/16, fe80::/10 */
    OUTBOUND_METADATA = -4,     /* 169.254.169.254, fd00:ec2::254 */
    OUTBOUND_UNSPECIFIED = -5,  /* 0.0.0.0, :: */
    OUTBOUND_SHARED = -6,       /* 100.64/10 (carrier-grade NAT) */
    OUTBOUND_MULTICAST = -7,    /* 224/4, ff00::/8 */
    OUTBOUND_BROADCAST = -8,    /* 255.255.255.255 */
    OUTBOUND_RESERVED = -9,     /* 0/8, 240/4 */
    OUTBOUND_BAD_ADDRESS = -10, /* not an IPv4 or IPv6 socket address */
} outbound_class;

/* Parses an ATSB_OUTBOUND_ALLOW value (NULL or blank: an empty list) into
 * out. Entries are separated by commas, spaces around them are ignored; an
 * IPv4-mapped IPv6 entry (::ffff:a.b.c.d/n, n >= 96) counts as IPv4; host
 * bits after the prefix are ignored. Returns 0, or -1 with a one-line reason
 * naming the bad entry in err (e.g. "'10.0.0.0/33': the prefix length must
 * be 0-32") and out empty. Pure. */
int outbound_allow_parse(const char *list, outbound_allow *out, char *err, size_t errlen);

/* The class of sa (len bytes). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * are classed as their IPv4 address, as are the IPv4 addresses embedded in
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * addresses when those are not public. Pure. */
outbound_class outbound_addr_class(const struct sockaddr *sa, socklen_t len);

/* 1 when allow permits sa (an IPv4-mapped address matches IPv4 entries), else 0. Pure. */
int outbound_allow_has(const outbound_allow *allow, const struct sockaddr *sa, socklen_t len);

/* Whether sa may be connected to: 0 when it is public or allow-listed, else
 * its (negative) outbound_class. Pure. */
int outbound_addr_check(const outbound_allow *allow, const struct sockaddr *sa, socklen_t len);

/* "a private address", ... for a class (static text). */
const char *outbound_class_text(int cls);

/* The text form of sa's address into buf (at least INET6_ADDRSTRLEN bytes
 * for a full answer); "?" when it is neither IPv4 nor IPv6. */
void outbound_addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen);

typedef enum {
    OUTBOUND_URL_OK = 0,
    OUTBOUND_URL_INVALID = -1, /* not an absolute URL with a host */
    OUTBOUND_URL_SCHEME = -2,  /* not https (or http to allow-listed addresses only) */
    OUTBOUND_URL_ADDRESS = -3, /* the host resolves to a refused address */
} outbound_url_status;

/* Checks a configured URL: its scheme must be https, or http when the host
 * resolves only to addresses allow permits; every address the host resolves
 * to (getaddrinfo; an IP literal is its own address) must pass
 * outbound_addr_check. An https host that does not resolve (yet) passes:
 * the connection is checked again when it is made. Returns 0 or a negative
 * outbound_url_status with a human message in msg fit for a 422 field error:
 * "the URL must use https", "the host resolves to a private address
 * (10.0.0.1)", "not a valid URL". Blocks for as long as the resolver does. */
int outbound_url_check(const char *url, const outbound_allow *allow, char *msg, size_t msglen);

/* The process's policy: reads ATSB_OUTBOUND_ALLOW and
 * ATSB_HTTP_CLIENT_MAX_RESPONSE_MB (1-1024, default 8) once; a bad value
 * prints one line naming the variable and exits 2 (config_fail).
 * service_start calls it, so a bad value stops every service at start-up;
 * the functions below call it too. Thread-safe. */
void outbound_configure(void);
/* The allow-list of ATSB_OUTBOUND_ALLOW (process lifetime). */
const outbound_allow *outbound_policy(void);
/* The response body cap in bytes. */
size_t outbound_max_response(void);

/* For an operator's URL setting read at start-up (ATSB_PROVIDER_URL, ...):
 * outbound_url_check with the process's policy; a refused URL prints one
 * line naming the variable and exits 2. */
void outbound_config_url(const char *name, const char *url);

/* Per-request state of the libcurl hook. The caller owns it (on its stack or
 * in its request struct) and keeps it alive until the transfer is over. */
typedef struct {
    size_t max_response; /* set by outbound_curl_setup: the body cap in bytes */
    int too_large;       /* the caller's write callback sets it when it stops at the cap */
    char refused[160];   /* set by the hook: why a connection was refused, else empty */
} outbound_guard;

/* Applies the policy to easy handle h (after any curl_easy_reset, before
 * the transfer): the open-socket hook (a refused address fails the
 * connection with CURLE_COULDNT_CONNECT and a warning in the log), protocols
 * and redirect protocols http and https only, no redirects followed, no
 * proxy, CURLOPT_MAXFILESIZE_LARGE at the cap. g is reset. Returns 0, or -1
 * when libcurl refused an option: the caller must not send the request. */
int outbound_curl_setup(CURL *h, outbound_guard *g);

/* The error text of a failed transfer into buf: the refusal recorded in g,
 * "response larger than N bytes" at the cap, else curl_easy_strerror(e). */
void outbound_curl_error(const outbound_guard *g, CURLcode e, char *buf, size_t len);

#endif
