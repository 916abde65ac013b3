#ifndef ATSSIM_ANSWERS_H
#define ATSSIM_ANSWERS_H

#include <json-c/json.h>

/* Validation of one screening-question answer, shared by the Lever and
 * Eploy simulations (each maps its own type names onto these kinds). */

typedef enum {
    ANSWERS_TEXT,
    ANSWERS_NUMBER,
    ANSWERS_DATE,   /* "YYYY-MM-DD" or Unix milliseconds */
    ANSWERS_BOOL,   /* true/false, "yes"/"no", "true"/"false" */
    ANSWERS_SINGLE, /* one option */
    ANSWERS_MULTI,  /* an array of options */
    ANSWERS_FILE,   /* a reference accepted by file_ok */
    ANSWERS_INFO,   /* information block: no answer expected */
    ANSWERS_UNKNOWN
} answers_kind;

/* Checks value (NULL, "", null or [] mean unanswered). options is an array
 * of objects; a choice matches when it equals the string member of any of
 * option_keys (NULL-terminated). file_ok decides whether a file reference is
 * known. Returns NULL when the answer is acceptable, otherwise a short
 * static reason ("required", "not_an_option", ...). Can't fail. */
const char *answers_check(answers_kind kind, int required, json_object *options,
                          const char *const *option_keys, json_object *value,
                          int (*file_ok)(const char *ref, void *ctx), void *ctx);

#endif
