#ifndef QUESTIONS_ANSWERS_H
#define QUESTIONS_ANSWERS_H

#include "atsbridge/v1/applications.pb-c.h"
#include "model.h"

#include <stddef.h>

/* Finds what an application answered for one unified question: an explicit
 * answer (Answer.question_id == id) first; personal fields fall back to the
 * candidate, link fields to the candidate's links, file questions to a
 * document of the question's kind. Values are borrowed from the application
 * (or held in the qa_value itself); nothing is allocated. Can't fail. */

#define QA_MAX_VALUES 64

typedef struct {
    const char *values[QA_MAX_VALUES];
    size_t n;
    int too_many;                /* more values than QA_MAX_VALUES were given */
    const char *document_sha256; /* FILE: the referenced document, or NULL */
    int explicit_answer;         /* the board answered this question by id */
    char joined[512];            /* backing store for a composed value (full name) */
} qa_value;

void qa_resolve(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, const qs_question *q,
                qa_value *out);

/* 1 when the application carries a document with this sha256. */
int qa_has_document(const Atsbridge__V1__ApplicationReceived *app, const char *sha256);

/* Value checks shared by validation and mapping; each returns 0 when valid.
 * qa_number: decimal like -12, 3.5, 1e3 (no inf/nan, no spaces).
 * qa_date: ISO-8601 date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm[:ss[.f]][Z|±hh:mm]),
 *   a real calendar day; the date part goes to ymd[11].
 * qa_bool: true/false/yes/no (any case); *v set to 1/0.
 * qa_option: index of the option whose id (else label) equals s, or -1. */
int qa_number(const char *s);
int qa_date(const char *s, char ymd[11]);
int qa_bool(const char *s, int *v);
int qa_option(const qs_question *q, const char *s);

#endif
