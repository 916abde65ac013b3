#include "lever_scopes.h"

#include "accounts.h"

#include <stdio.h>
#include <string.h>

static const char BGCHECK_SCOPES[] =
    "opportunities:write:admin notes:write:admin stages:read:admin tags:read:admin webhooks:write:admin";
static const char EXPORT_SCOPES[] = "opportunities:write:admin";

/* 1 when the list holds exactly the word w of length n. */
static int has_word(const char *list, const char *w, size_t n) {
    for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

/* Appends each word of more that out does not hold yet. */
static int add_words(char *out, size_t len, const char *more) {
    for (const char *p = more; *p;) {
        size_t n = strcspn(p, " ");
        if (n && !has_word(out, p, n)) {
            size_t used = strlen(out);
            int w = snprintf(out + used, len - used, "%s%.*s", used ? " " : "", (int)n, p);
            if (w < 0 || (size_t)w >= len - used) return -1;
        }
        p += n;
        while (*p == ' ') p++;
    }
    return 0;
}

int lever_scopes_for(int features, char *out, size_t len) {
    if (!len) return -1;
    out[0] = '\0';
    if (add_words(out, len, LEVER_SCOPES_APPLY)) return -1;
    if ((features & ACCOUNT_FEATURE_BGCHECKS) && add_words(out, len, BGCHECK_SCOPES)) return -1;
    if ((features & ACCOUNT_FEATURE_EXPORTS) && add_words(out, len, EXPORT_SCOPES)) return -1;
    return 0;
}

int lever_scope_has(const char *granted, const char *want) {
    size_t n = strlen(want);
    if (!granted || !n) return 0;
    if (has_word(granted, want, n)) return 1;
    static const char read[] = ":read:admin";
    size_t rl = sizeof read - 1;
    if (n <= rl || strcmp(want + n - rl, read) != 0) return 0;
    char write[128];
    int w = snprintf(write, sizeof write, "%.*s:write:admin", (int)(n - rl), want);
    return w > 0 && (size_t)w < sizeof write && has_word(granted, write, (size_t)w);
}

int lever_scopes_missing(const char *granted, const char *required, char *missing, size_t len) {
    int count = 0;
    if (len) missing[0] = '\0';
    for (const char *p = required; *p;) {
        size_t n = strcspn(p, " ");
        char word[128];
        if (n && n < sizeof word) {
            memcpy(word, p, n);
            word[n] = '\0';
            if (!lever_scope_has(granted, word)) {
                count++;
                size_t used = strlen(missing);
                if (len > used) snprintf(missing + used, len - used, "%s%s", used ? " " : "", word);
            }
        }
        p += n;
        while (*p == ' ') p++;
    }
    return count;
}

int lever_grant_gap(const account *a, const char *environment, const char *granted, const char *required,
                    char *why, size_t len) {
    if (strcmp(environment, a->lever_environment) != 0) {
        snprintf(why, len, "the account uses Lever's %s environment, the connection was activated in %s",
                 a->lever_environment, environment);
        return 1;
    }
    char missing[512];
    if (!lever_scopes_missing(granted, required, missing, sizeof missing)) return 0;
    snprintf(why, len, "the connection lacks the scopes %s", missing);
    return 1;
}
