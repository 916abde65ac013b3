#ifndef ATSB_DELIVERY_PARSE_H
#define ATSB_DELIVERY_PARSE_H

#include <stddef.h>

/* Response parsers of the connectors, as pure functions over the raw body so
 * a fuzzer can call them: any byte sequence is acceptable input (not
 * necessarily NUL-terminated; len bytes are read), nothing is allocated
 * beyond the call, and out is always NUL-terminated when outlen > 0.
 * Each returns 0 when the value was found, 1 when the body is valid JSON but
 * lacks it, -1 when the body is not JSON, goes beyond JSON_LIMITS_RESPONSE
 * (json_bounded.h: checked before anything is built), or the value does not
 * fit. */

/* Generic: the string or integer at a dotted path, where a segment of digits
 * indexes an array ("data.0.id", "Records.0.CandidateId"). */
int parse_json_path(const char *body, size_t len, const char *path, char *out, size_t outlen);

/* Lever: {"data": {"id"}} of a created opportunity. */
int parse_lever_opportunity_id(const char *body, size_t len, char *out, size_t outlen);
/* Lever: first {"data": [{"id"}]} of a list (search by email + posting). */
int parse_lever_first_id(const char *body, size_t len, char *out, size_t outlen);
/* Lever: {"data": {"uri"}} of an upload. */
int parse_lever_upload_uri(const char *body, size_t len, char *out, size_t outlen);
/* Lever: {"data": {"applicationId"}} of an apply. */
int parse_lever_application_id(const char *body, size_t len, char *out, size_t outlen);
/* Lever: the first tag of a posting ({"data": {"tags": [...]}}) starting
 * with prefix. 1 when no tag matches. */
int parse_lever_posting_tag(const char *body, size_t len, const char *prefix, char *out, size_t outlen);
/* Lever: name and first e-mail of an opportunity ({"data": {"name", "emails"}}).
 * 0 only when both are present. */
int parse_lever_contact(const char *body, size_t len, char *name, size_t namelen, char *email,
                        size_t emaillen);

/* Lever: the first posting of an opportunity ({"data": {"postings": [id]}}). */
int parse_lever_opportunity_posting(const char *body, size_t len, char *out, size_t outlen);

/* Eploy: a top-level id member of a create answer ({"CandidateId": 123}). */
int parse_eploy_id(const char *body, size_t len, const char *member, char *out, size_t outlen);
/* Eploy: member of the first record of a search ({"Records": [{...}]}). */
int parse_eploy_first(const char *body, size_t len, const char *member, char *out, size_t outlen);

/* Provider: {"order_id"} of an order. */
int parse_provider_order_id(const char *body, size_t len, char *out, size_t outlen);

/* Short, log-safe error text from an error body in any of the shapes we
 * meet (Lever {"code","message"}, Auth0 {"error","error_description"},
 * ASP.NET {"Message"}, ours {"error":{"code","message"}}): the machine code
 * (or "") into code. Returns 0 when a code or message was found, else 1/-1. */
int parse_error(const char *body, size_t len, char *code, size_t codelen, char *message, size_t msglen);

#endif
