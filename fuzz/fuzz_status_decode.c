/* status: a consumed message -> consume_decode (schema header + protobuf
 * decoding + field validation) -> consume_decoded_add into a projection
 * batch (the copy into the statement's array parameters). The first byte
 * picks the schema header, the rest is the payload. */
#include "consume.h"
#include "fuzz.h"

static const char *const SCHEMAS[] = {
    "atsbridge.v1.ApplicationEvent", "atsbridge.v1.AtsWebhook", "atsbridge.v1.BackgroundCheckUpdate",
    "atsbridge.v1.ApplicationReceived", NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *schema = SCHEMAS[data[0] % (sizeof SCHEMAS / sizeof SCHEMAS[0])];
    consume_decoded d;
    consume_decode(schema, data + 1, size - 1, &d);
    proj_batch b;
    proj_batch_init(&b);
    consume_decoded_add(&b, &d);
    consume_decoded_add(&b, &d); /* a redelivered duplicate in the same batch */
    proj_batch_free(&b);
    consume_decoded_free(&d);
    return 0;
}
