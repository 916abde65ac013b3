/* ingest: Lever webhook body -> lever_webhook_parse -> lever_webhook_verify
 * (signature with a fixed token, freshness against a fixed clock). */
#include "crypto.h"
#include "fuzz.h"
#include "webhooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) ready = crypto_init() == 0;
    lever_webhook w = {0};
    errlist e = {0};
    if (lever_webhook_parse((const char *)data, size, &w, &e) == 0) {
        const char *code = NULL, *message = NULL;
        (void)lever_webhook_verify(&w, "fuzz-signature-token", 1795514400000LL, 300000, &code, &message);
    } else {
        json_object_put(errlist_json(&e, errlist_status(&e)));
    }
    lever_webhook_free(&w);
    errlist_free(&e);
    return 0;
}
