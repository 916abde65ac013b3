#ifndef QUESTIONS_MODEL_H
#define QUESTIONS_MODEL_H

#include <json-c/json.h>
#include <stddef.h>

/* The unified question model (DESIGN.md "Screening questions"): a superset of
 * what Lever and Eploy expose. A qs_set owns every string it points to; one
 * qs_set_free releases them all. The ATS's own ids are kept in ats_field_id
 * so answers can be mapped back (formats in DESIGN.md, questions notes). */

typedef enum {
    QT_TEXT = 0,
    QT_TEXTAREA,
    QT_NUMBER,
    QT_BOOLEAN,
    QT_DATE,
    QT_SINGLE_SELECT,
    QT_MULTI_SELECT,
    QT_FILE,
    QT_INFORMATION,
} qs_type;

typedef struct {
    char *id;    /* the ATS's option id (Lever optionId or text, Eploy OptionId) */
    char *label;
} qs_option;

typedef struct {
    char *id;              /* unified id, what boards answer with */
    char *ats_field_id;    /* the ATS's field, e.g. "customQuestions/<card>/<field>" */
    char *section;         /* personal | links | custom | eeo */
    char *label;
    char *description;     /* may be NULL */
    char *ats_type;        /* the ATS's own type name, may be NULL */
    char *candidate_field; /* personal fields answered from the candidate
                            * (name|email|phone|location|links), NULL otherwise */
    char *document_kind;   /* FILE: cv | cover_letter when known, else NULL */
    qs_type type;
    int required;
    qs_option *options;
    size_t noptions;
} qs_question;

typedef struct {
    char ats[16];     /* "lever" | "eploy" */
    char *posting_id;
    char *title;      /* may be NULL */
    int closed;       /* not accepting applications */
    int is_test;      /* marked as a test posting in the ATS */
    qs_question *q;
    size_t n, cap;
} qs_set;

/* Type name as in DESIGN.md ("TEXT", ...); never NULL. */
const char *qs_type_name(qs_type t);
/* Parses a type name. Returns 0 or -1 (t untouched). */
int qs_type_parse(const char *name, qs_type *t);

void qs_set_init(qs_set *s);
/* Frees everything s owns and leaves it initialised. Safe twice. */
void qs_set_free(qs_set *s);

/* Appends a question with copies of the given strings (NULL allowed for the
 * optional ones). Returns the new question (owned by s), or NULL when out of
 * memory (s unchanged). */
qs_question *qs_set_add(qs_set *s, const char *id, const char *ats_field_id, const char *section,
                        const char *label, qs_type type, int required);
/* Sets an optional string member (description, ats_type, ...) to a copy of v.
 * Returns 0 or -1 when out of memory. */
int qs_set_str(char **member, const char *v);
/* Appends an option (copies). Returns 0 or -1. */
int qs_question_add_option(qs_question *q, const char *id, const char *label);

/* The question with unified id, or NULL. O(n). */
const qs_question *qs_set_find(const qs_set *s, const char *id);

/* The JSON form used in the cache and the API: {"ats","posting_id","title",
 * "closed","is_test","questions":[{id, ats_field_id, section, label, type,
 * required, options:[{id,label}], ...}]}. Returns a new object (caller puts
 * it), or NULL when out of memory. */
json_object *qs_set_to_json(const qs_set *s);
/* Reads that form back. Returns 0, or -1 on anything malformed (out freed
 * and initialised). */
int qs_set_from_json(json_object *o, qs_set *out);

/* Small JSON accessors shared by the normalizers: a string member or NULL;
 * a scalar member (string, number, boolean) as text into buf, or NULL. */
const char *qs_jstr(json_object *o, const char *key);
const char *qs_jscalar(json_object *o, const char *key, char *buf, size_t len);
/* Boolean member: true/false, "true"/"yes"/"1" ... ; def when absent. */
int qs_jbool(json_object *o, const char *key, int def);
/* An ATS response body (NUL-terminated; read up to the first NUL) parsed
 * within JSON_LIMITS_RESPONSE (json_bounded.h: too many values, too deep or
 * too long strings are refused before json-c builds anything). A new object
 * (caller puts it), or NULL when text is NULL, not JSON, beyond the limits,
 * or JSON null. */
json_object *qs_jparse(const char *text);

#endif
