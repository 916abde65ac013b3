/* delivery: every connector response parser over the same body (Lever,
 * Eploy, provider, error shapes), with a path taken from the input too. */
#include "connectors/parse.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *body = (const char *)data;
    char out[128], small[4], name[64], email[64];
    (void)parse_json_path(body, size, "data.0.id", out, sizeof out);
    (void)parse_json_path(body, size, "Records.0.CandidateId", small, sizeof small);
    (void)parse_lever_opportunity_id(body, size, out, sizeof out);
    (void)parse_lever_first_id(body, size, out, sizeof out);
    (void)parse_lever_upload_uri(body, size, out, sizeof out);
    (void)parse_lever_application_id(body, size, out, sizeof out);
    (void)parse_lever_posting_tag(body, size, "bgcheck:", out, sizeof out);
    (void)parse_lever_contact(body, size, name, sizeof name, email, sizeof email);
    (void)parse_eploy_id(body, size, "CandidateId", out, sizeof out);
    (void)parse_eploy_first(body, size, "CandidateId", small, sizeof small);
    (void)parse_provider_order_id(body, size, out, sizeof out);
    (void)parse_error(body, size, small, sizeof small, out, sizeof out);
    (void)parse_error(body, size, out, sizeof out, name, sizeof name);
    /* A path from the input (up to the first '\n'), applied to the rest. */
    const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
    if (nl) {
        char *path = fuzz_strndup(data, (size_t)(nl - data));
        if (path) {
            (void)parse_json_path((const char *)nl + 1, size - (size_t)(nl - data) - 1, path, out, sizeof out);
            free(path);
        }
    }
    return 0;
}
