#ifndef QUESTIONS_NORMALIZE_H
#define QUESTIONS_NORMALIZE_H

#include "model.h"

#include <stddef.h>

/* ATS JSON -> unified model. Pure functions of their input (no I/O, no
 * globals), so tests and fuzzers can call them on any bytes: garbage gives
 * -1, never a crash. Limits: at most QS_MAX_QUESTIONS questions and
 * QS_MAX_OPTIONS options per question (the rest is ignored, logged by the
 * caller through the return of 1). */

#define QS_MAX_QUESTIONS 500
#define QS_MAX_OPTIONS 500

/* Lever: posting is GET /postings/{id} ({"data":{...}} or the bare object;
 * may be NULL when unknown), form is GET /postings/{id}/apply. Returns 0, 1
 * when limits truncated the set, or -1 when the form is not a Lever apply
 * form (out freed and initialised). */
int lever_questions_parse(const char *posting_json, const char *form_json, const char *posting_id,
                          qs_set *out);

/* Eploy: vacancy is GET /api/vacancies/{id} (may be NULL), questions is
 * GET /api/vacancies/{id}/questions ({"VacancyId","Questions":[...]}).
 * Same returns as lever_questions_parse. */
int eploy_questions_parse(const char *vacancy_json, const char *questions_json, const char *posting_id,
                          qs_set *out);

/* "cv", "cover_letter" or NULL, guessed from a file question's name/label. */
const char *qs_guess_document_kind(const char *name, const char *label);

#endif
