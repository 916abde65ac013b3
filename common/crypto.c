#include "crypto.h"

#include "config.h"
#include "log.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char box_key[crypto_secretbox_KEYBYTES];

int crypto_init(void) {
    if (sodium_init() < 0) return -1;
    const char *hex = config_str("ATSB_SECRET_KEY", NULL);
    size_t n = 0;
    if (!hex) {
        /* Development only: a service refuses to start without the key unless
         * ATSB_DEV=1 (service_start); tools and tests get it unconditionally. */
        log_warn("ATSB_SECRET_KEY is not set: using the development key");
        hex = config_secret_dev_default("ATSB_SECRET_KEY");
    }
    if (strlen(hex) != 2 * sizeof box_key ||
        sodium_hex2bin(box_key, sizeof box_key, hex, strlen(hex), NULL, &n, NULL) != 0 ||
        n != sizeof box_key)
        config_fail("ATSB_SECRET_KEY", "expected 64 hex characters (32 bytes)");
    return 0;
}

void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, CRYPTO_SHA256_HEX, h, sizeof h);
}

void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
                            char out[CRYPTO_SHA256_HEX]) {
    unsigned char h[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, msg, msglen);
    crypto_auth_hmacsha256_final(&st, h);
    sodium_bin2hex(out, CRYPTO_SHA256_HEX, h, sizeof h);
}

int crypto_str_equal(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && sodium_memcmp(a, b, la) == 0;
}

void crypto_random_id(const char *prefix, char *out, size_t outlen) {
    unsigned char r[16];
    char hex[33];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(out, outlen, "%s%s", prefix, hex);
}

void crypto_derive_id(char *out, size_t outlen, const char *prefix, ...) {
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[CRYPTO_SHA256_HEX];
    crypto_hash_sha256_init(&st);
    va_list ap;
    va_start(ap, prefix);
    for (const char *p = va_arg(ap, const char *); p; p = va_arg(ap, const char *))
        crypto_hash_sha256_update(&st, (const unsigned char *)p, strlen(p) + 1);
    va_end(ap);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, outlen, "%s%.32s", prefix, hex);
}

uint8_t *crypto_seal(const char *plaintext, size_t *outlen) {
    size_t mlen = strlen(plaintext);
    size_t len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + mlen;
    uint8_t *box = malloc(len);
    if (!box) return NULL;
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)plaintext, mlen, box,
                          box_key);
    *outlen = len;
    return box;
}

char *crypto_open(const uint8_t *box, size_t boxlen) {
    if (boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return NULL;
    size_t mlen = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    char *m = malloc(mlen + 1);
    if (!m) return NULL;
    if (crypto_secretbox_open_easy((unsigned char *)m, box + crypto_secretbox_NONCEBYTES,
                                   boxlen - crypto_secretbox_NONCEBYTES, box, box_key) != 0) {
        free(m);
        return NULL;
    }
    m[mlen] = '\0';
    return m;
}

char *crypto_seal_hex(const char *plaintext) {
    size_t blen = 0;
    uint8_t *box = crypto_seal(plaintext, &blen);
    char *hex = box ? malloc(2 * blen + 1) : NULL;
    if (hex) sodium_bin2hex(hex, 2 * blen + 1, box, blen);
    free(box);
    return hex;
}

char *crypto_open_hex(const char *box_hex) {
    size_t hlen = strlen(box_hex), blen = 0;
    char *plain = NULL;
    uint8_t *box = malloc(hlen / 2 + 1);
    if (box && sodium_hex2bin(box, hlen / 2 + 1, box_hex, hlen, NULL, &blen, NULL) == 0)
        plain = crypto_open(box, blen);
    free(box);
    return plain;
}

void crypto_sign_timestamped(const char *secret, const char *timestamp, const void *body, size_t len,
                             char out[CRYPTO_SHA256_HEX]) {
    size_t tl = strlen(timestamp);
    char *msg = malloc(tl + 1 + len + 1);
    if (!msg) {
        out[0] = '\0';
        return;
    }
    memcpy(msg, timestamp, tl);
    msg[tl] = '.';
    memcpy(msg + tl + 1, body, len);
    crypto_hmac_sha256_hex(secret, strlen(secret), msg, tl + 1 + len, out);
    free(msg);
}

void crypto_free_plain(char *plaintext) {
    if (!plaintext) return;
    sodium_memzero(plaintext, strlen(plaintext));
    free(plaintext);
}
