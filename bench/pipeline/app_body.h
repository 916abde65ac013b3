#ifndef ATSB_BENCH_APP_BODY_H
#define ATSB_BENCH_APP_BODY_H

#include <stddef.h>

/* Request bodies of one benchmark application (index i of run tag run):
 * the same candidate, answers and CV whether it goes through ingest or
 * straight to the simulator's Lever API. Each returns a malloc'd buffer and
 * its length in *len, or NULL. */

/* The candidate's e-mail address in every body of application i. */
void body_email(const char *run, long i, char *out, size_t len);

/* POST /v1/applications on ingest. */
char *body_ingest(const char *run, long i, const char *account, const char *posting, size_t *len);

/* POST /lever/v1/uploads: multipart with the CV in field "file". */
char *body_lever_upload(size_t *len);
#define BODY_LEVER_BOUNDARY "atsb-bench-boundary"

/* POST /lever/v1/postings/{posting}/apply with the upload's uri. */
char *body_lever_apply(const char *run, long i, const char *resume_uri, size_t *len);

#endif
