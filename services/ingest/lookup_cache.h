#ifndef INGEST_LOOKUP_CACHE_H
#define INGEST_LOOKUP_CACHE_H

#include <stddef.h>

/* A small in-process cache of positive lookups (API key hash -> owner and
 * kind, known account ids), so a busy board's requests do not ask
 * PostgreSQL the same question every time. Direct-mapped (a colliding entry
 * replaces the older one), thread-safe. Entries live ttl_ms
 * (ATSB_INGEST_LOOKUP_CACHE_MS): a key removed from ingest.board_keys or an
 * account removed from status.accounts can be honoured that much longer.
 * Failed lookups are never cached. */

/* 1 and the value in val when key was stored less than ttl_ms ago, else 0. */
int lookup_cache_get(const char *key, int ttl_ms, char *val, size_t len);
/* Stores key -> val (both truncated to 127 bytes: callers use short ones). */
void lookup_cache_put(const char *key, const char *val);

#endif
