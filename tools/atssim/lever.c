#include "lever.h"

#include "answers.h"
#include "crypto.h"
#include "lever_oauth.h"
#include "multipart.h"
#include "reply.h"
#include "state.h"
#include "util.h"
#include "webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SITE_LEN 64

static json_object *sites;            /* mutable copy of the seed's lever.sites */
static json_object *opps;             /* array, creation order (ledger) */
static json_object *opp_by_id;        /* id -> opportunity */
static json_object *opp_by_key;       /* "site|email|posting" -> opportunity */
static json_object *contact_by_email; /* "site|email" -> contact id */
static json_object *opps_by_email;    /* "site|email" -> array of opportunities, creation order */
static json_object *uploads, *upload_by_uri, *upload_by_key;
static json_object *tags, *tag_by_key;
static json_object *notes, *note_by_key;

/* Ledger-only members of an opportunity, removed from API answers. */
static const char *const sim_only[] = {"site",  "create_requests", "created_via", "perform_as",
                                       "answers", "files",         "consent",     "ipAddress",
                                       "eeoResponses", "source",   "personalInformation", "submitted_urls",
                                       NULL};

static void put_all(void) {
    json_object **all[] = {&sites, &opps, &opp_by_id, &opp_by_key, &contact_by_email, &opps_by_email, &uploads,
                           &upload_by_uri, &upload_by_key, &tags, &tag_by_key, &notes, &note_by_key};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        json_object_put(*all[i]);
        *all[i] = NULL;
    }
}

int lever_reset(json_object *lever_seed, char *err, size_t errlen) {
    put_all();
    if (!lever_seed) return 0;
    json_object *s = util_jarr(lever_seed, "sites");
    if (!s || json_object_array_length(s) == 0) {
        snprintf(err, errlen, "seed: lever.sites must be a non-empty array");
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(s); i++) {
        json_object *site = json_object_array_get_idx(s, i);
        const char *id = util_jstr(site, "id");
        if (!id || strlen(id) >= SITE_LEN || !util_jarr(site, "postings") || !util_jarr(site, "stages") ||
            !util_jarr(site, "users")) {
            snprintf(err, errlen, "seed: lever.sites[%zu] needs id, postings, stages and users", i);
            return -1;
        }
    }
    sites = util_copy(s);
    opps = json_object_new_array();
    opp_by_id = json_object_new_object();
    opp_by_key = json_object_new_object();
    contact_by_email = json_object_new_object();
    opps_by_email = json_object_new_object();
    uploads = json_object_new_array();
    upload_by_uri = json_object_new_object();
    upload_by_key = json_object_new_object();
    tags = json_object_new_array();
    tag_by_key = json_object_new_object();
    notes = json_object_new_array();
    note_by_key = json_object_new_object();
    if (!sites) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static json_object *site_get(const char *id) { return util_find_by(sites, "id", id); }

int lever_site_exists(const char *site) { return site_get(site) != NULL; }

const char *lever_default_site(void) {
    return sites && json_object_array_length(sites) ? util_jstr(json_object_array_get_idx(sites, 0), "id")
                                                    : NULL;
}

static json_object *posting_get(json_object *site, const char *id) {
    return util_find_by(util_jarr(site, "postings"), "id", id);
}

/* A stage by id or by its display text. */
static json_object *stage_get(json_object *site, const char *idtext) {
    json_object *st = util_find_by(util_jarr(site, "stages"), "id", idtext);
    return st ? st : util_find_by(util_jarr(site, "stages"), "text", idtext);
}

static json_object *opp_get(const char *site, const char *id) {
    json_object *o;
    if (!id || !json_object_object_get_ex(opp_by_id, id, &o)) return NULL;
    const char *s = util_jstr(o, "site");
    return s && !strcmp(s, site) ? o : NULL;
}

static json_object *opp_view(json_object *opp) {
    json_object *v = util_copy(opp);
    for (const char *const *k = sim_only; v && *k; k++) json_object_object_del(v, *k);
    return v;
}

static json_object *posting_view(json_object *p) {
    json_object *v = util_copy(p);
    if (v) json_object_object_del(v, "form");
    return v;
}

/* Admits the request (token, the scope the call needs, rate limits; apply:
 * an application submission) and takes the lock. Returns 0 with the lock
 * held and site filled, or -1 (lock released, resp filled). */
static int begin(const http_request *req, http_response *resp, const char *scope, int apply, char *site) {
    state_lock();
    if (lever_oauth_admit(req, resp, scope, apply, site, SITE_LEN) != 0) {
        state_unlock();
        return -1;
    }
    return 0;
}

/* limit (1..100, default 100) and offset (the previous answer's "next").
 * Returns 0 or -1 with a 400 in resp. */
static int paging(const http_request *req, http_response *resp, size_t *offset, size_t *limit) {
    const char *l = http_query(req, "limit"), *o = http_query(req, "offset");
    *limit = 100;
    *offset = 0;
    char *end = NULL;
    if (l) {
        long v = strtol(l, &end, 10);
        if (end == l || *end || v < 1 || v > 100) {
            reply_lever(resp, 400, "BadRequestError", "limit must be an integer between 1 and 100.");
            return -1;
        }
        *limit = (size_t)v;
    }
    if (o && *o) {
        long v = strtol(o, &end, 10);
        if (end == o || *end || v < 0) {
            reply_lever(resp, 400, "BadRequestError", "Invalid offset.");
            return -1;
        }
        *offset = (size_t)v;
    }
    return 0;
}

/* {"data": [...], "hasNext": b, "next": "..."} from the items matching. */
static void reply_list(http_response *resp, json_object *items /* taken */, size_t offset, size_t limit) {
    json_object *page = json_object_new_array();
    size_t n = json_object_array_length(items);
    for (size_t i = offset; i < n && i < offset + limit; i++)
        json_object_array_add(page, json_object_get(json_object_array_get_idx(items, i)));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "data", page);
    int has_next = offset + limit < n;
    json_object_object_add(o, "hasNext", json_object_new_boolean(has_next));
    if (has_next) {
        char next[32];
        snprintf(next, sizeof next, "%zu", offset + limit);
        json_object_object_add(o, "next", json_object_new_string(next));
    }
    json_object_put(items);
    http_json(resp, 200, o);
}

static int array_has_string(json_object *arr, const char *s) {
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        if (json_object_is_type(e, json_type_string) && !strcasecmp(json_object_get_string(e), s)) return 1;
    }
    return 0;
}

void lever_list_postings(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    size_t offset, limit;
    if (paging(req, resp, &offset, &limit)) return;
    if (begin(req, resp, "postings:read:admin", 0, site)) return;
    const char *state = http_query(req, "state"), *tag = http_query(req, "tag");
    json_object *all = util_jarr(site_get(site), "postings");
    json_object *items = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *p = json_object_array_get_idx(all, i);
        const char *ps = util_jstr(p, "state");
        if (state && (!ps || strcmp(ps, state))) continue;
        if (tag && !array_has_string(util_jarr(p, "tags"), tag)) continue;
        json_object_array_add(items, posting_view(p));
    }
    state_unlock();
    reply_list(resp, items, offset, limit);
}

void lever_get_posting(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    if (begin(req, resp, "postings:read:admin", 0, site)) return;
    json_object *p = posting_get(site_get(site), req->params[0]);
    json_object *v = p ? posting_view(p) : NULL;
    state_unlock();
    if (!v) reply_lever(resp, 404, "NotFoundError", "Posting not found.");
    else reply_data(resp, 200, v);
}

static json_object *form_of(json_object *site, json_object *posting) {
    const char *name = util_jstr(posting, "form");
    json_object *forms = util_jobj(site, "forms"), *f = NULL;
    if (!name || !forms || !json_object_object_get_ex(forms, name, &f)) return NULL;
    return f;
}

void lever_get_apply_form(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    if (begin(req, resp, "postings:read:admin", 0, site)) return;
    json_object *s = site_get(site);
    json_object *p = posting_get(s, req->params[0]);
    json_object *f = p ? form_of(s, p) : NULL;
    json_object *v = NULL;
    if (p) {
        v = json_object_new_object();
        json_object_object_add(v, "id", json_object_new_string(req->params[0]));
        json_object_object_add(v, "text", json_object_get(json_object_object_get(p, "text")));
        static const char *const parts[] = {"personalInformation", "urls", "customQuestions", "eeoQuestions"};
        for (size_t i = 0; i < 4; i++) {
            json_object *x = NULL;
            if (f) json_object_object_get_ex(f, parts[i], &x);
            json_object_object_add(v, parts[i], x ? util_copy(x) : i == 3 ? json_object_new_object()
                                                                         : json_object_new_array());
        }
    }
    state_unlock();
    if (!v) reply_lever(resp, 404, "NotFoundError", "Posting not found.");
    else reply_data(resp, 200, v);
}

static answers_kind field_kind(const char *type) {
    static const struct {
        const char *name;
        answers_kind kind;
    } map[] = {{"text", ANSWERS_TEXT},          {"textarea", ANSWERS_TEXT},
               {"number", ANSWERS_NUMBER},      {"currency", ANSWERS_NUMBER},
               {"date", ANSWERS_DATE},          {"yes-no", ANSWERS_BOOL},
               {"dropdown", ANSWERS_SINGLE},    {"multiple-choice", ANSWERS_SINGLE},
               {"multiple-select", ANSWERS_MULTI}, {"file-upload", ANSWERS_FILE},
               {"note", ANSWERS_INFO}};
    for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].name, type)) return map[i].kind;
    return ANSWERS_UNKNOWN;
}

typedef struct {
    const char *site;
    json_object *files; /* uris referenced, collected for the ledger */
} file_ctx;

static int upload_known(const char *uri, void *ctx) {
    file_ctx *fc = ctx;
    json_object *u;
    if (!json_object_object_get_ex(upload_by_uri, uri, &u)) return 0;
    const char *s = util_jstr(u, "site");
    if (!s || strcmp(s, fc->site)) return 0;
    if (fc->files) json_object_array_add(fc->files, json_object_new_string(uri));
    return 1;
}

/* The value answered for the named entry of a [{name, value}] list. */
static json_object *named_value(json_object *list, const char *name) {
    json_object *e = util_find_by(list, "name", name);
    json_object *v = NULL;
    if (e) json_object_object_get_ex(e, "value", &v);
    return v;
}

/* Validates an apply body against the posting's form. Returns 0, or -1 with
 * a message for the 400 answer. Lock held. */
static int validate_apply(json_object *form, json_object *body, file_ctx *fc, char *msg, size_t msglen) {
    static const char *const opt_keys[] = {"text", "optionId", NULL};
    json_object *pi = util_jarr(body, "personalInformation");
    json_object *want_pi = util_jarr(form, "personalInformation");
    if (json_object_object_get_ex(body, "personalInformation", NULL) && !pi) {
        snprintf(msg, msglen, "personalInformation must be an array of {name, value}.");
        return -1;
    }
    for (size_t i = 0; want_pi && i < json_object_array_length(want_pi); i++) {
        json_object *q = json_object_array_get_idx(want_pi, i);
        const char *name = util_jstr(q, "name");
        if (!name) continue;
        const char *why = answers_check(field_kind(util_jstr(q, "type")), util_jbool(q, "required", 0), NULL,
                                        opt_keys, named_value(pi, name), upload_known, fc);
        if (why) {
            snprintf(msg, msglen, "Invalid personalInformation %s: %s.", name, why);
            return -1;
        }
    }
    json_object *email = named_value(pi, "email");
    if (email && (!json_object_is_type(email, json_type_string) || !strchr(json_object_get_string(email), '@'))) {
        snprintf(msg, msglen, "Invalid personalInformation email: not an email address.");
        return -1;
    }
    json_object *answers = util_jarr(body, "customQuestions");
    if (json_object_object_get_ex(body, "customQuestions", NULL) && !answers) {
        snprintf(msg, msglen, "customQuestions must be an array.");
        return -1;
    }
    json_object *cards = util_jarr(form, "customQuestions");
    for (size_t c = 0; cards && c < json_object_array_length(cards); c++) {
        json_object *card = json_object_array_get_idx(cards, c);
        json_object *fields = util_jarr(card, "fields");
        json_object *acard = util_find_by(answers, "id", util_jstr(card, "id"));
        json_object *afields = util_jarr(acard, "fields");
        for (size_t i = 0; fields && i < json_object_array_length(fields); i++) {
            json_object *f = json_object_array_get_idx(fields, i);
            const char *fid = util_jstr(f, "id");
            json_object *a = fid ? util_find_by(afields, "id", fid) : NULL;
            if (!a && afields && i < json_object_array_length(afields)) {
                a = json_object_array_get_idx(afields, i);
                if (util_jstr(a, "id")) a = NULL; /* positional only when unnamed */
            }
            json_object *v = NULL;
            if (a) json_object_object_get_ex(a, "value", &v);
            const char *why = answers_check(field_kind(util_jstr(f, "type")), util_jbool(f, "required", 0),
                                            util_jarr(f, "options"), opt_keys, v, upload_known, fc);
            if (why) {
                const char *text = util_jstr(f, "text");
                snprintf(msg, msglen, "Invalid answer for question %s (%s): %s.", fid ? fid : "?",
                         text ? text : "", why);
                return -1;
            }
        }
    }
    return 0;
}

/* Sends a signed webhook for event when the site subscribes to it. Takes
 * data. Lock held (enqueueing never blocks on the network). */
static void send_webhook(const char *site_id, const char *event, json_object *data) {
    json_object *hooks = util_jarr(site_get(site_id), "webhooks");
    json_object *hook = util_find_by(hooks, "event", event);
    const char *url = util_jstr(hook, "url");
    const char *key = util_jstr(hook, "signature_token");
    if (!url || !*url || !key) {
        json_object_put(data);
        return;
    }
    char token[40], ts[24], sig[CRYPTO_SHA256_HEX];
    crypto_random_id("", token, sizeof token);
    int64_t now = util_now_ms();
    snprintf(ts, sizeof ts, "%lld", (long long)now);
    char msg[64];
    snprintf(msg, sizeof msg, "%s%s", token, ts);
    crypto_hmac_sha256_hex(key, strlen(key), msg, strlen(msg), sig);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "triggeredAt", json_object_new_int64(now));
    json_object_object_add(o, "event", json_object_new_string(event));
    json_object_object_add(o, "signature", json_object_new_string(sig));
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "data", data);
    char kind[96];
    snprintf(kind, sizeof kind, "lever.%s", event);
    webhooks_enqueue(kind, url, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), NULL);
    json_object_put(o);
}

static void str_add(json_object *o, const char *k, const char *v) {
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* Stores rec (taken) as a new opportunity of site, or, when one with the same
 * first e-mail and posting exists, counts one more create request on that
 * one. Returns the stored opportunity (borrowed). Lock held. */
static json_object *opp_store(const char *site, json_object *rec, int *is_new) {
    json_object *emails = util_jarr(rec, "emails"), *postings = util_jarr(rec, "postings");
    const char *email = emails && json_object_array_length(emails)
                            ? json_object_get_string(json_object_array_get_idx(emails, 0))
                            : NULL;
    const char *posting = postings && json_object_array_length(postings)
                              ? json_object_get_string(json_object_array_get_idx(postings, 0))
                              : "";
    char key[768] = "", ekey[640] = "";
    if (email) {
        snprintf(ekey, sizeof ekey, "%s|%s", site, email);
        util_lower(ekey);
        snprintf(key, sizeof key, "%s|%s", ekey, posting ? posting : "");
        json_object *old;
        if (json_object_object_get_ex(opp_by_key, key, &old)) {
            int64_t n = 1;
            util_jint(old, "create_requests", &n);
            json_object_object_add(old, "create_requests", json_object_new_int64(n + 1));
            json_object_put(rec);
            *is_new = 0;
            return old;
        }
    }
    char id[37], contact[37];
    util_uuid(id);
    json_object *c = NULL;
    if (email && json_object_object_get_ex(contact_by_email, ekey, &c)) {
        snprintf(contact, sizeof contact, "%s", json_object_get_string(c));
    } else {
        util_uuid(contact);
        if (email) json_object_object_add(contact_by_email, ekey, json_object_new_string(contact));
    }
    int64_t now = util_now_ms();
    str_add(rec, "id", id);
    str_add(rec, "contact", contact);
    str_add(rec, "site", site);
    json_object_object_add(rec, "createdAt", json_object_new_int64(now));
    json_object_object_add(rec, "updatedAt", json_object_new_int64(now));
    json_object_object_add(rec, "lastInteractionAt", json_object_new_int64(now));
    json_object_object_add(rec, "lastAdvancedAt", json_object_new_int64(now));
    json_object_object_add(rec, "archived", NULL);
    json_object_object_add(rec, "isAnonymized", json_object_new_boolean(0));
    json_object *sc = json_object_new_array();
    json_object *ch = json_object_new_object();
    json_object_object_add(ch, "toStageId", json_object_get(json_object_object_get(rec, "stage")));
    json_object_object_add(ch, "updatedAt", json_object_new_int64(now));
    json_object_object_add(ch, "userId", json_object_get(json_object_object_get(rec, "perform_as")));
    json_object_array_add(sc, ch);
    json_object_object_add(rec, "stageChanges", sc);
    json_object *urls = json_object_new_object();
    char u[160];
    snprintf(u, sizeof u, "https://hire.lever.co/candidates/%s", id);
    str_add(urls, "show", u);
    str_add(urls, "list", "https://hire.lever.co/candidates");
    json_object_object_add(rec, "urls", urls);
    json_object_object_add(rec, "create_requests", json_object_new_int64(1));
    json_object_array_add(opps, rec);
    json_object_object_add(opp_by_id, id, json_object_get(rec));
    for (size_t i = 0; emails && i < json_object_array_length(emails); i++) {
        char k[640];
        json_object *list;
        snprintf(k, sizeof k, "%s|%s", site, json_object_get_string(json_object_array_get_idx(emails, i)));
        util_lower(k);
        if (!json_object_object_get_ex(opps_by_email, k, &list)) {
            list = json_object_new_array();
            json_object_object_add(opps_by_email, k, list);
        }
        json_object_array_add(list, json_object_get(rec));
    }
    if (email) json_object_object_add(opp_by_key, key, json_object_get(rec));
    *is_new = 1;
    if (posting && *posting) {
        json_object *d = json_object_new_object();
        str_add(d, "opportunityId", id);
        str_add(d, "candidateId", contact);
        str_add(d, "contactId", contact);
        str_add(d, "postingId", posting);
        json_object *apps = util_jarr(rec, "applications");
        if (apps && json_object_array_length(apps))
            json_object_object_add(d, "applicationId", json_object_get(json_object_array_get_idx(apps, 0)));
        send_webhook(site, "applicationCreated", d);
    }
    return rec;
}

static json_object *string_list(json_object *values) {
    json_object *a = json_object_new_array();
    size_t n = values && json_object_is_type(values, json_type_array) ? json_object_array_length(values) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(values, i);
        if (json_object_is_type(v, json_type_string)) json_object_array_add(a, json_object_get(v));
        else if (util_jstr(v, "value")) json_object_array_add(a, json_object_new_string(util_jstr(v, "value")));
    }
    return a;
}

void lever_apply(const http_request *req, http_response *resp) {
    char site[SITE_LEN], msg[300];
    json_object *body = util_parse_body(req, json_type_object);
    if (begin(req, resp, "postings:write:admin", 1, site)) goto out;
    json_object *s = site_get(site);
    json_object *posting = posting_get(s, req->params[0]);
    const char *pstate = util_jstr(posting, "state");
    file_ctx fc = {site, json_object_new_array()};
    if (!posting) {
        reply_lever(resp, 404, "NotFoundError", "Posting not found.");
    } else if (!body) {
        reply_lever(resp, 400, "BadRequestError", "The request body must be a JSON object.");
    } else if (!pstate || (strcmp(pstate, "published") && strcmp(pstate, "unlisted"))) {
        reply_lever(resp, 400, "BadRequestError",
                    "This posting is not accepting applications (only published or unlisted postings are).");
    } else if (validate_apply(form_of(s, posting), body, &fc, msg, sizeof msg) != 0) {
        reply_lever(resp, 400, "BadRequestError", msg);
    } else {
        json_object *pi = util_jarr(body, "personalInformation");
        json_object *rec = json_object_new_object();
        json_object *name = named_value(pi, "fullName"), *email = named_value(pi, "email");
        json_object *phone = named_value(pi, "phone");
        json_object_object_add(rec, "name", json_object_get(name));
        json_object *emails = json_object_new_array();
        if (email) json_object_array_add(emails, json_object_get(email));
        json_object_object_add(rec, "emails", emails);
        json_object *phones = json_object_new_array();
        if (phone && json_object_is_type(phone, json_type_string) && json_object_get_string_len(phone)) {
            json_object *p = json_object_new_object();
            json_object_object_add(p, "value", json_object_get(phone));
            str_add(p, "type", "mobile");
            json_object_array_add(phones, p);
        }
        json_object_object_add(rec, "phones", phones);
        json_object_object_add(rec, "links", string_list(util_jarr(body, "urls")));
        json_object_object_add(rec, "tags", json_object_new_array());
        json_object *sources = json_object_new_array();
        if (util_jstr(body, "source")) json_object_array_add(sources, json_object_new_string(util_jstr(body, "source")));
        json_object_object_add(rec, "sources", sources);
        str_add(rec, "origin", util_jstr(body, "origin") ? util_jstr(body, "origin") : "applied");
        json_object *appstage = stage_get(s, "applicant-new");
        str_add(rec, "stage", appstage ? util_jstr(appstage, "id") : "applicant-new");
        json_object *postings = json_object_new_array();
        json_object_array_add(postings, json_object_new_string(req->params[0]));
        json_object_object_add(rec, "postings", postings);
        char app_id[37];
        util_uuid(app_id);
        json_object *apps = json_object_new_array();
        json_object_array_add(apps, json_object_new_string(app_id));
        json_object_object_add(rec, "applications", apps);
        str_add(rec, "headline", "");
        json_object *loc = named_value(pi, "location");
        json_object_object_add(rec, "location", json_object_get(loc));
        str_add(rec, "created_via", "apply");
        json_object *x;
        /* personalInformation as sent too (every field, not only those an
         * opportunity has a place for), so tests see what was submitted. */
        static const char *const copy[] = {"customQuestions", "eeoResponses", "consent", "ipAddress", "source",
                                           "personalInformation", "urls"};
        static const char *const as[] = {"answers", "eeoResponses", "consent", "ipAddress", "source",
                                         "personalInformation", "submitted_urls"};
        for (size_t i = 0; i < 7; i++)
            if (json_object_object_get_ex(body, copy[i], &x)) json_object_object_add(rec, as[i], util_copy(x));
        json_object_object_add(rec, "files", json_object_get(fc.files));
        int is_new;
        json_object *opp = opp_store(site, rec, &is_new);
        json_object *d = json_object_new_object();
        json_object *a = util_jarr(opp, "applications");
        json_object_object_add(d, "applicationId",
                               a && json_object_array_length(a) ? json_object_get(json_object_array_get_idx(a, 0))
                                                                : json_object_new_string(app_id));
        reply_data(resp, 200, d);
    }
    json_object_put(fc.files);
    state_unlock();
out:
    json_object_put(body);
}

/* Converts a multipart opportunity form into the JSON body shape. Files are
 * described into files. Returns NULL on a malformed body. */
static json_object *multipart_body(const http_request *req, json_object *files) {
    char boundary[80];
    multipart_form mf;
    if (multipart_boundary(http_header(req, "Content-Type"), boundary, sizeof boundary) != 0 ||
        multipart_parse(req->body, req->body_len, boundary, &mf) != 0)
        return NULL;
    static const char *const lists[] = {"emails", "phones", "links", "tags", "sources", "postings"};
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < mf.n; i++) {
        const multipart_part *p = &mf.parts[i];
        if (p->is_file) {
            char sha[CRYPTO_SHA256_HEX];
            crypto_sha256_hex(p->data, p->len, sha);
            json_object *f = json_object_new_object();
            str_add(f, "field", p->name);
            str_add(f, "filename", p->filename);
            str_add(f, "content_type", p->content_type);
            json_object_object_add(f, "size", json_object_new_int64((int64_t)p->len));
            str_add(f, "sha256", sha);
            json_object_array_add(files, f);
            continue;
        }
        char name[128];
        snprintf(name, sizeof name, "%s", p->name);
        size_t nl = strlen(name);
        /* Lists arrive as name[] fields, phones as phones[][value]. */
        if (nl > 9 && !strcmp(name + nl - 9, "[][value]")) name[nl - 9] = '\0';
        else if (nl > 2 && !strcmp(name + nl - 2, "[]")) name[nl - 2] = '\0';
        json_object *v = json_object_new_string_len(p->data, (int)(p->len > 65536 ? 65536 : p->len));
        int is_list = 0;
        for (size_t k = 0; k < 6; k++) is_list |= !strcmp(name, lists[k]);
        if (is_list) {
            json_object *arr = util_jarr(o, name);
            if (!arr) {
                arr = json_object_new_array();
                json_object_object_add(o, name, arr);
            }
            json_object_array_add(arr, v);
        } else {
            json_object_object_add(o, name, v);
        }
    }
    multipart_free(&mf);
    return o;
}

static int all_strings(json_object *arr) {
    for (size_t i = 0; i < json_object_array_length(arr); i++)
        if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string)) return 0;
    return 1;
}

/* Builds the stored opportunity from a create body. Returns NULL with msg on
 * invalid input. Lock held. */
static json_object *opp_from_body(json_object *s, json_object *body, const char *perform_as, char *msg,
                                  size_t msglen) {
    static const char *const lists[] = {"emails", "links", "tags", "sources", "postings"};
    static const char *const origins[] = {"agency", "applied", "internal", "referred", "sourced", "university"};
    json_object *rec = json_object_new_object();
    json_object *x;
    const char *name = util_jstr(body, "name");
    if (json_object_object_get_ex(body, "name", &x) && !name) {
        snprintf(msg, msglen, "name must be a string.");
        goto bad;
    }
    json_object_object_add(rec, "name", name ? json_object_new_string(name) : NULL);
    str_add(rec, "headline", util_jstr(body, "headline") ? util_jstr(body, "headline") : "");
    str_add(rec, "location", util_jstr(body, "location"));
    for (size_t i = 0; i < 5; i++) {
        json_object *a = NULL;
        if (json_object_object_get_ex(body, lists[i], &x) && x) {
            if (!json_object_is_type(x, json_type_array) || !all_strings(x)) {
                snprintf(msg, msglen, "%s must be an array of strings.", lists[i]);
                goto bad;
            }
            a = util_copy(x);
        }
        json_object_object_add(rec, lists[i], a ? a : json_object_new_array());
    }
    json_object *emails = util_jarr(rec, "emails");
    for (size_t i = 0; i < json_object_array_length(emails); i++) {
        if (!strchr(json_object_get_string(json_object_array_get_idx(emails, i)), '@')) {
            snprintf(msg, msglen, "emails[%zu] is not an email address.", i);
            goto bad;
        }
    }
    json_object *postings = util_jarr(rec, "postings");
    for (size_t i = 0; i < json_object_array_length(postings); i++) {
        if (!posting_get(s, json_object_get_string(json_object_array_get_idx(postings, i)))) {
            snprintf(msg, msglen, "postings[%zu]: posting not found.", i);
            goto bad;
        }
    }
    json_object *phones = json_object_new_array();
    json_object_object_add(rec, "phones", phones);
    if (json_object_object_get_ex(body, "phones", &x) && x) {
        if (!json_object_is_type(x, json_type_array)) {
            snprintf(msg, msglen, "phones must be an array of {value, type}.");
            goto bad;
        }
        for (size_t i = 0; i < json_object_array_length(x); i++) {
            json_object *p = json_object_array_get_idx(x, i);
            const char *v = json_object_is_type(p, json_type_string) ? json_object_get_string(p) : util_jstr(p, "value");
            if (!v) {
                snprintf(msg, msglen, "phones[%zu] must have a string value.", i);
                goto bad;
            }
            json_object *ph = json_object_new_object();
            str_add(ph, "value", v);
            str_add(ph, "type", util_jstr(p, "type") ? util_jstr(p, "type") : "other");
            json_object_array_add(phones, ph);
        }
    }
    const char *origin = util_jstr(body, "origin");
    if (origin) {
        int ok = 0;
        for (size_t i = 0; i < 6; i++) ok |= !strcmp(origin, origins[i]);
        if (!ok) {
            snprintf(msg, msglen, "origin must be one of agency, applied, internal, referred, sourced, university.");
            goto bad;
        }
    }
    str_add(rec, "origin", origin ? origin : "sourced");
    const char *stage = util_jstr(body, "stage");
    json_object *st = stage ? util_find_by(util_jarr(s, "stages"), "id", stage) : stage_get(s, "lead-new");
    if (!st) {
        snprintf(msg, msglen, "stage: no stage with this id.");
        goto bad;
    }
    str_add(rec, "stage", util_jstr(st, "id"));
    const char *owner = util_jstr(body, "owner");
    if (owner && !util_find_by(util_jarr(s, "users"), "id", owner)) {
        snprintf(msg, msglen, "owner: user not found.");
        goto bad;
    }
    str_add(rec, "owner", owner);
    json_object *apps = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(postings); i++) {
        char app[37];
        util_uuid(app);
        json_object_array_add(apps, json_object_new_string(app));
    }
    json_object_object_add(rec, "applications", apps);
    str_add(rec, "perform_as", perform_as);
    str_add(rec, "created_via", "opportunities");
    return rec;
bad:
    json_object_put(rec);
    return NULL;
}

void lever_create_opportunity(const http_request *req, http_response *resp) {
    char site[SITE_LEN], msg[200];
    json_object *files = json_object_new_array();
    const char *ct = http_header(req, "Content-Type");
    int multipart = ct && !strncasecmp(ct, "multipart/form-data", 19);
    json_object *body = multipart ? multipart_body(req, files) : util_parse_body(req, json_type_object);
    if (begin(req, resp, "opportunities:write:admin", 1, site)) goto out;
    json_object *s = site_get(site);
    const char *perform_as = http_query(req, "perform_as");
    json_object *rec = NULL;
    if (!body) {
        reply_lever(resp, 400, "BadRequestError",
                    multipart ? "Malformed multipart body." : "The request body must be a JSON object.");
    } else if (!perform_as || !*perform_as) {
        reply_lever(resp, 400, "BadRequestError", "Missing required parameter: perform_as.");
    } else if (!util_find_by(util_jarr(s, "users"), "id", perform_as)) {
        reply_lever(resp, 400, "BadRequestError", "perform_as: user not found.");
    } else if (!(rec = opp_from_body(s, body, perform_as, msg, sizeof msg))) {
        reply_lever(resp, 400, "BadRequestError", msg);
    } else {
        json_object_object_add(rec, "files", json_object_get(files));
        int is_new;
        json_object *opp = opp_store(site, rec, &is_new);
        reply_data(resp, 201, opp_view(opp));
    }
    state_unlock();
out:
    json_object_put(body);
    json_object_put(files);
}

void lever_list_opportunities(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    size_t offset, limit;
    if (paging(req, resp, &offset, &limit)) return;
    if (begin(req, resp, "opportunities:read:admin", 0, site)) return;
    const char *email = http_query(req, "email"), *posting = http_query(req, "posting_id");
    const char *tag = http_query(req, "tag"), *stage = http_query(req, "stage_id");
    const char *origin = http_query(req, "origin");
    json_object *items = json_object_new_array();
    /* By e-mail through the index (a large ledger is not scanned per request). */
    json_object *from = opps;
    if (email) {
        char k[640];
        snprintf(k, sizeof k, "%s|%s", site, email);
        util_lower(k);
        if (!json_object_object_get_ex(opps_by_email, k, &from)) from = NULL;
    }
    for (size_t i = 0; from && i < json_object_array_length(from); i++) {
        json_object *o = json_object_array_get_idx(from, i);
        const char *os = util_jstr(o, "site");
        if (!os || strcmp(os, site)) continue;
        if (email && !array_has_string(util_jarr(o, "emails"), email)) continue;
        if (posting && !array_has_string(util_jarr(o, "postings"), posting)) continue;
        if (tag && !array_has_string(util_jarr(o, "tags"), tag)) continue;
        const char *st = util_jstr(o, "stage"), *org = util_jstr(o, "origin");
        if (stage && (!st || strcmp(st, stage))) continue;
        if (origin && (!org || strcmp(org, origin))) continue;
        json_object_array_add(items, opp_view(o));
    }
    state_unlock();
    reply_list(resp, items, offset, limit);
}

void lever_get_opportunity(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    if (begin(req, resp, "opportunities:read:admin", 0, site)) return;
    json_object *o = opp_get(site, req->params[0]);
    json_object *v = o ? opp_view(o) : NULL;
    state_unlock();
    if (!v) reply_lever(resp, 404, "NotFoundError", "Opportunity not found.");
    else reply_data(resp, 200, v);
}

static void change_tags(const http_request *req, http_response *resp, int add) {
    char site[SITE_LEN];
    json_object *body = util_parse_body(req, json_type_object);
    if (begin(req, resp, "opportunities:write:admin", 0, site)) goto out;
    json_object *o = opp_get(site, req->params[0]);
    json_object *list = util_jarr(body, "tags");
    if (!o) {
        reply_lever(resp, 404, "NotFoundError", "Opportunity not found.");
    } else if (!list || !all_strings(list)) {
        reply_lever(resp, 400, "BadRequestError", "tags must be an array of strings.");
    } else {
        json_object *cur = util_jarr(o, "tags");
        if (!cur) {
            cur = json_object_new_array();
            json_object_object_add(o, "tags", cur);
        }
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            const char *t = json_object_get_string(json_object_array_get_idx(list, i));
            char key[640];
            snprintf(key, sizeof key, "%s|%s", req->params[0], t);
            json_object *entry = NULL;
            json_object_object_get_ex(tag_by_key, key, &entry);
            if (add) {
                if (!array_has_string(cur, t)) json_object_array_add(cur, json_object_new_string(t));
                if (!entry) {
                    entry = json_object_new_object();
                    str_add(entry, "opportunity_id", req->params[0]);
                    str_add(entry, "tag", t);
                    str_add(entry, "site", site);
                    json_object_object_add(entry, "create_requests", json_object_new_int64(0));
                    json_object_object_add(entry, "remove_requests", json_object_new_int64(0));
                    json_object_array_add(tags, entry);
                    json_object_object_add(tag_by_key, key, json_object_get(entry));
                }
                int64_t n = 0;
                util_jint(entry, "create_requests", &n);
                json_object_object_add(entry, "create_requests", json_object_new_int64(n + 1));
                json_object_object_add(entry, "removed", json_object_new_boolean(0));
            } else {
                for (size_t k = json_object_array_length(cur); k > 0; k--) {
                    const char *ct = json_object_get_string(json_object_array_get_idx(cur, k - 1));
                    if (ct && !strcmp(ct, t)) json_object_array_del_idx(cur, k - 1, 1);
                }
                if (entry) {
                    int64_t n = 0;
                    util_jint(entry, "remove_requests", &n);
                    json_object_object_add(entry, "remove_requests", json_object_new_int64(n + 1));
                    json_object_object_add(entry, "removed", json_object_new_boolean(1));
                }
            }
        }
        json_object_object_add(o, "updatedAt", json_object_new_int64(util_now_ms()));
        reply_data(resp, 200, opp_view(o));
    }
    state_unlock();
out:
    json_object_put(body);
}

void lever_add_tags(const http_request *req, http_response *resp) { change_tags(req, resp, 1); }
void lever_remove_tags(const http_request *req, http_response *resp) { change_tags(req, resp, 0); }

void lever_add_note(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    json_object *body = util_parse_body(req, json_type_object);
    if (begin(req, resp, "notes:write:admin", 0, site)) goto out;
    json_object *o = opp_get(site, req->params[0]);
    const char *value = util_jstr(body, "value");
    const char *perform_as = http_query(req, "perform_as");
    if (!o) {
        reply_lever(resp, 404, "NotFoundError", "Opportunity not found.");
    } else if (!value || !*value) {
        reply_lever(resp, 400, "BadRequestError", "value is required and must be a non-empty string.");
    } else if (perform_as && !util_find_by(util_jarr(site_get(site), "users"), "id", perform_as)) {
        reply_lever(resp, 400, "BadRequestError", "perform_as: user not found.");
    } else {
        char key[8192];
        snprintf(key, sizeof key, "%s|%s", req->params[0], value);
        json_object *note = NULL;
        if (json_object_object_get_ex(note_by_key, key, &note)) {
            int64_t n = 1;
            util_jint(note, "create_requests", &n);
            json_object_object_add(note, "create_requests", json_object_new_int64(n + 1));
        } else {
            char id[37];
            util_uuid(id);
            note = json_object_new_object();
            str_add(note, "id", id);
            str_add(note, "opportunity_id", req->params[0]);
            str_add(note, "site", site);
            str_add(note, "value", value);
            json_object_object_add(note, "secret", json_object_new_boolean(util_jbool(body, "secret", 0)));
            json_object_object_add(note, "notifyFollowers",
                                   json_object_new_boolean(util_jbool(body, "notifyFollowers", 0)));
            str_add(note, "perform_as", perform_as);
            json_object_object_add(note, "createdAt", json_object_new_int64(util_now_ms()));
            json_object_object_add(note, "create_requests", json_object_new_int64(1));
            json_object_array_add(notes, note);
            json_object_object_add(note_by_key, key, json_object_get(note));
        }
        json_object *d = json_object_new_object();
        json_object_object_add(d, "noteId", json_object_get(json_object_object_get(note, "id")));
        reply_data(resp, 201, d);
    }
    state_unlock();
out:
    json_object_put(body);
}

/* Moves opp to stage st and sends candidateStageChange. Lock held. */
static void move_stage(json_object *opp, json_object *st, const char *user) {
    const char *from = util_jstr(opp, "stage");
    char from_id[128];
    snprintf(from_id, sizeof from_id, "%s", from ? from : "");
    int64_t now = util_now_ms();
    str_add(opp, "stage", util_jstr(st, "id"));
    json_object_object_add(opp, "updatedAt", json_object_new_int64(now));
    json_object_object_add(opp, "lastAdvancedAt", json_object_new_int64(now));
    json_object *sc = util_jarr(opp, "stageChanges");
    if (sc) {
        json_object *ch = json_object_new_object();
        str_add(ch, "toStageId", util_jstr(st, "id"));
        json_object_object_add(ch, "updatedAt", json_object_new_int64(now));
        str_add(ch, "userId", user);
        json_object_array_add(sc, ch);
    }
    json_object *d = json_object_new_object();
    str_add(d, "opportunityId", util_jstr(opp, "id"));
    str_add(d, "contactId", util_jstr(opp, "contact"));
    str_add(d, "candidateId", util_jstr(opp, "contact"));
    str_add(d, "fromStageId", from_id[0] ? from_id : NULL);
    str_add(d, "toStageId", util_jstr(st, "id"));
    send_webhook(util_jstr(opp, "site"), "candidateStageChange", d);
}

void lever_update_stage(const http_request *req, http_response *resp) {
    char site[SITE_LEN];
    json_object *body = util_parse_body(req, json_type_object);
    if (begin(req, resp, "opportunities:write:admin", 0, site)) goto out;
    json_object *o = opp_get(site, req->params[0]);
    const char *stage = util_jstr(body, "stage");
    json_object *st = stage ? util_find_by(util_jarr(site_get(site), "stages"), "id", stage) : NULL;
    if (!o) reply_lever(resp, 404, "NotFoundError", "Opportunity not found.");
    else if (!st) reply_lever(resp, 400, "BadRequestError", "stage must be the id of an existing stage.");
    else {
        move_stage(o, st, http_query(req, "perform_as"));
        reply_data(resp, 200, opp_view(o));
    }
    state_unlock();
out:
    json_object_put(body);
}

void lever_upload(const http_request *req, http_response *resp) {
    char site[SITE_LEN], boundary[80];
    multipart_form mf = {0};
    int parsed = multipart_boundary(http_header(req, "Content-Type"), boundary, sizeof boundary) == 0 &&
                 multipart_parse(req->body, req->body_len, boundary, &mf) == 0;
    const multipart_part *file = parsed ? multipart_get(&mf, "file") : NULL;
    char sha[CRYPTO_SHA256_HEX] = "";
    if (file) crypto_sha256_hex(file->data, file->len, sha);
    if (begin(req, resp, "uploads:write:admin", 0, site)) goto out;
    if (!parsed) {
        reply_lever(resp, 400, "BadRequestError", "Expected a multipart/form-data body.");
    } else if (!file || !file->is_file) {
        reply_lever(resp, 400, "BadRequestError", "Missing file: send it in a multipart field named file.");
    } else {
        char key[512];
        snprintf(key, sizeof key, "%s|%s|%s", site, sha, file->filename);
        json_object *u = NULL;
        if (json_object_object_get_ex(upload_by_key, key, &u)) {
            int64_t n = 1;
            util_jint(u, "create_requests", &n);
            json_object_object_add(u, "create_requests", json_object_new_int64(n + 1));
        } else {
            char id[37], uri[256];
            util_uuid(id);
            snprintf(uri, sizeof uri, "%s/lever/files/%s", state_base_url(), id);
            u = json_object_new_object();
            str_add(u, "uri", uri);
            str_add(u, "filename", file->filename[0] ? file->filename : "upload");
            str_add(u, "content_type", file->content_type[0] ? file->content_type : "application/octet-stream");
            json_object_object_add(u, "size", json_object_new_int64((int64_t)file->len));
            str_add(u, "sha256", sha);
            str_add(u, "site", site);
            json_object_object_add(u, "expiresAt", json_object_new_int64(util_now_ms() + 24LL * 3600 * 1000));
            json_object_object_add(u, "create_requests", json_object_new_int64(1));
            json_object_array_add(uploads, u);
            json_object_object_add(upload_by_uri, uri, json_object_get(u));
            json_object_object_add(upload_by_key, key, json_object_get(u));
        }
        json_object *d = json_object_new_object();
        json_object_object_add(d, "uri", json_object_get(json_object_object_get(u, "uri")));
        json_object_object_add(d, "filename", json_object_get(json_object_object_get(u, "filename")));
        json_object_object_add(d, "expiresAt", json_object_get(json_object_object_get(u, "expiresAt")));
        reply_data(resp, 200, d);
    }
    state_unlock();
out:
    multipart_free(&mf);
}

static void list_site_array(const http_request *req, http_response *resp, const char *member, const char *scope) {
    char site[SITE_LEN];
    if (begin(req, resp, scope, 0, site)) return;
    json_object *a = util_copy(util_jarr(site_get(site), member));
    state_unlock();
    reply_data(resp, 200, a ? a : json_object_new_array());
}

void lever_list_stages(const http_request *req, http_response *resp) {
    list_site_array(req, resp, "stages", "stages:read:admin");
}
void lever_list_users(const http_request *req, http_response *resp) {
    list_site_array(req, resp, "users", "users:read:admin");
}

int lever_sim_move_stage(const char *id, const char *stage, json_object **out, char *err, size_t errlen) {
    json_object *o;
    if (!json_object_object_get_ex(opp_by_id, id, &o)) {
        snprintf(err, errlen, "No opportunity %s.", id);
        return 404;
    }
    json_object *st = stage ? stage_get(site_get(util_jstr(o, "site")), stage) : NULL;
    if (!st) {
        snprintf(err, errlen, "stage must be a stage id or name of the opportunity's site.");
        return 422;
    }
    const char *from = util_jstr(o, "stage");
    json_object *r = json_object_new_object();
    str_add(r, "opportunity_id", id);
    str_add(r, "from_stage_id", from);
    str_add(r, "to_stage_id", util_jstr(st, "id"));
    str_add(r, "to_stage", util_jstr(st, "text"));
    move_stage(o, st, NULL);
    *out = r;
    return 200;
}

int lever_sim_set_webhooks(json_object *spec, json_object **out, char *err, size_t errlen) {
    const char *site = util_jstr(spec, "site");
    if (!site) site = lever_default_site();
    json_object *s = site ? site_get(site) : NULL;
    json_object *url = NULL;
    json_object_object_get_ex(spec, "url", &url);
    if (!s) {
        snprintf(err, errlen, "Unknown Lever site.");
        return -1;
    }
    if (!url || !json_object_is_type(url, json_type_string)) {
        snprintf(err, errlen, "url is required: a string (empty to stop sending).");
        return -1;
    }
    json_object *events = util_jarr(spec, "events");
    if (json_object_object_get_ex(spec, "events", NULL) && (!events || !all_strings(events))) {
        snprintf(err, errlen, "events must be an array of event names.");
        return -1;
    }
    json_object *hooks = util_jarr(s, "webhooks");
    if (!hooks) {
        hooks = json_object_new_array();
        json_object_object_add(s, "webhooks", hooks);
    }
    for (size_t i = 0; events && i < json_object_array_length(events); i++) {
        const char *ev = json_object_get_string(json_object_array_get_idx(events, i));
        if (util_find_by(hooks, "event", ev)) continue;
        json_object *h = json_object_new_object();
        char tok[48];
        crypto_random_id("whsec-", tok, sizeof tok);
        str_add(h, "event", ev);
        str_add(h, "url", "");
        str_add(h, "signature_token", tok);
        json_object_array_add(hooks, h);
    }
    for (size_t i = 0; i < json_object_array_length(hooks); i++) {
        json_object *h = json_object_array_get_idx(hooks, i);
        const char *ev = util_jstr(h, "event");
        if (events && !array_has_string(events, ev ? ev : "")) continue;
        if (url) str_add(h, "url", json_object_get_string(url));
    }
    json_object *r = json_object_new_object();
    str_add(r, "site", site);
    json_object_object_add(r, "webhooks", util_copy(hooks));
    *out = r;
    return 0;
}

json_object *lever_ledger(void) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "opportunities", opps ? util_copy(opps) : json_object_new_array());
    json_object_object_add(o, "uploads", uploads ? util_copy(uploads) : json_object_new_array());
    json_object_object_add(o, "tags", tags ? util_copy(tags) : json_object_new_array());
    json_object_object_add(o, "notes", notes ? util_copy(notes) : json_object_new_array());
    return o;
}
