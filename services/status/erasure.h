#ifndef STATUS_ERASURE_H
#define STATUS_ERASURE_H

#include "app.h"
#include "projections.h"

/* Erasure (right to be forgotten) and retention. The contract with the other
 * services: status records `erasure_requested` (application_id, account_id,
 * detail = reason: "admin", "retention" or "held_retention") on application.events; every
 * service that holds data about the application deletes it and confirms with
 * an `erasure_done` event from its own service name (ERASURE_SERVICES; the
 * others through common/erasure_listener.h). status deletes its rows,
 * destroys the application's data key (common/data_keys.h) in the same
 * transaction and confirms as "status". It keeps a tombstone (the
 * pseudonymous application id, account, reason, time) so that late or
 * redelivered events do not bring the application back, and keeps the
 * erasure_* events as the proof. */

/* Every service that confirms an erasure; it is complete when all have. */
#define ERASURE_SERVICES {"delivery", "ingest", "questions", "status"}
#define ERASURE_NSERVICES 4

typedef enum {
    ERASURE_OK = 0,
    ERASURE_NOT_FOUND = 1,   /* no such application and no tombstone */
    ERASURE_DB_DOWN = -1,    /* nothing changed */
    ERASURE_BROKER_DOWN = -2 /* the event was not taken; nothing deleted */
} erasure_result;

/* Deletes, inside the caller's transaction on c, everything status holds for
 * the application ids in er (see projections.h PX_*): the projection row, its
 * events except erasure_requested/erasure_done, webhooks and background
 * checks of its ATS candidate; destroys their data keys; and writes the
 * tombstones. Idempotent. On PROJ_OK *erased (PQclear it) holds one row
 * (application_id, account_id) per distinct application, for
 * erasure_confirm once the caller knows the deletion is durable. */
proj_result erasure_delete(PGconn *c, pgarr er[PX_NCOLS], PGresult **erased);

/* Records erasure_done from "status" for each row of erased (event id
 * derived from the application, so a repeat is stored once) and waits for
 * the broker. erased may be NULL. Returns 0, or -1 when the broker did not
 * take them all (or p is NULL and there are some). */
int erasure_confirm(kafka_producer *p, const PGresult *erased);

/* Records erasure_requested for application_id (waiting for the broker),
 * then deletes status's data for it. Repeating it is harmless (same event
 * id, nothing left to delete). */
erasure_result erasure_request(status_app *app, const char *application_id, const char *reason,
                               const char *actor);

/* Retention: erases (reason "held_retention") the applications questions
 * reported held_expired, and (reason "retention") up to 200 applications not
 * updated for ATSB_RETENTION_DAYS (none when 0). Returns how many were
 * erased, or -1 when the database or broker was unavailable (the next tick
 * tries again). */
int erasure_retention_tick(status_app *app);

#endif
