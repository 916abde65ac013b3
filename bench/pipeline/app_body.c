#include "app_body.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "%PDF-1.4\n%%EOF\n": the same tiny CV as bench/ingest/post.lua. */
static const char cv_b64[] = "JVBERi0xLjQKJSVFT0YK";
static const char cv_raw[] = "%PDF-1.4\n%%EOF\n";

static char *printed(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *printed(size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *b = malloc((size_t)n + 1);
    if (!b) return NULL;
    va_start(ap, fmt);
    vsnprintf(b, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *len = (size_t)n;
    return b;
}

void body_email(const char *run, long i, char *out, size_t len) {
    snprintf(out, len, "cand-%s-%ld@example.org", run, i);
}

char *body_ingest(const char *run, long i, const char *account, const char *posting, size_t *len) {
    char email[256];
    body_email(run, i, email, sizeof email);
    return printed(len,
                   "{\"board\":\"stepstone_de\",\"board_application_id\":\"bench-%s-%ld\","
                   "\"account_id\":\"%s\",\"posting_id\":\"%s\","
                   "\"candidate\":{\"first_name\":\"Zo\\u00eb\",\"last_name\":\"M\\u00fcller\","
                   "\"email\":\"%s\",\"phone\":\"+49 30 1234567\",\"location\":\"Berlin\","
                   "\"links\":[\"https://example.org/zoe\"]},"
                   "\"answers\":[{\"question_id\":\"q-years\",\"value\":\"7\"}],"
                   "\"consent\":{\"privacy_policy_accepted\":true,\"accepted_at\":\"2026-11-24T10:00:00Z\"},"
                   "\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\","
                   "\"content_base64\":\"%s\"}]}",
                   run, i, account, posting, email, cv_b64);
}

char *body_lever_upload(size_t *len) {
    return printed(len,
                   "--" BODY_LEVER_BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\n"
                   "Content-Type: application/pdf\r\n\r\n%s\r\n--" BODY_LEVER_BOUNDARY "--\r\n",
                   cv_raw);
}

char *body_lever_apply(const char *run, long i, const char *resume_uri, size_t *len) {
    char email[256];
    body_email(run, i, email, sizeof email);
    return printed(len,
                   "{\"personalInformation\":[{\"name\":\"fullName\",\"value\":\"Zo\\u00eb M\\u00fcller\"},"
                   "{\"name\":\"email\",\"value\":\"%s\"},"
                   "{\"name\":\"phone\",\"value\":\"+49 30 1234567\"},{\"name\":\"location\",\"value\":\"Berlin\"},"
                   "{\"name\":\"resume\",\"value\":\"%s\"}],"
                   "\"urls\":[{\"name\":\"link1\",\"value\":\"https://example.org/zoe\"}],"
                   "\"customQuestions\":[{\"id\":\"cq-load\",\"fields\":[{\"id\":\"q-years\",\"value\":\"7\"}]}],"
                   "\"origin\":\"applied\",\"consent\":{\"store\":true}}",
                   email, resume_uri);
}
