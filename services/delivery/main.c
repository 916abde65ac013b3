/* atsb-delivery: the only writer to an ATS or provider. See DESIGN.md. */
#include "migrate.h"
#include "service.h"

#include <stdlib.h>

extern const migrate_file delivery_migrations[];

int main(void) {
    static const service_spec spec = {
        .name = "delivery",
        .addr_env = "ATSB_DELIVERY_ADDR",
        .addr_default = "127.0.0.1:8083",
        .migrations = delivery_migrations,
    };
    service svc;
    if (service_start(&spec, &svc) != 0) return EXIT_FAILURE;
    service_wait(&svc);
    service_stop(&svc);
    return EXIT_SUCCESS;
}
