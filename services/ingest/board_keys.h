#ifndef INGEST_BOARD_KEYS_H
#define INGEST_BOARD_KEYS_H

#include "ingest.h"

/* API keys of job boards and sourcing tools, stored as SHA-256 only in
 * ingest.board_keys. A key belongs to exactly one owner (a board id such as
 * "stepstone_de", or a source-tool id such as "provenbase"). */

#define KEY_KIND_BOARD "board"
#define KEY_KIND_SOURCE_TOOL "source_tool"

/* Registers key for owner. Returns 0 (new, or already registered to this
 * owner), 1 when the key belongs to another owner or kind (nothing changed),
 * -1 on a database error. */
int board_keys_register(PGconn *c, const char *kind, const char *owner, const char *key);

/* Authenticates the request's bearer key for an endpoint that takes keys of
 * kind. Returns 0 with the key's owner in owner, or -1 after answering
 * 401 (missing or unknown key), 403 (a key of the other kind) or 503
 * (database) in resp. */
int board_keys_authenticate(const ingest_ctx *ctx, PGconn *c, const http_request *req, http_response *resp,
                            const char *kind, char *owner, size_t ownerlen);

#endif
