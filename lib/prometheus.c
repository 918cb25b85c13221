/* SPDX-License-Identifier: MIT */
/*
 * prometheus.c -- the run's summaries in the Prometheus text exposition
 * format: HELP and TYPE before each family, every sample of a family
 * together, label values escaped (\\, \", \n), latencies as summaries in
 * base units (seconds), undefined values left out rather than NaN.
 */
#include "sink.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "llmperf/report.h"
#include "llmperf/version.h"
#include "metrics_int.h"

/* Labels of one series: the group (absent for the whole run) and an
 * optional extra label. */
static void labels(struct llmperf__sink *s, const char *group,
                   const char *k, const char *v)
{
    int any = 0;

    if (group == NULL && k == NULL)
        return;
    llmperf__sink_put(s, "{", 1);
    if (group != NULL) {
        llmperf__sink_puts(s, "group=\"");
        llmperf__sink_prom_label(s, group);
        llmperf__sink_put(s, "\"", 1);
        any = 1;
    }
    if (k != NULL) {
        llmperf__sink_printf(s, "%s%s=\"", any ? "," : "", k);
        llmperf__sink_prom_label(s, v);
        llmperf__sink_put(s, "\"", 1);
    }
    llmperf__sink_put(s, "}", 1);
}

static void sample(struct llmperf__sink *s, const char *name,
                   const char *group, const char *k, const char *v,
                   double value)
{
    char num[40];

    llmperf__sink_puts(s, name);
    labels(s, group, k, v);
    llmperf__fmt_double(num, sizeof(num), value);
    llmperf__sink_printf(s, " %s\n", num);
}

static void family(struct llmperf__sink *s, const char *name,
                   const char *type, const char *help)
{
    llmperf__sink_printf(s, "# HELP %s ", name);
    llmperf__sink_prom_label(s, help); /* escapes \\ and \n as HELP wants */
    llmperf__sink_printf(s, "\n# TYPE %s %s\n", name, type);
}

/* Scope i: 0 is the whole run (no group label), i > 0 group i - 1. */
static const char *scope(const llmperf_metrics *m, size_t i)
{
    return i == 0 ? NULL : m->g[i - 1]->name;
}

static const struct {
    const char *name, *help;
    int which;
    double scale;
} gauges[] = {
    {"llmperf_duration_seconds",
     "Time from the first request sent to the last response completed.",
     LLMPERF_RUN_DURATION_NS, 1e-9},
    {"llmperf_request_throughput",
     "Completed requests per second of duration.",
     LLMPERF_RUN_REQUEST_THROUGHPUT, 1},
    {"llmperf_request_goodput",
     "Completed requests meeting every SLO, per second of duration.",
     LLMPERF_RUN_REQUEST_GOODPUT, 1},
    {"llmperf_output_throughput_tokens",
     "Output tokens of completed requests per second of duration.",
     LLMPERF_RUN_OUTPUT_THROUGHPUT, 1},
    {"llmperf_total_token_throughput_tokens",
     "Input plus output tokens of completed requests per second.",
     LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT, 1},
    {"llmperf_input_tokens", "Prompt tokens of completed requests.",
     LLMPERF_RUN_TOTAL_INPUT_TOKENS, 1},
    {"llmperf_output_tokens", "Output tokens of completed requests.",
     LLMPERF_RUN_TOTAL_OUTPUT_TOKENS, 1},
};

static const struct {
    const char *name, *help;
    int field;
} lat[] = {
    {"llmperf_ttft_seconds",
     "Time to first token of completed requests.", LLMPERF_RESULT_TTFT_NS},
    {"llmperf_tpot_seconds",
     "Time per output token after the first, per completed request.",
     LLMPERF_RESULT_TPOT_NS},
    {"llmperf_itl_seconds",
     "Inter-token latency: gaps between content chunks, pooled.",
     LLMPERF_METRICS_ITL_NS},
    {"llmperf_e2e_seconds", "End-to-end latency of completed requests.",
     LLMPERF_RESULT_E2E_NS},
    {"llmperf_output_tokens_per_second",
     "Decode throughput of each completed request (output_tps).",
     LLMPERF_RESULT_OUTPUT_TPS},
};

static int render(struct llmperf__sink *s, const void *ctx)
{
    const llmperf_metrics *m = ctx;
    size_t ns = m->groups.n + 1;
    const char *v, *cls;
    double x, cnt, mean;
    int64_t n;
    char q[40];

    family(s, "llmperf_info", "gauge",
           "Description of the run; the value is always 1.");
    llmperf__sink_printf(s, "llmperf_info{version=\"%s\"",
                         llmperf_version_string());
    {
        static const struct {
            const char *label;
            int key;
        } info[] = {{"backend", LLMPERF_INFO_BACKEND},
                    {"model", LLMPERF_INFO_MODEL},
                    {"base_url", LLMPERF_INFO_URL},
                    {"host", LLMPERF_INFO_HOST},
                    {"start_time", LLMPERF_INFO_START_TIME}};

        for (size_t i = 0; i < LLMPERF__ARRAY_LEN(info); i++)
            if (llmperf_metrics_get_info(m, info[i].key, &v) == LLMPERF_OK) {
                llmperf__sink_printf(s, ",%s=\"", info[i].label);
                llmperf__sink_prom_label(s, v);
                llmperf__sink_put(s, "\"", 1);
            }
    }
    llmperf__sink_puts(s, "} 1\n");

    family(s, "llmperf_requests", "gauge",
           "Requests by outcome (completed or failed).");
    for (size_t i = 0; i < ns; i++) {
        if (llmperf_metrics_run_stat(m, scope(m, i), LLMPERF_RUN_COMPLETED,
                                     &x) == LLMPERF_OK)
            sample(s, "llmperf_requests", scope(m, i), "outcome", "completed",
                   x);
        if (llmperf_metrics_run_stat(m, scope(m, i), LLMPERF_RUN_FAILED,
                                     &x) == LLMPERF_OK)
            sample(s, "llmperf_requests", scope(m, i), "outcome", "failed", x);
    }
    family(s, "llmperf_failed_requests", "gauge",
           "Failed requests by error class.");
    for (size_t i = 0; i < ns; i++)
        for (size_t k = 0; llmperf_metrics_error_class(m, scope(m, i), k, &cls,
                                                       &n) == LLMPERF_OK;
             k++)
            sample(s, "llmperf_failed_requests", scope(m, i), "error_class",
                   cls, (double)n);

    for (size_t f = 0; f < LLMPERF__ARRAY_LEN(gauges); f++) {
        family(s, gauges[f].name, "gauge", gauges[f].help);
        for (size_t i = 0; i < ns; i++)
            if (llmperf_metrics_run_stat(m, scope(m, i), gauges[f].which,
                                         &x) == LLMPERF_OK)
                sample(s, gauges[f].name, scope(m, i), NULL, NULL,
                       x * gauges[f].scale);
    }

    for (size_t f = 0; f < LLMPERF__ARRAY_LEN(lat); f++) {
        double scale = lat[f].field == LLMPERF_RESULT_OUTPUT_TPS ? 1 : 1e-9;
        char sum[96], count[96];

        snprintf(sum, sizeof(sum), "%s_sum", lat[f].name);
        snprintf(count, sizeof(count), "%s_count", lat[f].name);
        family(s, lat[f].name, "summary", lat[f].help);
        for (size_t i = 0; i < ns; i++) {
            const char *g = scope(m, i);

            if (llmperf_metrics_stat(m, g, lat[f].field, LLMPERF_STAT_COUNT,
                                     &cnt) != LLMPERF_OK ||
                cnt == 0)
                continue;
            for (size_t k = 0; k < m->n_pct; k++)
                if (llmperf_metrics_percentile(m, g, lat[f].field, m->pct[k],
                                               &x) == LLMPERF_OK) {
                    llmperf__fmt_double(q, sizeof(q), m->pct[k] / 100.0);
                    sample(s, lat[f].name, g, "quantile", q, x * scale);
                }
            if (llmperf_metrics_stat(m, g, lat[f].field, LLMPERF_STAT_MEAN,
                                     &mean) == LLMPERF_OK)
                sample(s, sum, g, NULL, NULL, mean * cnt * scale);
            sample(s, count, g, NULL, NULL, cnt);
        }
    }
    return s->status;
}

LLMPERF_API int llmperf_report_prometheus(const llmperf_metrics *m,
                                          llmperf_write_cb cb,
                                          void *userdata)
{
    if (m == NULL || cb == NULL)
        return LLMPERF_EINVAL;
    return llmperf__render_cb(render, m, cb, userdata);
}

LLMPERF_API int llmperf_report_prometheus_file(const llmperf_metrics *m,
                                               const char *path,
                                               char *errbuf, size_t errlen)
{
    if (m == NULL || path == NULL)
        return LLMPERF_EINVAL;
    return llmperf__write_file_atomic(path, render, m, errbuf, errlen);
}

LLMPERF_API int llmperf_report_prometheus_buf(const llmperf_metrics *m,
                                              char *buf, size_t cap,
                                              size_t *needed)
{
    if (m == NULL)
        return LLMPERF_EINVAL;
    return llmperf__render_buf(render, m, buf, cap, needed);
}
