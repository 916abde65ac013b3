#include "eploy.h"

#include "answers.h"
#include "crypto.h"
#include "form.h"
#include "reply.h"
#include "rfc3339.h"
#include "state.h"
#include "util.h"

#include <arpa/inet.h>
#include <json-c/linkhash.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_SITES 32
#define SITE_LEN 64

typedef struct {
    char site[SITE_LEN];
    int64_t day; /* UTC day number the counter belongs to */
    int64_t used;
    int64_t limit; /* <= 0: unlimited */
    char client_ip[64]; /* "" : use the connection's address */
} site_rt;

typedef struct {
    char token[64];
    char site[SITE_LEN];
    char client_id[128];
    int64_t expires_ms;
} eploy_tok;

static json_object *sites; /* copy of the seed's eploy.sites */
static site_rt rt[MAX_SITES];
static size_t nrt;
static struct lh_table *tokens;
static int64_t token_ttl_s = 3600;
static int64_t next_id = 100001; /* candidate, application and document ids; never reset */
static json_object *candidates, *cand_by_id, *cand_by_key;
static json_object *applications, *app_by_key;
static json_object *documents, *doc_by_key, *doc_by_id;

static void free_entry(struct lh_entry *e) { free(lh_entry_v(e)); }

int eploy_reset(json_object *seed, char *err, size_t errlen) {
    json_object **all[] = {&sites, &candidates, &cand_by_id, &cand_by_key, &applications,
                           &app_by_key, &documents, &doc_by_key, &doc_by_id};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        json_object_put(*all[i]);
        *all[i] = NULL;
    }
    if (tokens) lh_table_free(tokens);
    tokens = NULL;
    nrt = 0;
    if (!seed) return 0;
    json_object *s = util_jarr(seed, "sites");
    if (!s || json_object_array_length(s) > MAX_SITES) {
        snprintf(err, errlen, "seed: eploy.sites must be an array of at most %d sites", MAX_SITES);
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(s); i++) {
        json_object *site = json_object_array_get_idx(s, i);
        const char *id = util_jstr(site, "id");
        if (!id || strlen(id) >= SITE_LEN || !util_jarr(site, "clients") || !util_jarr(site, "vacancies")) {
            snprintf(err, errlen, "seed: eploy.sites[%zu] needs id, clients and vacancies", i);
            return -1;
        }
        memset(&rt[nrt], 0, sizeof rt[nrt]);
        snprintf(rt[nrt].site, sizeof rt[nrt].site, "%s", id);
        rt[nrt].limit = 0;
        util_jint(site, "daily_quota", &rt[nrt].limit);
        nrt++;
    }
    int64_t ttl;
    token_ttl_s = util_jint(seed, "token_ttl_s", &ttl) == 0 && ttl > 0 ? ttl : 3600;
    sites = util_copy(s);
    tokens = lh_kchar_table_new(64, free_entry);
    candidates = json_object_new_array();
    cand_by_id = json_object_new_object();
    cand_by_key = json_object_new_object();
    applications = json_object_new_array();
    app_by_key = json_object_new_object();
    documents = json_object_new_array();
    doc_by_key = json_object_new_object();
    doc_by_id = json_object_new_object();
    if (!sites || !tokens) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static json_object *site_get(const char *id) { return util_find_by(sites, "id", id); }

static site_rt *rt_get(const char *id) {
    for (size_t i = 0; i < nrt; i++)
        if (!strcmp(rt[i].site, id)) return &rt[i];
    return NULL;
}

/* 1 when ip is inside one of the allow-list entries ("a.b.c.d/n", "a.b.c.d",
 * or an exact IPv6 string). A site without an allow-list allows everyone. */
static int ip_allowed(json_object *site, const char *ip) {
    json_object *list = util_jarr(site, "ip_allowlist");
    if (!list) return 1;
    struct in_addr a;
    int v4 = inet_pton(AF_INET, ip, &a) == 1;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        const char *e = json_object_get_string(json_object_array_get_idx(list, i));
        if (!e) continue;
        if (!strcmp(e, ip)) return 1;
        char net[64];
        const char *slash = strchr(e, '/');
        size_t nl = slash ? (size_t)(slash - e) : strlen(e);
        if (!v4 || nl >= sizeof net) continue;
        memcpy(net, e, nl);
        net[nl] = '\0';
        struct in_addr n;
        if (inet_pton(AF_INET, net, &n) != 1) continue;
        long bits = 32;
        if (slash) {
            char *end = NULL;
            bits = strtol(slash + 1, &end, 10);
            if (end == slash + 1 || *end || bits < 0 || bits > 32) continue;
        }
        uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
        if ((ntohl(a.s_addr) & mask) == (ntohl(n.s_addr) & mask)) return 1;
    }
    return 0;
}

static int has_permission(json_object *client, const char *resource, const char *perm) {
    json_object *perms = util_jobj(client, "permissions");
    if (!perms) return 1; /* a key without a permission table may do everything */
    json_object *list = util_jarr(perms, resource);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        const char *p = json_object_get_string(json_object_array_get_idx(list, i));
        if (p && !strcasecmp(p, perm)) return 1;
    }
    return 0;
}

/* Site, allow-list, quota and (when resource != NULL) bearer token and
 * permission checks. Takes the lock; returns the site with the lock held,
 * or NULL with resp filled and the lock released. */
static json_object *gate(const http_request *req, http_response *resp, const char *resource,
                         const char *perm) {
    char ip[64];
    util_client_ip(req, ip, sizeof ip);
    state_lock();
    json_object *site = site_get(req->params[0]);
    site_rt *r = rt_get(req->params[0]);
    if (!site || !r) {
        reply_eploy(resp, 404, "No Eploy site with this name.", NULL);
        goto deny;
    }
    if (!ip_allowed(site, r->client_ip[0] ? r->client_ip : ip)) {
        reply_eploy(resp, 403, "Access from this IP address is not allowed.", NULL);
        goto deny;
    }
    int64_t now = util_now_ms(), day = now / 86400000;
    if (r->day != day) {
        r->day = day;
        r->used = 0;
    }
    if (r->limit > 0 && r->used >= r->limit) {
        reply_eploy(resp, 429, "The daily API request limit for this site has been reached.", NULL);
        reply_retry_after(resp, (int)(((day + 1) * 86400000 - now + 999) / 1000));
        goto deny;
    }
    r->used++;
    if (!resource) return site;
    const char *auth = http_header(req, "Authorization");
    eploy_tok *t = NULL;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !lh_table_lookup_ex(tokens, auth + 7, (void **)&t) ||
        strcmp(t->site, req->params[0]) != 0 || t->expires_ms <= now) {
        reply_eploy(resp, 401, "Authorization has been denied for this request.", NULL);
        goto deny;
    }
    json_object *client = util_find_by(util_jarr(site, "clients"), "client_id", t->client_id);
    if (!client || !has_permission(client, resource, perm)) {
        char msg[160];
        snprintf(msg, sizeof msg, "This API key does not have %s permission on %s.", perm, resource);
        reply_eploy(resp, 403, msg, NULL);
        goto deny;
    }
    return site;
deny:
    state_unlock();
    return NULL;
}

static json_object *model_state(const char *field, const char *message) {
    json_object *ms = json_object_new_object();
    json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_string(message));
    json_object_object_add(ms, field, a);
    return ms;
}

void eploy_token(const http_request *req, http_response *resp) {
    form_data f = {0};
    json_object *j = NULL;
    const char *ct = http_header(req, "Content-Type");
    int bad = 0;
    if (ct && !strncasecmp(ct, "application/json", 16)) bad = !(j = util_parse_body(req, json_type_object));
    else bad = form_parse(req->body, req->body_len, &f) != 0;
    json_object *site = gate(req, resp, NULL, NULL);
    if (!site) goto out;
#define PARAM(name) (j ? util_jstr(j, name) : form_get(&f, name))
    const char *grant = bad ? NULL : PARAM("grant_type");
    const char *id = bad ? NULL : PARAM("client_id");
    const char *secret = bad ? NULL : PARAM("client_secret");
#undef PARAM
    json_object *client = id ? util_find_by(util_jarr(site, "clients"), "client_id", id) : NULL;
    const char *want = util_jstr(client, "client_secret");
    if (bad || !grant) {
        reply_oauth(resp, 400, "invalid_request", "grant_type, client_id and client_secret are required.");
    } else if (strcmp(grant, "client_credentials") != 0) {
        reply_oauth(resp, 400, "unsupported_grant_type", "Only client_credentials is supported.");
    } else if (!client || !secret || !want || !crypto_str_equal(secret, want) || strlen(id) >= 128) {
        reply_oauth(resp, 400, "invalid_client", "The client credentials are invalid.");
    } else {
        eploy_tok *t = calloc(1, sizeof *t);
        if (!t) {
            reply_oauth(resp, 500, "server_error", "Out of memory.");
        } else {
            crypto_random_id("ey-", t->token, sizeof t->token);
            snprintf(t->site, sizeof t->site, "%s", req->params[0]);
            snprintf(t->client_id, sizeof t->client_id, "%s", id);
            t->expires_ms = util_now_ms() + token_ttl_s * 1000;
            if (lh_table_insert(tokens, t->token, t) != 0) {
                free(t);
                reply_oauth(resp, 500, "server_error", "Out of memory.");
            } else {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "access_token", json_object_new_string(t->token));
                json_object_object_add(o, "token_type", json_object_new_string("bearer"));
                json_object_object_add(o, "expires_in", json_object_new_int64(token_ttl_s));
                http_json(resp, 200, o);
            }
        }
    }
    state_unlock();
out:
    json_object_put(j);
    form_free(&f);
}

/* The member compared by a search filter route such as "Candidate.EmailAddress". */
static int filter_match(json_object *rec, json_object *filter, int *bad) {
    const char *route = util_jstr(filter, "Route");
    const char *op = util_jstr(filter, "Operation");
    json_object *val = NULL;
    json_object_object_get_ex(filter, "Value", &val);
    const char *dot = route ? strchr(route, '.') : NULL;
    if (!dot || !val) {
        *bad = 1;
        return 0;
    }
    json_object *field = NULL;
    if (!json_object_object_get_ex(rec, dot + 1, &field) || !field) return 0;
    const char *have = json_object_get_string(field), *want = json_object_get_string(val);
    if (!have || !want) return 0;
    if (!op || !strcasecmp(op, "Equals")) return !strcasecmp(have, want);
    if (!strcasecmp(op, "Contains")) return strcasestr(have, want) != NULL;
    *bad = 1;
    return 0;
}

/* Answers a search over records (array) of the site with the body's
 * Filters and Paging. view (may be NULL) turns a record into its answer. */
static void search(http_response *resp, json_object *body, json_object *records, const char *site,
                   json_object *(*view)(json_object *)) {
    json_object *filters = util_jarr(body, "Filters");
    json_object *paging = util_jobj(body, "Paging");
    int64_t per = 25, page = 1;
    if (paging && ((util_jint(paging, "RecordsPerPage", &per) == 0 && (per < 1 || per > 100)) ||
                   (util_jint(paging, "RequestedPage", &page) == 0 && page < 1))) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("search.Paging", "RecordsPerPage must be 1-100 and RequestedPage at least 1."));
        return;
    }
    if (!body || (json_object_object_get_ex(body, "Filters", NULL) && !filters)) {
        reply_eploy(resp, 400, "The request is invalid.", model_state("search", "A search body is required."));
        return;
    }
    json_object *hits = json_object_new_array();
    int bad = 0;
    for (size_t i = 0; i < json_object_array_length(records); i++) {
        json_object *rec = json_object_array_get_idx(records, i);
        const char *s = util_jstr(rec, "site");
        if (s && strcmp(s, site)) continue;
        int ok = 1;
        for (size_t k = 0; filters && ok && k < json_object_array_length(filters); k++)
            ok = filter_match(rec, json_object_array_get_idx(filters, k), &bad);
        if (bad) break;
        if (ok) json_object_array_add(hits, json_object_get(rec));
    }
    if (bad) {
        json_object_put(hits);
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("search.Filters", "Each filter needs Route (Entity.Field), Value and "
                                                  "Operation Equals or Contains."));
        return;
    }
    int64_t total = (int64_t)json_object_array_length(hits);
    json_object *out = json_object_new_array();
    for (int64_t i = (page - 1) * per; i < total && i < page * per; i++) {
        json_object *rec = json_object_array_get_idx(hits, (size_t)i);
        json_object_array_add(out, view ? view(rec) : util_copy(rec));
    }
    json_object_put(hits);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "Records", out);
    json_object_object_add(o, "TotalRecords", json_object_new_int64(total));
    json_object_object_add(o, "CurrentPage", json_object_new_int64(page));
    json_object_object_add(o, "TotalPages", json_object_new_int64((total + per - 1) / per));
    http_json(resp, 200, o);
}

static json_object *public_view(json_object *rec) {
    static const char *const hidden[] = {"site", "create_requests", "QuestionSet", NULL};
    json_object *v = util_copy(rec);
    for (const char *const *k = hidden; v && *k; k++) json_object_object_del(v, *k);
    return v;
}

void eploy_search_vacancies(const http_request *req, http_response *resp) {
    json_object *body = util_parse_body(req, json_type_object);
    json_object *site = gate(req, resp, "Vacancies", "View");
    if (!site) goto out;
    search(resp, body, util_jarr(site, "vacancies"), req->params[0], public_view);
    state_unlock();
out:
    json_object_put(body);
}

static json_object *vacancy_get(json_object *site, const char *id) {
    return util_find_by(util_jarr(site, "vacancies"), "VacancyId", id);
}

void eploy_get_vacancy(const http_request *req, http_response *resp) {
    json_object *site = gate(req, resp, "Vacancies", "View");
    if (!site) return;
    json_object *v = vacancy_get(site, req->params[1]);
    json_object *view = v ? public_view(v) : NULL;
    state_unlock();
    if (!view) reply_eploy(resp, 404, "Vacancy not found.", NULL);
    else http_json(resp, 200, view);
}

static json_object *questions_of(json_object *site, json_object *vacancy) {
    const char *set = util_jstr(vacancy, "QuestionSet");
    json_object *sets = util_jobj(site, "question_sets"), *q = NULL;
    if (!set || !sets || !json_object_object_get_ex(sets, set, &q) || !json_object_is_type(q, json_type_array))
        return NULL;
    return q;
}

void eploy_vacancy_questions(const http_request *req, http_response *resp) {
    json_object *site = gate(req, resp, "Vacancies", "View");
    if (!site) return;
    json_object *v = vacancy_get(site, req->params[1]);
    json_object *o = NULL;
    if (v) {
        json_object *q = questions_of(site, v);
        o = json_object_new_object();
        json_object_object_add(o, "VacancyId", json_object_new_string(req->params[1]));
        json_object_object_add(o, "Questions", q ? util_copy(q) : json_object_new_array());
    }
    state_unlock();
    if (!o) reply_eploy(resp, 404, "Vacancy not found.", NULL);
    else http_json(resp, 200, o);
}

static json_object *cand_get(const char *site, const char *id) {
    json_object *c;
    if (!id || !json_object_object_get_ex(cand_by_id, id, &c)) return NULL;
    const char *s = util_jstr(c, "site");
    return s && !strcmp(s, site) ? c : NULL;
}

/* Counts one more create request on an existing record. */
static void bump(json_object *rec) {
    int64_t n = 1;
    util_jint(rec, "create_requests", &n);
    json_object_object_add(rec, "create_requests", json_object_new_int64(n + 1));
}

void eploy_create_candidate(const http_request *req, http_response *resp) {
    json_object *body = util_parse_body(req, json_type_object);
    json_object *site = gate(req, resp, "Candidates", "Insert");
    if (!site) goto out;
    const char *first = util_jstr(body, "FirstName"), *last = util_jstr(body, "Surname");
    const char *email = util_jstr(body, "EmailAddress");
    if (!body) {
        reply_eploy(resp, 400, "The request is invalid.", model_state("candidate", "A JSON object is required."));
    } else if (!first || !*first) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("candidate.FirstName", "The FirstName field is required."));
    } else if (!last || !*last) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("candidate.Surname", "The Surname field is required."));
    } else if (!email || !strchr(email, '@')) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("candidate.EmailAddress", "The EmailAddress field is not a valid e-mail address."));
    } else {
        char key[600];
        snprintf(key, sizeof key, "%s|%s", req->params[0], email);
        util_lower(key);
        json_object *c = NULL;
        int status = 201;
        if (json_object_object_get_ex(cand_by_key, key, &c)) {
            bump(c);
        } else {
            c = util_copy(body);
            int64_t id = next_id++;
            char ids[24], when[32];
            snprintf(ids, sizeof ids, "%lld", (long long)id);
            rfc3339_format(util_now_ms(), when, sizeof when);
            json_object_object_add(c, "CandidateId", json_object_new_int64(id));
            json_object_object_add(c, "CreatedDate", json_object_new_string(when));
            json_object_object_add(c, "site", json_object_new_string(req->params[0]));
            json_object_object_add(c, "create_requests", json_object_new_int64(1));
            json_object_array_add(candidates, c);
            json_object_object_add(cand_by_id, ids, json_object_get(c));
            json_object_object_add(cand_by_key, key, json_object_get(c));
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "CandidateId", json_object_get(json_object_object_get(c, "CandidateId")));
        http_json(resp, status, o);
    }
    state_unlock();
out:
    json_object_put(body);
}

void eploy_get_candidate(const http_request *req, http_response *resp) {
    json_object *site = gate(req, resp, "Candidates", "View");
    if (!site) return;
    json_object *c = cand_get(req->params[0], req->params[1]);
    json_object *v = c ? public_view(c) : NULL;
    state_unlock();
    if (!v) reply_eploy(resp, 404, "Candidate not found.", NULL);
    else http_json(resp, 200, v);
}

void eploy_search_candidates(const http_request *req, http_response *resp) {
    json_object *body = util_parse_body(req, json_type_object);
    json_object *site = gate(req, resp, "Candidates", "View");
    if (!site) goto out;
    search(resp, body, candidates, req->params[0], public_view);
    state_unlock();
out:
    json_object_put(body);
}

void eploy_upload_document(const http_request *req, http_response *resp) {
    json_object *body = util_parse_body(req, json_type_object);
    const char *b64 = util_jstr(body, "Content");
    unsigned char *bin = NULL;
    size_t binlen = 0;
    int decoded = 0;
    if (b64) {
        size_t n = strlen(b64);
        bin = malloc(n / 4 * 3 + 4);
        decoded = bin && sodium_base642bin(bin, n / 4 * 3 + 4, b64, n, " \r\n", &binlen, NULL,
                                           sodium_base64_VARIANT_ORIGINAL) == 0;
    }
    char sha[CRYPTO_SHA256_HEX] = "";
    if (decoded) crypto_sha256_hex(bin, binlen, sha);
    free(bin);
    json_object *site = gate(req, resp, "Documents", "Insert");
    if (!site) goto out;
    json_object *c = cand_get(req->params[0], req->params[1]);
    const char *name = util_jstr(body, "FileName");
    if (!c) {
        reply_eploy(resp, 404, "Candidate not found.", NULL);
    } else if (!body || !name || !*name) {
        reply_eploy(resp, 400, "The request is invalid.", model_state("document.FileName", "The FileName field is required."));
    } else if (!decoded) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("document.Content", "Content must be the file as standard base64."));
    } else {
        char key[700];
        snprintf(key, sizeof key, "%s|%s|%s|%s", req->params[0], req->params[1], sha, name);
        json_object *d = NULL;
        if (json_object_object_get_ex(doc_by_key, key, &d)) {
            bump(d);
        } else {
            int64_t id = next_id++;
            char ids[24];
            snprintf(ids, sizeof ids, "%lld", (long long)id);
            d = json_object_new_object();
            json_object_object_add(d, "DocumentId", json_object_new_int64(id));
            json_object_object_add(d, "CandidateId", json_object_get(json_object_object_get(c, "CandidateId")));
            json_object_object_add(d, "FileName", json_object_new_string(name));
            const char *ct = util_jstr(body, "ContentType"), *dt = util_jstr(body, "DocumentType");
            json_object_object_add(d, "ContentType", json_object_new_string(ct ? ct : "application/octet-stream"));
            json_object_object_add(d, "DocumentType", json_object_new_string(dt ? dt : "CV"));
            json_object_object_add(d, "Size", json_object_new_int64((int64_t)binlen));
            json_object_object_add(d, "Sha256", json_object_new_string(sha));
            json_object_object_add(d, "site", json_object_new_string(req->params[0]));
            json_object_object_add(d, "create_requests", json_object_new_int64(1));
            json_object_array_add(documents, d);
            json_object_object_add(doc_by_key, key, json_object_get(d));
            json_object_object_add(doc_by_id, ids, json_object_get(d));
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "DocumentId", json_object_get(json_object_object_get(d, "DocumentId")));
        http_json(resp, 201, o);
    }
    state_unlock();
out:
    json_object_put(body);
}

static answers_kind question_kind(const char *type) {
    static const struct {
        const char *name;
        answers_kind kind;
    } map[] = {{"Text", ANSWERS_TEXT},        {"TextArea", ANSWERS_TEXT},      {"Number", ANSWERS_NUMBER},
               {"YesNo", ANSWERS_BOOL},       {"Date", ANSWERS_DATE},          {"DropDown", ANSWERS_SINGLE},
               {"RadioButtons", ANSWERS_SINGLE}, {"CheckBoxes", ANSWERS_MULTI}, {"FileUpload", ANSWERS_FILE},
               {"Information", ANSWERS_INFO}};
    for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].name, type)) return map[i].kind;
    return ANSWERS_UNKNOWN;
}

typedef struct {
    int64_t candidate;
} doc_ctx;

static int document_known(const char *ref, void *ctx) {
    doc_ctx *dc = ctx;
    json_object *d;
    int64_t cid;
    if (!json_object_object_get_ex(doc_by_id, ref, &d)) return 0;
    return util_jint(d, "CandidateId", &cid) == 0 && cid == dc->candidate;
}

void eploy_create_application(const http_request *req, http_response *resp) {
    static const char *const opt_keys[] = {"OptionId", "Text", NULL};
    json_object *body = util_parse_body(req, json_type_object);
    json_object *site = gate(req, resp, "Applications", "Insert");
    if (!site) goto out;
    int64_t cid = 0;
    char cids[24] = "";
    if (util_jint(body, "CandidateId", &cid) == 0) snprintf(cids, sizeof cids, "%lld", (long long)cid);
    json_object *vid = NULL;
    json_object_object_get_ex(body, "VacancyId", &vid);
    const char *vids = vid && (json_object_is_type(vid, json_type_string) || json_object_is_type(vid, json_type_int))
                           ? json_object_get_string(vid)
                           : NULL;
    json_object *cand = cids[0] ? cand_get(req->params[0], cids) : NULL;
    json_object *vac = vids ? vacancy_get(site, vids) : NULL;
    const char *source = util_jstr(body, "Source");
    json_object *answers = util_jarr(body, "Answers");
    if (!body) {
        reply_eploy(resp, 400, "The request is invalid.", model_state("application", "A JSON object is required."));
        goto done;
    }
    if (!cand) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("application.CandidateId", "No candidate with this CandidateId."));
        goto done;
    }
    if (!vac) {
        reply_eploy(resp, 400, "The request is invalid.",
                    model_state("application.VacancyId", "No vacancy with this VacancyId."));
        goto done;
    }
    const char *vstatus = util_jstr(vac, "Status");
    if (!vstatus || strcmp(vstatus, "Open") != 0) {
        reply_eploy(resp, 400, "The vacancy is not open for applications.", NULL);
        goto done;
    }
    json_object *allowed = util_jarr(site, "sources");
    int source_ok = 0;
    for (size_t i = 0; source && allowed && i < json_object_array_length(allowed); i++) {
        const char *a = json_object_get_string(json_object_array_get_idx(allowed, i));
        source_ok |= a && !strcmp(a, source);
    }
    if (!source_ok) {
        util_sb b = {0};
        util_sb_add(&b, source ? "'" : "The Source field is required.");
        if (source) {
            util_sb_add(&b, source);
            util_sb_add(&b, "' is not a valid value for Source. Valid values: ");
            for (size_t i = 0; allowed && i < json_object_array_length(allowed); i++) {
                if (i) util_sb_add(&b, ", ");
                util_sb_add(&b, json_object_get_string(json_object_array_get_idx(allowed, i)));
            }
            util_sb_add(&b, ".");
        }
        char *m = util_sb_take(&b);
        reply_eploy(resp, 400, "The request is invalid.", model_state("application.Source", m ? m : "invalid"));
        free(m);
        goto done;
    }
    if (json_object_object_get_ex(body, "Answers", NULL) && !answers) {
        reply_eploy(resp, 400, "The request is invalid.", model_state("application.Answers", "Answers must be an array."));
        goto done;
    }
    json_object *questions = questions_of(site, vac);
    doc_ctx dc = {cid};
    for (size_t i = 0; questions && i < json_object_array_length(questions); i++) {
        json_object *q = json_object_array_get_idx(questions, i);
        const char *qid = util_jstr(q, "QuestionId");
        json_object *a = util_find_by(answers, "QuestionId", qid), *v = NULL;
        if (a && !json_object_object_get_ex(a, "Values", &v)) json_object_object_get_ex(a, "Value", &v);
        json_object *sv = NULL; /* a DocumentId given as a number */
        if (v && json_object_is_type(v, json_type_int) && question_kind(util_jstr(q, "Type")) == ANSWERS_FILE)
            v = sv = json_object_new_string(json_object_get_string(v));
        const char *why = answers_check(question_kind(util_jstr(q, "Type")), util_jbool(q, "Required", 0),
                                        util_jarr(q, "Options"), opt_keys, v, document_known, &dc);
        json_object_put(sv);
        if (why) {
            char field[160], msg[200];
            snprintf(field, sizeof field, "application.Answers[%s]", qid ? qid : "?");
            snprintf(msg, sizeof msg, "Invalid answer (%s) for question '%s'.", why,
                     util_jstr(q, "Text") ? util_jstr(q, "Text") : "");
            reply_eploy(resp, 400, "The request is invalid.", model_state(field, msg));
            goto done;
        }
    }
    char key[400];
    snprintf(key, sizeof key, "%s|%s|%s", req->params[0], cids, vids);
    json_object *app = NULL;
    if (json_object_object_get_ex(app_by_key, key, &app)) {
        bump(app);
    } else {
        char when[32];
        rfc3339_format(util_now_ms(), when, sizeof when);
        app = util_copy(body);
        json_object_object_add(app, "ApplicationId", json_object_new_int64(next_id++));
        json_object_object_add(app, "CandidateId", json_object_new_int64(cid));
        json_object_object_add(app, "VacancyId", json_object_new_string(vids));
        json_object_object_add(app, "Status", json_object_new_string("New"));
        json_object_object_add(app, "AppliedDate", json_object_new_string(when));
        json_object_object_add(app, "site", json_object_new_string(req->params[0]));
        json_object_object_add(app, "create_requests", json_object_new_int64(1));
        json_object_array_add(applications, app);
        json_object_object_add(app_by_key, key, json_object_get(app));
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ApplicationId", json_object_get(json_object_object_get(app, "ApplicationId")));
    http_json(resp, 201, o);
done:
    state_unlock();
out:
    json_object_put(body);
}

void eploy_search_applications(const http_request *req, http_response *resp) {
    json_object *body = util_parse_body(req, json_type_object);
    json_object *site = gate(req, resp, "Applications", "View");
    if (!site) goto out;
    search(resp, body, applications, req->params[0], public_view);
    state_unlock();
out:
    json_object_put(body);
}

int eploy_sim_client_ip(const char *site, json_object *spec, json_object **out, char *err, size_t errlen) {
    site_rt *r = rt_get(site);
    json_object *ip = NULL;
    json_object_object_get_ex(spec, "ip", &ip);
    if (!r) {
        snprintf(err, errlen, "Unknown Eploy site.");
        return -1;
    }
    const char *s = ip && json_object_is_type(ip, json_type_string) ? json_object_get_string(ip) : NULL;
    if ((ip && !s) || (s && strlen(s) >= sizeof r->client_ip)) {
        snprintf(err, errlen, "ip must be an address string (empty or null to use the real one).");
        return -1;
    }
    snprintf(r->client_ip, sizeof r->client_ip, "%s", s ? s : "");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "site", json_object_new_string(site));
    json_object_object_add(o, "client_ip", r->client_ip[0] ? json_object_new_string(r->client_ip) : NULL);
    *out = o;
    return 0;
}

int eploy_sim_source(const char *site, json_object *spec, json_object **out, char *err, size_t errlen) {
    json_object *st = site_get(site);
    const char *value = util_jstr(spec, "value");
    if (!st) {
        snprintf(err, errlen, "Unknown Eploy site.");
        return -1;
    }
    if (!value || !*value || strlen(value) > 100) {
        snprintf(err, errlen, "value must be a string of 1-100 characters.");
        return -1;
    }
    json_object *list = util_jarr(st, "sources");
    if (!list) {
        list = json_object_new_array();
        json_object_object_add(st, "sources", list);
    }
    int found = 0;
    for (size_t i = 0; i < json_object_array_length(list); i++)
        found |= !strcmp(json_object_get_string(json_object_array_get_idx(list, i)), value);
    if (!found) json_object_array_add(list, json_object_new_string(value));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "site", json_object_new_string(site));
    json_object_object_add(o, "sources", json_object_get(list));
    *out = o;
    return 0;
}

int eploy_sim_quota(const char *site, json_object *spec, json_object **out, char *err, size_t errlen) {
    site_rt *r = rt_get(site);
    int64_t limit = 0, used = 0;
    int has_limit = util_jint(spec, "limit", &limit) == 0, has_used = util_jint(spec, "used", &used) == 0;
    if (!r) {
        snprintf(err, errlen, "Unknown Eploy site.");
        return -1;
    }
    if ((json_object_object_get_ex(spec, "limit", NULL) && !has_limit) ||
        (json_object_object_get_ex(spec, "used", NULL) && (!has_used || used < 0))) {
        snprintf(err, errlen, "limit and used must be integers (limit <= 0: unlimited).");
        return -1;
    }
    int64_t day = util_now_ms() / 86400000;
    if (r->day != day) {
        r->day = day;
        r->used = 0;
    }
    if (has_limit) r->limit = limit;
    if (has_used) r->used = used;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "site", json_object_new_string(site));
    json_object_object_add(o, "limit", json_object_new_int64(r->limit));
    json_object_object_add(o, "used", json_object_new_int64(r->used));
    *out = o;
    return 0;
}

void eploy_sim_expire_tokens(void) {
    struct lh_entry *e;
    if (!tokens) return;
    lh_foreach(tokens, e) ((eploy_tok *)lh_entry_v(e))->expires_ms = 0;
}

json_object *eploy_ledger(void) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "candidates", candidates ? util_copy(candidates) : json_object_new_array());
    json_object_object_add(o, "applications", applications ? util_copy(applications) : json_object_new_array());
    json_object_object_add(o, "documents", documents ? util_copy(documents) : json_object_new_array());
    json_object *quota = json_object_new_array();
    for (size_t i = 0; i < nrt; i++) {
        json_object *q = json_object_new_object();
        json_object_object_add(q, "site", json_object_new_string(rt[i].site));
        json_object_object_add(q, "limit", json_object_new_int64(rt[i].limit));
        json_object_object_add(q, "used", json_object_new_int64(rt[i].used));
        json_object_array_add(quota, q);
    }
    json_object_object_add(o, "quota", quota);
    return o;
}
