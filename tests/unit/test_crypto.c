#include "boards.h"
#include "config.h"
#include "crypto.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void init(void) { cr_assert_eq(crypto_init(), 0); }
TestSuite(crypto, .init = init);

Test(crypto, sha256_known_vector) {
    char h[CRYPTO_SHA256_HEX];
    crypto_sha256_hex("abc", 3, h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(crypto, hmac_sha256_rfc4231_case2) {
    char h[CRYPTO_SHA256_HEX];
    const char *msg = "what do ya want for nothing?";
    crypto_hmac_sha256_hex("Jefe", 4, msg, strlen(msg), h);
    cr_assert_str_eq(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(crypto, str_equal) {
    cr_assert(crypto_str_equal("abc", "abc"));
    cr_assert_not(crypto_str_equal("abc", "abd"));
    cr_assert_not(crypto_str_equal("abc", "abcd"));
    cr_assert(crypto_str_equal("", ""));
}

Test(crypto, derived_ids_are_stable_and_separated) {
    char a[64], b[64], c[64];
    crypto_derive_id(a, sizeof a, "app_", "stepstone_de", "SS-1", (const char *)NULL);
    crypto_derive_id(b, sizeof b, "app_", "stepstone_de", "SS-1", (const char *)NULL);
    crypto_derive_id(c, sizeof c, "app_", "stepstone_deS", "S-1", (const char *)NULL);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    cr_assert_eq(strlen(a), 4 + 32);
}

Test(crypto, random_ids_differ) {
    char a[64], b[64];
    crypto_random_id("x_", a, sizeof a);
    crypto_random_id("x_", b, sizeof b);
    cr_assert_str_neq(a, b);
}

Test(crypto, secretbox_roundtrip_and_tamper) {
    size_t len;
    uint8_t *box = crypto_seal("refresh-token-secret", &len);
    cr_assert_not_null(box);
    cr_assert_null(memmem(box, len, "refresh", 7), "ciphertext must not contain the plaintext");
    char *plain = crypto_open(box, len);
    cr_assert_str_eq(plain, "refresh-token-secret");
    free(plain);
    box[len - 1] ^= 1;
    cr_assert_null(crypto_open(box, len));
    cr_assert_null(crypto_open(box, 3));
    free(box);
}

/* The development key is the one development databases were sealed with. */
Test(crypto, development_key_is_unchanged) {
    unsigned char k[crypto_secretbox_KEYBYTES];
    char hex[2 * sizeof k + 1];
    crypto_generichash(k, sizeof k, (const unsigned char *)"atsbridge-dev-key", 17, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, k, sizeof k);
    cr_assert_str_eq(config_secret_dev_default("ATSB_SECRET_KEY"), hex);
    unsetenv("ATSB_SECRET_KEY");
    cr_assert_eq(crypto_init(), 0);
    size_t len;
    uint8_t *box = crypto_seal("sealed in development", &len);
    cr_assert_not_null(box);
    setenv("ATSB_SECRET_KEY", hex, 1);
    cr_assert_eq(crypto_init(), 0);
    char *plain = crypto_open(box, len);
    cr_assert_str_eq(plain, "sealed in development");
    free(plain);
    free(box);
}

Test(crypto, bad_secret_key_exits_2, .exit_code = 2) {
    setenv("ATSB_SECRET_KEY", "short", 1);
    crypto_init();
}

Test(boards, default_labels) {
    cr_assert_str_eq(boards_default_label("stepstone_de"), "StepStone.de");
    cr_assert_str_eq(boards_default_label("irishjobs"), "IrishJobs.ie");
    cr_assert_null(boards_default_label("monster"));
    cr_assert_null(boards_default_label(NULL));
}
