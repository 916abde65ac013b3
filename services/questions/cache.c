#include "cache.h"

#include "config.h"
#include "crypto.h"
#include "fetch.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ttl_s = 900;
static int max_stale_s = 86400;

void questions_cache_configure(void) {
    ttl_s = (int)config_int("ATSB_QUESTIONS_TTL_S", 900, 0, 7 * 86400);
    max_stale_s = (int)config_int("ATSB_QUESTIONS_MAX_STALE_S", 86400, 0, 30 * 86400);
}

int questions_cache_ttl_s(void) { return ttl_s; }

const char *qc_source_name(qc_source s) {
    static const char *const n[] = {"hit", "miss", "revalidated", "stale"};
    return (size_t)s < 4 ? n[s] : "hit";
}

static void count(const char *result) {
    char labels[48];
    snprintf(labels, sizeof labels, "result=\"%s\"", result);
    metrics_counter_add("atsb_questions_cache_total", labels, 1);
}

typedef struct {
    int present;
    int fresh;
    int64_t age_s;
    char hash[CRYPTO_SHA256_HEX];
    qf_etags etags;
    json_object *body;
} cached_row;

/* Returns 0 (row->present tells whether a row exists) or -1. */
static int load(PGconn *c, const account *acc, const char *posting, cached_row *row) {
    memset(row, 0, sizeof *row);
    const char *p[] = {acc->account_id, posting, acc->ats};
    PGresult *r = pg_exec(c,
                          "SELECT body::text, content_hash, coalesce(etag, ''), coalesce(posting_etag, ''),"
                          " expires_at > now(), floor(extract(epoch FROM now() - validated_at))::bigint"
                          " FROM questions.question_sets WHERE account_id = $1 AND posting_id = $2 AND ats = $3",
                          3, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    if (PQntuples(r) == 1) {
        row->body = json_tokener_parse(PQgetvalue(r, 0, 0));
        row->present = row->body != NULL;
        snprintf(row->hash, sizeof row->hash, "%s", PQgetvalue(r, 0, 1));
        snprintf(row->etags.form, sizeof row->etags.form, "%s", PQgetvalue(r, 0, 2));
        snprintf(row->etags.posting, sizeof row->etags.posting, "%s", PQgetvalue(r, 0, 3));
        row->fresh = PQgetvalue(r, 0, 4)[0] == 't';
        row->age_s = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
    }
    PQclear(r);
    return 0;
}

static int touch(PGconn *c, const account *acc, const char *posting, const qf_etags *etags) {
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *p[] = {acc->account_id, posting, ttl, etags ? etags->form : NULL, etags ? etags->posting : NULL};
    return pg_run(c,
                  "UPDATE questions.question_sets SET validated_at = now(),"
                  " expires_at = now() + make_interval(secs => $3::int),"
                  " etag = coalesce(NULLIF($4, ''), etag), posting_etag = coalesce(NULLIF($5, ''), posting_etag)"
                  " WHERE account_id = $1 AND posting_id = $2",
                  5, p);
}

static int store(PGconn *c, const account *acc, const char *posting, const char *body, const char *hash,
                 const qf_etags *etags) {
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *p[] = {acc->account_id, posting, acc->ats, body, hash, etags->form, etags->posting, ttl};
    return pg_run(c,
                  "INSERT INTO questions.question_sets (account_id, posting_id, ats, body, content_hash, etag,"
                  " posting_etag, fetched_at, validated_at, expires_at)"
                  " VALUES ($1, $2, $3, $4::jsonb, $5, NULLIF($6, ''), NULLIF($7, ''), now(), now(),"
                  " now() + make_interval(secs => $8::int))"
                  " ON CONFLICT (account_id, posting_id) DO UPDATE SET ats = EXCLUDED.ats, body = EXCLUDED.body,"
                  " content_hash = EXCLUDED.content_hash, etag = EXCLUDED.etag,"
                  " posting_etag = EXCLUDED.posting_etag, fetched_at = now(), validated_at = now(),"
                  " expires_at = EXCLUDED.expires_at",
                  8, p);
}

qc_status questions_cache_get(PGconn *c, const account *acc, const char *posting_id, qs_set *out, qc_info *info) {
    cached_row row;
    qs_set fetched;
    qs_set_init(out);
    qs_set_init(&fetched);
    memset(info, 0, sizeof *info);
    qc_status rc = QC_DB;
    if (load(c, acc, posting_id, &row)) return QC_DB;
    if (row.present && row.fresh) {
        if (qs_set_from_json(row.body, out) == 0) {
            info->source = QC_HIT;
            info->age_s = row.age_s;
            count("hit");
            rc = QC_OK;
            goto done;
        }
        row.present = 0; /* unreadable: fetch anew */
    }
    qf_etags etags;
    qf_status fs = questions_fetch(c, acc, posting_id, row.present ? &row.etags : NULL, &fetched, &etags);
    if (fs == QF_NOT_MODIFIED && row.present && qs_set_from_json(row.body, out) == 0) {
        if (touch(c, acc, posting_id, &etags)) goto done;
        info->source = QC_REVALIDATED;
        count("revalidated");
        rc = QC_OK;
        goto done;
    }
    if (fs == QF_OK) {
        json_object *j = qs_set_to_json(&fetched);
        if (!j) goto done;
        const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
        char hash[CRYPTO_SHA256_HEX];
        crypto_sha256_hex(text, strlen(text), hash);
        int same = row.present && !strcmp(hash, row.hash);
        int db = same ? touch(c, acc, posting_id, &etags) : store(c, acc, posting_id, text, hash, &etags);
        json_object_put(j);
        if (db) goto done;
        *out = fetched;
        qs_set_init(&fetched);
        info->source = same ? QC_REVALIDATED : QC_MISS;
        count(same ? "revalidated" : "miss");
        rc = QC_OK;
        goto done;
    }
    if (fs == QF_NOT_FOUND) {
        const char *p[] = {acc->account_id, posting_id};
        pg_run(c, "DELETE FROM questions.question_sets WHERE account_id = $1 AND posting_id = $2", 2, p);
        count("not_found");
        rc = QC_NOT_FOUND;
        goto done;
    }
    /* The ATS cannot be asked: serve what we have within the bound. */
    if (row.present && row.age_s <= max_stale_s && qs_set_from_json(row.body, out) == 0) {
        info->source = QC_STALE;
        info->age_s = row.age_s;
        count("stale");
        rc = QC_OK;
        goto done;
    }
    count("unavailable");
    rc = fs == QF_CONNECTION ? QC_CONNECTION : QC_UNAVAILABLE;
done:
    json_object_put(row.body);
    qs_set_free(&fetched);
    return rc;
}
