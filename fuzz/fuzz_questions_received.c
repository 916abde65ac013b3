/* questions: an applications.received payload -> questions_received_decode
 * -> questions_validate and questions_map against the Lever and the Eploy
 * question sets of tests/questions/fixtures (what questions_resolve does
 * between the cache read and the produce). */
#include "fuzz.h"
#include "mapping.h"
#include "normalize.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>

static char *slurp(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/questions/fixtures/%s", ATSB_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long l = ftell(f);
        if (l >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)l + 1))) {
            n = fread(buf, 1, (size_t)l, f);
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static qs_set sets[2];
static int nsets;

static void load(void) {
    char *posting = slurp("lever_posting.json"), *form = slurp("lever_apply.json");
    if (form) {
        qs_set_init(&sets[nsets]);
        if (lever_questions_parse(posting, form, "posting-1", &sets[nsets]) >= 0) nsets++;
    }
    free(posting);
    free(form);
    char *vacancy = slurp("eploy_vacancy.json"), *questions = slurp("eploy_questions.json");
    if (questions) {
        qs_set_init(&sets[nsets]);
        if (eploy_questions_parse(vacancy, questions, "1001", &sets[nsets]) >= 0) nsets++;
    }
    free(vacancy);
    free(questions);
    if (nsets == 0) {
        fprintf(stderr, "fuzz_questions_received: fixtures missing under %s\n", ATSB_SOURCE_DIR);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        load();
        ready = 1;
    }
    Atsbridge__V1__ApplicationReceived *app = questions_received_decode(data, size);
    if (!app) return 0;
    for (int i = 0; i < nsets; i++) {
        qv_result v = {0};
        if (questions_validate(app, &sets[i], &v) == 0) {
            char summary[1024];
            qv_result_summary(&v, summary, sizeof summary);
            qm_mapped m = {0};
            if (v.n == 0 && questions_map(app, &sets[i], &m) == 0) qm_mapped_free(&m);
        }
        qv_result_free(&v);
    }
    atsbridge__v1__application_received__free_unpacked(app, NULL);
    return 0;
}
