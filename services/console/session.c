#include "session.h"

#include <sodium.h>
#include <string.h>

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define NONCE crypto_secretbox_NONCEBYTES
#define MAC crypto_secretbox_MACBYTES

int session_keys_derive(const char *secret, session_keys *k) {
    if (!secret || strlen(secret) < SESSION_KEY_MIN) return -1;
    /* Two keys from one secret: BLAKE2b keyed with the secret over a label. */
    const uint8_t *key = (const uint8_t *)secret;
    size_t keylen = strlen(secret);
    uint8_t digest[64];
    if (keylen > crypto_generichash_KEYBYTES_MAX) {
        crypto_generichash(digest, 64, key, keylen, NULL, 0);
        key = digest;
        keylen = 64;
    }
    static const char seal_label[] = "atsbridge console session seal";
    static const char csrf_label[] = "atsbridge console csrf";
    crypto_generichash(k->seal, sizeof k->seal, (const uint8_t *)seal_label, sizeof seal_label - 1, key, keylen);
    crypto_generichash(k->csrf, sizeof k->csrf, (const uint8_t *)csrf_label, sizeof csrf_label - 1, key, keylen);
    sodium_memzero(digest, sizeof digest);
    return 0;
}

int session_token_ok(const char *token) {
    size_t n = token ? strlen(token) : 0;
    if (n == 0 || n > SESSION_TOKEN_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] <= 0x20 || (unsigned char)token[i] >= 0x7f) return 0;
    return 1;
}

int session_seal(const session_keys *k, const char *token, int64_t expires, char *out, size_t outlen) {
    if (!session_token_ok(token)) return -1;
    size_t tl = strlen(token);
    uint8_t plain[8 + SESSION_TOKEN_MAX];
    uint8_t box[NONCE + MAC + 8 + SESSION_TOKEN_MAX];
    uint64_t e = (uint64_t)expires;
    for (int i = 0; i < 8; i++) plain[i] = (uint8_t)(e >> (56 - 8 * i));
    memcpy(plain + 8, token, tl);
    randombytes_buf(box, NONCE);
    crypto_secretbox_easy(box + NONCE, plain, 8 + tl, box, k->seal);
    sodium_memzero(plain, sizeof plain);
    size_t boxlen = NONCE + MAC + 8 + tl;
    if (outlen < sodium_base64_ENCODED_LEN(boxlen, B64)) return -1;
    sodium_bin2base64(out, outlen, box, boxlen, B64);
    return 0;
}

session_result session_open(const session_keys *k, const char *cookie, int64_t now, int64_t max_ttl_s, char *token,
                            size_t tokenlen, int64_t *expires) {
    uint8_t box[NONCE + MAC + 8 + SESSION_TOKEN_MAX];
    uint8_t plain[8 + SESSION_TOKEN_MAX];
    size_t boxlen = 0;
    session_result rc = SESSION_INVALID;
    if (tokenlen) token[0] = '\0';
    if (!cookie || strlen(cookie) >= SESSION_COOKIE_MAX) return SESSION_INVALID;
    if (sodium_base642bin(box, sizeof box, cookie, strlen(cookie), NULL, &boxlen, NULL, B64) != 0) return rc;
    if (boxlen < NONCE + MAC + 8 + 1) return rc;
    size_t plen = boxlen - NONCE - MAC;
    if (crypto_secretbox_open_easy(plain, box + NONCE, boxlen - NONCE, box, k->seal) != 0) return rc;
    uint64_t e = 0;
    for (int i = 0; i < 8; i++) e = (e << 8) | plain[i];
    size_t tl = plen - 8;
    if (tl >= tokenlen) goto out;
    memcpy(token, plain + 8, tl);
    token[tl] = '\0';
    if (!session_token_ok(token)) {
        sodium_memzero(token, tokenlen);
        goto out;
    }
    if (expires) *expires = (int64_t)e;
    rc = (int64_t)e <= now || (int64_t)e > now + max_ttl_s ? SESSION_EXPIRED : SESSION_OK;
    if (rc != SESSION_OK) sodium_memzero(token, tokenlen);
out:
    sodium_memzero(plain, sizeof plain);
    return rc;
}

void session_csrf(const session_keys *k, const char *cookie, char out[SESSION_CSRF_LEN]) {
    uint8_t mac[crypto_auth_BYTES];
    crypto_auth(mac, (const uint8_t *)cookie, strlen(cookie), k->csrf);
    sodium_bin2base64(out, SESSION_CSRF_LEN, mac, sizeof mac, B64);
}

int session_csrf_ok(const session_keys *k, const char *cookie, const char *submitted) {
    uint8_t mac[crypto_auth_BYTES];
    size_t n = 0;
    if (!cookie || !submitted || strlen(submitted) != SESSION_CSRF_LEN - 1) return 0;
    if (sodium_base642bin(mac, sizeof mac, submitted, SESSION_CSRF_LEN - 1, NULL, &n, NULL, B64) != 0 ||
        n != sizeof mac)
        return 0;
    return crypto_auth_verify(mac, (const uint8_t *)cookie, strlen(cookie), k->csrf) == 0;
}

int session_cookie_get(const char *header, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ';') p++;
        size_t part = strcspn(p, ";");
        if (part > nl && p[nl] == '=' && !strncmp(p, name, nl)) {
            size_t vl = part - nl - 1;
            while (vl && (p[nl + 1 + vl - 1] == ' ' || p[nl + 1 + vl - 1] == '\t')) vl--;
            if (vl >= outlen) return -1;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return 0;
        }
        p += part;
    }
    return -1;
}
