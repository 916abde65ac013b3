#include "text.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int text_id_ok(const char *s) {
    if (!s) return 0;
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@-");
    return n > 0 && n <= 200 && s[n] == '\0';
}

void text_cursor_encode(const char *kind, const char *value, char *out, size_t len) {
    char raw[300];
    int n = snprintf(raw, sizeof raw, "%s:%s", kind, value);
    if (n < 0 || (size_t)n >= sizeof raw ||
        sodium_base64_encoded_len((size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > len) {
        if (len) out[0] = '\0';
        return;
    }
    sodium_bin2base64(out, len, (const unsigned char *)raw, (size_t)n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int text_cursor_decode(const char *kind, const char *cursor, char *value, size_t len) {
    unsigned char raw[300];
    size_t n = 0;
    if (!cursor || strlen(cursor) > 400 ||
        sodium_base642bin(raw, sizeof raw - 1, cursor, strlen(cursor), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    raw[n] = '\0';
    size_t k = strlen(kind);
    if (n <= k + 1 || memcmp(raw, kind, k) != 0 || raw[k] != ':' || strlen((char *)raw) != n) return -1;
    if (n - k - 1 >= len) return -1;
    memcpy(value, raw + k + 1, n - k);
    return 0;
}
