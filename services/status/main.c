/* atsb-status: the system of record in PostgreSQL and its query and admin API. See DESIGN.md. */
#include "migrate.h"
#include "service.h"

#include <stdlib.h>

extern const migrate_file status_migrations[];

int main(void) {
    static const service_spec spec = {
        .name = "status",
        .addr_env = "ATSB_STATUS_ADDR",
        .addr_default = "127.0.0.1:8084",
        .migrations = status_migrations,
    };
    service svc;
    if (service_start(&spec, &svc) != 0) return EXIT_FAILURE;
    service_wait(&svc);
    service_stop(&svc);
    return EXIT_SUCCESS;
}
