/* atsb-questions: fetches, caches and serves screening questions; validates and maps answers. See DESIGN.md. */
#include "migrate.h"
#include "service.h"

#include <stdlib.h>

extern const migrate_file questions_migrations[];

int main(void) {
    static const service_spec spec = {
        .name = "questions",
        .addr_env = "ATSB_QUESTIONS_ADDR",
        .addr_default = "127.0.0.1:8082",
        .migrations = questions_migrations,
    };
    service svc;
    if (service_start(&spec, &svc) != 0) return EXIT_FAILURE;
    service_wait(&svc);
    service_stop(&svc);
    return EXIT_SUCCESS;
}
