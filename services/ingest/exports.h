#ifndef INGEST_EXPORTS_H
#define INGEST_EXPORTS_H

#include "http_server.h"

/* POST /v1/exports: a sourcing tool's export task (seed 003). A source-tool
 * key, validation per candidate, then in one transaction: the task row,
 * documents, and in Kafka one ApplicationReceived + `received` event per
 * candidate and one `export_created` event; 202 with the task id after the
 * delivery reports. A resent identical export answers 200 with the same
 * ids and produces nothing. ctx is the ingest_ctx. */
void exports_post(const http_request *req, http_response *resp, void *ctx);

#endif
