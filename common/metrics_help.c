#include "metrics.h"

#include <string.h>

/* The HELP text of every metric the services export. tests/docs/
 * check_metrics_help.sh fails when code names a metric missing here. */
static const struct {
    const char *name, *help;
} helps[] = {
    {"atsb_consume_batch_size", "Messages per batch a consumer loop handled, in thousands (a histogram of 1 to 10000 messages), by consumer group."},
    {"atsb_consume_retries_total", "Batches a consumer loop handled again after a transient failure, by consumer group."},
    {"atsb_consumed_total", "Messages a consumer loop handled and stored the offsets of, by consumer group."},
    {"atsb_deadletters_redriven_total", "Dead letters re-driven through delivery's dead-letter API."},
    {"atsb_deadletters_total", "Messages sent to the dead-letter topic, by original topic and error code."},
    {"atsb_delivery_awaiting_acks", "Handled messages whose events Kafka has not acknowledged yet."},
    {"atsb_delivery_commands_total", "ATS commands handled, by outcome."},
    {"atsb_delivery_connections", "ATS connections of every account, by ATS and state (as the connections API shows them)."},
    {"atsb_delivery_delivered_total", "Applications delivered, adopted (found already in the ATS) or created."},
    {"atsb_delivery_document_bytes_held", "Document bytes the delivery workers hold in memory."},
    {"atsb_delivery_dry_runs_total", "Applications previewed in dry-run mode instead of delivered."},
    {"atsb_delivery_handler_retries_total", "Messages a worker handled again in place after a transient failure."},
    {"atsb_delivery_handover_dropped_total", "Queued messages of revoked partitions dropped for their next owner."},
    {"atsb_delivery_handover_timeouts_total", "Revokes whose work in flight outlasted ATSB_DELIVERY_HANDOVER_MS."},
    {"atsb_delivery_http_in_flight", "HTTP requests to an ATS or the provider in flight."},
    {"atsb_delivery_http_requests_total", "HTTP requests to an ATS or the provider, by ATS, endpoint and status."},
    {"atsb_delivery_http_seconds", "Duration of HTTP requests to an ATS or the provider."},
    {"atsb_delivery_queue_depth", "Messages queued for the delivery workers."},
    {"atsb_delivery_quota_remaining", "Requests left in an account's ATS quota (Eploy's daily quota)."},
    {"atsb_delivery_rate_limit_waits_total", "Deliveries deferred for a rate limit, by ATS and source (limiter, ats, ats_quota)."},
    {"atsb_delivery_retries_total", "Delivery attempts scheduled again, by error code."},
    {"atsb_delivery_retry_hops_total", "Retries moved to the tier for their time left, by tier."},
    {"atsb_delivery_retry_partitions_waiting", "Retry-tier partitions paused until their head is due, by tier."},
    {"atsb_delivery_retry_pauses_total", "Times a retry-tier partition was paused until its head is due, by tier."},
    {"atsb_delivery_unauthorized_total", "Answers 401 from an ATS."},
    {"atsb_delivery_workers_busy", "Delivery workers handling a message."},
    {"atsb_erased_messages_total", "Messages of erased applications dropped instead of handled, by service."},
    {"atsb_erasures_confirmed_total", "Erasure requests this service carried out and confirmed."},
    {"atsb_feed_alert", "1 while a board's application feed has stopped against its expected rate."},
    {"atsb_http_body_budget_in_use_bytes", "Request body bytes held by the HTTP server."},
    {"atsb_http_refused_total", "HTTP requests refused before their handler, by reason."},
    {"atsb_console_api_requests_total", "Console calls to status and delivery, by service and outcome."},
    {"atsb_console_sign_ins_total", "Console sign-ins, by result (ok, refused, unavailable, limited)."},
    {"atsb_console_forms_refused_total", "Console form posts refused: another origin or a missing or wrong CSRF token."},
    {"atsb_http_request_duration_seconds", "Duration of HTTP requests served, by route."},
    {"atsb_http_requests_total", "HTTP requests served, by route and status code."},
    {"atsb_ingest_accept_batches_total", "Group commits of accepted applications (one transaction and one Kafka wait each)."},
    {"atsb_ingest_accept_batched_total", "Applications stored by group commits; divided by the batches, the mean batch size."},
    {"atsb_ingest_applications_total", "Applications and export candidates accepted or refused by ingest."},
    {"atsb_ingest_bytes_total", "Request body bytes ingest read."},
    {"atsb_ingest_pending", "Webhooks and callbacks waiting for Kafka's acknowledgement (at most ATSB_INGEST_PENDING_MAX)."},
    {"atsb_kafka_consumer_lag", "Messages this consumer has yet to read on its assigned partitions, by consumer group."},
    {"atsb_kafka_produce_errors_total", "Messages Kafka did not acknowledge, by topic."},
    {"atsb_kafka_produced_total", "Messages Kafka acknowledged, by topic."},
    {"atsb_pg_pool_timeouts_total", "Waits for a PostgreSQL connection from the pool that timed out."},
    {"atsb_questions_cache_total", "Question-set lookups, by cache result."},
    {"atsb_questions_decisions_total", "Applications resolved, held or rejected by questions, by code."},
    {"atsb_questions_fetch_seconds", "Duration of question-set fetches from an ATS."},
    {"atsb_questions_fetches_total", "Question-set fetches from an ATS, by ATS and result."},
    {"atsb_questions_held", "Applications held by questions until their account goes live."},
    {"atsb_service_info", "Always 1: the atsbridge service this process is, as label service."},
    {"atsb_status_applications", "Applications status holds, by state."},
    {"atsb_status_batch_failures_total", "Event batches status failed to store and will store again."},
    {"atsb_status_batch_seconds", "Duration of storing one batch of events."},
    {"atsb_status_erasures_total", "Erasure requests status recorded (a repeated request counts once)."},
    {"atsb_status_events_stored_total", "Events stored by status (repeats are stored once)."},
    {"atsb_status_last_batch_size", "Messages in the last batch status stored."},
    {"atsb_status_notification_retries_total", "Operator notifications sent again after a failed attempt."},
    {"atsb_status_notifications_total", "Operator notifications, by class and outcome."},
    {"atsb_token_refreshes_total", "OAuth token refreshes and grants, by ATS and outcome."},
};

const char *metrics_help(const char *name) {
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
        if (!strcmp(helps[i].name, name)) return helps[i].help;
    size_t n = strlen(name);
    static const char produce[] = "_produce_seconds"; /* produce_batch.h: atsb_<service>_produce_seconds */
    if (n > sizeof produce && !strcmp(name + n - (sizeof produce - 1), produce))
        return "Time from producing a batch of messages to Kafka's acknowledgement, by kind and result.";
    return "An atsbridge metric.";
}
