#ifndef INGEST_RECEIVED_H
#define INGEST_RECEIVED_H

#include "application_parse.h"
#include "atsbridge/v1/applications.pb-c.h"
#include "kafka_conf.h"

/* An ApplicationReceived message built over parsed data: strings point into
 * the app_* structures (which must outlive it); only the arrays of
 * sub-messages are allocated here. */


typedef struct {
    Atsbridge__V1__ApplicationReceived msg;
    Atsbridge__V1__Candidate cand;
    Atsbridge__V1__Consent consent;
    Atsbridge__V1__Answer *answers;
    Atsbridge__V1__Answer **answer_ptrs;
    Atsbridge__V1__DocumentRef *docs;
    Atsbridge__V1__DocumentRef **doc_ptrs;
} received_msg;

/* Candidate, documents and received_at_ms. Returns 0, or -1 when out of
 * memory (received_free still required). */
int received_init(received_msg *m, const app_candidate *c, const app_documents *docs);

/* Answers of a; returns 0 or -1 (out of memory). */
int received_set_answers(received_msg *m, const app_application *a);

/* Frees the arrays; safe on a zeroed struct. */
void received_free(received_msg *m);

#endif
