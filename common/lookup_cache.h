#ifndef ATSB_LOOKUP_CACHE_H
#define ATSB_LOOKUP_CACHE_H

#include <stddef.h>

/* A small in-process cache of recent facts, so a hot path does not ask
 * PostgreSQL (or tell it) the same thing every time: ingest's positive
 * lookups (API key hash -> owner and kind, known account ids; entries live
 * ATSB_INGEST_LOOKUP_CACHE_MS, so a key removed from ingest.board_keys or an
 * account removed from status.accounts can be honoured that much longer;
 * failed lookups are never cached) and the credential store's "success
 * recorded" marks (one second). Direct-mapped (a colliding entry replaces
 * the older one), thread-safe; callers prefix their keys. */

/* 1 and the value in val when key was stored less than ttl_ms ago, else 0. */
int lookup_cache_get(const char *key, int ttl_ms, char *val, size_t len);
/* Stores key -> val (both truncated to 127 bytes: callers use short ones). */
void lookup_cache_put(const char *key, const char *val);
/* Drops key when it is stored. */
void lookup_cache_forget(const char *key);

#endif
