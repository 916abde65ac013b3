#ifndef QUESTIONS_FETCH_H
#define QUESTIONS_FETCH_H

#include "accounts.h"
#include "model.h"

#include <libpq-fe.h>

/* Fetches a posting's question set from the account's ATS with the
 * account's connection (common/credentials.h; a 401 gets one new token and
 * one more try) and normalizes it.
 *   Lever: GET {ATSB_LEVER_API_URL}/postings/{id} and .../postings/{id}/apply
 *   Eploy: GET {site_url}/api/vacancies/{id} and .../vacancies/{id}/questions
 * Requests carry If-None-Match when previous ETags are known. Timeout per
 * request: ATSB_QUESTIONS_FETCH_TIMEOUT_MS (default 10000). */

typedef enum {
    QF_OK = 0,
    QF_NOT_MODIFIED = 1,  /* both answers were 304: the cached set stands */
    QF_NOT_FOUND = -1,    /* the ATS does not know the posting */
    QF_UNAVAILABLE = -2,  /* unreachable, timeout, 429, 5xx, garbled answer */
    QF_CONNECTION = -3,   /* no usable credentials (missing, revoked, refused, 403) */
} qf_status;

typedef struct {
    char posting[128]; /* ETag of the posting answer */
    char form[128];    /* ETag of the questions answer */
} qf_etags;

/* Reads configuration (call once before threads start); a bad value, or an
 * ATS URL outbound_config_url refuses, exits 2 naming the variable. */
void questions_fetch_configure(void);

/* prev may be NULL. On QF_OK out holds the new set (caller frees) and etags
 * the new ETags; otherwise out is initialised and empty. */
qf_status questions_fetch(PGconn *c, const account *acc, const char *posting_id, const qf_etags *prev,
                          qs_set *out, qf_etags *etags);

/* 1 when id is safe to put in an ATS URL path: 1..128 of [A-Za-z0-9._~:-]. */
int questions_id_ok(const char *id);

#endif
