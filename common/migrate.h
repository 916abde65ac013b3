#ifndef ATSB_MIGRATE_H
#define ATSB_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

/* Schema migrations. Each service ships numbered SQL files
 * (services/<name>/migrations/NNN_description.sql) embedded in its binary at
 * build time as a {name, sql} array ending with {0, 0}. */
typedef struct {
    const char *name;
    const char *sql;
} migrate_file;

/* Applies, in name order, every file of `files` not yet recorded for
 * `component` in public.atsb_migrations, all inside one transaction under an
 * advisory lock (replicas and services starting together wait for each other). Re-running
 * is a no-op. A recorded version whose file name or content (SHA-256)
 * differs is an error: history was rewritten, add a new migration instead.
 * Returns the number of files applied (>= 0), or -1 with err filled and
 * nothing changed. */
int migrate_apply(PGconn *c, const char *component, const migrate_file *files, char *err,
                  size_t errlen);

#endif
