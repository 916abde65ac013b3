#include "notify.h"

#include "events.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* Claims the hourly slot for (account, class). 1 claimed, 0 taken, -1 error. */
static int claim(PGconn *c, const char *account, const char *cls) {
    const char *p[] = {account, cls};
    PGresult *r = pg_exec(c,
                          "INSERT INTO delivery.notifications AS n (account_id, error_class, last_sent_at)"
                          " VALUES ($1, $2, now()) ON CONFLICT (account_id, error_class) DO UPDATE"
                          " SET last_sent_at = now(), sent_count = n.sent_count + 1"
                          " WHERE n.last_sent_at <= now() - interval '1 hour' RETURNING 1",
                          2, p);
    int rc = !pg_ok(r) ? -1 : PQntuples(r) == 1 ? 1 : 0;
    PQclear(r);
    return rc;
}

int notify_error(PGconn *c, const account *a, const char *error_class, const char *error_code,
                 const char *message, const char *application_id, int timeout_ms) {
    if (!a->notification_url || !*a->notification_url) return 0;
    int claimed = claim(c, a->account_id, error_class);
    if (claimed <= 0) return claimed;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", json_object_new_string(a->account_id));
    json_object_object_add(o, "error_class", json_object_new_string(error_class));
    json_object_object_add(o, "error_code", json_object_new_string(error_code ? error_code : ""));
    json_object_object_add(o, "message", json_object_new_string(message ? message : ""));
    if (application_id && *application_id)
        json_object_object_add(o, "application_id", json_object_new_string(application_id));
    json_object_object_add(o, "connection", json_object_new_string(a->connection_name));
    json_object_object_add(o, "ats", json_object_new_string(a->ats));
    json_object_object_add(o, "at_ms", json_object_new_int64(events_now_ms()));
    const char *body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    http_result res;
    int rc = http_client_request("POST", a->notification_url, headers, body, strlen(body), timeout_ms, &res);
    int ok = rc == 0 && res.status >= 200 && res.status < 300;
    char labels[160];
    snprintf(labels, sizeof labels, "class=\"%s\",outcome=\"%s\"", error_class, ok ? "sent" : "failed");
    metrics_counter_add("atsb_delivery_notifications_total", labels, 1);
    if (!ok) log_warn("notification not delivered", "account", a->account_id, "class", error_class);
    else log_info("notification sent", "account", a->account_id, "class", error_class);
    http_result_free(&res);
    json_object_put(o);
    return ok ? 1 : -1;
}
