/* delivery: a consumed message -> deliver_decode (applications.resolved,
 * then pb_validate) or commands_decode (ats.commands), and for a valid
 * ApplicationResolved the Lever and Eploy request bodies the connectors would
 * send (their dry-run preview) and request estimates. The first byte picks
 * the topic. */
#include "commands.h"
#include "connectors/connector.h"
#include "deliver.h"
#include "fuzz.h"
#include "pb_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *code = NULL, *message = NULL;
    if (data[0] & 1) {
        Atsbridge__V1__AtsCommand *cmd = NULL;
        char msg[300];
        (void)commands_decode(data + 1, size - 1, &cmd, &code, msg, sizeof msg);
        if (cmd) atsbridge__v1__ats_command__free_unpacked(cmd, NULL);
        return 0;
    }
    Atsbridge__V1__ApplicationResolved *r = NULL;
    char why[300];
    if (deliver_decode(data + 1, size - 1, &r, &code, &message) == 0 &&
        pb_validate(&r->base, &PB_LIMITS_DEFAULT, why, sizeof why) == 0) { /* as deliver_handle does */
        cx_application a = {.app = r, .source_label = "fuzz", .origin = "applied"};
        static const char *const ATS[] = {"lever", "eploy"};
        for (size_t i = 0; i < 2; i++) {
            const cx_connector *c = connector_for(ATS[i]);
            if (!c) continue;
            json_object *p = c->preview(&a);
            if (p) {
                (void)json_object_to_json_string(p);
                json_object_put(p);
            }
            (void)c->estimate(&a, 1);
        }
    }
    if (r) atsbridge__v1__application_resolved__free_unpacked(r, NULL);
    return 0;
}
