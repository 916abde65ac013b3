#include "kafka_conf.h"

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

const char *kafka_topic(const char *base, char *buf, size_t len) {
    snprintf(buf, len, "%s%s", config_str("ATSB_TOPIC_PREFIX", ""), base);
    return buf;
}

const char *kafka_group(const char *env, const char *dflt, char *buf, size_t len) {
    return kafka_topic(config_str(env, dflt), buf, len);
}

int kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                   size_t errlen) {
    char rerr[256];
    if (rd_kafka_conf_set(conf, name, value, rerr, sizeof rerr) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "kafka property %s: %s", name, rerr);
        return -1;
    }
    return 0;
}

/* Properties the delivery guarantees rest on (DESIGN.md): not overridable. */
static int fixed_property(const char *name) {
    static const char *const fixed[] = {"enable.idempotence", "acks", "enable.auto.offset.store",
                                        "group.id", "isolation.level", NULL};
    for (size_t i = 0; fixed[i]; i++)
        if (!strcmp(name, fixed[i])) return 1;
    return 0;
}

int kafka_conf_overrides(rd_kafka_conf_t *conf, char *err, size_t errlen) {
    static const char prefix[] = "ATSB_KAFKA_PROP_";
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, prefix, sizeof prefix - 1) != 0) continue;
        const char *kv = *e + sizeof prefix - 1;
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv || (size_t)(eq - kv) >= 128) continue;
        char name[128];
        size_t n = (size_t)(eq - kv);
        for (size_t i = 0; i < n; i++) name[i] = kv[i] == '_' ? '.' : (char)tolower((unsigned char)kv[i]);
        name[n] = '\0';
        if (fixed_property(name)) {
            snprintf(err, errlen, "kafka property %s is fixed by atsbridge (delivery guarantees)", name);
            return -1;
        }
        if (kafka_conf_set(conf, name, eq + 1, err, errlen)) return -1;
    }
    return 0;
}

rd_kafka_conf_t *kafka_conf_new(const char *client_id, char *err, size_t errlen) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (kafka_conf_set(conf, "bootstrap.servers", config_str("ATSB_KAFKA_BROKERS", "127.0.0.1:9092"),
                       err, errlen) ||
        kafka_conf_set(conf, "client.id", client_id, err, errlen) ||
        /* Small request/response traffic: Nagle would hold a produce
         * request back until the previous one is acknowledged. */
        kafka_conf_set(conf, "socket.nagle.disable", "true", err, errlen) ||
        kafka_conf_overrides(conf, err, errlen))
        goto fail;
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

const char *kafka_header(const rd_kafka_message_t *m, const char *name, char *buf, size_t len) {
    rd_kafka_headers_t *hdrs = NULL;
    const void *val = NULL;
    size_t size = 0;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return NULL;
    if (rd_kafka_header_get_last(hdrs, name, &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return NULL;
    if (len == 0) return NULL;
    if (size >= len) size = len - 1;
    if (size) memcpy(buf, val, size);
    buf[size] = '\0';
    return buf;
}
