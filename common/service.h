#ifndef ATSB_SERVICE_H
#define ATSB_SERVICE_H

#include "http_server.h"
#include "kafka_producer.h"
#include "migrate.h"
#include "pg.h"

/* What every service does around its real work (DESIGN.md "Operability"):
 * read configuration, connect to PostgreSQL (waiting up to
 * ATSB_STARTUP_TIMEOUT_S for it), apply the service's migrations, create the
 * Kafka producer, and serve HTTP with /healthz, /readyz (broker + database)
 * and /metrics beside the service's routes. */

typedef struct {
    const char *name;              /* "ingest", ... : log field, producer header, schema */
    const char *addr_env;          /* e.g. "ATSB_INGEST_ADDR" */
    const char *addr_default;      /* e.g. "127.0.0.1:8081" */
    const migrate_file *migrations;
    int pg_pool_default;           /* ATSB_PG_POOL when unset; 0 means 8 */
    int http_workers_default;      /* ATSB_HTTP_WORKERS when unset; 0 means 32 */
    const http_route *routes;
    size_t nroutes;
    /* The secrets the service uses, NULL-terminated (config_secret): each
     * must be set, and not to its development default, unless ATSB_DEV=1. */
    const char *const *secrets;
} service_spec;

typedef struct {
    const service_spec *spec;
    pg_pool *db;
    kafka_producer *producer;
    http_server *http;
} service;

/* Starts everything in order. A bad configuration value or a missing or
 * development secret exits 2 (config.h) before anything is opened. On a later
 * failure prints one line to stderr, releases what was opened and returns -1:
 * the caller exits 1. */
int service_start(const service_spec *spec, service *svc);

/* Blocks until SIGTERM/SIGINT. */
void service_wait(service *svc);

/* Stops HTTP first (no new work), then flushes the producer and closes the
 * database. Safe on a partially started service. */
void service_stop(service *svc);

#endif
