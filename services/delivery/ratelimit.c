#include "ratelimit.h"

#include "pg.h"
#include "pgarr.h"

#include <stdio.h>
#include <stdlib.h>

int64_t ratelimit_take(PGconn *c, const char *account, const rl_bucket *b, size_t n, const rl_ledger *ledger) {
    pgarr arr[4];
    for (int i = 0; i < 4; i++) pgarr_init(&arr[i]);
    char num[32], att[16];
    for (size_t i = 0; i < n; i++) {
        if (b[i].want < 1) continue;
        pgarr_add(&arr[0], b[i].name, 0);
        snprintf(num, sizeof num, "%.6f", b[i].rate);
        pgarr_add(&arr[1], num, 0);
        snprintf(num, sizeof num, "%.6f", b[i].burst);
        pgarr_add(&arr[2], num, 0);
        pgarr_add_int(&arr[3], b[i].want);
    }
    int64_t wait = -1;
    snprintf(att, sizeof att, "%d", ledger ? ledger->attempt : 0);
    const char *p[] = {account,
                       pgarr_text(&arr[0]),
                       pgarr_text(&arr[1]),
                       pgarr_text(&arr[2]),
                       pgarr_text(&arr[3]),
                       ledger ? ledger->application_id : NULL,
                       att,
                       ledger && ledger->mark_in_flight ? "true" : "false"};
    if (!p[1] || !p[2] || !p[3] || !p[4]) goto out;
    if (arr[0].n == 0 && !ledger) {
        wait = 0;
        goto out;
    }
    PGresult *r = pg_exec(c,
                          "SELECT delivery.start_attempt($1, $2::text[], $3::float8[], $4::float8[], $5::int[],"
                          " $6, $7::int, $8::boolean)",
                          8, p);
    if (pg_ok(r) && PQntuples(r) == 1) wait = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
out:
    for (int i = 0; i < 4; i++) pgarr_free(&arr[i]);
    return wait;
}

void ratelimit_refund(PGconn *c, const char *account, const char *name, double burst, int n) {
    char b[32], k[16];
    snprintf(b, sizeof b, "%.6f", burst);
    snprintf(k, sizeof k, "%d", n);
    const char *p[] = {account, name, b, k};
    pg_run(c,
           "UPDATE delivery.rate_buckets SET tokens = LEAST($3::float8, tokens + $4::float8)"
           " WHERE account_id=$1 AND bucket=$2",
           4, p);
}

int64_t ratelimit_until_next_day(int64_t now_ms) {
    int64_t day = 86400000;
    return day - now_ms % day;
}

int64_t ratelimit_quota_take(PGconn *c, const char *account, int budget, int n, int64_t now_ms, int *remaining) {
    *remaining = -1;
    if (budget <= 0) return 0;
    if (n > budget) n = budget;
    char b[16], k[16];
    snprintf(b, sizeof b, "%d", budget);
    snprintf(k, sizeof k, "%d", n);
    const char *p[] = {account, k, b};
    PGresult *r = pg_exec(c,
                          "INSERT INTO delivery.quota_usage AS q (account_id, day, used)"
                          " VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2::int)"
                          " ON CONFLICT (account_id, day) DO UPDATE SET used = q.used + $2::int"
                          " WHERE q.used + $2::int <= $3::int RETURNING $3::int - used",
                          3, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    int ok = PQntuples(r) == 1;
    if (ok) *remaining = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
    else *remaining = 0;
    PQclear(r);
    return ok ? 0 : ratelimit_until_next_day(now_ms);
}

void ratelimit_quota_exhaust(PGconn *c, const char *account, int budget) {
    char b[16];
    snprintf(b, sizeof b, "%d", budget > 0 ? budget : 1);
    const char *p[] = {account, b};
    pg_run(c,
           "INSERT INTO delivery.quota_usage AS q (account_id, day, used)"
           " VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2::int)"
           " ON CONFLICT (account_id, day) DO UPDATE SET used = GREATEST(q.used, $2::int)",
           2, p);
}
