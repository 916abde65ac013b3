#ifndef ATSB_DELIVERY_CONNECTION_EVENTS_H
#define ATSB_DELIVERY_CONNECTION_EVENTS_H

#include "accounts.h"
#include "credentials.h"
#include "kafka_producer.h"

/* The error code of an unusable connection: connection_missing,
 * connection_revoked, connection_broken, reauthorization_required (a rotated
 * Lever token could not be stored), else connection_unavailable. */
const char *connection_cred_code(cred_status st);

/* connection_broken on the audit trail for the account's connection, detail
 * the code (connection_broken, connection_revoked, connection_missing,
 * reauthorization_required, or a connector's code such as an Eploy 403's);
 * status notifies the account's operator from it. Deliveries and commands
 * find a broken connection again and again: the event id, one per
 * connection, code and hour, makes the repeats one fact downstream. A
 * broker that does not take it is logged (the next use reports it again). */
void connection_broken_event(kafka_producer *p, const account *acc, const char *code);

/* The connection cannot be used: code becomes its last error (health in
 * delivery's API, credentials_record) and connection_broken goes on the
 * audit trail as above. */
void connection_unusable(PGconn *c, kafka_producer *p, const account *acc, const char *code);

#endif
