#ifndef INGEST_H
#define INGEST_H

#include "accounts.h"
#include "application_parse.h"
#include "errlist.h"
#include "http_server.h"
#include "service.h"

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>

/* What every ingest handler shares: configuration, the running service
 * (database pool, producer) and a few answer helpers. */

typedef struct {
    app_limits limits;            /* ATSB_INGEST_MAX_DOCUMENT_BYTES, ATSB_INGEST_MAX_REQUEST_DOCUMENT_BYTES */
    size_t max_export_candidates; /* ATSB_INGEST_MAX_EXPORT_CANDIDATES */
    int signature_max_age_s;      /* ATSB_INGEST_SIGNATURE_MAX_AGE_S */
    int retry_after_s;            /* ATSB_INGEST_RETRY_AFTER_S */
    int lookup_cache_ms;          /* ATSB_INGEST_LOOKUP_CACHE_MS (lookup_cache.h) */
    int committers;               /* ATSB_INGEST_COMMITTERS (accept_batch.h) */
    int batch_max;                /* ATSB_INGEST_BATCH_MAX (accept_batch.h) */
    int batch_linger_ms;          /* ATSB_INGEST_BATCH_LINGER_MS (accept_batch.h) */
    int pending_max;              /* ATSB_INGEST_PENDING_MAX (finish.h) */
    char status_url_base[256];    /* ATSB_INGEST_STATUS_URL_BASE */
} ingest_config;

typedef struct accept_batcher accept_batcher; /* accept_batch.h */
typedef struct finisher finisher;             /* finish.h */

typedef struct {
    service *svc; /* svc->db and svc->producer are set before HTTP starts */
    accept_batcher *batcher;
    finisher *finisher;
    ingest_config cfg;
    char topic_received[256];
    char topic_webhooks[256];
    char topic_bgcheck[256];
} ingest_ctx;

/* Reads ATSB_INGEST_* variables; a bad value exits 2 naming it (config.h). */
void ingest_config_load(ingest_config *cfg);

/* Fills ctx from cfg, with topic names under ATSB_TOPIC_PREFIX. */
void ingest_ctx_init(ingest_ctx *ctx, service *svc, const ingest_config *cfg);

/* 503 with Retry-After and code dependency_unavailable; what names the
 * dependency ("database", "kafka") in the message. */
void ingest_unavailable(const ingest_ctx *ctx, http_response *resp, const char *what);

/* Answers the errors of e (400, 413 or 422, see errlist.h) with the code
 * malformed_request, payload_too_large (json_too_large when the body went
 * beyond its JSON limits) or validation_failed and every item as details. */
void ingest_respond_errors(http_response *resp, const errlist *e);

/* Trace id from X-Trace-Id when it is a sane token, else a new random one. */
void ingest_trace_id(const http_request *req, char *out, size_t len);

/* 1 when status.accounts has account_id, 0 when it has not (or the table is
 * missing: status has not migrated yet), -1 when the database is
 * unreachable. When a is not NULL and the result is 1, *a is loaded (free
 * with account_free). Must run outside a transaction. */
int ingest_account_lookup(PGconn *c, const char *account_id, account *a);

/* The last check of a submission by owner (a board, or a sourcing tool
 * when kind is ACCOUNTS_GRANT_SOURCE_TOOLS) into account_id (may be NULL:
 * errs then says it is required): 403 not_granted unless the account
 * exists and grants owner, the same answer either way so a key holder
 * cannot learn which accounts exist; then any error of errs is answered.
 * Grants are cached for ATSB_INGEST_LOOKUP_CACHE_MS; on a miss the check
 * reads through c, or, when c is NULL, through a connection it borrows for
 * that read alone (a caller that holds none then holds none while the
 * cache answers). 0 to go on; -1 when
 * resp holds the answer (403, those errors, or 503 when the database is
 * unreachable). */
int ingest_check_grant(const ingest_ctx *ctx, PGconn *c, const char *account_id, const char *kind,
                       const char *owner, errlist *errs, http_response *resp);

/* Opens a transaction on c and claims the replay id of a signed request
 * (replay.h; kept twice the signature's maximum age): 0 when it is fresh,
 * -1 when resp holds the answer (503, or 401 replayed with replayed_msg). */
int ingest_begin_claim(const ingest_ctx *ctx, PGconn *c, const char *source, const char *id,
                       const char *replayed_msg, http_response *resp);

/* Produces msg (to topic under key, with the schema header; kind names it
 * for the produce metric) and hands the request to the finisher (finish.h):
 * once Kafka has it, c's transaction is committed and the answer is 200
 * {id_field: id} (503 when the broker refused it or the COMMIT failed).
 * 0: c and the request are given up (the caller releases nothing and
 * answers nothing); -1: nothing was produced, resp holds the answer (503
 * when ATSB_INGEST_PENDING_MAX requests wait already, 500 out of memory)
 * and c is still the caller's. */
int ingest_produce_finish(const ingest_ctx *ctx, const http_request *req, PGconn *c, const char *topic,
                          const char *key, const char *schema, const ProtobufCMessage *msg, const char *kind,
                          const char *trace, const char *id_field, const char *id, http_response *resp);

/* True when Content-Type is application/json (parameters allowed). */
int ingest_is_json(const char *content_type);

#endif
