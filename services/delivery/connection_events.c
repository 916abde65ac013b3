#include "connection_events.h"

#include "events.h"
#include "log.h"

#include <stdio.h>

const char *connection_cred_code(cred_status st) {
    switch (st) {
    case CRED_NOT_FOUND: return "connection_missing";
    case CRED_REVOKED: return "connection_revoked";
    case CRED_BROKEN: return "connection_broken";
    case CRED_REAUTH: return "reauthorization_required";
    default: return "connection_unavailable";
    }
}

void connection_broken_event(kafka_producer *p, const account *acc, const char *code) {
    char subject[300], disc[300];
    snprintf(subject, sizeof subject, "%s/%s", acc->account_id, acc->connection_name);
    snprintf(disc, sizeof disc, "%lld:%s", (long long)(events_now_ms() / 3600000), code);
    if (events_emit_account(p, "delivery", disc, "connection_broken", acc->account_id, subject,
                            acc->connection_name, code, NULL))
        log_warn("connection_broken event not recorded", "account", acc->account_id);
}

void connection_unusable(PGconn *c, kafka_producer *p, const account *acc, const char *code) {
    credentials_record(c, acc->account_id, acc->connection_name, code);
    connection_broken_event(p, acc, code);
}
