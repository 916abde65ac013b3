#ifndef ATSB_CRYPTO_H
#define ATSB_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Hashing, signatures, secret boxes and random ids on libsodium.
 * crypto_init() must run once before any other function (service_start and
 * the tools call it); it returns -1 only when libsodium cannot initialise. */
int crypto_init(void);

#define CRYPTO_SHA256_HEX 65 /* 64 hex chars + NUL */

/* Lowercase hex SHA-256 of data into out[CRYPTO_SHA256_HEX]. Can't fail. */
void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX]);

/* Lowercase hex HMAC-SHA256(key, msg) into out[CRYPTO_SHA256_HEX]. Can't fail. */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
                            char out[CRYPTO_SHA256_HEX]);

/* The signature of our signed HTTP requests (provider callbacks, operator
 * notifications): lowercase hex HMAC-SHA256(secret, timestamp + "." + body)
 * into out. On allocation failure out is "" (matches no signature). */
void crypto_sign_timestamped(const char *secret, const char *timestamp, const void *body, size_t len,
                             char out[CRYPTO_SHA256_HEX]);

/* Constant-time comparison of two NUL-terminated strings; 1 when equal.
 * Lengths are compared first (length is not secret here). */
int crypto_str_equal(const char *a, const char *b);

/* A random id: prefix followed by 32 lowercase hex chars (128 bits). */
void crypto_random_id(const char *prefix, char *out, size_t outlen);

/* A deterministic id: prefix + first 32 hex chars of SHA-256 over the parts,
 * each followed by a 0 byte (so ("ab","c") != ("a","bc")). parts ends with NULL. */
void crypto_derive_id(char *out, size_t outlen, const char *prefix, ...);

/* Secret boxes (XSalsa20-Poly1305) for credentials at rest. The key is 32
 * bytes from ATSB_SECRET_KEY (64 hex chars); when unset, the fixed development
 * key (config_secret_dev_default) is used and a warning is logged once (the
 * services refuse to start so unless ATSB_DEV=1). Output is nonce || ciphertext.
 * crypto_seal returns a malloc'd buffer (caller frees) and its length in
 * *outlen, or NULL. crypto_open returns a malloc'd NUL-terminated plaintext,
 * or NULL when the box was tampered with or sealed under another key. */
uint8_t *crypto_seal(const char *plaintext, size_t *outlen);
char *crypto_open(const uint8_t *box, size_t boxlen);

/* The same boxes as lowercase hex text (for a bytea column through
 * decode($n, 'hex') / encode(col, 'hex')): crypto_seal_hex returns a malloc'd
 * hex string or NULL; crypto_open_hex a malloc'd plaintext or NULL (not hex,
 * tampered with, or another key). The caller wipes and frees plaintexts. */
char *crypto_seal_hex(const char *plaintext);
char *crypto_open_hex(const char *box_hex);

/* Wipes and frees a plaintext from crypto_open / crypto_open_hex (NULL: nothing). */
void crypto_free_plain(char *plaintext);

#endif
