#ifndef QUESTIONS_ROUTES_H
#define QUESTIONS_ROUTES_H

/* questions' route table as an X-macro, so openapi.yaml can be checked
 * against it without linking the handlers (tests/openapi/test_openapi_routes.c):
 * R(method, pattern, handler) per route; main.c expands it. Public reads:
 * no credential is checked. */
#define QUESTIONS_ROUTES(R) R("GET", "/v1/accounts/{account}/postings/{posting}/questions", questions_api_get)

#endif
