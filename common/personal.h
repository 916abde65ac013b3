#ifndef ATSB_PERSONAL_H
#define ATSB_PERSONAL_H

#include "data_keys.h"

#include "atsbridge/v1/applications.pb-c.h"

#include <stdint.h>

/* Sealing the personal fields of application messages (crypto-shredding).
 *
 * Sealed form: PersonalData (applications.proto) packed, then encrypted with
 * XChaCha20-Poly1305 (libsodium AEAD) under the application's data key
 * (data_keys.h), the application id as associated data; the bytes are the
 * 24-byte nonce followed by the ciphertext. ApplicationReceived seals
 * candidate, answers and documents into .sealed; ApplicationResolved seals
 * mapped_answers into its own .sealed (its .application keeps the sealed
 * bytes ingest made). A message whose .sealed is empty is in clear (produced
 * before sealing existed, or by a test) and passes through unchanged. */

/* For producing m sealed: *out becomes a shallow copy of m without
 * candidate, answers and documents, with .sealed set to a new buffer
 * (*blob, the caller frees it after packing out). m is not changed.
 * Returns 0, or -1 (out of memory). */
int personal_seal_received(const Atsbridge__V1__ApplicationReceived *m, const uint8_t key[DATA_KEY_BYTES],
                           Atsbridge__V1__ApplicationReceived *out, uint8_t **blob);

/* The same for ApplicationResolved: mapped_answers into .sealed, and the
 * inner application as personal_seal_received would (keeping its .sealed
 * when it has one). *app_out is storage for the inner copy; *blobs[2] the
 * caller frees (either may be NULL). Returns 0 or -1. */
int personal_seal_resolved(const Atsbridge__V1__ApplicationResolved *m, const uint8_t key[DATA_KEY_BYTES],
                           Atsbridge__V1__ApplicationResolved *out, Atsbridge__V1__ApplicationReceived *app_out,
                           uint8_t *blobs[2]);

typedef enum {
    PERSONAL_OK = 0,          /* opened (or was in clear) */
    PERSONAL_ERASED = 1,      /* the key is destroyed: the personal fields are gone for good */
    PERSONAL_UNAVAILABLE = -1, /* the key store could not be read: try again later */
    PERSONAL_INVALID = -2,    /* sealed bytes that do not open or decode: a poison message */
} personal_status;

/* Opens m (unpacked with the default allocator) in place: reads the key of
 * m->application_id from the store on c and moves the sealed fields into
 * candidate, answers and documents (replacing any given in clear). .sealed
 * is left as it was. A message in clear returns OK without touching c.
 * UNAVAILABLE also when out of memory. */
personal_status personal_open_received(PGconn *c, Atsbridge__V1__ApplicationReceived *m);

/* The same for ApplicationResolved: its application and mapped_answers. */
personal_status personal_open_resolved(PGconn *c, Atsbridge__V1__ApplicationResolved *m);

/* personal_open_received and personal_open_resolved with the key in hand
 * (no database): OK, INVALID, or UNAVAILABLE when out of memory. For tools
 * and tests. */
personal_status personal_open_received_key(Atsbridge__V1__ApplicationReceived *m, const uint8_t key[DATA_KEY_BYTES]);
personal_status personal_open_resolved_key(Atsbridge__V1__ApplicationResolved *m, const uint8_t key[DATA_KEY_BYTES]);

/* The opening step alone, with a key in hand (no database): decrypts and
 * decodes sealed bytes into *out (free with
 * atsbridge__v1__personal_data__free_unpacked; NULL unless OK). INVALID when
 * they do not open under key and application_id or do not decode. */
personal_status personal_open_with_key(const char *application_id, const uint8_t *sealed, size_t len,
                                       const uint8_t key[DATA_KEY_BYTES], Atsbridge__V1__PersonalData **out);

#endif
