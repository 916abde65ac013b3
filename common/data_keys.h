#ifndef ATSB_DATA_KEYS_H
#define ATSB_DATA_KEYS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Per-application data keys for crypto-shredding (keys.data_keys, the one
 * store every service reads through this module; its migrations are the
 * "keys" component every service applies at start, owned by common/: no
 * service's SQL names keys.*, DESIGN.md "Shared stores"). Columns: subject_id,
 * wrapped, destroyed_at.
 *
 * A data key is 32 random bytes, stored wrapped (crypto_seal with the
 * service master key ATSB_SECRET_KEY). ingest creates an application's key
 * before the first message carrying its personal data is produced; the
 * consumers unwrap it to read those fields (personal.h). Erasure destroys
 * it: the row stays as a tombstone (wrapped NULL, destroyed_at set), so a
 * message met afterwards is known to be erased, and no new key can be made
 * for that application. */

#define DATA_KEY_BYTES 32

typedef enum {
    DATA_KEY_OK = 0,
    DATA_KEY_ERASED = 1,       /* destroyed by erasure (or never created: the message is unreadable all the same) */
    DATA_KEY_UNAVAILABLE = -1, /* database down or the key cannot be unwrapped: retry later */
} data_key_status;

/* The keys of n subjects (application ids) into keys[i] with status st[i].
 * With create, a subject without a row gets a new key (committed at once,
 * outside any transaction of the caller's: c must not be inside one).
 * Returns 0 when every st[i] is OK or ERASED, -1 when the store could not be
 * read (every st[i] UNAVAILABLE) or a stored key did not unwrap (that st[i]
 * UNAVAILABLE, logged). keys must hold n * DATA_KEY_BYTES bytes;
 * the caller wipes them (explicit_bzero) when done. */
int data_keys_get(PGconn *c, size_t n, const char *const *subjects, int create, uint8_t *keys,
                  data_key_status *st);

/* One subject's key: data_keys_get for n = 1. Returns its status. */
data_key_status data_key_get(PGconn *c, const char *subject, int create, uint8_t key[DATA_KEY_BYTES]);

/* Destroys the keys of n subjects inside the caller's transaction on c:
 * wrapped set to NULL, destroyed_at set; a subject without a key gets a
 * tombstone (one upsert, so a key created concurrently is destroyed too).
 * Idempotent: a second call keeps the first destroyed_at. Returns 0 or -1. */
int data_keys_destroy(PGconn *c, size_t n, const char *const *subjects);

#endif
