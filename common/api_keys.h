#ifndef ATSB_API_KEYS_H
#define ATSB_API_KEYS_H

#include "pg.h"

#include <stddef.h>

/* The API keys of job boards and sourcing tools, read through this module:
 * ingest owns and writes ingest.board_keys (its migrations; its admin API
 * registers keys) and checks submissions with it; status reads it, only
 * through this module, to scope what a key may read (DESIGN.md "Shared
 * stores"). Columns relied on: key_sha256, board (the owner's id), kind.
 * A key is stored as its SHA-256 only and belongs to one owner: a board id
 * ("stepstone_de") or a sourcing-tool id ("provenbase"). */

#define API_KEY_KIND_BOARD "board"
#define API_KEY_KIND_SOURCE_TOOL "source_tool"

typedef struct {
    char kind[16];   /* API_KEY_KIND_* */
    char owner[128]; /* board or tool id */
} api_key_owner;

/* Looks key up, in the lookup cache first (entries kept ttl_ms; a key
 * removed from the table can thus be honoured that long), else in the
 * database with a connection borrowed from db. Returns 1 with *out filled,
 * 0 when the key is unknown (not cached; also when ingest's table does not
 * exist), -1 when the database is unavailable. */
int api_keys_lookup(pg_pool *db, const char *key, int ttl_ms, api_key_owner *out);

#endif
