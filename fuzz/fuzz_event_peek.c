/* common/event_peek.c against the decoder: for any input that decodes as an
 * ApplicationEvent, event_type_is must say what strcmp on the decoded type
 * says, for the decoded type itself, for a type the listeners look for and
 * for "". (Input that does not decode may answer either way: the listener
 * decodes it next and drops it.) */
#include "atsbridge/v1/events.pb-c.h"
#include "event_peek.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

static void agree(const uint8_t *data, size_t size, const char *decoded, const char *type) {
    if (event_type_is(data, size, type) != !strcmp(decoded, type)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, size, data);
    if (!ev) {
        (void)event_type_is(data, size, "go_live");
        return 0;
    }
    const char *t = ev->type ? ev->type : "";
    agree(data, size, t, t);
    agree(data, size, t, "erasure_requested");
    agree(data, size, t, "go_live");
    agree(data, size, t, "");
    atsbridge__v1__application_event__free_unpacked(ev, NULL);
    return 0;
}
