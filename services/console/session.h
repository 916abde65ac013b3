#ifndef ATSB_CONSOLE_SESSION_H
#define ATSB_CONSOLE_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* Stateless sessions (DESIGN.md "console"): the cookie value is
 * base64url(nonce || crypto_secretbox(expiry || token)), sealed with a key
 * derived from ATSB_CONSOLE_SESSION_KEY, so any replica opens any session and
 * nothing is stored. The CSRF token of a session is
 * base64url(crypto_auth(cookie value)) under a second derived key. Pure
 * (libsodium only); sodium_init must have run. */

#define SESSION_TOKEN_MAX 200 /* the longest operator token accepted */
#define SESSION_COOKIE_MAX 400 /* a sealed cookie value is shorter */
#define SESSION_CSRF_LEN 44    /* base64url of 32 bytes, without padding, + NUL */
#define SESSION_KEY_MIN 32     /* characters of ATSB_CONSOLE_SESSION_KEY */

typedef struct {
    uint8_t seal[32]; /* crypto_secretbox key */
    uint8_t csrf[32]; /* crypto_auth key */
} session_keys;

/* Derives both keys from the configured secret (at least SESSION_KEY_MIN
 * characters). Returns 0, or -1 when it is too short. */
int session_keys_derive(const char *secret, session_keys *k);

/* 1 when token may be sealed and sent as a bearer token: 1 to
 * SESSION_TOKEN_MAX printable ASCII characters, no space. Pure. */
int session_token_ok(const char *token);

/* Seals token with its expiry (Unix seconds) into out, a NUL-terminated
 * cookie value. Returns 0, or -1 when the token is not session_token_ok or
 * out is too small. */
int session_seal(const session_keys *k, const char *token, int64_t expires, char *out, size_t outlen);

typedef enum {
    SESSION_OK = 0,
    SESSION_EXPIRED = 1,  /* authentic, but past its expiry (or beyond max_ttl_s ahead) */
    SESSION_INVALID = -1, /* not a value this key sealed: malformed, tampered, another key */
} session_result;

/* Opens a cookie value: the token into token (at least SESSION_TOKEN_MAX + 1
 * bytes), its expiry into *expires (may be NULL). An expiry more than
 * max_ttl_s after now counts as expired too. */
session_result session_open(const session_keys *k, const char *cookie, int64_t now, int64_t max_ttl_s, char *token,
                            size_t tokenlen, int64_t *expires);

/* The CSRF token of the session whose cookie value is cookie into out
 * (SESSION_CSRF_LEN bytes). */
void session_csrf(const session_keys *k, const char *cookie, char out[SESSION_CSRF_LEN]);
/* 1 when submitted is the CSRF token of cookie (checked in constant time), else 0. */
int session_csrf_ok(const session_keys *k, const char *cookie, const char *submitted);

/* The value of cookie name in a Cookie header into out; returns 0, or -1
 * when absent or longer than outlen - 1. Pure. */
int session_cookie_get(const char *header, const char *name, char *out, size_t outlen);

#endif
