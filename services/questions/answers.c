#include "answers.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int qa_has_document(const Atsbridge__V1__ApplicationReceived *app, const char *sha256) {
    for (size_t i = 0; sha256 && i < app->n_documents; i++)
        if (app->documents[i]->sha256 && !strcmp(app->documents[i]->sha256, sha256)) return 1;
    return 0;
}

static const Atsbridge__V1__Answer *find_answer(const Atsbridge__V1__ApplicationReceived *app, const char *id) {
    for (size_t i = 0; i < app->n_answers; i++)
        if (app->answers[i]->question_id && !strcmp(app->answers[i]->question_id, id)) return app->answers[i];
    return NULL;
}

static int nonempty(const char *s) { return s && *s; }

static int contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    if (!n) return 0;
    for (const char *p = hay; p && *p; p++)
        if (!strncasecmp(p, needle, n)) return 1;
    return 0;
}

static void add(qa_value *v, const char *s) {
    if (!nonempty(s)) return;
    if (v->n == QA_MAX_VALUES) {
        v->too_many = 1;
        return;
    }
    v->values[v->n++] = s;
}

/* Link questions are named for a site (LinkedIn, GitHub) or generic (Other,
 * Portfolio, Website). A site question takes the link that contains its
 * name; the k-th generic question takes the k-th link that no site question
 * took. */
static const char *link_name(const qs_question *q) {
    const char *dot = strchr(q->id, '.');
    return dot ? dot + 1 : q->id;
}

static int link_is_site(const char *name) {
    static const char *const sites[] = {"linkedin", "github",  "gitlab",   "xing",      "twitter",
                                        "facebook", "instagram", "dribbble", "behance", "stackoverflow"};
    for (size_t i = 0; i < sizeof sites / sizeof sites[0]; i++)
        if (contains_ci(name, sites[i])) return 1;
    return 0;
}

/* The site a link belongs to, i.e. a site question name it contains; 1 or 0. */
static int link_taken(const qs_set *set, const char *link) {
    for (size_t k = 0; k < set->n; k++)
        if (!strcmp(set->q[k].section, "links") && link_is_site(link_name(&set->q[k])) &&
            contains_ci(link, link_name(&set->q[k])))
            return 1;
    return 0;
}

static void resolve_link(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, const qs_question *q,
                         qa_value *out) {
    const Atsbridge__V1__Candidate *c = app->candidate;
    if (!c) return;
    if (link_is_site(link_name(q))) {
        for (size_t i = 0; i < c->n_links; i++)
            if (contains_ci(c->links[i], link_name(q))) {
                add(out, c->links[i]);
                return;
            }
        return;
    }
    size_t rank = 0;
    for (size_t k = 0; k < set->n && &set->q[k] != q; k++)
        if (!strcmp(set->q[k].section, "links") && !link_is_site(link_name(&set->q[k]))) rank++;
    size_t seen = 0;
    for (size_t l = 0; l < c->n_links; l++) {
        if (link_taken(set, c->links[l])) continue;
        if (seen++ == rank) {
            add(out, c->links[l]);
            return;
        }
    }
}

static void resolve_candidate(const Atsbridge__V1__Candidate *c, const char *field, qa_value *out) {
    if (!c || !field) return;
    if (!strcmp(field, "name")) {
        const char *f = nonempty(c->first_name) ? c->first_name : "";
        const char *l = nonempty(c->last_name) ? c->last_name : "";
        snprintf(out->joined, sizeof out->joined, "%s%s%s", f, *f && *l ? " " : "", l);
        add(out, out->joined);
    } else if (!strcmp(field, "first_name")) {
        add(out, c->first_name);
    } else if (!strcmp(field, "last_name")) {
        add(out, c->last_name);
    } else if (!strcmp(field, "email")) {
        add(out, c->email);
    } else if (!strcmp(field, "phone")) {
        add(out, c->phone);
    } else if (!strcmp(field, "location")) {
        add(out, c->location);
    }
}

void qa_resolve(const Atsbridge__V1__ApplicationReceived *app, const qs_set *set, const qs_question *q,
                qa_value *out) {
    memset(out, 0, sizeof *out);
    const Atsbridge__V1__Answer *a = find_answer(app, q->id);
    if (a) {
        out->explicit_answer = 1;
        add(out, a->value);
        for (size_t i = 0; i < a->n_values; i++) add(out, a->values[i]);
        if (nonempty(a->document_sha256)) out->document_sha256 = a->document_sha256;
        if (q->type == QT_FILE && !out->document_sha256 && out->n == 1) out->document_sha256 = out->values[0];
        if (out->n || out->document_sha256) return;
    }
    if (q->candidate_field) {
        resolve_candidate(app->candidate, q->candidate_field, out);
    } else if (!strcmp(q->section, "links")) {
        resolve_link(app, set, q, out);
    } else if (q->type == QT_FILE && q->document_kind) {
        for (size_t i = 0; i < app->n_documents; i++)
            if (app->documents[i]->kind && !strcmp(app->documents[i]->kind, q->document_kind) &&
                nonempty(app->documents[i]->sha256)) {
                out->document_sha256 = app->documents[i]->sha256;
                break;
            }
    }
}

int qa_number(const char *s) {
    const char *p = s;
    if (!s) return -1;
    if (*p == '+' || *p == '-') p++;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++, digits++;
    }
    if (!digits) return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p ? -1 : 0;
}

static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int qa_date(const char *s, char ymd[11]) {
    int y, m, d;
    if (!s || strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap)) return -1;
    const char *t = s + 10;
    if (*t) {
        int hh, mm, ss;
        if ((*t != 'T' && *t != 't' && *t != ' ') || digits(t + 1, 2, &hh) || t[3] != ':' || digits(t + 4, 2, &mm) ||
            hh > 23 || mm > 59)
            return -1;
        t += 6;
        if (*t == ':') {
            if (digits(t + 1, 2, &ss) || ss > 60) return -1;
            t += 3;
            if (*t == '.' || *t == ',') {
                t++;
                if (!isdigit((unsigned char)*t)) return -1;
                while (isdigit((unsigned char)*t)) t++;
            }
        }
        if (*t == 'Z' || *t == 'z') {
            t++;
        } else if (*t == '+' || *t == '-') {
            int oh, om;
            if (digits(t + 1, 2, &oh) || oh > 23) return -1;
            t += 3;
            if (*t == ':') t++;
            if (digits(t, 2, &om) || om > 59) return -1;
            t += 2;
        }
        if (*t) return -1;
    }
    memcpy(ymd, s, 10);
    ymd[10] = '\0';
    return 0;
}

int qa_bool(const char *s, int *v) {
    if (!s) return -1;
    if (!strcasecmp(s, "true") || !strcasecmp(s, "yes")) *v = 1;
    else if (!strcasecmp(s, "false") || !strcasecmp(s, "no")) *v = 0;
    else return -1;
    return 0;
}

int qa_option(const qs_question *q, const char *s) {
    for (size_t i = 0; s && i < q->noptions; i++)
        if (!strcmp(q->options[i].id, s)) return (int)i;
    for (size_t i = 0; s && i < q->noptions; i++)
        if (!strcmp(q->options[i].label, s)) return (int)i;
    return -1;
}
