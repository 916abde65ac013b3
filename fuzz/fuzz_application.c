/* ingest: POST /v1/applications JSON body -> app_parse, then what the
 * handler does with a parsed application (canonical hash, error answer). */
#include "application_parse.h"
#include "crypto.h"
#include "fuzz.h"

static const app_limits LIM = {64 * 1024, 256 * 1024};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) ready = crypto_init() == 0;
    app_application a;
    errlist e = {0};
    if (app_parse((const char *)data, size, &LIM, &a, &e) == 0) {
        char h[CRYPTO_SHA256_HEX];
        app_canonical_sha256(&a, h);
    } else {
        json_object_put(errlist_json(&e, errlist_status(&e)));
    }
    app_application_free(&a);
    errlist_free(&e);
    return 0;
}
