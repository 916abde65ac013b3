#include "ratelimit.h"

#include "pg.h"

#include <stdio.h>
#include <stdlib.h>

int64_t ratelimit_take(PGconn *c, const char *account, const char *name, double rate, double burst, int n) {
    if (n < 1) return 0;
    if (n > burst) n = (int)burst;
    char r[32], b[32], k[16];
    snprintf(r, sizeof r, "%.6f", rate);
    snprintf(b, sizeof b, "%.6f", burst);
    snprintf(k, sizeof k, "%d", n);
    const char *p[] = {account, name, r, b, k};
    PGresult *res = pg_exec(
        c,
        "INSERT INTO delivery.rate_buckets AS b (account_id, bucket, tokens, updated_at)"
        " VALUES ($1, $2, $4::float8 - $5::float8, clock_timestamp())"
        " ON CONFLICT (account_id, bucket) DO UPDATE SET"
        "  tokens = LEAST($4::float8, b.tokens + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at))"
        "   * $3::float8) - $5::float8, updated_at = clock_timestamp()"
        " WHERE LEAST($4::float8, b.tokens + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at))"
        "   * $3::float8) >= $5::float8"
        " RETURNING tokens",
        5, p);
    if (!pg_ok(res)) {
        PQclear(res);
        return -1;
    }
    int taken = PQntuples(res) == 1;
    PQclear(res);
    if (taken) return 0;
    res = pg_exec(c,
                  "SELECT GREATEST(1, ceil(($5::float8 - LEAST($4::float8, tokens + GREATEST(0, extract(epoch FROM"
                  " clock_timestamp() - updated_at)) * $3::float8)) / $3::float8 * 1000))::bigint"
                  " FROM delivery.rate_buckets WHERE account_id=$1 AND bucket=$2",
                  5, p);
    int64_t wait = 1000;
    if (pg_ok(res) && PQntuples(res) == 1) wait = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return wait > 0 ? wait : 1;
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
