#ifndef ATSB_FUZZ_H
#define ATSB_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/* Every target in fuzz/ defines this one libFuzzer entry point. With clang
 * and -DATSB_FUZZ=ON it is linked against libFuzzer (-fsanitize=fuzzer);
 * in the normal gcc build replay_main.c calls it once per corpus file
 * (ctest fuzz_replay_<target>). Targets must not keep state between calls
 * beyond one-time initialisation, and must free everything they allocate. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data[0..size) (the parsers take lengths, but the
 * helpers around them may want C strings). NULL when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
