/* ingest: provider callback. Input: X-Provider-Timestamp up to the first
 * '\n', X-Provider-Signature up to the second, then the body ->
 * bgcheck_callback_verify (fixed secret and clock) and
 * bgcheck_callback_parse. Without the two lines the whole input is the body
 * and the headers are absent. */
#include "callbacks.h"
#include "crypto.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) ready = crypto_init() == 0;
    char *ts = NULL, *sig = NULL;
    const uint8_t *body = data;
    size_t len = size;
    const uint8_t *nl1 = memchr(data, '\n', size);
    const uint8_t *nl2 = nl1 ? memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - data)) : NULL;
    if (nl2) {
        ts = fuzz_strndup(data, (size_t)(nl1 - data));
        sig = fuzz_strndup(nl1 + 1, (size_t)(nl2 - nl1 - 1));
        body = nl2 + 1;
        len = size - (size_t)(body - data);
    }
    const char *code = NULL, *message = NULL;
    (void)bgcheck_callback_verify("fuzz-callback-secret", ts, sig, (const char *)body, len, 1795514400LL, 300,
                                  &code, &message);
    bgcheck_callback cb = {0};
    errlist e = {0};
    if (bgcheck_callback_parse((const char *)body, len, &cb, &e) != 0)
        json_object_put(errlist_json(&e, errlist_status(&e)));
    bgcheck_callback_free(&cb);
    errlist_free(&e);
    free(ts);
    free(sig);
    return 0;
}
