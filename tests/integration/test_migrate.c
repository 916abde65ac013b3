#include "harness.h"
#include "migrate.h"
#include "pg.h"

#include <criterion/criterion.h>
#include <string.h>

static const migrate_file v1[] = {
    {"001_init.sql", "CREATE SCHEMA tm; CREATE TABLE tm.a (id int PRIMARY KEY);"},
    {"002_more.sql", "ALTER TABLE tm.a ADD COLUMN name text;"},
    {0, 0}};

static PGconn *fresh_db(void) {
    harness_env_load();
    char dsn[512];
    harness_create_db(dsn, sizeof dsn);
    PGconn *c = PQconnectdb(dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK);
    return c;
}

static long count(PGconn *c, const char *sql) {
    PGresult *r = pg_exec(c, sql, 0, NULL);
    cr_assert(pg_ok(r), "%s", PQerrorMessage(c));
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

Test(migrate, applies_in_order_then_is_a_noop) {
    PGconn *c = fresh_db();
    char err[256];
    cr_assert_eq(migrate_apply(c, "tm", v1, err, sizeof err), 2, "%s", err);
    cr_assert_eq(migrate_apply(c, "tm", v1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(count(c, "SELECT count(*) FROM public.atsb_migrations WHERE component='tm'"), 2);
    cr_assert_eq(count(c, "SELECT count(*) FROM information_schema.columns WHERE table_schema='tm'"), 2);
    PQfinish(c);
}

Test(migrate, failing_file_changes_nothing) {
    PGconn *c = fresh_db();
    static const migrate_file bad[] = {
        {"001_init.sql", "CREATE SCHEMA tb; CREATE TABLE tb.a (id int);"},
        {"002_broken.sql", "ALTER TABLE tb.missing ADD COLUMN x int;"},
        {0, 0}};
    char err[256];
    cr_assert_eq(migrate_apply(c, "tb", bad, err, sizeof err), -1);
    cr_assert(strstr(err, "002_broken.sql"), "%s", err);
    cr_assert_eq(count(c, "SELECT count(*) FROM information_schema.schemata WHERE schema_name='tb'"), 0);
    PQfinish(c);
}

Test(migrate, rewritten_history_is_refused) {
    PGconn *c = fresh_db();
    char err[256];
    cr_assert_eq(migrate_apply(c, "tm", v1, err, sizeof err), 2, "%s", err);
    static const migrate_file other[] = {{"001_renamed.sql", "SELECT 1;"}, {0, 0}};
    cr_assert_eq(migrate_apply(c, "tm", other, err, sizeof err), -1);
    cr_assert(strstr(err, "another name"), "%s", err);
    static const migrate_file edited[] = {
        {"001_init.sql", "CREATE SCHEMA tm; CREATE TABLE tm.a (id bigint PRIMARY KEY);"}, {0, 0}};
    cr_assert_eq(migrate_apply(c, "tm", edited, err, sizeof err), -1);
    cr_assert(strstr(err, "changed after it was applied"), "%s", err);
    static const migrate_file badname[] = {{"init.sql", "SELECT 1;"}, {0, 0}};
    cr_assert_eq(migrate_apply(c, "tm", badname, err, sizeof err), -1);
    PQfinish(c);
}
