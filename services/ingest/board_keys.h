#ifndef INGEST_BOARD_KEYS_H
#define INGEST_BOARD_KEYS_H

#include "api_keys.h"
#include "ingest.h"

/* API keys of job boards and sourcing tools, stored as SHA-256 only in
 * ingest.board_keys. A key belongs to exactly one owner (a board id such as
 * "stepstone_de", or a source-tool id such as "provenbase"). */

#define KEY_KIND_BOARD API_KEY_KIND_BOARD
#define KEY_KIND_SOURCE_TOOL API_KEY_KIND_SOURCE_TOOL

/* Registers key for owner. Returns 0 (new, or already registered to this
 * owner), 1 when the key belongs to another owner or kind (nothing changed),
 * -1 on a database error. */
int board_keys_register(PGconn *c, const char *kind, const char *owner, const char *key);

/* Route authorize functions (http_authorize_fn; ctx is the ingest_ctx):
 * the request's bearer key must be a board key (a source-tool key). They
 * return 0 with the key's owner in req->principal, or -1 after answering
 * 401 (missing or unknown key), 403 (a key of the other kind) or 503
 * (database) in resp. Known keys are cached for ATSB_INGEST_LOOKUP_CACHE_MS. */
int board_keys_authorize_board(http_request *req, http_response *resp, void *ctx);
int board_keys_authorize_tool(http_request *req, http_response *resp, void *ctx);

#endif
