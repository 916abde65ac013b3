#include "account_input.h"

#include "api.h"
#include "boards.h"
#include "accounts.h"
#include "config.h"
#include "lever_env.h"
#include "outbound.h"
#include "text.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const acct_field_names[AF_N] = {
    "ats", "connection_name", "run_mode", "company_name", "privacy_policy_url", "source_labels",
    "bgcheck_stage", "bgcheck_tag_prefix", "notification_url", "daily_api_budget", "feed_interval_s",
    "bgcheck_status_tag_prefix", "grants", "lever_perform_as", "features", "lever_environment",
    "export_stage", "bgcheck_package", "provider_client_id",
};

/* Defaults; NULL for optional fields (and for ats, which has none). */
static const char *const defaults[AF_N] = {
    NULL, "Connection-OAuth-1", "test", NULL, NULL, "{}",
    "Asurint Background Check", "Asurint Package:", NULL, NULL, NULL,
    NULL, /* bgcheck_status_tag_prefix: derived from bgcheck_tag_prefix (bgcheck.h) */
    "{\"boards\":[],\"source_tools\":[]}",
    NULL, /* lever_perform_as: ATSB_LEVER_PERFORM_AS on create (acct_defaults) */
    "[]", LEVER_ENV_PRODUCTION, NULL, NULL,
    NULL, /* provider_client_id: ATSB_PROVIDER_CLIENT_ID on create (acct_defaults) */
};

#define MAX_NAME 128
#define MAX_URL 2048
#define MAX_BUDGET 1000000000
#define MAX_FEED_INTERVAL (31 * 24 * 3600)
#define MAX_GRANTS 64 /* boards, and sourcing tools, per account */
#define MAX_PACKAGE 256

void acct_fields_init(acct_fields *a) { memset(a, 0, sizeof *a); }

void acct_fields_free(acct_fields *a) {
    for (int i = 0; i < AF_N; i++) free(a->v[i]);
    memset(a, 0, sizeof *a);
}

/* Replaces slot i with a copy of s (NULL allowed). Returns 0 or -1. */
static int set_value(acct_fields *a, int i, const char *s) {
    char *copy = NULL;
    if (s && !(copy = strdup(s))) return -1;
    free(a->v[i]);
    a->v[i] = copy;
    return 0;
}

/* A JSON string without NUL, valid UTF-8, 1..max bytes; else a detail. */
static const char *string_field(json_object *v, const char *field, size_t max, json_object *details) {
    if (!json_object_is_type(v, json_type_string)) {
        http_detail_add(details, field, "invalid_type", "must be a string");
        return NULL;
    }
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (strlen(s) != n || !utf8_str_valid(s)) {
        http_detail_add(details, field, "invalid_value", "must be valid UTF-8 text");
        return NULL;
    }
    if (n == 0) {
        http_detail_add(details, field, "empty", "must not be empty");
        return NULL;
    }
    if (n > max) {
        char msg[64];
        snprintf(msg, sizeof msg, "must be at most %zu bytes", max);
        http_detail_add(details, field, "too_long", msg);
        return NULL;
    }
    return s;
}

static int url_ok(const char *s) {
    const char *host;
    if (!strncmp(s, "https://", 8)) host = s + 8;
    else if (!strncmp(s, "http://", 7)) host = s + 7;
    else return 0;
    if (!*host || *host == '/') return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f) return 0;
    return 1;
}

static int enum_ok(const char *s, const char *const *allowed) {
    for (; *allowed; allowed++)
        if (!strcmp(s, *allowed)) return 1;
    return 0;
}

static void int_field(acct_fields *in, int i, json_object *v, long long max, json_object *details) {
    if (!json_object_is_type(v, json_type_int)) {
        http_detail_add(details, acct_field_names[i], "invalid_type", "must be an integer");
        return;
    }
    long long n = (long long)json_object_get_int64(v);
    if (n < 0 || n > max) {
        char msg[80];
        snprintf(msg, sizeof msg, "must be from 0 to %lld", max);
        http_detail_add(details, acct_field_names[i], "out_of_range", msg);
        return;
    }
    char num[32];
    snprintf(num, sizeof num, "%lld", n);
    set_value(in, i, n ? num : NULL); /* 0 means unlimited / not monitored */
}

/* Board keys sorted so equal maps compare equal as text. */
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void labels_field(acct_fields *in, json_object *v, json_object *details) {
    if (!json_object_is_type(v, json_type_object)) {
        http_detail_add(details, "source_labels", "invalid_type", "must be an object {board: label}");
        return;
    }
    const char *keys[64];
    size_t n = 0;
    int bad = 0;
    json_object_object_foreach(v, board, label) {
        char field[160];
        snprintf(field, sizeof field, "source_labels.%.100s", board);
        if (!boards_default_label(board)) {
            http_detail_add(details, field, "unknown_board", "is not a known board");
            bad = 1;
            continue;
        }
        if (!string_field(label, field, MAX_NAME, details)) {
            bad = 1;
            continue;
        }
        if (n < sizeof keys / sizeof keys[0]) keys[n++] = board;
    }
    if (bad) return;
    qsort(keys, n, sizeof keys[0], cmp_str);
    json_object *sorted = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        json_object *label;
        json_object_object_get_ex(v, keys[i], &label);
        json_object_object_add(sorted, keys[i], json_object_get(label));
    }
    set_value(in, AF_SOURCE_LABELS, json_object_to_json_string_ext(sorted, JSON_C_TO_STRING_PLAIN));
    json_object_put(sorted);
}

/* One list of grants: distinct ids of boards or sourcing tools (the owners
 * of ingest's keys), sorted, into out (an array the caller puts). Returns 0,
 * or -1 after adding details. */
static int grant_list(json_object *v, const char *field, json_object *out, json_object *details) {
    if (!v) return 0;
    if (!json_object_is_type(v, json_type_array)) {
        http_detail_add(details, field, "invalid_type", "must be an array of ids");
        return -1;
    }
    size_t n = json_object_array_length(v);
    if (n > MAX_GRANTS) {
        http_detail_add(details, field, "too_many", "must list at most 64 ids");
        return -1;
    }
    const char *ids[MAX_GRANTS];
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        char f[96];
        snprintf(f, sizeof f, "%s[%zu]", field, j);
        const char *s = string_field(json_object_array_get_idx(v, j), f, MAX_NAME, details);
        if (!s) return -1;
        if (!text_id_ok(s)) {
            http_detail_add(details, f, "invalid_value", "must be an id of letters, digits, '.', '_', ':', '@' or '-'");
            return -1;
        }
        ids[k++] = s;
    }
    qsort(ids, k, sizeof ids[0], cmp_str);
    for (size_t j = 0; j < k; j++)
        if (j == 0 || strcmp(ids[j], ids[j - 1]) != 0) json_object_array_add(out, json_object_new_string(ids[j]));
    return 0;
}

/* grants: {"boards": [...], "source_tools": [...]}; a list left out is empty. */
static void grants_field(acct_fields *in, json_object *v, json_object *details) {
    if (!json_object_is_type(v, json_type_object)) {
        http_detail_add(details, "grants", "invalid_type", "must be an object {boards: [...], source_tools: [...]}");
        return;
    }
    json_object *boards = NULL, *tools = NULL;
    json_object_object_foreach(v, key, val) {
        if (!strcmp(key, "boards"))
            boards = val;
        else if (!strcmp(key, "source_tools"))
            tools = val;
        else {
            char f[160];
            snprintf(f, sizeof f, "grants.%.100s", key);
            http_detail_add(details, f, "unknown_field", "grants lists boards and source_tools");
        }
    }
    json_object *o = json_object_new_object(), *b = json_object_new_array(), *t = json_object_new_array();
    json_object_object_add(o, "boards", b);
    json_object_object_add(o, "source_tools", t);
    int bad = grant_list(boards, "grants.boards", b, details);
    bad |= grant_list(tools, "grants.source_tools", t, details);
    if (!bad) set_value(in, AF_GRANTS, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

/* features: distinct names of ACCOUNT_FEATURE_*_NAME, stored sorted. */
static void features_field(acct_fields *in, json_object *v, json_object *details) {
    static const char *const names[] = {ACCOUNT_FEATURE_BGCHECKS_NAME, ACCOUNT_FEATURE_EXPORTS_NAME, NULL};
    if (!json_object_is_type(v, json_type_array)) {
        http_detail_add(details, "features", "invalid_type", "must be an array of feature names");
        return;
    }
    int on[2] = {0, 0};
    for (size_t j = 0; j < json_object_array_length(v); j++) {
        json_object *e = json_object_array_get_idx(v, j);
        const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "";
        int k = 0;
        while (names[k] && strcmp(names[k], s) != 0) k++;
        if (!names[k]) {
            char f[32];
            snprintf(f, sizeof f, "features[%zu]", j);
            http_detail_add(details, f, "invalid_value", "must be background_checks or exports");
            return;
        }
        on[k] = 1;
    }
    json_object *o = json_object_new_array();
    for (int k = 0; names[k]; k++)
        if (on[k]) json_object_array_add(o, json_object_new_string(names[k]));
    set_value(in, AF_FEATURES, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

static void parse_field(acct_fields *in, int i, json_object *v, json_object *details) {
    static const char *const ats[] = {"lever", "eploy", NULL};
    static const char *const modes[] = {"test", "live", "dry-run", NULL};
    const char *name = acct_field_names[i];
    in->set[i] = 1;
    if (!v) { /* null: back to the default */
        if (i == AF_ATS) http_detail_add(details, name, "required", "ats cannot be removed");
        set_value(in, i, defaults[i]);
        return;
    }
    const char *s;
    switch (i) {
    case AF_ATS:
    case AF_RUN_MODE:
        if (!(s = string_field(v, name, MAX_NAME, details))) return;
        if (!enum_ok(s, i == AF_ATS ? ats : modes)) {
            http_detail_add(details, name, "invalid_value",
                       i == AF_ATS ? "must be lever or eploy" : "must be test, live or dry-run");
            return;
        }
        set_value(in, i, s);
        return;
    case AF_LEVER_PERFORM_AS:
    case AF_PROVIDER_CLIENT_ID:
        if (!(s = string_field(v, name, MAX_NAME, details))) return;
        if (!text_id_ok(s)) {
            http_detail_add(details, name, "invalid_value",
                       i == AF_LEVER_PERFORM_AS ? "must be a Lever user id" : "must be the provider's client id");
            return;
        }
        set_value(in, i, s);
        return;
    case AF_LEVER_ENVIRONMENT:
        if (!(s = string_field(v, name, MAX_NAME, details))) return;
        if (strcmp(s, LEVER_ENV_PRODUCTION) && strcmp(s, LEVER_ENV_SANDBOX)) {
            http_detail_add(details, name, "invalid_value", "must be production or sandbox");
            return;
        }
        if (!lever_env_get(s)) {
            http_detail_add(details, name, "not_configured",
                       "this deployment has no Lever sandbox (ATSB_LEVER_SANDBOX_API_URL is not set)");
            return;
        }
        set_value(in, i, s);
        return;
    case AF_FEATURES:
        features_field(in, v, details);
        return;
    case AF_BGCHECK_PACKAGE:
        if ((s = string_field(v, name, MAX_PACKAGE, details))) set_value(in, i, s);
        return;
    case AF_CONNECTION_NAME:
    case AF_EXPORT_STAGE:
    case AF_COMPANY_NAME:
    case AF_BGCHECK_STAGE:
    case AF_BGCHECK_TAG_PREFIX:
    case AF_BGCHECK_STATUS_TAG_PREFIX:
        if ((s = string_field(v, name, MAX_NAME, details))) set_value(in, i, s);
        return;
    case AF_PRIVACY_POLICY_URL:
    case AF_NOTIFICATION_URL:
        if (!(s = string_field(v, name, MAX_URL, details))) return;
        if (!url_ok(s)) {
            http_detail_add(details, name, "invalid_url", "must be an http(s) URL");
            return;
        }
        /* Delivery POSTs to the notification URL: https to a public (or
         * allow-listed) host. The privacy policy URL is only shown. */
        char why[300];
        if (i == AF_NOTIFICATION_URL && outbound_url_check(s, outbound_policy(), why, sizeof why) != OUTBOUND_URL_OK) {
            http_detail_add(details, name, "url_not_allowed", why);
            return;
        }
        set_value(in, i, s);
        return;
    case AF_SOURCE_LABELS:
        labels_field(in, v, details);
        return;
    case AF_GRANTS:
        grants_field(in, v, details);
        return;
    case AF_DAILY_API_BUDGET:
        int_field(in, i, v, MAX_BUDGET, details);
        return;
    case AF_FEED_INTERVAL_S:
        int_field(in, i, v, MAX_FEED_INTERVAL, details);
        return;
    }
}

int acct_parse(const char *body, size_t len, acct_fields *in, json_object **details, json_bounded_error *err) {
    *details = NULL;
    json_object *root = NULL;
    json_bounded_status st = json_bounded_parse(body, len, &JSON_LIMITS_DEFAULT, &root, err);
    if (json_bounded_is_limit(st)) return -3;
    if (st != JSON_BOUNDED_OK || !json_object_is_type(root, json_type_object)) {
        if (st == JSON_BOUNDED_OK && err) snprintf(err->message, sizeof err->message, "The body must be a JSON object.");
        json_object_put(root);
        return -1;
    }
    json_object *d = json_object_new_array();
    json_object_object_foreach(root, key, val) {
        int i = 0;
        while (i < AF_N && strcmp(acct_field_names[i], key) != 0) i++;
        if (i == AF_N) {
            char field[160];
            snprintf(field, sizeof field, "%.150s", key);
            /* Read-only fields of the GET shape are tolerated so a GET body can be PUT back. */
            static const char *const ro[] = {"account_id", "created_at", "updated_at", "went_live_at", NULL};
            if (!enum_ok(key, ro)) http_detail_add(d, field, "unknown_field", "is not an account field");
            continue;
        }
        parse_field(in, i, val, d);
    }
    json_object_put(root);
    if (json_object_array_length(d) > 0) {
        *details = d;
        return -2;
    }
    json_object_put(d);
    return 0;
}

int acct_defaults(acct_fields *a) {
    for (int i = 0; i < AF_N; i++)
        if (set_value(a, i, defaults[i])) return -1;
    static const struct {
        int field;
        const char *var;
    } globals[] = {{AF_LEVER_PERFORM_AS, "ATSB_LEVER_PERFORM_AS"},
                   {AF_PROVIDER_CLIENT_ID, "ATSB_PROVIDER_CLIENT_ID"},
                   {AF_LEVER_ENVIRONMENT, "ATSB_LEVER_ENVIRONMENT"}};
    for (size_t k = 0; k < sizeof globals / sizeof globals[0]; k++) {
        const char *v = config_str(globals[k].var, NULL);
        if (v && text_id_ok(v) && set_value(a, globals[k].field, v)) return -1;
    }
    return 0;
}

int acct_from_row(acct_fields *a, const PGresult *r, int first) {
    for (int i = 0; i < AF_N; i++)
        if (set_value(a, i, PQgetisnull(r, 0, first + i) ? NULL : PQgetvalue(r, 0, first + i))) return -1;
    /* jsonb prints with spaces; store it the way acct_parse writes it. */
    static const int json_fields[] = {AF_SOURCE_LABELS, AF_GRANTS, AF_FEATURES};
    for (size_t k = 0; k < sizeof json_fields / sizeof json_fields[0]; k++) {
        int i = json_fields[k];
        json_object *o = a->v[i] ? json_tokener_parse(a->v[i]) : NULL;
        int rc = set_value(a, i, o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : defaults[i]);
        json_object_put(o);
        if (rc) return -1;
    }
    return 0;
}

int acct_merge(acct_fields *base, const acct_fields *in) {
    for (int i = 0; i < AF_N; i++)
        if (in->set[i] && set_value(base, i, in->v[i])) return -1;
    return 0;
}

int acct_check(const acct_fields *a, json_object *details) {
    int n = 0;
    if (!a->v[AF_ATS]) {
        http_detail_add(details, "ats", "required", "is required when creating an account");
        n++;
    }
    if (!a->v[AF_PRIVACY_POLICY_URL] != !a->v[AF_COMPANY_NAME]) {
        const char *missing = a->v[AF_PRIVACY_POLICY_URL] ? "company_name" : "privacy_policy_url";
        http_detail_add(details, missing, "required_with",
                   "privacy_policy_url and company_name are set together");
        n++;
    }
    const char *f = a->v[AF_FEATURES] ? a->v[AF_FEATURES] : "";
    int exports = strstr(f, "\"" ACCOUNT_FEATURE_EXPORTS_NAME "\"") != NULL;
    int bgchecks = strstr(f, "\"" ACCOUNT_FEATURE_BGCHECKS_NAME "\"") != NULL;
    if (!exports && a->v[AF_GRANTS] && !strstr(a->v[AF_GRANTS], "\"source_tools\":[]")) {
        http_detail_add(details, "features", "required_with", "grants.source_tools needs the exports feature");
        n++;
    }
    if (bgchecks && a->v[AF_ATS] && strcmp(a->v[AF_ATS], "lever") != 0) {
        http_detail_add(details, "features", "invalid_value", "background_checks is for Lever accounts");
        n++;
    }
    if (bgchecks && !a->v[AF_PROVIDER_CLIENT_ID]) {
        http_detail_add(details, "provider_client_id", "required_with",
                   "background_checks needs the Client ID the provider gave this employer");
        n++;
    }
    return n;
}

void acct_changes(const acct_fields *old, const acct_fields *new_, char *out, size_t len) {
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < AF_N; i++) {
        const char *a = old->v[i], *b = new_->v[i];
        if ((!a && !b) || (a && b && !strcmp(a, b))) continue;
        int n = snprintf(out + used, len - used, "%s%s", used ? "," : "", acct_field_names[i]);
        if (n < 0 || (size_t)n >= len - used) break;
        used += (size_t)n;
    }
}
