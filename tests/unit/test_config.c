#include "config.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(config, parses_integers_within_bounds) {
    int64_t v;
    cr_assert_eq(config_parse_int("42", 0, 100, &v), 0);
    cr_assert_eq(v, 42);
    cr_assert_eq(config_parse_int("-5", -10, 10, &v), 0);
    cr_assert_eq(v, -5);
}

Test(config, rejects_garbage_and_out_of_range) {
    int64_t v;
    cr_assert_eq(config_parse_int("", 0, 10, &v), -1);
    cr_assert_eq(config_parse_int("12abc", 0, 100, &v), -1);
    cr_assert_eq(config_parse_int("101", 0, 100, &v), -1);
    cr_assert_eq(config_parse_int("99999999999999999999999", 0, 100, &v), -1);
    cr_assert_eq(config_parse_int(NULL, 0, 100, &v), -1);
}

Test(config, defaults_when_unset_or_empty) {
    unsetenv("ATSB_T_UNSET");
    setenv("ATSB_T_EMPTY", "", 1);
    cr_assert_str_eq(config_str("ATSB_T_UNSET", "d"), "d");
    cr_assert_str_eq(config_str("ATSB_T_EMPTY", "d"), "d");
    cr_assert_eq(config_int("ATSB_T_UNSET", 7, 0, 10), 7);
    cr_assert_eq(config_bool("ATSB_T_EMPTY", true), true);
}

Test(config, reads_bool_and_addr) {
    setenv("ATSB_T_BOOL", "off", 1);
    cr_assert_eq(config_bool("ATSB_T_BOOL", true), false);
    setenv("ATSB_T_ADDR", "0.0.0.0:8081", 1);
    char host[64];
    int port;
    config_addr("ATSB_T_ADDR", "x", host, sizeof host, &port);
    cr_assert_str_eq(host, "0.0.0.0");
    cr_assert_eq(port, 8081);
}

Test(config, bad_int_exits_2, .exit_code = 2) {
    setenv("ATSB_T_BAD", "lots", 1);
    config_int("ATSB_T_BAD", 1, 0, 10);
}

Test(config, bad_bool_exits_2, .exit_code = 2) {
    setenv("ATSB_T_BAD", "maybe", 1);
    config_bool("ATSB_T_BAD", false);
}

Test(config, bad_addr_exits_2, .exit_code = 2) {
    setenv("ATSB_T_BAD", "localhost", 1);
    char host[64];
    int port;
    config_addr("ATSB_T_BAD", "x", host, sizeof host, &port);
}

/* Secrets: the development default only with ATSB_DEV=1. */
Test(config, secret_set_is_used_in_and_outside_development) {
    unsetenv("ATSB_DEV");
    setenv("ATSB_ADMIN_TOKEN", "a-real-token", 1);
    cr_assert_str_eq(config_secret("ATSB_ADMIN_TOKEN"), "a-real-token");
    setenv("ATSB_DEV", "1", 1);
    cr_assert_str_eq(config_secret("ATSB_ADMIN_TOKEN"), "a-real-token");
}

Test(config, secret_development_default_only_in_development) {
    setenv("ATSB_DEV", "1", 1);
    unsetenv("ATSB_PROVIDER_API_KEY");
    cr_assert_str_eq(config_secret("ATSB_PROVIDER_API_KEY"), config_secret_dev_default("ATSB_PROVIDER_API_KEY"));
    setenv("ATSB_PROVIDER_API_KEY", "dev-provider-key", 1);
    cr_assert_str_eq(config_secret("ATSB_PROVIDER_API_KEY"), "dev-provider-key");
    cr_assert(config_dev());
    setenv("ATSB_DEV", "0", 1);
    cr_assert(!config_dev());
    cr_assert_null(config_secret_dev_default("ATSB_LOG_LEVEL"));
}

Test(config, secret_unset_outside_development_exits_2, .exit_code = 2) {
    unsetenv("ATSB_DEV");
    setenv("ATSB_ADMIN_TOKEN", "", 1);
    config_secret("ATSB_ADMIN_TOKEN");
}

Test(config, secret_development_default_outside_development_exits_2, .exit_code = 2) {
    setenv("ATSB_DEV", "false", 1);
    setenv("ATSB_LEVER_CLIENT_SECRET", "ATSBRIDGE-DEV-SECRET", 1);
    config_secret("ATSB_LEVER_CLIENT_SECRET");
}

Test(config, unknown_secret_has_no_development_default, .exit_code = 2) {
    setenv("ATSB_DEV", "1", 1);
    unsetenv("ATSB_T_SECRET");
    config_secret("ATSB_T_SECRET");
}

Test(kafka_conf, overrides_win_except_the_guarantees) {
    char err[256], v[64];
    size_t len = sizeof v;
    rd_kafka_conf_t *conf = kafka_conf_new("t", err, sizeof err);
    cr_assert(conf, "%s", err);
    cr_assert_eq(kafka_conf_set(conf, "compression.type", "lz4", err, sizeof err), 0);
    setenv("ATSB_KAFKA_PROP_compression_type", "none", 1);
    cr_assert_eq(kafka_conf_overrides(conf, err, sizeof err), 0, "%s", err);
    cr_assert_eq(rd_kafka_conf_get(conf, "compression.type", v, &len), RD_KAFKA_CONF_OK);
    cr_assert_str_eq(v, "none");
    setenv("ATSB_KAFKA_PROP_enable_auto_offset_store", "true", 1);
    cr_assert_eq(kafka_conf_overrides(conf, err, sizeof err), -1);
    cr_assert(strstr(err, "enable.auto.offset.store is fixed"), "%s", err);
    unsetenv("ATSB_KAFKA_PROP_enable_auto_offset_store");
    unsetenv("ATSB_KAFKA_PROP_compression_type");
    rd_kafka_conf_destroy(conf);
}
