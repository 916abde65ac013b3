#include "received.h"

#include "events.h"

#include <stdlib.h>

#define S(x) ((x) ? (x) : "")

/* Fills m from the parsed candidate and documents; strings point into the
 * sources. Returns 0 or -1 (out of memory; free with received_free). */
int received_init(received_msg *m, const app_candidate *c, const app_documents *docs) {
    atsbridge__v1__application_received__init(&m->msg);
    atsbridge__v1__candidate__init(&m->cand);
    m->cand.first_name = (char *)S(c->first_name);
    m->cand.last_name = (char *)S(c->last_name);
    m->cand.email = (char *)S(c->email);
    m->cand.phone = (char *)S(c->phone);
    m->cand.location = (char *)S(c->location);
    m->cand.headline = (char *)S(c->headline);
    m->cand.links = c->links;
    m->cand.n_links = c->nlinks;
    m->msg.candidate = &m->cand;
    m->docs = calloc(docs->n ? docs->n : 1, sizeof *m->docs);
    m->doc_ptrs = calloc(docs->n ? docs->n : 1, sizeof *m->doc_ptrs);
    if (!m->docs || !m->doc_ptrs) return -1;
    for (size_t i = 0; i < docs->n; i++) {
        Atsbridge__V1__DocumentRef *d = &m->docs[i];
        atsbridge__v1__document_ref__init(d);
        d->kind = docs->v[i].kind;
        d->filename = docs->v[i].filename;
        d->content_type = (char *)docs->v[i].content_type;
        d->sha256 = (char *)docs->v[i].sha256;
        d->size_bytes = docs->v[i].len;
        m->doc_ptrs[i] = d;
    }
    m->msg.documents = m->doc_ptrs;
    m->msg.n_documents = docs->n;
    m->msg.received_at_ms = events_now_ms();
    return 0;
}

void received_free(received_msg *m) {
    free(m->answers);
    free(m->answer_ptrs);
    free(m->docs);
    free(m->doc_ptrs);
}

int received_set_answers(received_msg *m, const app_application *a) {
    m->answers = calloc(a->nanswers ? a->nanswers : 1, sizeof *m->answers);
    m->answer_ptrs = calloc(a->nanswers ? a->nanswers : 1, sizeof *m->answer_ptrs);
    if (!m->answers || !m->answer_ptrs) return -1;
    for (size_t i = 0; i < a->nanswers; i++) {
        Atsbridge__V1__Answer *x = &m->answers[i];
        atsbridge__v1__answer__init(x);
        x->question_id = (char *)S(a->answers[i].question_id);
        x->value = (char *)S(a->answers[i].value);
        x->values = a->answers[i].values;
        x->n_values = a->answers[i].nvalues;
        m->answer_ptrs[i] = x;
    }
    m->msg.answers = m->answer_ptrs;
    m->msg.n_answers = a->nanswers;
    return 0;
}

