/* The background-check provider: our own small REST protocol
 * (docs/simulator.md): POST /orders {client_id, reference, package,
 * candidate, callback_url}
 * answers {order_id, ...}; the provider deduplicates by reference + package. */
#include "connector.h"

#include "parse.h"

#include <stdio.h>
#include <string.h>

int provider_order(cx_session *s, const char *client_id, const char *reference, const char *package,
                   const char *first_name, const char *last_name, const char *email, const char *callback_url,
                   char *order_id, size_t idlen, char *report_url, size_t urllen, cx_result *res) {
    json_object *o = json_object_new_object(), *cand = json_object_new_object();
    json_object_object_add(o, "client_id", json_object_new_string(client_id));
    json_object_object_add(o, "reference", json_object_new_string(reference));
    json_object_object_add(o, "package", json_object_new_string(package));
    json_object_object_add(cand, "first_name", json_object_new_string(first_name));
    json_object_object_add(cand, "last_name", json_object_new_string(last_name));
    json_object_object_add(cand, "email", json_object_new_string(email));
    json_object_object_add(o, "candidate", cand);
    if (callback_url && *callback_url) json_object_object_add(o, "callback_url", json_object_new_string(callback_url));
    http_result r;
    int rc = cx_send_json(s, "POST", "/orders", o, "create_order", &r, res);
    json_object_put(o);
    if (rc) return -1;
    rc = parse_provider_order_id(r.body, r.body_len, order_id, idlen);
    if (parse_json_path(r.body, r.body_len, "report_url", report_url, urllen) != 0 && urllen) report_url[0] = '\0';
    http_result_free(&r);
    if (rc) {
        cx_fail(res, FAIL_TRANSIENT, "bad_response", "order answer without order_id");
        return -1;
    }
    return 0;
}
