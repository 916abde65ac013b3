#ifndef QUESTIONS_MAPPING_H
#define QUESTIONS_MAPPING_H

#include "atsbridge/v1/applications.pb-c.h"
#include "model.h"

#include <stddef.h>

/* Translates a validated application's answers to the ATS's field ids and
 * value formats (MappedAnswer): selects become option ids, booleans
 * "yes"/"no" (Lever) or "true"/"false" (Eploy), dates YYYY-MM-DD, file
 * answers a document reference. Unanswered and information-only questions
 * are left out. The result owns its strings. */

typedef struct {
    Atsbridge__V1__MappedAnswer **items;
    size_t n;
} qm_mapped;

/* Returns 0, or -1 when out of memory (out freed). Call only after
 * questions_validate found nothing: invalid values are skipped, not mapped. */
int questions_map(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, qm_mapped *out);
void qm_mapped_free(qm_mapped *m);

#endif
