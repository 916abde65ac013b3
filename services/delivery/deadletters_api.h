#ifndef ATSB_DELIVERY_DEADLETTERS_API_H
#define ATSB_DELIVERY_DEADLETTERS_API_H

#include "http_server.h"

/* delivery's dead-letter API (admin token or a named operator; ctx is the
 * dctx). Both read the dead-letter topic from its beginning without joining
 * a consumer group, each pass within 20 seconds; "complete": false says a
 * pass ran out of time or a replay met more than 1000 dead letters still
 * to re-drive (call again to go on: what was re-driven is skipped then,
 * being in progress).
 *
 *   GET  /v1/deadletters?account=&error_code=&limit=   newest first
 *   POST /v1/deadletters/replay
 *        {"ids": ["PARTITION:OFFSET", ...], "reason"}  or
 *        {"account", "error_code"?, "reason"}
 *
 * A re-drive re-produces the dead letter to its original topic with a fresh
 * attempt budget (dlq.h), naming the operator (the authenticated actor) and
 * the reason; delivery then records `redriven` and delivers it once. Only
 * the newest dead letter of an application is re-driven; one whose
 * application was delivered meanwhile, or is being worked on again, is
 * skipped with that reason. */

void deadletters_list(const http_request *req, http_response *resp, void *ctx);
void deadletters_replay(const http_request *req, http_response *resp, void *ctx);

#endif
