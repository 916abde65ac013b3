/* ingest: multipart/form-data applications. Input: the Content-Type header
 * value up to the first '\n', then the body. Runs the boundary parser, the
 * part splitter and applications_parse_multipart (JSON part + documents). */
#include "applications.h"
#include "crypto.h"
#include "fuzz.h"
#include "multipart.h"

#include <stdlib.h>
#include <string.h>

static const app_limits LIM = {64 * 1024, 256 * 1024};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) ready = crypto_init() == 0;
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    if (!nl) return 0;
    char *ctype = fuzz_strndup(data, (size_t)(nl - data));
    if (!ctype) return 0;
    const char *body = (const char *)nl + 1;
    size_t len = size - (size_t)(nl - data) - 1;

    char boundary[80], err[256];
    (void)multipart_boundary(ctype, boundary, sizeof boundary);
    multipart m = {0};
    if (multipart_parse(body, len, ctype, &m, err, sizeof err) == 0) {
        (void)multipart_get(&m, "application");
        multipart_free(&m);
    }
    app_application a;
    errlist e = {0};
    (void)applications_parse_multipart(body, len, ctype, &LIM, &a, &e);
    app_application_free(&a);
    errlist_free(&e);
    free(ctype);
    return 0;
}
