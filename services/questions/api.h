#ifndef QUESTIONS_API_H
#define QUESTIONS_API_H

#include "http_server.h"
#include "pg.h"

/* GET /v1/accounts/{account}/postings/{posting}/questions: the posting's
 * unified question set, the account's privacy-policy block (or the generic
 * message when none is configured) and where the set came from (X-Cache:
 * hit|miss|revalidated|stale).
 *
 * Public read, like the ATS careers page the questions come from: the
 * answer holds no personal data and nothing that is not already shown to
 * every candidate; an Authorization header (board key, admin token) is
 * accepted and ignored. What protects the ATS's quota is the cache: a
 * posting is fetched at most once per TTL however often it is asked for, and
 * ids are checked before any ATS call.
 *
 * 404 unknown account or posting, 410 closed posting, 503 (Retry-After) when
 * the ATS cannot be asked and nothing fresh enough is cached. ctx is a
 * service (its db is used). */
void questions_api_get(const http_request *req, http_response *resp, void *ctx);

/* The generic privacy message shown when an account has no policy URL. */
extern const char QUESTIONS_GENERIC_PRIVACY_MESSAGE[];

#endif
