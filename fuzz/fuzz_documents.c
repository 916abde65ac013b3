/* ingest: document type detection by magic bytes, and the check of content
 * against each declared media type the API accepts (and a few it does not). */
#include "documents.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static const char *const DECLARED[] = {
    NULL, "", "application/octet-stream", DOC_TYPE_PDF, DOC_TYPE_DOC, DOC_TYPE_DOCX, DOC_TYPE_ODT,
    DOC_TYPE_RTF, "text/rtf", "TEXT/PLAIN; charset=utf-8", "image/png", ";", "text/plain;",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)documents_detect(data, size);
    for (size_t i = 0; i < sizeof DECLARED / sizeof DECLARED[0]; i++) {
        const char *detected = NULL;
        (void)documents_check(DECLARED[i], data, size, &detected);
        if (DECLARED[i]) (void)documents_normalize_type(DECLARED[i]);
    }
    /* The input as a declared type too (the header comes from the client). */
    char *declared = fuzz_strndup(data, size < 200 ? size : 200);
    if (declared) {
        const char *detected = NULL;
        (void)documents_normalize_type(declared);
        (void)documents_check(declared, data, size, &detected);
        free(declared);
    }
    return 0;
}
