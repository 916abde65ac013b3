/* Lever apply form (GET /postings/{id}/apply) -> unified model.
 *
 * ats_field_id formats, read back by delivery:
 *   personalInformation/<name>     urls/<name>     eeoQuestions/<key>
 *   customQuestions/<cardId>/<fieldId>   (or .../#<index> for a field without id)
 */
#include "normalize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_object *unwrap(json_object *o) {
    json_object *d;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "data", &d) &&
        json_object_is_type(d, json_type_object))
        return d;
    return o;
}

static int contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (const char *p = hay; p && *p; p++)
        if (!strncasecmp(p, needle, n)) return 1;
    return 0;
}

const char *qs_guess_document_kind(const char *name, const char *label) {
    const char *s[] = {name, label};
    for (int i = 0; i < 2; i++) {
        if (!s[i]) continue;
        if (contains_ci(s[i], "cover")) return "cover_letter";
        if (contains_ci(s[i], "resume") || contains_ci(s[i], "cv") || contains_ci(s[i], "lebenslauf"))
            return "cv";
    }
    return NULL;
}

static qs_type lever_type(const char *t, int *known) {
    static const struct {
        const char *name;
        qs_type type;
    } map[] = {{"text", QT_TEXT},
               {"textarea", QT_TEXTAREA},
               {"number", QT_NUMBER},
               {"currency", QT_NUMBER},
               {"score", QT_NUMBER},
               {"date", QT_DATE},
               {"yes-no", QT_BOOLEAN},
               {"dropdown", QT_SINGLE_SELECT},
               {"multiple-choice", QT_SINGLE_SELECT},
               {"multiple-select", QT_MULTI_SELECT},
               {"file-upload", QT_FILE},
               {"note", QT_INFORMATION}};
    *known = 1;
    for (size_t i = 0; t && i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(map[i].name, t)) return map[i].type;
    *known = t == NULL;
    return QT_TEXT;
}

/* Options are [{text, optionId?}] or plain strings. Returns 0 or -1. */
static int add_options(qs_question *q, json_object *opts) {
    if (!opts || !json_object_is_type(opts, json_type_array)) return 0;
    for (size_t i = 0; i < json_object_array_length(opts) && i < QS_MAX_OPTIONS; i++) {
        json_object *o = json_object_array_get_idx(opts, i);
        char idbuf[256];
        const char *text = NULL, *id = NULL;
        if (o && json_object_is_type(o, json_type_string)) {
            text = id = json_object_get_string(o);
        } else {
            text = qs_jstr(o, "text");
            if (!text) text = qs_jstr(o, "label");
            id = qs_jscalar(o, "optionId", idbuf, sizeof idbuf);
            if (!id) id = text;
        }
        if (!id || !*id) continue;
        if (qs_question_add_option(q, id, text)) return -1;
    }
    return 0;
}

static const char *personal_label(const char *name) {
    static const struct {
        const char *name, *label;
    } map[] = {{"fullName", "Full name"},     {"name", "Full name"},        {"email", "Email"},
               {"phone", "Phone"},            {"location", "Current location"}, {"resume", "Resume/CV"},
               {"org", "Current company"},    {"company", "Current company"}, {"additional", "Additional information"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(map[i].name, name)) return map[i].label;
    return name;
}

static const char *personal_candidate_field(const char *name) {
    if (!strcasecmp(name, "fullName") || !strcasecmp(name, "name")) return "name";
    if (!strcasecmp(name, "email")) return "email";
    if (!strcasecmp(name, "phone")) return "phone";
    if (!strcasecmp(name, "location")) return "location";
    return NULL;
}

/* personalInformation and urls: [{name, type?, required?, text?}] or names. */
static int add_named_list(qs_set *s, json_object *list, const char *section) {
    if (!list || !json_object_is_type(list, json_type_array)) return 0;
    int links = !strcmp(section, "links");
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        const char *name = e && json_object_is_type(e, json_type_string) ? json_object_get_string(e) : qs_jstr(e, "name");
        if (!name || !*name || strlen(name) > 200) continue;
        char id[256], field[256];
        snprintf(id, sizeof id, "%s.%s", links ? "url" : "personal", name);
        snprintf(field, sizeof field, "%s/%s", links ? "urls" : "personalInformation", name);
        if (qs_set_find(s, id)) continue;
        int known;
        const char *type = qs_jstr(e, "type");
        qs_type t = lever_type(type, &known);
        if (!type && !links && !strcasecmp(name, "resume")) t = QT_FILE;
        const char *label = qs_jstr(e, "text");
        if (!label) label = qs_jstr(e, "label");
        if (!label) label = links ? name : personal_label(name);
        qs_question *q = qs_set_add(s, id, field, section, label, t, qs_jbool(e, "required", 0));
        if (!q) return -1;
        const char *cf = links ? NULL : personal_candidate_field(name);
        if (qs_set_str(&q->ats_type, type) || qs_set_str(&q->candidate_field, cf) ||
            qs_set_str(&q->description, qs_jstr(e, "description")))
            return -1;
        if (t == QT_FILE && qs_set_str(&q->document_kind, qs_guess_document_kind(name, label))) return -1;
        if (add_options(q, json_object_object_get(e, "options"))) return -1;
        if (s->n >= QS_MAX_QUESTIONS) return 1;
    }
    return 0;
}

static int add_custom(qs_set *s, json_object *cards) {
    if (!cards || !json_object_is_type(cards, json_type_array)) return 0;
    for (size_t c = 0; c < json_object_array_length(cards); c++) {
        json_object *card = json_object_array_get_idx(cards, c);
        char cidbuf[128];
        const char *cid = qs_jscalar(card, "id", cidbuf, sizeof cidbuf);
        json_object *fields;
        if (!cid || !*cid || !json_object_object_get_ex(card, "fields", &fields) ||
            !json_object_is_type(fields, json_type_array))
            continue;
        for (size_t i = 0; i < json_object_array_length(fields); i++) {
            json_object *f = json_object_array_get_idx(fields, i);
            if (!f || !json_object_is_type(f, json_type_object)) continue;
            char fidbuf[128], id[300], field[300];
            const char *fid = qs_jscalar(f, "id", fidbuf, sizeof fidbuf);
            if (fid && *fid) snprintf(field, sizeof field, "customQuestions/%s/%s", cid, fid);
            else snprintf(field, sizeof field, "customQuestions/%s/#%zu", cid, i);
            /* Boards answer with the field's own id when it has a unique one. */
            if (fid && *fid && !qs_set_find(s, fid)) snprintf(id, sizeof id, "%s", fid);
            else snprintf(id, sizeof id, "%s.%zu", cid, i);
            if (qs_set_find(s, id)) continue;
            int known;
            const char *type = qs_jstr(f, "type");
            qs_type t = lever_type(type, &known);
            const char *label = qs_jstr(f, "text");
            if (!label) label = qs_jstr(f, "label");
            if (!label) label = qs_jstr(card, "text");
            qs_question *q = qs_set_add(s, id, field, "custom", label, t, t == QT_INFORMATION ? 0 : qs_jbool(f, "required", 0));
            if (!q || qs_set_str(&q->ats_type, type) || qs_set_str(&q->description, qs_jstr(f, "description")))
                return -1;
            if (t == QT_FILE && qs_set_str(&q->document_kind, qs_guess_document_kind(fid, label))) return -1;
            if (add_options(q, json_object_object_get(f, "options"))) return -1;
            if (s->n >= QS_MAX_QUESTIONS) return 1;
        }
    }
    return 0;
}

/* eeoQuestions: {key: {text?, type?, required?, options}} or {key: [options]},
 * or an array of {id|name, ...}. */
static int add_eeo_one(qs_set *s, const char *key, json_object *v) {
    char id[256], field[256];
    snprintf(id, sizeof id, "eeo.%s", key);
    snprintf(field, sizeof field, "eeoQuestions/%s", key);
    if (qs_set_find(s, id)) return 0;
    json_object *opts = json_object_is_type(v, json_type_array) ? v : json_object_object_get(v, "options");
    const char *type = json_object_is_type(v, json_type_object) ? qs_jstr(v, "type") : NULL;
    int known;
    qs_type t = type ? lever_type(type, &known) : opts ? QT_SINGLE_SELECT : QT_TEXT;
    const char *label = json_object_is_type(v, json_type_object) ? qs_jstr(v, "text") : NULL;
    if (!label && json_object_is_type(v, json_type_object)) label = qs_jstr(v, "label");
    qs_question *q = qs_set_add(s, id, field, "eeo", label ? label : key, t,
                                json_object_is_type(v, json_type_object) ? qs_jbool(v, "required", 0) : 0);
    if (!q || qs_set_str(&q->ats_type, type) || add_options(q, opts)) return -1;
    return s->n >= QS_MAX_QUESTIONS ? 1 : 0;
}

static int add_eeo(qs_set *s, json_object *eeo) {
    int rc = 0;
    if (!eeo) return 0;
    if (json_object_is_type(eeo, json_type_object)) {
        json_object_object_foreach(eeo, key, v) {
            if (!v || !*key || strlen(key) > 200) continue;
            if (!json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array)) continue;
            if ((rc = add_eeo_one(s, key, v)) != 0) return rc;
        }
    } else if (json_object_is_type(eeo, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(eeo); i++) {
            json_object *v = json_object_array_get_idx(eeo, i);
            const char *key = qs_jstr(v, "id") ? qs_jstr(v, "id") : qs_jstr(v, "name");
            if (!key || !*key || strlen(key) > 200) continue;
            if ((rc = add_eeo_one(s, key, v)) != 0) return rc;
        }
    }
    return 0;
}

/* A posting is a test posting when it says so: a boolean "test"/"isTest"/
 * "is_test", or a tag "test" (how customers mark their test jobs in Lever). */
static int lever_is_test(json_object *p) {
    if (qs_jbool(p, "test", 0) || qs_jbool(p, "isTest", 0) || qs_jbool(p, "is_test", 0)) return 1;
    json_object *tags;
    if (p && json_object_object_get_ex(p, "tags", &tags) && json_object_is_type(tags, json_type_array))
        for (size_t i = 0; i < json_object_array_length(tags); i++) {
            json_object *t = json_object_array_get_idx(tags, i);
            if (t && json_object_is_type(t, json_type_string) &&
                (!strcasecmp(json_object_get_string(t), "test") ||
                 !strcasecmp(json_object_get_string(t), "test posting")))
                return 1;
        }
    return 0;
}

int lever_questions_parse(const char *posting_json, const char *form_json, const char *posting_id,
                          qs_set *out) {
    qs_set_init(out);
    json_object *proot = qs_jparse(posting_json);
    json_object *froot = qs_jparse(form_json);
    json_object *p = unwrap(proot), *f = unwrap(froot);
    int rc = -1;
    if (!f || !json_object_is_type(f, json_type_object)) goto done;
    if (!json_object_object_get_ex(f, "personalInformation", NULL) && !json_object_object_get_ex(f, "urls", NULL) &&
        !json_object_object_get_ex(f, "customQuestions", NULL) && !json_object_object_get_ex(f, "eeoQuestions", NULL))
        goto done;
    if (p && !json_object_is_type(p, json_type_object)) p = NULL;
    snprintf(out->ats, sizeof out->ats, "lever");
    const char *title = qs_jstr(p, "text");
    if (!title) title = qs_jstr(f, "text");
    if (qs_set_str(&out->posting_id, posting_id ? posting_id : "") || qs_set_str(&out->title, title)) goto bad;
    const char *state = qs_jstr(p, "state");
    /* Lever takes applications for published and unlisted postings only. */
    out->closed = state && strcasecmp(state, "published") && strcasecmp(state, "unlisted");
    out->is_test = lever_is_test(p);
    int r = 0;
    if ((r = add_named_list(out, json_object_object_get(f, "personalInformation"), "personal")) < 0) goto bad;
    if (!r && (r = add_named_list(out, json_object_object_get(f, "urls"), "links")) < 0) goto bad;
    if (!r && (r = add_custom(out, json_object_object_get(f, "customQuestions"))) < 0) goto bad;
    if (!r && (r = add_eeo(out, json_object_object_get(f, "eeoQuestions"))) < 0) goto bad;
    rc = r;
    goto done;
bad:
    qs_set_free(out);
    rc = -1;
done:
    json_object_put(proot);
    json_object_put(froot);
    return rc;
}
