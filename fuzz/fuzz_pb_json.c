/* tools/trail: any payload under any known schema -> JSON for the audit
 * reader, redacted and not. The first byte picks the schema. */
#include "fuzz.h"
#include "pb_json.h"

static const char *const SCHEMAS[] = {
    "atsbridge.v1.ApplicationReceived", "atsbridge.v1.ApplicationResolved", "atsbridge.v1.AtsWebhook",
    "atsbridge.v1.BackgroundCheckUpdate", "atsbridge.v1.AtsCommand", "atsbridge.v1.ApplicationEvent",
    "atsbridge.v1.Unknown",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *schema = SCHEMAS[data[0] % (sizeof SCHEMAS / sizeof SCHEMAS[0])];
    for (int personal = 0; personal < 2; personal++) {
        json_object *j = pb_json_decode(schema, data + 1, size - 1, personal);
        if (j) {
            (void)json_object_to_json_string(j);
            json_object_put(j);
        }
    }
    return 0;
}
