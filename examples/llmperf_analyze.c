/* SPDX-License-Identifier: MIT */
/*
 * llmperf_analyze.c -- llmperf-analyze: the statistics of one or more
 * records.jsonl files (or result directories) as Markdown, JSON and the
 * HTML report: per-group latency and throughput tables, coefficients of
 * variation, correlations of latency with prompt and output length,
 * Kruskal-Wallis across groups and within-run repeatability. Every number
 * comes from the library's accumulator (llmperf/metrics.h); this file
 * only chooses what to show and formats it. docs/CLI.md is the manual.
 */
#include "progs_common.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The latency and throughput metrics every table lists. */
static const struct metric {
    const char *key;   /* JSON key and row label */
    const char *label; /* Markdown heading       */
    int field;
    const char *unit;
} metrics[] = {
    {"ttft", "TTFT (time to first token)", LLMPERF_RESULT_TTFT_NS, "ms"},
    {"itl", "ITL (inter-token latency, pooled gaps)", LLMPERF_METRICS_ITL_NS,
     "ms"},
    {"tpot", "TPOT (time per output token)", LLMPERF_RESULT_TPOT_NS, "ms"},
    {"e2el", "E2E (end-to-end latency)", LLMPERF_RESULT_E2E_NS, "ms"},
    {"output_tps", "Output throughput per request",
     LLMPERF_RESULT_OUTPUT_TPS, "tok/s"},
};
#define N_METRICS (sizeof(metrics) / sizeof(metrics[0]))

/* Correlations: length (x) against a latency (y). */
static const struct pair {
    const char *key;
    int x, y;
} pairs[] = {
    {"prompt_tokens~ttft", LLMPERF_RESULT_PROMPT_TOKENS,
     LLMPERF_RESULT_TTFT_NS},
    {"prompt_tokens~e2el", LLMPERF_RESULT_PROMPT_TOKENS,
     LLMPERF_RESULT_E2E_NS},
    {"prompt_tokens~tpot", LLMPERF_RESULT_PROMPT_TOKENS,
     LLMPERF_RESULT_TPOT_NS},
    {"output_tokens~e2el", LLMPERF_RESULT_OUTPUT_TOKENS,
     LLMPERF_RESULT_E2E_NS},
    {"output_tokens~ttft", LLMPERF_RESULT_OUTPUT_TOKENS,
     LLMPERF_RESULT_TTFT_NS},
    {"output_tokens~tpot", LLMPERF_RESULT_OUTPUT_TOKENS,
     LLMPERF_RESULT_TPOT_NS},
};
#define N_PAIRS (sizeof(pairs) / sizeof(pairs[0]))

static void usage(FILE *f)
{
    fprintf(f,
"usage: llmperf-analyze [options] RESULTS...\n"
"Statistics of one or more records.jsonl files or result directories.\n"
"\n"
"  --md FILE           write the Markdown report to FILE (default: stdout)\n"
"  --json FILE         also write the statistics as JSON\n"
"  --html FILE         also write the HTML report (charts and tests)\n"
"  --by-file           one group per input, named after it, instead of the\n"
"                      groups recorded in the files\n"
"  --percentiles LIST  percentiles listed (default 50,90,95,99)\n"
"  --help              this text\n"
"\n"
"Correlation strength, by |r|: < 0.1 negligible, < 0.3 weak, < 0.5\n"
"moderate, < 0.7 strong, otherwise very strong. Exit status: 0, 1 when an\n"
"input cannot be read, 2 bad usage.\n");
}

/* ---- output helpers ------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s != NULL && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", f);
    else
        fprintf(f, "%.17g", v);
}

/* Markdown cell text: '|' would end the cell. */
static void md_str(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
}

static void md_num(FILE *f, double v, int decimals)
{
    char b[64];

    fprintf(f, " %s |", prog_fmt(b, sizeof(b), v, decimals));
}

/* p-values are printed so that small ones stay readable. */
static void md_p(FILE *f, double p)
{
    if (isnan(p))
        fputs(" - |", f);
    else if (p < 1e-4)
        fprintf(f, " %.1e |", p);
    else
        fprintf(f, " %.4f |", p);
}

static int decimals_of(const struct metric *mt)
{
    return mt->field == LLMPERF_METRICS_ITL_NS ||
                   mt->field == LLMPERF_RESULT_TPOT_NS
               ? 3
               : 1;
}

/* ---- Markdown --------------------------------------------------------- */

static void md_metric_table(FILE *f, const llmperf_metrics *m,
                            const struct metric *mt, const double *q,
                            size_t nq, size_t ng)
{
    int d = decimals_of(mt);

    fprintf(f, "\n### %s, %s\n\n| group | n | mean | median | std | min "
               "| max |",
            mt->label, mt->unit);
    for (size_t k = 0; k < nq; k++)
        fprintf(f, " p%g |", q[k]);
    fputs("\n|---|--:|--:|--:|--:|--:|--:|", f);
    for (size_t k = 0; k < nq; k++)
        fputs("--:|", f);
    fputc('\n', f);
    for (size_t i = 0; i <= ng; i++) {
        const char *g = NULL;

        if (i == ng && ng < 2)
            break;
        if (i < ng)
            llmperf_metrics_group_name(m, i, &g);
        fputs("| ", f);
        if (g != NULL)
            md_str(f, g);
        else
            fputs("**all**", f);
        fputs(" |", f);
        md_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_COUNT), 0);
        md_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MEAN), d);
        md_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MEDIAN), d);
        md_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_STD), d);
        md_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MIN), d);
        md_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MAX), d);
        for (size_t k = 0; k < nq; k++)
            md_num(f, prog_pct(m, g, mt->field, q[k]), d);
        fputc('\n', f);
    }
}

static void write_markdown(FILE *f, const llmperf_metrics *m,
                           char *const *inputs, int n_inputs)
{
    const double *q = NULL;
    size_t nq = 0, ng = 0;

    llmperf_metrics_get_percentiles(m, &q, &nq);
    llmperf_metrics_group_count(m, &ng);
    fputs("# LLM inference benchmark analysis\n\nInputs:", f);
    for (int i = 0; i < n_inputs; i++)
        fprintf(f, " `%s`", inputs[i]);
    fprintf(f, " (%.0f requests, %zu group%s)\n",
            prog_run(m, NULL, LLMPERF_RUN_REQUESTS), ng, ng == 1 ? "" : "s");

    fputs("\n## Summary\n\n", f);
    prog_print_summary(f, m);

    fputs("\n## Throughput\n\n| group | completed | failed | duration s "
          "| req/s | output tok/s | total tok/s | output tokens |\n"
          "|---|--:|--:|--:|--:|--:|--:|--:|\n",
          f);
    for (size_t i = 0; i <= ng; i++) {
        const char *g = NULL;

        if (i == ng && ng < 2)
            break;
        if (i < ng)
            llmperf_metrics_group_name(m, i, &g);
        fputs("| ", f);
        if (g != NULL)
            md_str(f, g);
        else
            fputs("**all**", f);
        fputs(" |", f);
        md_num(f, prog_run(m, g, LLMPERF_RUN_COMPLETED), 0);
        md_num(f, prog_run(m, g, LLMPERF_RUN_FAILED), 0);
        md_num(f, prog_run(m, g, LLMPERF_RUN_DURATION_NS) / 1e9, 2);
        md_num(f, prog_run(m, g, LLMPERF_RUN_REQUEST_THROUGHPUT), 3);
        md_num(f, prog_run(m, g, LLMPERF_RUN_OUTPUT_THROUGHPUT), 1);
        md_num(f, prog_run(m, g, LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT), 1);
        md_num(f, prog_run(m, g, LLMPERF_RUN_TOTAL_OUTPUT_TOKENS), 0);
        fputc('\n', f);
    }

    fputs("\n## Latency per group\n", f);
    for (size_t k = 0; k < N_METRICS; k++)
        md_metric_table(f, m, &metrics[k], q, nq, ng);

    fputs("\n## Variability (coefficient of variation = std / mean)\n\n"
          "| group |",
          f);
    for (size_t k = 0; k < N_METRICS; k++)
        fprintf(f, " %s |", metrics[k].key);
    fputs("\n|---|", f);
    for (size_t k = 0; k < N_METRICS; k++)
        fputs("--:|", f);
    fputc('\n', f);
    for (size_t i = 0; i < ng; i++) {
        const char *g = NULL;

        llmperf_metrics_group_name(m, i, &g);
        fputs("| ", f);
        md_str(f, g);
        fputs(" |", f);
        for (size_t k = 0; k < N_METRICS; k++)
            md_num(f, prog_stat(m, g, metrics[k].field, LLMPERF_STAT_CV), 3);
        fputc('\n', f);
    }

    fputs("\n## Correlations with prompt and output length\n\n"
          "Pearson's r with its two-sided p, and Spearman's rho. Strength "
          "by |r|: < 0.1 negligible, < 0.3 weak, < 0.5 moderate, < 0.7 "
          "strong, else very strong.\n\n"
          "| group | pair | r | p | strength | rho | p (rho) |\n"
          "|---|---|--:|--:|---|--:|--:|\n",
          f);
    for (size_t i = 0; i <= ng; i++) {
        const char *g = NULL;

        if (i == ng && ng < 2)
            break;
        if (i < ng)
            llmperf_metrics_group_name(m, i, &g);
        for (size_t k = 0; k < N_PAIRS; k++) {
            double r = NAN, p = NAN, rho = NAN, prho = NAN;

            if (llmperf_metrics_pearson(m, g, pairs[k].x, pairs[k].y, &r,
                                        &p) != LLMPERF_OK)
                r = p = NAN;
            if (llmperf_metrics_spearman(m, g, pairs[k].x, pairs[k].y, &rho,
                                         &prho) != LLMPERF_OK)
                rho = prho = NAN;
            fputs("| ", f);
            if (g != NULL)
                md_str(f, g);
            else
                fputs("**all**", f);
            fprintf(f, " | %s |", pairs[k].key);
            md_num(f, r, 3);
            md_p(f, p);
            fprintf(f, " %s |", isnan(r) ? "undefined (constant or n < 3)"
                                         : llmperf_stats_corr_strength(r));
            md_num(f, rho, 3);
            md_p(f, prho);
            fputc('\n', f);
        }
    }

    fputs("\n## Differences between groups (Kruskal-Wallis)\n\n", f);
    if (ng < 2) {
        fputs("One group only: nothing to compare.\n", f);
    } else {
        fputs("| metric | H | p | verdict (alpha 0.05) |\n|---|--:|--:|---|\n",
              f);
        for (size_t k = 0; k < N_METRICS; k++) {
            double h, p;

            if (metrics[k].field == LLMPERF_METRICS_ITL_NS)
                continue; /* pooled gaps are not independent samples */
            fprintf(f, "| %s |", metrics[k].key);
            if (llmperf_metrics_kruskal(m, metrics[k].field, &h, &p) !=
                LLMPERF_OK) {
                fputs(" - | - | undefined |\n", f);
                continue;
            }
            md_num(f, h, 2);
            md_p(f, p);
            fprintf(f, " %s |\n",
                    p < 0.05 ? "groups differ"
                             : "no significant difference");
        }
    }

    fputs("\n## Within-run repeatability\n\nCV of each prompt's values "
          "across its iterations (prompts sent at least twice).\n\n"
          "| group | metric | prompts | median CV | max CV |\n"
          "|---|---|--:|--:|--:|\n",
          f);
    for (size_t i = 0; i < ng; i++) {
        const char *g = NULL;

        llmperf_metrics_group_name(m, i, &g);
        for (size_t k = 0; k < N_METRICS; k++) {
            double n = NAN, med = NAN, mx = NAN;

            if (metrics[k].field == LLMPERF_METRICS_ITL_NS)
                continue;
            if (llmperf_metrics_repeatability(m, g, metrics[k].field,
                                              LLMPERF_STAT_COUNT,
                                              &n) != LLMPERF_OK)
                n = 0;
            if (llmperf_metrics_repeatability(m, g, metrics[k].field,
                                              LLMPERF_STAT_MEDIAN,
                                              &med) != LLMPERF_OK)
                med = NAN;
            if (llmperf_metrics_repeatability(m, g, metrics[k].field,
                                              LLMPERF_STAT_MAX,
                                              &mx) != LLMPERF_OK)
                mx = NAN;
            fputs("| ", f);
            md_str(f, g);
            fprintf(f, " | %s |", metrics[k].key);
            md_num(f, n, 0);
            md_num(f, med, 3);
            md_num(f, mx, 3);
            fputc('\n', f);
        }
    }
}

/* ---- JSON ------------------------------------------------------------- */

static void json_group(FILE *f, const llmperf_metrics *m, const char *g,
                       const double *q, size_t nq)
{
    static const struct {
        const char *key;
        int which;
    } runs[] = {
        {"requests", LLMPERF_RUN_REQUESTS},
        {"completed", LLMPERF_RUN_COMPLETED},
        {"failed", LLMPERF_RUN_FAILED},
        {"duration_s", LLMPERF_RUN_DURATION_NS},
        {"request_throughput", LLMPERF_RUN_REQUEST_THROUGHPUT},
        {"output_throughput", LLMPERF_RUN_OUTPUT_THROUGHPUT},
        {"total_token_throughput", LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT},
        {"request_goodput", LLMPERF_RUN_REQUEST_GOODPUT},
    };

    fputs("{\"name\":", f);
    if (g != NULL)
        json_str(f, g);
    else
        fputs("null", f);
    for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
        double v = prog_run(m, g, runs[k].which);

        if (runs[k].which == LLMPERF_RUN_DURATION_NS)
            v /= 1e9;
        fprintf(f, ",\"%s\":", runs[k].key);
        json_num(f, v);
    }
    fputs(",\"metrics\":{", f);
    for (size_t k = 0; k < N_METRICS; k++) {
        const struct metric *mt = &metrics[k];

        fprintf(f, "%s\"%s\":{\"unit\":\"%s\",\"n\":", k ? "," : "",
                mt->key, mt->unit);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_COUNT));
        fputs(",\"mean\":", f);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MEAN));
        fputs(",\"median\":", f);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MEDIAN));
        fputs(",\"std\":", f);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_STD));
        fputs(",\"min\":", f);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MIN));
        fputs(",\"max\":", f);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_MAX));
        fputs(",\"cv\":", f);
        json_num(f, prog_stat(m, g, mt->field, LLMPERF_STAT_CV));
        fputs(",\"percentiles\":{", f);
        for (size_t j = 0; j < nq; j++) {
            fprintf(f, "%s\"%g\":", j ? "," : "", q[j]);
            json_num(f, prog_pct(m, g, mt->field, q[j]));
        }
        fputs("}", f);
        if (g != NULL && mt->field != LLMPERF_METRICS_ITL_NS) {
            double n = 0, med = NAN, mx = NAN;

            if (llmperf_metrics_repeatability(m, g, mt->field,
                                              LLMPERF_STAT_COUNT, &n))
                n = 0;
            if (llmperf_metrics_repeatability(m, g, mt->field,
                                              LLMPERF_STAT_MEDIAN, &med))
                med = NAN;
            if (llmperf_metrics_repeatability(m, g, mt->field,
                                              LLMPERF_STAT_MAX, &mx))
                mx = NAN;
            fputs(",\"repeatability\":{\"prompts\":", f);
            json_num(f, n);
            fputs(",\"median_cv\":", f);
            json_num(f, med);
            fputs(",\"max_cv\":", f);
            json_num(f, mx);
            fputs("}", f);
        }
        fputs("}", f);
    }
    fputs("},\"correlations\":{", f);
    for (size_t k = 0; k < N_PAIRS; k++) {
        double r = NAN, p = NAN, rho = NAN, prho = NAN;

        if (llmperf_metrics_pearson(m, g, pairs[k].x, pairs[k].y, &r, &p))
            r = p = NAN;
        if (llmperf_metrics_spearman(m, g, pairs[k].x, pairs[k].y, &rho,
                                     &prho))
            rho = prho = NAN;
        fprintf(f, "%s\"%s\":{\"r\":", k ? "," : "", pairs[k].key);
        json_num(f, r);
        fputs(",\"p\":", f);
        json_num(f, p);
        fputs(",\"strength\":", f);
        if (isnan(r))
            fputs("null", f);
        else
            json_str(f, llmperf_stats_corr_strength(r));
        fputs(",\"rho\":", f);
        json_num(f, rho);
        fputs(",\"p_rho\":", f);
        json_num(f, prho);
        fputs("}", f);
    }
    fputs("}}", f);
}

static void write_json(FILE *f, const llmperf_metrics *m)
{
    const double *q = NULL;
    size_t nq = 0, ng = 0;

    llmperf_metrics_get_percentiles(m, &q, &nq);
    llmperf_metrics_group_count(m, &ng);
    fputs("{\"overall\":", f);
    json_group(f, m, NULL, q, nq);
    fputs(",\"groups\":[", f);
    for (size_t i = 0; i < ng; i++) {
        const char *g = NULL;

        llmperf_metrics_group_name(m, i, &g);
        if (i)
            fputc(',', f);
        json_group(f, m, g, q, nq);
    }
    fputs("],\"kruskal_wallis\":{", f);
    for (size_t k = 0, first = 1; k < N_METRICS; k++) {
        double h = NAN, p = NAN;

        if (metrics[k].field == LLMPERF_METRICS_ITL_NS)
            continue;
        if (llmperf_metrics_kruskal(m, metrics[k].field, &h, &p))
            h = p = NAN;
        fprintf(f, "%s\"%s\":{\"h\":", first ? "" : ",", metrics[k].key);
        json_num(f, h);
        fputs(",\"p\":", f);
        json_num(f, p);
        fputs("}", f);
        first = 0;
    }
    fputs("}}\n", f);
}

/* ---- main ------------------------------------------------------------- */

static int write_to(const char *path, const llmperf_metrics *m,
                    void (*fn)(FILE *, const llmperf_metrics *))
{
    FILE *f = fopen(path, "w");
    int bad;

    if (f == NULL) {
        prog_err("%s: cannot write", path);
        return PROG_EXIT_FAIL;
    }
    fn(f, m);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        prog_err("%s: write failed", path);
        return PROG_EXIT_FAIL;
    }
    return PROG_EXIT_OK;
}

int main(int argc, char **argv)
{
    enum { O_MD = 256, O_JSON, O_HTML, O_BYFILE, O_PCT, O_HELP };
    static const struct option longopts[] = {
        {"md", required_argument, NULL, O_MD},
        {"json", required_argument, NULL, O_JSON},
        {"html", required_argument, NULL, O_HTML},
        {"by-file", no_argument, NULL, O_BYFILE},
        {"percentiles", required_argument, NULL, O_PCT},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0}};
    const char *md = NULL, *json = NULL, *html = NULL;
    double *pct = NULL;
    size_t n_pct = 0;
    int by_file = 0, c, ret = PROG_EXIT_OK;
    llmperf_metrics *m = NULL;

    prog_name = "llmperf-analyze";
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case O_MD:
            md = optarg;
            break;
        case O_JSON:
            json = optarg;
            break;
        case O_HTML:
            html = optarg;
            break;
        case O_BYFILE:
            by_file = 1;
            break;
        case O_PCT:
            free(pct);
            if (prog_parse_f64_list(optarg, 0, 100, &pct, &n_pct) ||
                n_pct > 32) {
                prog_err("invalid value '%s' for --percentiles: want up to "
                         "32 numbers in 0..100",
                         optarg);
                ret = PROG_EXIT_USAGE;
                goto out;
            }
            break;
        case O_HELP:
            usage(stdout);
            goto out;
        case ':':
            prog_err("option '%s' needs a value (try --help)",
                     argv[optind - 1]);
            ret = PROG_EXIT_USAGE;
            goto out;
        default:
            prog_err("unknown option '%s' (try --help)", argv[optind - 1]);
            ret = PROG_EXIT_USAGE;
            goto out;
        }
    }
    if (optind >= argc) {
        prog_err("no input: give records.jsonl files or result directories "
                 "(try --help)");
        ret = PROG_EXIT_USAGE;
        goto out;
    }
    if (llmperf_metrics_new(&m) != LLMPERF_OK ||
        (n_pct > 0 &&
         llmperf_metrics_set_percentiles(m, pct, n_pct) != LLMPERF_OK)) {
        prog_err("out of memory");
        ret = PROG_EXIT_FAIL;
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        size_t n = 0;

        ret = prog_read_records(m, argv[i], by_file ? argv[i] : NULL, &n);
        if (ret != PROG_EXIT_OK)
            goto out;
    }
    if (md != NULL) {
        FILE *f = fopen(md, "w");

        if (f == NULL) {
            prog_err("%s: cannot write", md);
            ret = PROG_EXIT_FAIL;
            goto out;
        }
        write_markdown(f, m, argv + optind, argc - optind);
        if (fclose(f) != 0) {
            prog_err("%s: write failed", md);
            ret = PROG_EXIT_FAIL;
            goto out;
        }
    } else {
        write_markdown(stdout, m, argv + optind, argc - optind);
    }
    if (json != NULL && write_to(json, m, write_json) != PROG_EXIT_OK) {
        ret = PROG_EXIT_FAIL;
        goto out;
    }
    if (html != NULL) {
        char err[512] = "";
        int rc = llmperf_report_html_file(m, html, err, sizeof(err));

        if (rc != LLMPERF_OK) {
            prog_err("%s: %s", html, *err ? err : llmperf_strerror(rc));
            ret = PROG_EXIT_FAIL;
        }
    }
out:
    llmperf_metrics_free(m);
    free(pct);
    return ret;
}
