#include "migrate.h"

#include "config.h"
#include "crypto.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(PGconn *c, char *err, size_t errlen, const char *what) {
    snprintf(err, errlen, "migrate: %s: %s", what, PQerrorMessage(c));
    char *nl = strchr(err, '\n');
    if (nl) *nl = '\0';
    PQclear(PQexec(c, "ROLLBACK"));
    return -1;
}

/* Version number from the leading digits of a file name, or -1. */
static int version_of(const char *name) {
    char digits[16];
    size_t n = strspn(name, "0123456789");
    if (n == 0 || n >= sizeof digits || name[n] != '_') return -1;
    memcpy(digits, name, n);
    digits[n] = '\0';
    int64_t v;
    return config_parse_int(digits, 1, 1000000, &v) ? -1 : (int)v;
}

int migrate_apply(PGconn *c, const char *component, const migrate_file *files, char *err,
                  size_t errlen) {
    int applied = 0;
    if (pg_run(c, "BEGIN", 0, NULL)) return fail(c, err, errlen, "begin");
    /* One lock for every component: they share the version table. */
    if (pg_run(c, "SELECT pg_advisory_xact_lock(hashtext('atsb-migrate'))", 0, NULL) ||
        pg_run(c,
               "CREATE TABLE IF NOT EXISTS public.atsb_migrations ("
               " component text NOT NULL, version int NOT NULL, name text NOT NULL,"
               " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))",
               0, NULL) ||
        pg_run(c, "ALTER TABLE public.atsb_migrations ADD COLUMN IF NOT EXISTS checksum text", 0, NULL))
        return fail(c, err, errlen, "version table");
    for (const migrate_file *f = files; f->name; f++) {
        int v = version_of(f->name);
        if (v < 0) {
            snprintf(err, errlen, "migrate: file name %s does not start with NNN_", f->name);
            PQclear(PQexec(c, "ROLLBACK"));
            return -1;
        }
        char vbuf[16], sum[CRYPTO_SHA256_HEX];
        snprintf(vbuf, sizeof vbuf, "%d", v);
        crypto_sha256_hex(f->sql, strlen(f->sql), sum);
        const char *q[] = {component, vbuf};
        PGresult *r = pg_exec(c,
                              "SELECT name, coalesce(checksum, '') FROM public.atsb_migrations"
                              " WHERE component=$1 AND version=$2",
                              2, q);
        if (!pg_ok(r)) {
            PQclear(r);
            return fail(c, err, errlen, "read versions");
        }
        if (PQntuples(r) == 1) {
            int same = !strcmp(PQgetvalue(r, 0, 0), f->name);
            /* Rows from before checksums were recorded have none: accepted. */
            int changed = PQgetvalue(r, 0, 1)[0] && strcmp(PQgetvalue(r, 0, 1), sum) != 0;
            PQclear(r);
            if (same && !changed) continue;
            snprintf(err, errlen,
                     same ? "migrate: %s %s changed after it was applied (add a new migration instead)"
                          : "migrate: %s version %s was applied under another name",
                     component, same ? f->name : vbuf);
            PQclear(PQexec(c, "ROLLBACK"));
            return -1;
        }
        PQclear(r);
        /* A migration file is trusted code shipped in the binary, not input. */
        r = PQexec(c, f->sql);
        if (!pg_ok(r)) {
            PQclear(r);
            return fail(c, err, errlen, f->name);
        }
        PQclear(r);
        const char *ins[] = {component, vbuf, f->name, sum};
        if (pg_run(c,
                   "INSERT INTO public.atsb_migrations (component, version, name, checksum)"
                   " VALUES ($1,$2,$3,$4)",
                   4, ins))
            return fail(c, err, errlen, "record version");
        applied++;
    }
    if (pg_run(c, "COMMIT", 0, NULL)) return fail(c, err, errlen, "commit");
    return applied;
}
