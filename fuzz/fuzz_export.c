/* ingest: POST /v1/exports JSON body -> export_parse (+ canonical hash). */
#include "crypto.h"
#include "export_parse.h"
#include "fuzz.h"

static const app_limits LIM = {64 * 1024, 256 * 1024};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) ready = crypto_init() == 0;
    export_request r;
    errlist e = {0};
    if (export_parse((const char *)data, size, &LIM, 50, &r, &e) == 0) {
        char h[CRYPTO_SHA256_HEX];
        export_canonical_sha256(&r, h);
    } else {
        json_object_put(errlist_json(&e, errlist_status(&e)));
    }
    export_request_free(&r);
    errlist_free(&e);
    return 0;
}
