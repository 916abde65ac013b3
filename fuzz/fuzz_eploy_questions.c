/* questions: Eploy vacancy + questions JSON -> unified model. Input: the
 * vacancy JSON, a NUL byte, the questions JSON; without a NUL the whole
 * input is the questions and the vacancy is unknown (NULL). */
#include "fuzz.h"
#include "normalize.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, '\0', size);
    char *posting = nul ? fuzz_strndup(data, (size_t)(nul - data)) : NULL;
    char *form = nul ? fuzz_strndup(nul + 1, size - (size_t)(nul - data) - 1) : fuzz_strndup(data, size);
    if (form) {
        qs_set s;
        qs_set_init(&s);
        (void)eploy_questions_parse(posting, form, "1001", &s);
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
