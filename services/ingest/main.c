/* atsb-ingest: all inbound HTTP (applications, export tasks, ATS webhooks, provider callbacks) into Kafka. See DESIGN.md. */
#include "migrate.h"
#include "service.h"

#include <stdlib.h>

extern const migrate_file ingest_migrations[];

int main(void) {
    static const service_spec spec = {
        .name = "ingest",
        .addr_env = "ATSB_INGEST_ADDR",
        .addr_default = "127.0.0.1:8081",
        .migrations = ingest_migrations,
    };
    service svc;
    if (service_start(&spec, &svc) != 0) return EXIT_FAILURE;
    service_wait(&svc);
    service_stop(&svc);
    return EXIT_SUCCESS;
}
