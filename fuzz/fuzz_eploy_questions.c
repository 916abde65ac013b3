/* questions: Eploy vacancy + questions JSON -> unified model. Input: the
 * vacancy JSON, a NUL byte, the questions JSON; without a NUL the whole
 * input is the questions and the vacancy is unknown (NULL). */
#include "questions_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return questions_fuzz_one(data, size, eploy_questions_parse, "1001");
}
