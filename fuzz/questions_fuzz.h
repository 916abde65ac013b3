#ifndef ATSB_FUZZ_QUESTIONS_H
#define ATSB_FUZZ_QUESTIONS_H

/* The body of the ATS question-parser targets (fuzz_lever_questions,
 * fuzz_eploy_questions): input is the posting (vacancy) JSON, a NUL byte,
 * the form (questions) JSON; without a NUL the whole input is the form and
 * the posting is unknown (NULL). The parsed set goes through the document
 * kind guess and the cache's JSON round trip. */

#include "fuzz.h"
#include "normalize.h"

#include <stdlib.h>
#include <string.h>

typedef int (*questions_fuzz_parser)(const char *posting_json, const char *form_json, const char *posting_id,
                                     qs_set *out);

static inline int questions_fuzz_one(const uint8_t *data, size_t size, questions_fuzz_parser parse,
                                     const char *posting_id) {
    const uint8_t *nul = memchr(data, '\0', size);
    char *posting = nul ? fuzz_strndup(data, (size_t)(nul - data)) : NULL;
    char *form = nul ? fuzz_strndup(nul + 1, size - (size_t)(nul - data) - 1) : fuzz_strndup(data, size);
    if (form) {
        qs_set s;
        qs_set_init(&s);
        (void)parse(posting, form, posting_id, &s);
        for (size_t i = 0; i < s.n; i++) (void)qs_guess_document_kind(s.q[i].ats_field_id, s.q[i].label);
        /* The cache round trip (questions.cache stores the set as JSON). */
        json_object *j = qs_set_to_json(&s);
        if (j) {
            qs_set back;
            qs_set_init(&back);
            (void)qs_set_from_json(j, &back);
            qs_set_free(&back);
            json_object_put(j);
        }
        qs_set_free(&s);
    }
    free(posting);
    free(form);
    return 0;
}

#endif
