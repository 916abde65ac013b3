#include "docbudget.h"

#include "metrics.h"

void doc_budget_init(doc_budget *b, uint64_t limit_bytes) {
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->limit = limit_bytes;
    b->held = 0;
    b->next_ticket = b->serving = 0;
}

void doc_budget_destroy(doc_budget *b) {
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
}

void doc_budget_take(doc_budget *b, uint64_t bytes) {
    if (bytes == 0) return;
    pthread_mutex_lock(&b->mu);
    uint64_t ticket = b->next_ticket++;
    while (ticket != b->serving || (b->held > 0 && b->held + bytes > b->limit)) pthread_cond_wait(&b->cv, &b->mu);
    b->serving++;
    b->held += bytes;
    pthread_cond_broadcast(&b->cv); /* the next in line may fit too */
    metrics_gauge_set("atsb_delivery_document_bytes_held", "", (double)b->held);
    pthread_mutex_unlock(&b->mu);
}

void doc_budget_give(doc_budget *b, uint64_t bytes) {
    if (bytes == 0) return;
    pthread_mutex_lock(&b->mu);
    b->held -= bytes;
    metrics_gauge_set("atsb_delivery_document_bytes_held", "", (double)b->held);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}
