/* SPDX-License-Identifier: MIT */
/*
 * llmperf_compare.c -- llmperf-compare: is CANDIDATE faster or slower
 * than BASELINE? For each metric (TTFT, TPOT, ITL, E2E, output tokens/s
 * per request): the ratio of medians with a bootstrap 95% confidence
 * interval, the Mann-Whitney p-value and a verdict. With
 * --fail-if-slower PCT it exits with status 3 when a metric is
 * significantly slower by more than PCT percent: a CI gate. The tests
 * are the library's (llmperf/metrics.h, llmperf/stats.h); this file
 * reads the inputs, decides the verdict from the documented rule and
 * prints. docs/CLI.md is the manual.
 */
#include "progs_common.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_A "baseline"
#define GROUP_B "candidate"

/* ITL bootstrap work bound: resamples x gaps (pooled gaps can be many). */
#define ITL_WORK_MAX 40000000.0

static const struct cmp_metric {
    const char *key;
    const char *label;
    int field;               /* LLMPERF_METRICS_ITL_NS: pooled gaps */
    int higher_is_slower;    /* latencies 1, throughput 0           */
    const char *unit;
} cmp_metrics[] = {
    {"ttft", "TTFT", LLMPERF_RESULT_TTFT_NS, 1, "ms"},
    {"tpot", "TPOT", LLMPERF_RESULT_TPOT_NS, 1, "ms"},
    {"itl", "ITL", LLMPERF_METRICS_ITL_NS, 1, "ms"},
    {"e2el", "E2E", LLMPERF_RESULT_E2E_NS, 1, "ms"},
    {"output_tps", "output tok/s per request", LLMPERF_RESULT_OUTPUT_TPS, 0,
     "tok/s"},
};
#define N_CMP (sizeof(cmp_metrics) / sizeof(cmp_metrics[0]))

/* Pooled ITL gaps of one input, in ns. */
struct gaps {
    double *v;
    size_t n, cap;
};

struct side {
    llmperf_metrics *m;
    const char *group;
    struct gaps gaps;
    int oom;
};

struct row {
    double na, nb, med_a, med_b, ratio, lo, hi, p, slower_pct;
    const char *verdict;
    int significant, slower;
};

static void usage(FILE *f)
{
    fprintf(f,
"usage: llmperf-compare [options] BASELINE CANDIDATE\n"
"Compare two runs (records.jsonl files or result directories).\n"
"\n"
"  --alpha A            significance level (default 0.05)\n"
"  --fail-if-slower PCT exit with status 3 when a metric is significantly\n"
"                       slower by more than PCT percent (CI gate)\n"
"  --min-effect PCT     call differences smaller than PCT percent \"no\n"
"                       meaningful difference\" even when significant\n"
"                       (default 0)\n"
"  --resamples N        bootstrap resamples (default 2000)\n"
"  --seed N             bootstrap seed (default 1)\n"
"  --json FILE          also write the comparison as JSON\n"
"  --help               this text\n"
"\n"
"For ttft, tpot, itl, e2el (lower is better) and output_tps (per-request\n"
"decode speed, higher is better): ratio = median(candidate) /\n"
"median(baseline) with a percentile-bootstrap 95%% CI, and the two-sided\n"
"Mann-Whitney U p-value. A difference is significant when p < alpha AND\n"
"the CI excludes 1; the verdict is then faster or slower, otherwise no\n"
"significant difference. Exit status: 0, 1 unreadable input, 2 bad\n"
"usage, 3 regression beyond --fail-if-slower.\n");
}

/* Reader callback: the record goes to its side's group; successful
 * requests' chunk gaps are kept for the ITL comparison. */
static int add_record(const llmperf_record *rec, void *userdata)
{
    struct side *s = userdata;
    const llmperf_result *r = llmperf_record_result(rec);
    const int64_t *t = NULL;
    size_t n = 0;
    int64_t status = -1;
    int rc;

    rc = llmperf_metrics_add_prompt(s->m, r, s->group,
                                    llmperf_record_prompt_id(rec));
    if (rc != LLMPERF_OK)
        return rc == LLMPERF_ENOMEM ? rc : LLMPERF_EFORMAT;
    llmperf_result_get_i64(r, LLMPERF_RESULT_STATUS, &status);
    if (status != LLMPERF_OK ||
        llmperf_result_chunks(r, &t, NULL, &n) != LLMPERF_OK)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (s->gaps.n == s->gaps.cap) {
            size_t cap = s->gaps.cap ? 2 * s->gaps.cap : 1024;
            double *v = realloc(s->gaps.v, cap * sizeof(*v));

            if (v == NULL) {
                s->oom = 1;
                return LLMPERF_ENOMEM;
            }
            s->gaps.v = v;
            s->gaps.cap = cap;
        }
        s->gaps.v[s->gaps.n++] = (double)(t[i] - t[i - 1]);
    }
    return 0;
}

static int read_side(struct side *s, const char *path)
{
    char *file = prog_records_path(path);
    llmperf_reader *rd = NULL;
    size_t n = 0, bad = 0;
    int rc;

    if (file == NULL)
        return PROG_EXIT_FAIL;
    rc = llmperf_reader_new(&rd, LLMPERF_READ_SKIP_BAD);
    if (rc == LLMPERF_OK)
        rc = llmperf_reader_read_file(rd, file, add_record, s);
    if (rc == LLMPERF_OK)
        llmperf_reader_counts(rd, &n, &bad);
    if (rc != LLMPERF_OK)
        prog_err("%s: %s", file, *llmperf_reader_errmsg(rd)
                                     ? llmperf_reader_errmsg(rd)
                                     : llmperf_strerror(rc));
    else if (n == 0 && bad > 0)
        prog_err("%s: no records (%zu bad lines; the first: %s)", file, bad,
                 llmperf_reader_errmsg(rd));
    else if (n == 0)
        prog_err("%s: no records", file);
    else if (bad > 0)
        prog_err("%s: warning: %zu bad line(s) skipped (the first: %s)",
                 file, bad, llmperf_reader_errmsg(rd));
    llmperf_reader_free(rd);
    free(file);
    return rc == LLMPERF_OK && n > 0 ? PROG_EXIT_OK : PROG_EXIT_FAIL;
}

static double median_of(const double *v, size_t n)
{
    double out;

    if (n == 0 || llmperf_stats_percentile(v, n, 50, &out) != LLMPERF_OK)
        return NAN;
    return out;
}

static void compare_one(const llmperf_metrics *m, const struct cmp_metric *c,
                        const struct gaps *ga, const struct gaps *gb,
                        double alpha, double min_effect, size_t resamples,
                        uint64_t seed, struct row *row)
{
    double u, scale = c->field == LLMPERF_RESULT_OUTPUT_TPS ? 1.0 : 1e-6;
    int rc_r, rc_p;

    memset(row, 0, sizeof(*row));
    row->ratio = row->lo = row->hi = row->p = row->slower_pct = NAN;
    if (c->field == LLMPERF_METRICS_ITL_NS) {
        /* The accumulator's two-sample functions take per-request
         * values; pooled gaps go to llmperf/stats.h directly. */
        size_t rs = resamples;

        if ((double)rs * (double)(ga->n + gb->n) > ITL_WORK_MAX)
            rs = (size_t)fmax(200.0, ITL_WORK_MAX / (double)(ga->n + gb->n));
        row->na = (double)ga->n;
        row->nb = (double)gb->n;
        row->med_a = median_of(ga->v, ga->n) * scale;
        row->med_b = median_of(gb->v, gb->n) * scale;
        rc_r = ga->n && gb->n
                   ? llmperf_stats_bootstrap_ratio_ci(
                         ga->v, ga->n, gb->v, gb->n, 50, 0.95, rs, seed,
                         &row->ratio, &row->lo, &row->hi)
                   : LLMPERF_EUNDEFINED;
        rc_p = ga->n && gb->n ? llmperf_stats_mannwhitney(ga->v, ga->n, gb->v,
                                                          gb->n, &u, &row->p)
                              : LLMPERF_EUNDEFINED;
    } else {
        row->na = prog_stat(m, GROUP_A, c->field, LLMPERF_STAT_COUNT);
        row->nb = prog_stat(m, GROUP_B, c->field, LLMPERF_STAT_COUNT);
        row->med_a = prog_stat(m, GROUP_A, c->field, LLMPERF_STAT_MEDIAN);
        row->med_b = prog_stat(m, GROUP_B, c->field, LLMPERF_STAT_MEDIAN);
        rc_r = llmperf_metrics_median_ratio(m, c->field, GROUP_A, GROUP_B,
                                            0.95, resamples, seed,
                                            &row->ratio, &row->lo, &row->hi);
        rc_p = llmperf_metrics_mannwhitney(m, c->field, GROUP_A, GROUP_B, &u,
                                           &row->p);
    }
    if (rc_r != LLMPERF_OK)
        row->ratio = row->lo = row->hi = NAN;
    if (rc_p != LLMPERF_OK)
        row->p = NAN;
    if (rc_r != LLMPERF_OK) {
        row->verdict = "undefined (no data)";
        return;
    }
    /* All values equal on both sides: no difference to test. */
    if (rc_p == LLMPERF_EUNDEFINED && row->ratio == 1.0)
        row->p = 1.0;
    /* How much slower the candidate is, in percent of time. */
    row->slower_pct = c->higher_is_slower ? (row->ratio - 1.0) * 100.0
                                          : (1.0 / row->ratio - 1.0) * 100.0;
    row->significant =
        !isnan(row->p) && row->p < alpha && (row->lo > 1.0 || row->hi < 1.0);
    if (!row->significant) {
        row->verdict = "no significant difference";
        return;
    }
    /* Real but too small to matter (--min-effect). */
    if (fabs(row->slower_pct) < min_effect) {
        row->significant = 0;
        row->verdict = "no meaningful difference";
        return;
    }
    row->slower = row->slower_pct > 0;
    row->verdict = row->slower ? "slower" : "faster";
}

static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", f);
    else
        fprintf(f, "%.17g", v);
}

static int write_json(const char *path, const struct row *rows,
                      double alpha, double fail_pct, int regressed)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        prog_err("%s: cannot write", path);
        return PROG_EXIT_FAIL;
    }
    fputs("{\"alpha\":", f);
    json_num(f, alpha);
    fputs(",\"fail_if_slower_pct\":", f);
    json_num(f, fail_pct);
    fprintf(f, ",\"regression\":%s,\"metrics\":{",
            regressed ? "true" : "false");
    for (size_t k = 0; k < N_CMP; k++) {
        const struct row *r = &rows[k];

        fprintf(f, "%s\"%s\":{\"unit\":\"%s\",\"n_baseline\":", k ? "," : "",
                cmp_metrics[k].key, cmp_metrics[k].unit);
        json_num(f, r->na);
        fputs(",\"n_candidate\":", f);
        json_num(f, r->nb);
        fputs(",\"median_baseline\":", f);
        json_num(f, r->med_a);
        fputs(",\"median_candidate\":", f);
        json_num(f, r->med_b);
        fputs(",\"ratio\":", f);
        json_num(f, r->ratio);
        fputs(",\"ci95\":[", f);
        json_num(f, r->lo);
        fputc(',', f);
        json_num(f, r->hi);
        fputs("],\"p\":", f);
        json_num(f, r->p);
        fputs(",\"slower_pct\":", f);
        json_num(f, r->slower_pct);
        fprintf(f, ",\"verdict\":\"%s\"}", r->verdict);
    }
    fputs("}}\n", f);
    if (fclose(f) != 0) {
        prog_err("%s: write failed", path);
        return PROG_EXIT_FAIL;
    }
    return PROG_EXIT_OK;
}

int main(int argc, char **argv)
{
    enum { O_ALPHA = 256, O_FAIL, O_MIN, O_RES, O_SEED, O_JSON, O_HELP };
    static const struct option longopts[] = {
        {"alpha", required_argument, NULL, O_ALPHA},
        {"fail-if-slower", required_argument, NULL, O_FAIL},
        {"min-effect", required_argument, NULL, O_MIN},
        {"resamples", required_argument, NULL, O_RES},
        {"seed", required_argument, NULL, O_SEED},
        {"json", required_argument, NULL, O_JSON},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0}};
    double alpha = 0.05, fail_pct = NAN, min_effect = 0;
    int64_t resamples = 2000, seed = 1;
    const char *json = NULL;
    struct side a = {NULL, GROUP_A, {NULL, 0, 0}, 0};
    struct side b = {NULL, GROUP_B, {NULL, 0, 0}, 0};
    struct row rows[N_CMP];
    int c, ret = PROG_EXIT_OK, regressed = 0;
    char bufs[7][48];

    prog_name = "llmperf-compare";
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case O_ALPHA:
            if (prog_parse_f64(optarg, 1e-12, 0.5, &alpha)) {
                prog_err("invalid value '%s' for --alpha: want 0 < A <= 0.5",
                         optarg);
                return PROG_EXIT_USAGE;
            }
            break;
        case O_FAIL:
            if (prog_parse_f64(optarg, 0, 1e9, &fail_pct)) {
                prog_err("invalid value '%s' for --fail-if-slower: want a "
                         "percentage >= 0",
                         optarg);
                return PROG_EXIT_USAGE;
            }
            break;
        case O_MIN:
            if (prog_parse_f64(optarg, 0, 1e9, &min_effect)) {
                prog_err("invalid value '%s' for --min-effect: want a "
                         "percentage >= 0",
                         optarg);
                return PROG_EXIT_USAGE;
            }
            break;
        case O_RES:
            if (prog_parse_i64(optarg, 100, 1000000, &resamples)) {
                prog_err("invalid value '%s' for --resamples: want "
                         "100..1000000",
                         optarg);
                return PROG_EXIT_USAGE;
            }
            break;
        case O_SEED:
            if (prog_parse_i64(optarg, 0, INT64_MAX, &seed)) {
                prog_err("invalid value '%s' for --seed", optarg);
                return PROG_EXIT_USAGE;
            }
            break;
        case O_JSON:
            json = optarg;
            break;
        case O_HELP:
            usage(stdout);
            return PROG_EXIT_OK;
        case ':':
            prog_err("option '%s' needs a value (try --help)",
                     argv[optind - 1]);
            return PROG_EXIT_USAGE;
        default:
            prog_err("unknown option '%s' (try --help)", argv[optind - 1]);
            return PROG_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        prog_err("want exactly two inputs: BASELINE CANDIDATE (try --help)");
        return PROG_EXIT_USAGE;
    }
    if (llmperf_metrics_new(&a.m) != LLMPERF_OK) {
        prog_err("out of memory");
        return PROG_EXIT_FAIL;
    }
    b.m = a.m; /* one accumulator, two groups */
    ret = read_side(&a, argv[optind]);
    if (ret == PROG_EXIT_OK)
        ret = read_side(&b, argv[optind + 1]);
    if (ret != PROG_EXIT_OK)
        goto out;

    for (size_t k = 0; k < N_CMP; k++) {
        compare_one(a.m, &cmp_metrics[k], &a.gaps, &b.gaps, alpha,
                    min_effect, (size_t)resamples, (uint64_t)seed, &rows[k]);
        if (rows[k].slower && !isnan(fail_pct) &&
            rows[k].slower_pct > fail_pct)
            regressed = 1;
    }

    printf("# %s vs %s\n\nbaseline: `%s` (%.0f requests, %.0f ok)  \n"
           "candidate: `%s` (%.0f requests, %.0f ok)\n\n",
           GROUP_B, GROUP_A, argv[optind],
           prog_run(a.m, GROUP_A, LLMPERF_RUN_REQUESTS),
           prog_run(a.m, GROUP_A, LLMPERF_RUN_COMPLETED), argv[optind + 1],
           prog_run(a.m, GROUP_B, LLMPERF_RUN_REQUESTS),
           prog_run(a.m, GROUP_B, LLMPERF_RUN_COMPLETED));
    printf("| metric | n base | n cand | median base | median cand "
           "| ratio | 95%% CI | p (Mann-Whitney) | verdict |\n"
           "|---|--:|--:|--:|--:|--:|---|--:|---|\n");
    for (size_t k = 0; k < N_CMP; k++) {
        const struct row *r = &rows[k];
        int d = cmp_metrics[k].field == LLMPERF_RESULT_OUTPUT_TPS ? 1 : 3;
        char p[32];

        if (isnan(r->p))
            snprintf(p, sizeof(p), "-");
        else if (r->p < 1e-4)
            snprintf(p, sizeof(p), "%.1e", r->p);
        else
            snprintf(p, sizeof(p), "%.4f", r->p);
        printf("| %s (%s) | %s | %s | %s | %s | %s | [%s, %s] | %s | %s",
               cmp_metrics[k].key, cmp_metrics[k].unit,
               prog_fmt(bufs[0], 48, r->na, 0),
               prog_fmt(bufs[1], 48, r->nb, 0),
               prog_fmt(bufs[2], 48, r->med_a, d),
               prog_fmt(bufs[3], 48, r->med_b, d),
               prog_fmt(bufs[4], 48, r->ratio, 3),
               prog_fmt(bufs[5], 48, r->lo, 3),
               prog_fmt(bufs[6], 48, r->hi, 3), p, r->verdict);
        if (r->significant)
            printf(" (%.1f%% %s)", fabs(r->slower_pct),
                   r->slower ? "more time" : "less time");
        printf(" |\n");
    }
    printf("\nSignificant: p < %g and the 95%% CI of the ratio excludes 1.\n",
           alpha);
    if (!isnan(fail_pct)) {
        if (regressed) {
            for (size_t k = 0; k < N_CMP; k++)
                if (rows[k].slower && rows[k].slower_pct > fail_pct)
                    prog_err("regression: %s is %.1f%% slower (limit %g%%)",
                             cmp_metrics[k].key, rows[k].slower_pct,
                             fail_pct);
        } else {
            printf("No significant slowdown beyond %g%%.\n", fail_pct);
        }
    }
    if (json != NULL)
        ret = write_json(json, rows, alpha, fail_pct, regressed);
    if (ret == PROG_EXIT_OK && regressed)
        ret = PROG_EXIT_REGRESS;
out:
    llmperf_metrics_free(a.m);
    free(a.gaps.v);
    free(b.gaps.v);
    return ret;
}
