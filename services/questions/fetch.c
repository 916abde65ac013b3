#include "fetch.h"

#include "config.h"
#include "credentials.h"
#include "http_client.h"
#include "lever_env.h"
#include "log.h"
#include "metrics.h"
#include "normalize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int timeout_ms = 10000;

void questions_fetch_configure(void) {
    timeout_ms = (int)config_int("ATSB_QUESTIONS_FETCH_TIMEOUT_MS", 10000, 100, 300000);
    lever_env_check_urls();
}

int questions_id_ok(const char *id) {
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 128) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)id[i];
        if (!isalnum(ch) && ch != '.' && ch != '_' && ch != '~' && ch != ':' && ch != '-') return 0;
    }
    return 1;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One GET with the bearer token; 401 -> one new token and one more try.
 * Returns the HTTP status (0 when unreachable) with res filled (free it), or
 * -3 when no usable credentials exist (res empty). */
static long get(PGconn *c, const account *acc, cred_token *tok, const char *url, const char *etag,
                http_result *res) {
    memset(res, 0, sizeof *res);
    for (int attempt = 0; attempt < 2; attempt++) {
        char auth[2100], inm[160];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok->access_token);
        snprintf(inm, sizeof inm, "If-None-Match: %s", etag ? etag : "");
        const char *headers[] = {"Accept: application/json", auth, etag && *etag ? inm : NULL, NULL};
        int rc = http_client_request("GET", url, headers, NULL, 0, timeout_ms, res);
        explicit_bzero(auth, sizeof auth);
        if (rc != 0) return 0;
        if (res->status != 401 || attempt == 1) return res->status;
        http_result_free(res);
        memset(res, 0, sizeof *res);
        char rejected[sizeof tok->access_token];
        snprintf(rejected, sizeof rejected, "%s", tok->access_token);
        cred_status st = credentials_token(c, acc->account_id, acc->connection_name, rejected, tok);
        explicit_bzero(rejected, sizeof rejected);
        if (st == CRED_UNAVAILABLE) return 0;
        if (st != CRED_OK) return -3;
    }
    return 0;
}

static qf_status classify(long status) {
    if (status == -3 || status == 401 || status == 403) return QF_CONNECTION;
    if (status == 404 || status == 410) return QF_NOT_FOUND;
    return QF_UNAVAILABLE;
}

qf_status questions_fetch(PGconn *c, const account *acc, const char *posting_id, const qf_etags *prev,
                          qs_set *out, qf_etags *etags) {
    qs_set_init(out);
    memset(etags, 0, sizeof *etags);
    if (!questions_id_ok(posting_id)) return QF_NOT_FOUND;
    int lever = !strcmp(acc->ats, "lever");
    cred_token tok;
    cred_status st = credentials_token(c, acc->account_id, acc->connection_name, NULL, &tok);
    if (st == CRED_UNAVAILABLE) return QF_UNAVAILABLE;
    if (st != CRED_OK) {
        log_warn("no usable connection for questions", "account_id", acc->account_id, "connection",
                 acc->connection_name);
        return QF_CONNECTION;
    }
    char url_posting[1024], url_form[1024];
    if (lever) { /* site_url: the API of the connection's Lever environment */
        snprintf(url_posting, sizeof url_posting, "%s/postings/%s", tok.site_url, posting_id);
        snprintf(url_form, sizeof url_form, "%s/postings/%s/apply", tok.site_url, posting_id);
    } else {
        snprintf(url_posting, sizeof url_posting, "%s/api/vacancies/%s", tok.site_url, posting_id);
        snprintf(url_form, sizeof url_form, "%s/api/vacancies/%s/questions", tok.site_url, posting_id);
    }
    double t0 = mono_s();
    http_result rp, rf;
    qf_status rc = QF_UNAVAILABLE;
    long sp = get(c, acc, &tok, url_posting, prev ? prev->posting : NULL, &rp);
    long sf = sp == 200 || sp == 304 ? get(c, acc, &tok, url_form, prev ? prev->form : NULL, &rf) : 0;
    if (sp != 200 && sp != 304) memset(&rf, 0, sizeof rf);
    if (sp == 304 && sf == 304) {
        rc = QF_NOT_MODIFIED;
        goto done;
    }
    /* One side changed: fetch the other one in full again. */
    if (sp == 304 && sf == 200) {
        http_result_free(&rp);
        sp = get(c, acc, &tok, url_posting, NULL, &rp);
    } else if (sp == 200 && sf == 304) {
        http_result_free(&rf);
        sf = get(c, acc, &tok, url_form, NULL, &rf);
    }
    if (sp != 200) {
        rc = classify(sp);
        goto done;
    }
    if (sf != 200) {
        rc = classify(sf);
        goto done;
    }
    int n = lever ? lever_questions_parse(rp.body, rf.body, posting_id, out)
                  : eploy_questions_parse(rp.body, rf.body, posting_id, out);
    if (n < 0) {
        log_warn("ATS answered an unreadable question set", "account_id", acc->account_id, "posting_id",
                 posting_id, "ats", acc->ats);
        rc = QF_UNAVAILABLE;
        goto done;
    }
    if (n > 0)
        log_warn("question set truncated at the model's limits", "account_id", acc->account_id, "posting_id",
                 posting_id);
    snprintf(etags->posting, sizeof etags->posting, "%s", rp.etag);
    snprintf(etags->form, sizeof etags->form, "%s", rf.etag);
    rc = QF_OK;
done:
    {
        char labels[64];
        snprintf(labels, sizeof labels, "ats=\"%s\"", lever ? "lever" : "eploy");
        metrics_observe("atsb_questions_fetch_seconds", labels, mono_s() - t0);
        snprintf(labels, sizeof labels, "ats=\"%s\",result=\"%s\"", lever ? "lever" : "eploy",
                 rc == QF_OK ? "ok" : rc == QF_NOT_MODIFIED ? "not_modified" : rc == QF_NOT_FOUND ? "not_found"
                 : rc == QF_CONNECTION ? "connection" : "unavailable");
        metrics_counter_add("atsb_questions_fetches_total", labels, 1);
    }
    if (rc == QF_UNAVAILABLE || rc == QF_CONNECTION) {
        char sp_s[16], sf_s[16];
        snprintf(sp_s, sizeof sp_s, "%ld", sp);
        snprintf(sf_s, sizeof sf_s, "%ld", sf);
        log_warn("question fetch failed", "account_id", acc->account_id, "posting_id", posting_id, "ats", acc->ats,
                 "posting_status", sp_s, "questions_status", sf_s);
    }
    http_result_free(&rp);
    http_result_free(&rf);
    explicit_bzero(&tok, sizeof tok);
    if (rc != QF_OK) qs_set_free(out);
    return rc;
}
