#ifndef QUESTIONS_CACHE_H
#define QUESTIONS_CACHE_H

#include "accounts.h"
#include "model.h"

#include <libpq-fe.h>
#include <stdint.h>

/* The question-set cache in questions.question_sets.
 *
 * A set younger than ATSB_QUESTIONS_TTL_S (default 900) is served as is
 * (hit). An older one is refreshed: with If-None-Match when the ATS gave
 * ETags, and by comparing the SHA-256 of the normalized set otherwise; an
 * unchanged set only gets a new expiry (revalidated), a changed or new one
 * is stored (miss). When the ATS cannot be asked (down, 5xx, 429, unusable
 * credentials) the cached set is served (stale) as long as the ATS
 * confirmed it less than ATSB_QUESTIONS_MAX_STALE_S (default 86400) ago,
 * never longer. A posting the ATS no longer knows is dropped. */

typedef enum { QC_HIT = 0, QC_MISS, QC_REVALIDATED, QC_STALE } qc_source;

typedef enum {
    QC_OK = 0,
    QC_NOT_FOUND = -1,   /* the ATS does not know the posting */
    QC_UNAVAILABLE = -2, /* the ATS is down and nothing fresh enough is cached */
    QC_CONNECTION = -3,  /* no usable credentials and nothing fresh enough is cached */
    QC_DB = -4,          /* database error */
} qc_status;

typedef struct {
    qc_source source;
    int64_t age_s; /* seconds since the ATS last confirmed the set */
} qc_info;

/* Reads ATSB_QUESTIONS_TTL_S and ATSB_QUESTIONS_MAX_STALE_S (exit 2 when bad). */
void questions_cache_configure(void);
int questions_cache_ttl_s(void);

/* The question set of (acc, posting_id) into out (caller frees with
 * qs_set_free) and where it came from into info. Must not be called inside
 * an open transaction (credentials may be refreshed). */
qc_status questions_cache_get(PGconn *c, const account *acc, const char *posting_id, qs_set *out, qc_info *info);

const char *qc_source_name(qc_source s);

#endif
