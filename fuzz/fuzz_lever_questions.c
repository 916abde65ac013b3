/* questions: Lever posting + apply-form JSON -> unified model. Input: the
 * posting JSON, a NUL byte, the form JSON; without a NUL the whole input is
 * the form and the posting is unknown (NULL). */
#include "questions_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return questions_fuzz_one(data, size, lever_questions_parse, "posting-1");
}
