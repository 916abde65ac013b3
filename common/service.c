#include "service.h"

#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "metrics.h"
#include "outbound.h"
#include "shutdown.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int ready(void *ctx, char *reason, size_t len) {
    service *svc = ctx;
    PGconn *c = pg_pool_acquire(svc->db);
    int db_ok = pg_ping(c);
    pg_pool_release(svc->db, c);
    if (!db_ok) {
        snprintf(reason, len, "database unreachable");
        return -1;
    }
    if (!kafka_producer_ready(svc->producer, 2000)) {
        snprintf(reason, len, "kafka unreachable");
        return -1;
    }
    return 0;
}

/* Retries the pool until the deadline: PostgreSQL may still be starting. */
static int connect_db(const char *dsn, int pool_size, int timeout_s, pg_pool **out, char *err,
                      size_t errlen) {
    time_t deadline = time(NULL) + timeout_s;
    for (;;) {
        if (pg_pool_new(dsn, pool_size, out, err, errlen) == 0) return 0;
        if (time(NULL) >= deadline || shutdown_requested()) return -1;
        sleep(1);
    }
}

extern const migrate_file keys_migrations[]; /* common/migrations/keys, embedded by CMake */

/* Applies one migration component. 0, or -1 with err filled. */
static int apply_migrations(service *svc, const char *component, const migrate_file *files, char *err,
                            size_t errlen) {
    PGconn *c = pg_pool_acquire(svc->db);
    int n = c ? migrate_apply(c, component, files, err, errlen) : -1;
    if (!c) snprintf(err, errlen, "database unavailable for migrations");
    pg_pool_release(svc->db, c);
    if (n < 0) return -1;
    char nbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", n);
    log_info("migrations applied", "component", component, "count", nbuf);
    return 0;
}

int service_start(const service_spec *spec, service *svc) {
    char err[512];
    char host[128];
    int port;
    memset(svc, 0, sizeof *svc);
    svc->spec = spec;
    /* Request bodies and documents are large and short-lived. glibc would
     * raise its mmap threshold to the largest block freed (up to 32 MiB) and
     * keep such blocks in per-thread arenas afterwards, so RSS would stay at
     * its peak; a fixed threshold gives them back to the kernel when freed,
     * and fewer arenas fragment less. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_ARENA_MAX, 4);
    log_init(spec->name);
    shutdown_install();
    char info[96];
    snprintf(info, sizeof info, "service=\"%s\"", spec->name);
    metrics_gauge_set("atsb_service_info", info, 1);
    config_addr(spec->addr_env, spec->addr_default, host, sizeof host, &port);
    const char *dsn = config_str("ATSB_PG_DSN", "host=127.0.0.1 port=54329 dbname=atsbridge user=atsbridge");
    int pool = (int)config_int("ATSB_PG_POOL", spec->pg_pool_default > 0 ? spec->pg_pool_default : 8, 1, 256);
    int timeout = (int)config_int("ATSB_STARTUP_TIMEOUT_S", 60, 0, 3600);
    /* No development secret outside development: exits 2 naming the variable. */
    for (const char *const *s = spec->secrets; s && *s; s++) config_secret(*s);
    outbound_configure(); /* ATSB_OUTBOUND_ALLOW: a bad list exits 2 here, not at a request */
    if (crypto_init() != 0) {
        fprintf(stderr, "%s: libsodium failed to initialise\n", spec->name);
        return -1;
    }

    if (connect_db(dsn, pool, timeout, &svc->db, err, sizeof err)) goto fail;
    auth_init(svc->db); /* named operators on the admin endpoints */
    /* The shared data-key store (data_keys.h) first: every service reads it. */
    if (apply_migrations(svc, "keys", keys_migrations, err, sizeof err)) goto fail;
    if (spec->migrations && apply_migrations(svc, spec->name, spec->migrations, err, sizeof err)) goto fail;
    if (kafka_producer_new(spec->name, &svc->producer, err, sizeof err)) goto fail;
    if (spec->http_workers_default > 0) http_server_default_workers(spec->http_workers_default);
    if (http_server_start(host, port, spec->routes, spec->nroutes, ready, svc, &svc->http, err,
                          sizeof err))
        goto fail;
    char addr[160];
    snprintf(addr, sizeof addr, "%s:%d", host, http_server_port(svc->http));
    log_info("listening", "addr", addr);
    return 0;
fail:
    fprintf(stderr, "%s: %s\n", spec->name, err);
    service_stop(svc);
    return -1;
}

void service_wait(service *svc) {
    (void)svc;
    while (!shutdown_requested()) usleep(100 * 1000);
}

void service_stop(service *svc) {
    http_server_stop(svc->http);
    svc->http = NULL;
    kafka_producer_destroy(svc->producer, 10000);
    svc->producer = NULL;
    pg_pool_destroy(svc->db);
    svc->db = NULL;
}
