#include "metrics.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(metrics, renders_counters_gauges_and_histograms) {
    metrics_counter_add("t_requests_total", "code=\"200\"", 1);
    metrics_counter_add("t_requests_total", "code=\"200\"", 2);
    metrics_gauge_set("t_lag", NULL, 5);
    metrics_observe("t_latency_seconds", "route=\"/x\"", 0.003);
    char *out = metrics_render();
    cr_assert_not_null(out);
    cr_assert(strstr(out, "# TYPE t_requests_total counter\n"));
    cr_assert(strstr(out, "t_requests_total{code=\"200\"} 3\n"));
    cr_assert(strstr(out, "t_lag{} 5\n"));
    cr_assert(strstr(out, "t_latency_seconds_bucket{route=\"/x\",le=\"0.0025\"} 0\n"));
    cr_assert(strstr(out, "t_latency_seconds_bucket{route=\"/x\",le=\"0.005\"} 1\n"));
    cr_assert(strstr(out, "t_latency_seconds_count{route=\"/x\"} 1\n"));
    free(out);
}

Test(metrics, type_line_once_per_name) {
    metrics_counter_add("t_multi_total", "a=\"1\"", 1);
    metrics_counter_add("t_multi_total", "a=\"2\"", 1);
    char *out = metrics_render();
    char *first = strstr(out, "# TYPE t_multi_total");
    cr_assert(first);
    cr_assert_null(strstr(first + 1, "# TYPE t_multi_total"));
    free(out);
}

Test(metrics, declared_family_shows_help_and_type_without_a_sample) {
    metrics_declare("t_declared_total", METRICS_COUNTER);
    metrics_declare("t_declared_total", METRICS_COUNTER); /* twice: once */
    char *out = metrics_render();
    cr_assert(strstr(out, "# TYPE t_declared_total counter\n"), "%s", out);
    cr_assert(strstr(out, "# HELP t_declared_total "), "%s", out);
    cr_assert_null(strstr(out, "t_declared_total{"), "%s", out);
    char *first = strstr(out, "# TYPE t_declared_total");
    cr_assert_null(strstr(first + 1, "# TYPE t_declared_total"));
    free(out);
    /* The first sample renders under the declaration, once. */
    metrics_counter_add("t_declared_total", "code=\"x\"", 2);
    metrics_declare("t_declared_total", METRICS_COUNTER);
    out = metrics_render();
    first = strstr(out, "# TYPE t_declared_total counter\nt_declared_total{code=\"x\"} 2\n");
    cr_assert(first, "%s", out);
    cr_assert_null(strstr(first + 1, "# TYPE t_declared_total"));
    free(out);
}

Test(metrics, declared_histogram_then_observed) {
    metrics_declare("t_decl_seconds", METRICS_HISTOGRAM);
    metrics_observe("t_decl_seconds", "", 0.2);
    char *out = metrics_render();
    cr_assert(strstr(out, "# TYPE t_decl_seconds histogram\nt_decl_seconds_bucket{le=\"0.001\"} 0\n"), "%s", out);
    cr_assert(strstr(out, "t_decl_seconds_count{} 1\n"), "%s", out);
    free(out);
}
