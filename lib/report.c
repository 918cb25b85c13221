/* SPDX-License-Identifier: MIT */
/*
 * report.c -- the HTML report: one self-contained page (inline CSS and
 * SVG, no script, no network) with the run description, summary tables,
 * latency CDFs, box plots, scatter plots with least-squares lines, sweep
 * charts and the statistical tests in plain words. Statistics come from
 * the accumulator over every value; only the points drawn are thinned.
 * The charts are in report_charts.c.
 */
#include "sink.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llmperf/report.h"
#include "llmperf/stats.h"
#include "llmperf/version.h"
#include "metrics_int.h"
#include "report_int.h"
#include "svg.h"

#define ALPHA 0.05

/* ---- formatting ------------------------------------------------------ */

/* A table number: about three significant digits, "–" when undefined. */
static void fmt_num(char *b, size_t len, int ok, double v)
{
    double a = fabs(v);

    if (!ok || !isfinite(v))
        snprintf(b, len, "\xe2\x80\x93");
    else if (a >= 100.0 || a == 0.0)
        snprintf(b, len, "%.0f", v);
    else if (a >= 10.0)
        snprintf(b, len, "%.1f", v);
    else if (a >= 1.0)
        snprintf(b, len, "%.2f", v);
    else
        snprintf(b, len, "%.3g", v);
}

static void fmt_p(char *b, size_t len, double p)
{
    if (p == 0.0) /* below the smallest double: say so, not "0" */
        snprintf(b, len, "&lt;1e-300");
    else if (p < 0.001)
        snprintf(b, len, "%.2g", p);
    else
        snprintf(b, len, "%.3f", p);
}

static void td_num(struct llmperf__sink *s, int ok, double v, double scale)
{
    char b[48];

    fmt_num(b, sizeof(b), ok, v * scale);
    llmperf__sink_printf(s, "<td class=\"n\">%s</td>", b);
}

static void td_text(struct llmperf__sink *s, const char *t)
{
    llmperf__sink_puts(s, "<td>");
    llmperf__sink_html(s, t);
    llmperf__sink_puts(s, "</td>");
}

static const char *gname(const llmperf_metrics *m, size_t i)
{
    return m->g[i]->name;
}

/* ---- page parts ------------------------------------------------------ */

static const char css[] =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
    "margin:24px;color:#222;background:#fafafa;max-width:1500px}"
    "h1{font-size:24px;margin:0 0 8px}h2{font-size:19px;margin:28px 0 10px;"
    "border-bottom:1px solid #ccc;padding-bottom:4px}"
    "h3{font-size:15px;margin:18px 0 6px}"
    "table{border-collapse:collapse;font-size:12px;margin:6px 0 12px;"
    "background:#fff}"
    "th,td{border:1px solid #d4d4d4;padding:3px 7px;text-align:left;"
    "vertical-align:top}th{background:#eef1f5}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td:first-child{max-width:260px;overflow-wrap:anywhere}"
    "tr:nth-child(even) td{background:#f7f7f7}"
    ".charts{display:flex;flex-wrap:wrap;gap:14px}"
    ".charts svg{max-width:100%;height:auto;border:1px solid #ddd;"
    "background:#fff}"
    ".meta td:first-child{font-weight:bold}"
    ".note{color:#555;font-size:13px}"
    ".verdict{margin:4px 0;font-size:14px}"
    ".sig{color:#9c1c1c;font-weight:bold}.ns{color:#2b6b2b}"
    ".wrap{overflow-x:auto}";

static void meta_row(struct llmperf__sink *s, const char *k, const char *v)
{
    llmperf__sink_puts(s, "<tr><td>");
    llmperf__sink_html(s, k);
    llmperf__sink_puts(s, "</td>");
    td_text(s, v != NULL ? v : "\xe2\x80\x93");
    llmperf__sink_puts(s, "</tr>\n");
}

static void section_meta(struct llmperf__sink *s, const llmperf_metrics *m)
{
    static const struct {
        const char *label;
        int key;
    } info[] = {{"Started", LLMPERF_INFO_START_TIME},
                {"Backend", LLMPERF_INFO_BACKEND},
                {"Model", LLMPERF_INFO_MODEL},
                {"Server", LLMPERF_INFO_URL},
                {"Host", LLMPERF_INFO_HOST},
                {"Parameters", LLMPERF_INFO_PARAMS}};
    static const char *const slo_name[] = {"TTFT", "TPOT", "E2E"};
    char buf[256];
    size_t o = 0;

    llmperf__sink_puts(s, "<table class=\"meta\">\n");
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(info); i++) {
        const char *v = NULL;

        llmperf_metrics_get_info(m, info[i].key, &v);
        meta_row(s, info[i].label, v);
    }
    for (int i = 0; i < 3; i++)
        if (m->has_slo[i] && o < sizeof(buf))
            o += (size_t)snprintf(buf + o, sizeof(buf) - o,
                                  "%s%s \xe2\x89\xa4 %g ms",
                                  o ? ", " : "", slo_name[i],
                                  (double)m->slo[i] * 1e-6);
    meta_row(s, "Goodput SLOs", o ? buf : "none set");
    meta_row(s, "libllmperf", llmperf_version_string());
    llmperf__sink_puts(s, "</table>\n");
}

static void summary_row(struct llmperf__sink *s, const llmperf_metrics *m,
                        const char *g, const char *label)
{
    static const int runs[] = {
        LLMPERF_RUN_REQUESTS, LLMPERF_RUN_COMPLETED, LLMPERF_RUN_FAILED,
        LLMPERF_RUN_DURATION_NS, LLMPERF_RUN_REQUEST_THROUGHPUT,
        LLMPERF_RUN_OUTPUT_THROUGHPUT, LLMPERF_RUN_REQUEST_GOODPUT};
    static const double pq[] = {50, 90, 99};
    double v;
    const char *param;
    char b[64];

    llmperf__sink_puts(s, "<tr>");
    td_text(s, label);
    if (g != NULL &&
        llmperf_metrics_get_sweep(m, g, &param, &v, NULL) == LLMPERF_OK) {
        llmperf__fmt_double(b, sizeof(b), v);
        llmperf__sink_puts(s, "<td>");
        llmperf__sink_html(s, param);
        llmperf__sink_printf(s, "=%s</td>", b);
    } else {
        llmperf__sink_puts(s, "<td></td>");
    }
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(runs); i++) {
        int ok = llmperf_metrics_run_stat(m, g, runs[i], &v) == LLMPERF_OK;

        if (ok && i < 3) /* counts */
            llmperf__sink_printf(s, "<td class=\"n\">%.0f</td>", v);
        else
            td_num(s, ok, v, runs[i] == LLMPERF_RUN_DURATION_NS ? 1e-9 : 1);
    }
    for (size_t f = 0; f < LLMPERF__REPORT_NLAT; f++)
        for (size_t q = 0; q < LLMPERF__ARRAY_LEN(pq); q++) {
            int ok = llmperf_metrics_percentile(m, g, LAT[f].field, pq[q],
                                                &v) == LLMPERF_OK;

            td_num(s, ok, v, 1e-6);
        }
    {
        /* Read v only after the call that sets it. */
        int ok = llmperf_metrics_stat(m, g, LLMPERF_RESULT_OUTPUT_TPS,
                                      LLMPERF_STAT_MEDIAN, &v) == LLMPERF_OK;

        td_num(s, ok, v, 1);
    }
    llmperf__sink_puts(s, "</tr>\n");
}

static void section_summary(struct llmperf__sink *s, const llmperf_metrics *m)
{
    llmperf__sink_puts(
        s, "<h2>Summary</h2>\n<div class=\"wrap\"><table>\n<tr>"
           "<th rowspan=\"2\">Group</th><th rowspan=\"2\">Sweep</th>"
           "<th rowspan=\"2\">Requests</th><th rowspan=\"2\">OK</th>"
           "<th rowspan=\"2\">Failed</th><th rowspan=\"2\">Duration (s)</th>"
           "<th rowspan=\"2\">Requests/s</th>"
           "<th rowspan=\"2\">Output tokens/s</th>"
           "<th rowspan=\"2\">Goodput (req/s)</th>"
           "<th colspan=\"3\">TTFT (ms)</th><th colspan=\"3\">TPOT (ms)</th>"
           "<th colspan=\"3\">ITL (ms)</th><th colspan=\"3\">E2E (ms)</th>"
           "<th rowspan=\"2\">Median decode tokens/s</th></tr>\n<tr>");
    for (int i = 0; i < 4; i++)
        llmperf__sink_puts(s, "<th>p50</th><th>p90</th><th>p99</th>");
    llmperf__sink_puts(s, "</tr>\n");
    for (size_t i = 0; i < m->groups.n; i++)
        summary_row(s, m, gname(m, i), gname(m, i));
    if (m->groups.n > 1)
        summary_row(s, m, NULL, "All groups");
    llmperf__sink_puts(s, "</table></div>\n");
    llmperf__sink_puts(s,
                       "<p class=\"note\">Latencies over successful requests "
                       "only; duration runs from the first request sent to "
                       "the last response completed; ITL pools the gaps "
                       "between content chunks of every request (vLLM's "
                       "definition).</p>\n");
}

static void section_errors(struct llmperf__sink *s, const llmperf_metrics *m)
{
    const char *cls;
    int64_t n;
    int any = 0;

    for (size_t i = 0; i < m->groups.n; i++)
        for (size_t k = 0; llmperf_metrics_error_class(m, gname(m, i), k, &cls,
                                                       &n) == LLMPERF_OK;
             k++) {
            if (!any)
                llmperf__sink_puts(s, "<h2>Failures</h2>\n<table><tr>"
                                      "<th>Group</th><th>Error class</th>"
                                      "<th>Requests</th></tr>\n");
            any = 1;
            llmperf__sink_puts(s, "<tr>");
            td_text(s, gname(m, i));
            td_text(s, cls);
            llmperf__sink_printf(s, "<td class=\"n\">%lld</td></tr>\n",
                                 (long long)n);
        }
    if (any)
        llmperf__sink_puts(s, "</table>\n");
}

/* ---- statistics in words ------------------------------------------------ */

static const struct {
    const char *name;
    int field;
} tested[] = {
    {"TTFT", LLMPERF_RESULT_TTFT_NS},
    {"TPOT", LLMPERF_RESULT_TPOT_NS},
    {"E2E latency", LLMPERF_RESULT_E2E_NS},
    {"Decode throughput (output_tps)", LLMPERF_RESULT_OUTPUT_TPS},
};

static void section_tests(struct llmperf__sink *s, const llmperf_metrics *m)
{
    size_t ng = m->groups.n;
    char ps[32];
    double h, p;

    llmperf__sink_puts(s, "<h2>Statistical tests</h2>\n");
    if (ng < 2) {
        llmperf__sink_puts(s, "<p class=\"note\">Tests across groups need at "
                              "least two groups.</p>\n");
        return;
    }
    llmperf__sink_printf(s, "<h3>Across all %zu groups (Kruskal-Wallis, "
                            "\xce\xb1 = %.2f)</h3>\n",
                         ng, ALPHA);
    for (size_t t = 0; t < LLMPERF__ARRAY_LEN(tested); t++) {
        int rc = llmperf_metrics_kruskal(m, tested[t].field, &h, &p);

        llmperf__sink_puts(s, "<p class=\"verdict\">");
        if (rc != LLMPERF_OK) {
            llmperf__sink_printf(s, "%s: not enough data to compare groups "
                                    "(%s).</p>\n",
                                 tested[t].name, llmperf_strerror(rc));
            continue;
        }
        fmt_p(ps, sizeof(ps), p);
        if (p < ALPHA)
            llmperf__sink_printf(s, "<span class=\"sig\">%s differs "
                                    "significantly across groups</span> "
                                    "(Kruskal-Wallis H=%.3g, p=%s).</p>\n",
                                 tested[t].name, h, ps);
        else
            llmperf__sink_printf(s, "<span class=\"ns\">No significant "
                                    "difference in %s across groups</span> "
                                    "(Kruskal-Wallis H=%.3g, p=%s).</p>\n",
                                 tested[t].name, h, ps);
    }

    /* Each group against the first: effect size with a CI and a p. */
    llmperf__sink_puts(s, "<h3>Each group against the first (\xe2\x80\x9c");
    llmperf__sink_html(s, gname(m, 0));
    llmperf__sink_puts(
        s, "\xe2\x80\x9d): ratio of medians with a 95% bootstrap confidence "
           "interval, Mann-Whitney U test</h3>\n<div class=\"wrap\"><table>"
           "<tr><th>Group</th><th>Metric</th><th>Median (first)</th>"
           "<th>Median (group)</th><th>Ratio</th><th>95% CI</th>"
           "<th>Mann-Whitney p</th><th>Verdict</th></tr>\n");
    for (size_t i = 1; i < ng; i++)
        for (size_t t = 0; t < LLMPERF__ARRAY_LEN(tested); t++) {
            double ma, mb, ratio, lo, hi, u, na, nb;
            size_t res;
            int okr, okm;
            const char *unit = tested[t].field == LLMPERF_RESULT_OUTPUT_TPS
                                   ? " tok/s"
                                   : " ms";
            double sc = tested[t].field == LLMPERF_RESULT_OUTPUT_TPS ? 1 : 1e-6;
            char a[48], b[48], r[48], ci[96];

            if (llmperf_metrics_stat(m, gname(m, 0), tested[t].field,
                                     LLMPERF_STAT_MEDIAN, &ma) != LLMPERF_OK ||
                llmperf_metrics_stat(m, gname(m, i), tested[t].field,
                                     LLMPERF_STAT_MEDIAN, &mb) != LLMPERF_OK)
                continue;
            llmperf_metrics_stat(m, gname(m, 0), tested[t].field,
                                 LLMPERF_STAT_COUNT, &na);
            llmperf_metrics_stat(m, gname(m, i), tested[t].field,
                                 LLMPERF_STAT_COUNT, &nb);
            /* Resamples bounded in total work: 1,000 for up to 20,000
             * values, fewer (at least 100) above; every value is used. */
            res = (size_t)fmax(100.0, fmin(1000.0, 2e7 / (na + nb)));
            okr = llmperf_metrics_median_ratio(m, tested[t].field, gname(m, 0),
                                               gname(m, i), 0.95, res, 1,
                                               &ratio, &lo, &hi) == LLMPERF_OK;
            okm = llmperf_metrics_mannwhitney(m, tested[t].field, gname(m, 0),
                                              gname(m, i), &u, &p) ==
                  LLMPERF_OK;
            llmperf__sink_puts(s, "<tr>");
            td_text(s, gname(m, i));
            td_text(s, tested[t].name);
            fmt_num(a, sizeof(a), 1, ma * sc);
            fmt_num(b, sizeof(b), 1, mb * sc);
            llmperf__sink_printf(s, "<td class=\"n\">%s%s</td>"
                                    "<td class=\"n\">%s%s</td>",
                                 a, unit, b, unit);
            fmt_num(r, sizeof(r), okr, ratio);
            if (okr)
                snprintf(ci, sizeof(ci), "%.3f \xe2\x80\x93 %.3f", lo, hi);
            else
                snprintf(ci, sizeof(ci), "\xe2\x80\x93");
            llmperf__sink_printf(s, "<td class=\"n\">%s</td>"
                                    "<td class=\"n\">%s</td>",
                                 okr ? r : "\xe2\x80\x93", ci);
            if (okm) {
                fmt_p(ps, sizeof(ps), p);
                llmperf__sink_printf(s, "<td class=\"n\">%s</td>", ps);
            } else {
                llmperf__sink_puts(s, "<td>\xe2\x80\x93</td>");
            }
            llmperf__sink_puts(s, "<td>");
            if (okm && okr && p < ALPHA && (lo > 1.0 || hi < 1.0))
                llmperf__sink_printf(s, "<span class=\"sig\">%s by %.0f%%, "
                                        "significant</span>",
                                     ratio > 1.0 ? "higher" : "lower",
                                     fabs(ratio - 1.0) * 100.0);
            else if (okm)
                llmperf__sink_puts(s, "<span class=\"ns\">no significant "
                                      "difference</span>");
            else
                llmperf__sink_puts(s, "not enough data");
            llmperf__sink_puts(s, "</td></tr>\n");
        }
    llmperf__sink_puts(s, "</table></div>\n");
}

static void section_correlations(struct llmperf__sink *s,
                                 const llmperf_metrics *m)
{
    static const struct {
        int x, y;
        const char *xs, *ys;
    } pairs[] = {
        {LLMPERF_RESULT_PROMPT_TOKENS, LLMPERF_RESULT_TTFT_NS,
         "prompt tokens", "TTFT"},
        {LLMPERF_RESULT_OUTPUT_TOKENS, LLMPERF_RESULT_E2E_NS,
         "output tokens", "E2E latency"},
        {LLMPERF_RESULT_PROMPT_TOKENS, LLMPERF_RESULT_OUTPUT_TPS,
         "prompt tokens", "decode throughput"},
    };
    char ps[32], ps2[32];

    llmperf__sink_puts(s, "<h3>Correlations within each group</h3>\n"
                          "<div class=\"wrap\"><table><tr><th>Group</th>"
                          "<th>Pair</th><th>n</th><th>Pearson r</th><th>p</th>"
                          "<th>Spearman \xcf\x81</th><th>p</th>"
                          "<th>In words</th></tr>\n");
    for (size_t i = 0; i < m->groups.n; i++)
        for (size_t k = 0; k < LLMPERF__ARRAY_LEN(pairs); k++) {
            double r, p, rho, p2, n;
            int okp = llmperf_metrics_pearson(m, gname(m, i), pairs[k].x,
                                              pairs[k].y, &r, &p) ==
                      LLMPERF_OK;
            int oks = llmperf_metrics_spearman(m, gname(m, i), pairs[k].x,
                                               pairs[k].y, &rho, &p2) ==
                      LLMPERF_OK;

            if (!okp && !oks)
                continue;
            llmperf_metrics_stat(m, gname(m, i), pairs[k].y,
                                 LLMPERF_STAT_COUNT, &n);
            llmperf__sink_puts(s, "<tr>");
            td_text(s, gname(m, i));
            llmperf__sink_printf(s, "<td>%s vs %s</td><td class=\"n\">%.0f"
                                    "</td>",
                                 pairs[k].ys, pairs[k].xs, n);
            fmt_p(ps, sizeof(ps), okp ? p : 1);
            fmt_p(ps2, sizeof(ps2), oks ? p2 : 1);
            if (okp)
                llmperf__sink_printf(s, "<td class=\"n\">%.3f</td>"
                                        "<td class=\"n\">%s</td>",
                                     r, ps);
            else
                llmperf__sink_puts(s, "<td>\xe2\x80\x93</td><td></td>");
            if (oks)
                llmperf__sink_printf(s, "<td class=\"n\">%.3f</td>"
                                        "<td class=\"n\">%s</td>",
                                     rho, ps2);
            else
                llmperf__sink_puts(s, "<td>\xe2\x80\x93</td><td></td>");
            if (okp && p < ALPHA)
                llmperf__sink_printf(s, "<td>%s %s with %s (%s, "
                                        "significant)</td></tr>\n",
                                     pairs[k].ys,
                                     r > 0 ? "rises" : "falls", pairs[k].xs,
                                     llmperf_stats_corr_strength(r));
            else
                llmperf__sink_printf(s, "<td>no significant linear relation "
                                        "to %s</td></tr>\n",
                                     pairs[k].xs);
        }
    llmperf__sink_puts(s, "</table></div>\n");
}

static int section_repeat(struct llmperf__sink *s, const llmperf_metrics *m)
{
    static const struct {
        int field;
        const char *name;
    } rf[] = {{LLMPERF_RESULT_TTFT_NS, "TTFT"},
              {LLMPERF_RESULT_E2E_NS, "E2E latency"},
              {LLMPERF_RESULT_OUTPUT_TPS, "Decode throughput"}};
    int any = 0;

    for (size_t i = 0; i < m->groups.n; i++)
        for (size_t k = 0; k < LLMPERF__ARRAY_LEN(rf); k++) {
            double n, med, p90, mx;
            size_t cnt;
            double *cv;

            if (llmperf_metrics_repeatability(m, gname(m, i), rf[k].field,
                                              LLMPERF_STAT_COUNT, &n) !=
                    LLMPERF_OK ||
                n == 0)
                continue;
            cv = llmperf__malloc((size_t)n * sizeof(*cv));
            if (cv == NULL)
                return LLMPERF_ENOMEM;
            llmperf_metrics_prompt_cvs(m, gname(m, i), rf[k].field, cv,
                                       (size_t)n, &cnt);
            llmperf_stats_percentile(cv, cnt, 50, &med);
            llmperf_stats_percentile(cv, cnt, 90, &p90);
            llmperf_stats_percentile(cv, cnt, 100, &mx);
            llmperf__free(cv);
            if (!any)
                llmperf__sink_puts(
                    s, "<h3>Repeatability: variation of each prompt across "
                       "its iterations</h3>\n<table><tr><th>Group</th>"
                       "<th>Metric</th><th>Prompts</th><th>Median CV</th>"
                       "<th>p90 CV</th><th>Worst CV</th><th>In words</th>"
                       "</tr>\n");
            any = 1;
            llmperf__sink_puts(s, "<tr>");
            td_text(s, gname(m, i));
            td_text(s, rf[k].name);
            llmperf__sink_printf(s, "<td class=\"n\">%zu</td>", cnt);
            td_num(s, 1, med, 1);
            td_num(s, 1, p90, 1);
            td_num(s, 1, mx, 1);
            llmperf__sink_printf(s, "<td>%s</td></tr>\n",
                                 med < 0.1   ? "very stable (CV &lt; 0.1)"
                                 : med < 0.3 ? "moderate variation"
                                             : "high variation (CV &gt; 0.3)");
        }
    if (any)
        llmperf__sink_puts(s, "</table>\n");
    return LLMPERF_OK;
}

/* ---- the page ----------------------------------------------------------- */

static int render(struct llmperf__sink *s, const void *ctx)
{
    const llmperf_metrics *m = ctx;
    struct llmperf__legend_item *legend = NULL;
    const char *title = "LLM inference benchmark";
    int rc;

    llmperf_metrics_get_info(m, LLMPERF_INFO_TITLE, &title);
    llmperf__sink_puts(s, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                          "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
                          "content=\"width=device-width\"/>\n<title>");
    llmperf__sink_html(s, title);
    llmperf__sink_printf(s, "</title>\n<style>%s</style>\n</head>\n<body>\n"
                            "<h1>",
                         css);
    llmperf__sink_html(s, title);
    llmperf__sink_puts(s, "</h1>\n");
    section_meta(s, m);
    if (m->groups.n == 0) {
        llmperf__sink_puts(s, "<p class=\"note\">No results.</p>\n");
        goto end;
    }
    section_summary(s, m);
    section_errors(s, m);
    if ((rc = llmperf__report_group_legend(m, &legend, 0)) != LLMPERF_OK)
        return rc;
    llmperf__sink_puts(s, "<h2>Latency distributions</h2>\n"
                          "<div class=\"charts\">\n");
    for (size_t f = 0; f < LLMPERF__REPORT_NLAT; f++)
        if ((rc = llmperf__report_cdf(s, m, f, legend)) != LLMPERF_OK)
            goto out;
    llmperf__sink_puts(s, "</div>\n<h2>Spread by group</h2>\n"
                          "<div class=\"charts\">\n");
    for (size_t f = 0; f < LLMPERF__REPORT_NLAT; f++)
        if ((rc = llmperf__report_box(s, m, f)) != LLMPERF_OK)
            goto out;
    llmperf__sink_puts(s, "</div>\n<p class=\"note\">Box: quartiles; "
                          "thick line: median; \xe2\x97\x87 mean; whiskers: "
                          "the furthest values within 1.5 IQR of the box."
                          "</p>\n<h2>Latency against request size</h2>\n"
                          "<div class=\"charts\">\n");
    if ((rc = llmperf__report_scatter(s, m, LLMPERF_RESULT_PROMPT_TOKENS,
                            LLMPERF_RESULT_TTFT_NS, 1e-6,
                            "TTFT vs prompt tokens", "prompt tokens",
                            "TTFT (ms)")) != LLMPERF_OK ||
        (rc = llmperf__report_scatter(s, m, LLMPERF_RESULT_OUTPUT_TOKENS,
                            LLMPERF_RESULT_E2E_NS, 1e-6,
                            "E2E latency vs output tokens", "output tokens",
                            "E2E latency (ms)")) != LLMPERF_OK ||
        (rc = llmperf__report_scatter(s, m, LLMPERF_RESULT_PROMPT_TOKENS,
                            LLMPERF_RESULT_OUTPUT_TPS, 1,
                            "Decode throughput vs prompt tokens",
                            "prompt tokens", "output tokens/s")) != LLMPERF_OK)
        goto out;
    llmperf__sink_puts(s, "</div>\n<p class=\"note\">Lines: least-squares fit "
                          "over all requests of the group; r: Pearson "
                          "correlation. At most 2,000 points are drawn.</p>\n");
    if ((rc = llmperf__report_sweeps(s, m)) != LLMPERF_OK)
        goto out;
    section_tests(s, m);
    section_correlations(s, m);
    if ((rc = section_repeat(s, m)) != LLMPERF_OK)
        goto out;
end:
    llmperf__sink_printf(s, "<p class=\"note\">Generated by libllmperf %s. "
                            "Self-contained: no script, no network.</p>\n"
                            "</body>\n</html>\n",
                         llmperf_version_string());
    rc = s->status;
out:
    llmperf__free(legend);
    return rc;
}

LLMPERF_API int llmperf_report_html(const llmperf_metrics *m,
                                    llmperf_write_cb cb, void *userdata)
{
    if (m == NULL || cb == NULL)
        return LLMPERF_EINVAL;
    return llmperf__render_cb(render, m, cb, userdata);
}

LLMPERF_API int llmperf_report_html_file(const llmperf_metrics *m,
                                         const char *path, char *errbuf,
                                         size_t errlen)
{
    if (m == NULL || path == NULL)
        return LLMPERF_EINVAL;
    return llmperf__write_file_atomic(path, render, m, errbuf, errlen);
}
