#ifndef QUESTIONS_VALIDATE_H
#define QUESTIONS_VALIDATE_H

#include "atsbridge/v1/applications.pb-c.h"
#include "model.h"

#include <stddef.h>

/* Checks an application's answers against a question set. One reason per
 * offending question, with ids and codes only (never the answer value):
 *   required         a required question has no answer
 *   file_missing     a required file question has no document
 *   unknown_document a file answer names a document the application lacks
 *   not_an_option    a select answer is not among the offered options
 *   too_many_values  several values for a single-valued question
 *   not_a_number / not_a_date / not_a_boolean   wrong type
 *   consent_required the privacy policy was not accepted ("consent.privacy_policy";
 *                    board applications only, not sourcing-tool exports)
 * Answers to question ids the set does not have are counted in
 * unknown_answers, not rejected (a board may show an older form). */

typedef struct {
    char question_id[160];
    const char *code; /* static string */
} qv_reason;

typedef struct {
    qv_reason *reasons;
    size_t n, cap;
    size_t unknown_answers;
} qv_result;

/* Returns 0 (out->n == 0 means valid), or -1 when out of memory. Free out
 * with qv_result_free either way. */
int questions_validate(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, qv_result *out);
void qv_result_free(qv_result *r);

/* Decodes an applications.received payload (pure; any bytes are fine, the
 * fuzz target fuzz/fuzz_questions_received.c calls it). Returns the message
 * (free with atsbridge__v1__application_received__free_unpacked), or NULL
 * when the bytes are not an ApplicationReceived with an application id. */
Atsbridge__V1__ApplicationReceived *questions_received_decode(const void *payload, size_t len);

/* "id:code;id:code" into buf (truncated with ";+N more" when it does not
 * fit). Returns buf. */
const char *qv_result_summary(const qv_result *r, char *buf, size_t len);

#endif
