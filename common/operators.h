#ifndef ATSB_OPERATORS_H
#define ATSB_OPERATORS_H

#include "pg.h"

#include <stddef.h>

/* Named operators: people (or their tools) with an admin token of their
 * own, so every admin action's audit event can say who did it. status owns
 * status.operators (its migrations; PUT /v1/admin/operators/{name} with the
 * bootstrap admin token writes it through this module); every service's
 * admin endpoints read it through this module (DESIGN.md "Shared stores").
 * Columns relied on: name, token_sha256, updated_at. Tokens are stored as
 * SHA-256 only. */

/* Registers (or re-keys) operator name with token. Returns 0 (new), 1
 * (existing operator, token replaced), 2 when the token is another
 * operator's (nothing changed), -1 on a database error. */
int operators_put(PGconn *c, const char *name, const char *token);

/* Removes operator name. Returns 0, 1 when there is no such operator, -1 on
 * a database error. */
int operators_delete(PGconn *c, const char *name);

/* The operator whose token this is, in the lookup cache first (entries kept
 * ttl_ms: a removed or re-keyed operator's old token works that much
 * longer), else in the database with a connection borrowed from db.
 * Returns 1 with the name in name, 0 when no operator has this token (also
 * when status has not created its table yet), -1 when the database is
 * unavailable. */
int operators_lookup(pg_pool *db, const char *token, int ttl_ms, char *name, size_t len);

#endif
