#include "personal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG crypto_aead_xchacha20poly1305_ietf_ABYTES

static const char *id_of(const char *id) { return id ? id : ""; }

/* pd packed and encrypted under key with the application id as associated
 * data: nonce || ciphertext into *out (malloc'd). 0 or -1. */
static int seal(const Atsbridge__V1__PersonalData *pd, const char *app_id, const uint8_t key[DATA_KEY_BYTES],
                ProtobufCBinaryData *out) {
    size_t plen = atsbridge__v1__personal_data__get_packed_size(pd);
    uint8_t *plain = malloc(plen ? plen : 1);
    uint8_t *box = malloc(NONCE + plen + TAG);
    int rc = -1;
    if (!plain || !box) goto cleanup;
    atsbridge__v1__personal_data__pack(pd, plain);
    randombytes_buf(box, NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE, &clen, plain, plen, (const unsigned char *)app_id,
                                               strlen(app_id), NULL, box, key);
    out->data = box;
    out->len = NONCE + (size_t)clen;
    box = NULL;
    rc = 0;
cleanup:
    if (plain) {
        sodium_memzero(plain, plen);
        free(plain);
    }
    free(box);
    return rc;
}

int personal_seal_received(const Atsbridge__V1__ApplicationReceived *m, const uint8_t key[DATA_KEY_BYTES],
                           Atsbridge__V1__ApplicationReceived *out, uint8_t **blob) {
    Atsbridge__V1__PersonalData pd = ATSBRIDGE__V1__PERSONAL_DATA__INIT;
    pd.candidate = m->candidate;
    pd.n_answers = m->n_answers;
    pd.answers = m->answers;
    pd.n_documents = m->n_documents;
    pd.documents = m->documents;
    *blob = NULL;
    *out = *m;
    out->candidate = NULL;
    out->n_answers = 0;
    out->answers = NULL;
    out->n_documents = 0;
    out->documents = NULL;
    if (seal(&pd, id_of(m->application_id), key, &out->sealed)) {
        out->sealed = (ProtobufCBinaryData){0, NULL};
        return -1;
    }
    *blob = out->sealed.data;
    return 0;
}

int personal_seal_resolved(const Atsbridge__V1__ApplicationResolved *m, const uint8_t key[DATA_KEY_BYTES],
                           Atsbridge__V1__ApplicationResolved *out, Atsbridge__V1__ApplicationReceived *app_out,
                           uint8_t *blobs[2]) {
    const Atsbridge__V1__ApplicationReceived *a = m->application;
    blobs[0] = blobs[1] = NULL;
    *out = *m;
    if (a && a->sealed.len) { /* as ingest sealed it: keep those bytes, drop the opened fields */
        *app_out = *a;
        app_out->candidate = NULL;
        app_out->n_answers = 0;
        app_out->answers = NULL;
        app_out->n_documents = 0;
        app_out->documents = NULL;
        out->application = app_out;
    } else if (a) {
        if (personal_seal_received(a, key, app_out, &blobs[0])) return -1;
        out->application = app_out;
    }
    Atsbridge__V1__PersonalData pd = ATSBRIDGE__V1__PERSONAL_DATA__INIT;
    pd.n_mapped_answers = m->n_mapped_answers;
    pd.mapped_answers = m->mapped_answers;
    out->n_mapped_answers = 0;
    out->mapped_answers = NULL;
    if (seal(&pd, id_of(a ? a->application_id : NULL), key, &out->sealed)) {
        out->sealed = (ProtobufCBinaryData){0, NULL};
        free(blobs[0]);
        blobs[0] = NULL;
        return -1;
    }
    blobs[1] = out->sealed.data;
    return 0;
}

personal_status personal_open_with_key(const char *application_id, const uint8_t *sealed, size_t len,
                                       const uint8_t key[DATA_KEY_BYTES], Atsbridge__V1__PersonalData **out) {
    *out = NULL;
    if (len < NONCE + TAG) return PERSONAL_INVALID;
    size_t plen = len - NONCE - TAG;
    uint8_t *plain = malloc(plen ? plen : 1);
    if (!plain) return PERSONAL_UNAVAILABLE; /* out of memory: try again, not poison */
    unsigned long long mlen = 0;
    const char *ad = id_of(application_id);
    personal_status st = PERSONAL_INVALID;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, sealed + NONCE, len - NONCE,
                                                   (const unsigned char *)ad, strlen(ad), sealed, key) == 0) {
        *out = atsbridge__v1__personal_data__unpack(NULL, (size_t)mlen, plain);
        if (*out) st = PERSONAL_OK;
    }
    sodium_memzero(plain, plen);
    free(plain);
    return st;
}

/* Frees repeated sub-messages of an unpacked message (default allocator). */
static void free_messages(ProtobufCMessage **v, size_t n) {
    for (size_t i = 0; i < n; i++) protobuf_c_message_free_unpacked(v[i], NULL);
    free(v);
}

/* m was unpacked with the default allocator, as the PersonalData is: m's
 * free_unpacked frees the moved fields; only the PersonalData's shell is
 * freed here. */
personal_status personal_open_received_key(Atsbridge__V1__ApplicationReceived *m, const uint8_t key[DATA_KEY_BYTES]) {
    if (!m->sealed.len) return PERSONAL_OK;
    Atsbridge__V1__PersonalData *pd;
    personal_status st = personal_open_with_key(m->application_id, m->sealed.data, m->sealed.len, key, &pd);
    if (st != PERSONAL_OK) return st;
    if (m->candidate) protobuf_c_message_free_unpacked(&m->candidate->base, NULL);
    free_messages((ProtobufCMessage **)m->answers, m->n_answers);
    free_messages((ProtobufCMessage **)m->documents, m->n_documents);
    m->candidate = pd->candidate;
    m->n_answers = pd->n_answers;
    m->answers = pd->answers;
    m->n_documents = pd->n_documents;
    m->documents = pd->documents;
    pd->candidate = NULL;
    pd->n_answers = pd->n_documents = 0;
    pd->answers = NULL;
    pd->documents = NULL;
    atsbridge__v1__personal_data__free_unpacked(pd, NULL); /* the shell (and anything it should not hold) */
    return PERSONAL_OK;
}

static personal_status key_of(PGconn *c, const char *app_id, uint8_t key[DATA_KEY_BYTES]) {
    switch (data_key_get(c, id_of(app_id), 0, key)) {
    case DATA_KEY_OK: return PERSONAL_OK;
    case DATA_KEY_ERASED: return PERSONAL_ERASED;
    default: return PERSONAL_UNAVAILABLE;
    }
}

personal_status personal_open_received(PGconn *c, Atsbridge__V1__ApplicationReceived *m) {
    if (!m->sealed.len) return PERSONAL_OK;
    uint8_t key[DATA_KEY_BYTES];
    personal_status st = key_of(c, m->application_id, key);
    if (st == PERSONAL_OK) st = personal_open_received_key(m, key);
    sodium_memzero(key, sizeof key);
    return st;
}

personal_status personal_open_resolved_key(Atsbridge__V1__ApplicationResolved *m, const uint8_t key[DATA_KEY_BYTES]) {
    Atsbridge__V1__ApplicationReceived *a = m->application;
    if (!m->sealed.len && !(a && a->sealed.len)) return PERSONAL_OK;
    if (!a) return PERSONAL_INVALID; /* sealed under which application? */
    Atsbridge__V1__PersonalData *pd = NULL;
    personal_status st = personal_open_received_key(a, key);
    if (st == PERSONAL_OK && m->sealed.len)
        st = personal_open_with_key(a->application_id, m->sealed.data, m->sealed.len, key, &pd);
    if (!pd) return st;
    free_messages((ProtobufCMessage **)m->mapped_answers, m->n_mapped_answers);
    m->n_mapped_answers = pd->n_mapped_answers;
    m->mapped_answers = pd->mapped_answers;
    pd->n_mapped_answers = 0;
    pd->mapped_answers = NULL;
    atsbridge__v1__personal_data__free_unpacked(pd, NULL);
    return PERSONAL_OK;
}

personal_status personal_open_resolved(PGconn *c, Atsbridge__V1__ApplicationResolved *m) {
    Atsbridge__V1__ApplicationReceived *a = m->application;
    if (!m->sealed.len && !(a && a->sealed.len)) return PERSONAL_OK;
    if (!a) return PERSONAL_INVALID;
    uint8_t key[DATA_KEY_BYTES];
    personal_status st = key_of(c, a->application_id, key);
    if (st == PERSONAL_OK) st = personal_open_resolved_key(m, key);
    sodium_memzero(key, sizeof key);
    return st;
}
