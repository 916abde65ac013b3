#ifndef ATSB_DELIVERY_DOCBUDGET_H
#define ATSB_DELIVERY_DOCBUDGET_H

#include <pthread.h>
#include <stdint.h>

/* A bound on the document bytes a delivery process holds at once
 * (ATSB_DELIVERY_DOCUMENT_BUDGET_MB). Documents are read whole from
 * ingest.documents, so without it 64 workers each sending an application
 * with 20 MiB of documents would hold over a gigabyte. A delivery takes its
 * documents' sizes before loading them and gives them back once its
 * requests are done; it waits while the others hold too much. Takes are
 * served in arrival order, and one larger than the whole budget runs when
 * nothing else holds any, so every delivery runs eventually. Thread-safe. */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t limit, held;
    uint64_t next_ticket, serving; /* arrival order of takes */
} doc_budget;

void doc_budget_init(doc_budget *b, uint64_t limit_bytes);
void doc_budget_destroy(doc_budget *b);

/* Takes bytes, waiting for the earlier takes and while held + bytes would
 * pass the limit and others hold some. Records
 * atsb_delivery_document_bytes_held. */
void doc_budget_take(doc_budget *b, uint64_t bytes);

/* Gives back what doc_budget_take took. */
void doc_budget_give(doc_budget *b, uint64_t bytes);

#endif
