/* SPDX-License-Identifier: MIT */
/*
 * summary.c -- summary.json: run metadata, then the aggregates of the
 * whole run at the top level and of each group under "groups", keyed as
 * vLLM's `bench serve` result file keys them (mean_ttft_ms, std_ttft_ms
 * = population std, p99_ttft_ms ...), so scripts written for vLLM read
 * ours. Undefined values are null. docs/FORMATS.md lists every key.
 */
#include "sink.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "llmperf/stats.h"
#include "llmperf/version.h"
#include "metrics_int.h"

/* The four latency metrics of vLLM's summaries and our fields. */
static const struct {
    const char *name;
    int field;
} lat[] = {
    {"ttft", LLMPERF_RESULT_TTFT_NS},
    {"tpot", LLMPERF_RESULT_TPOT_NS},
    {"itl", LLMPERF_METRICS_ITL_NS},
    {"e2el", LLMPERF_RESULT_E2E_NS},
};

/* Correlations every summary reports (seed analyses 8.1 and 8.2). */
static const struct {
    int x, y;
} corr[] = {
    {LLMPERF_RESULT_PROMPT_TOKENS, LLMPERF_RESULT_TTFT_NS},
    {LLMPERF_RESULT_OUTPUT_TOKENS, LLMPERF_RESULT_E2E_NS},
    {LLMPERF_RESULT_PROMPT_TOKENS, LLMPERF_RESULT_OUTPUT_TPS},
};

/* Fields whose per-prompt CV measures within-run repeatability. */
static const int repeat_fields[] = {
    LLMPERF_RESULT_TTFT_NS, LLMPERF_RESULT_E2E_NS, LLMPERF_RESULT_OUTPUT_TPS,
    LLMPERF_RESULT_TPOT_NS,
};

/* Everything the summary prints about one field, computed from one
 * gather with the stats functions (so it equals llmperf_metrics_stat()). */
struct fstats {
    int ok[8];      /* per llmperf_stat - 1 */
    double v[8];
    int pok;
    double p[LLMPERF__MAX_PCTS];
    size_t n;
};

static int field_stats(const llmperf_metrics *m,
                       const struct llmperf__group *g, const char *gname,
                       int field, struct fstats *fs)
{
    double *x = NULL, lo, hi;
    int col, rc;

    memset(fs, 0, sizeof(*fs));
    llmperf__metrics_field(field, &col);
    if (col < 0) {
        /* Pooled ITL: the histogram path of the public functions. */
        for (int st = LLMPERF_STAT_COUNT; st <= LLMPERF_STAT_MEDIAN; st++) {
            rc = llmperf_metrics_stat(m, gname, field, st, &fs->v[st - 1]);
            if (rc == LLMPERF_ENOMEM)
                return rc;
            fs->ok[st - 1] = rc == LLMPERF_OK;
        }
        fs->n = (size_t)fs->v[0];
        fs->pok = fs->n > 0;
        for (size_t i = 0; fs->pok && i < m->n_pct; i++)
            if ((rc = llmperf_metrics_percentile(m, gname, field, m->pct[i],
                                                 &fs->p[i])) != LLMPERF_OK)
                return rc;
        return LLMPERF_OK;
    }
    if ((rc = llmperf__metrics_gather(m, g, col, &x, &fs->n)) != LLMPERF_OK)
        return rc;
    fs->ok[LLMPERF_STAT_COUNT - 1] = 1;
    fs->v[LLMPERF_STAT_COUNT - 1] = (double)fs->n;
    if (fs->n > 0) {
        fs->ok[LLMPERF_STAT_MEAN - 1] =
            llmperf_stats_mean(x, fs->n, &fs->v[LLMPERF_STAT_MEAN - 1]) ==
            LLMPERF_OK;
        fs->ok[LLMPERF_STAT_STD - 1] =
            llmperf_stats_stddev(x, fs->n, &fs->v[LLMPERF_STAT_STD - 1]) ==
            LLMPERF_OK;
        fs->ok[LLMPERF_STAT_STD_POP - 1] =
            llmperf_stats_stddev_pop(x, fs->n,
                                     &fs->v[LLMPERF_STAT_STD_POP - 1]) ==
            LLMPERF_OK;
        fs->ok[LLMPERF_STAT_CV - 1] =
            llmperf_stats_cv(x, fs->n, &fs->v[LLMPERF_STAT_CV - 1]) ==
            LLMPERF_OK;
        if (llmperf_stats_min_max(x, fs->n, &lo, &hi) == LLMPERF_OK) {
            fs->ok[LLMPERF_STAT_MIN - 1] = fs->ok[LLMPERF_STAT_MAX - 1] = 1;
            fs->v[LLMPERF_STAT_MIN - 1] = lo;
            fs->v[LLMPERF_STAT_MAX - 1] = hi;
        }
        rc = llmperf_stats_percentile(x, fs->n, 50.0,
                                      &fs->v[LLMPERF_STAT_MEDIAN - 1]);
        fs->ok[LLMPERF_STAT_MEDIAN - 1] = rc == LLMPERF_OK;
        if (rc == LLMPERF_OK)
            rc = llmperf_stats_percentiles(x, fs->n, m->pct, m->n_pct,
                                           fs->p);
        fs->pok = rc == LLMPERF_OK;
        if (rc == LLMPERF_ENOMEM) {
            llmperf__free(x);
            return rc;
        }
    }
    llmperf__free(x);
    return LLMPERF_OK;
}

/* "key": value scaled, or null. */
static void kv(struct llmperf__sink *s, const char *ind, const char *key,
               int ok, double v, double scale)
{
    llmperf__sink_printf(s, ",\n%s\"%s\": ", ind, key);
    if (ok)
        llmperf__sink_json_num(s, v * scale);
    else
        llmperf__sink_puts(s, "null");
}

/* Percentile key word as vLLM spells it: 99 -> "99", 99.9 -> "99.9". */
static void pword(char *buf, size_t len, double q)
{
    llmperf__fmt_double(buf, len, q);
}

static void run_key(struct llmperf__sink *s, const char *ind,
                    const llmperf_metrics *m, const char *g, const char *key,
                    int which, double scale, int integer)
{
    double v;
    int ok = llmperf_metrics_run_stat(m, g, which, &v) == LLMPERF_OK;

    if (ok && integer)
        llmperf__sink_printf(s, ",\n%s\"%s\": %.0f", ind, key, v);
    else
        kv(s, ind, key, ok, v, scale);
}

static int aggregate(struct llmperf__sink *s, const llmperf_metrics *m,
                     const struct llmperf__group *g, const char *ind)
{
    const char *gname = g != NULL ? g->name : NULL, *cls;
    struct fstats fs;
    char key[96], pw[40];
    double r, p;
    int64_t cnt;
    int rc;

    /* The opening key has no comma before it. */
    run_key(s, ind, m, gname, "requests", LLMPERF_RUN_REQUESTS, 1, 1);
    run_key(s, ind, m, gname, "completed", LLMPERF_RUN_COMPLETED, 1, 1);
    run_key(s, ind, m, gname, "failed", LLMPERF_RUN_FAILED, 1, 1);
    llmperf__sink_printf(s, ",\n%s\"failed_by_class\": {", ind);
    for (size_t k = 0; llmperf_metrics_error_class(m, gname, k, &cls, &cnt) ==
                       LLMPERF_OK;
         k++) {
        llmperf__sink_puts(s, k ? ", " : "");
        llmperf__sink_json_str(s, cls);
        llmperf__sink_printf(s, ": %lld", (long long)cnt);
    }
    llmperf__sink_put(s, "}", 1);
    run_key(s, ind, m, gname, "duration", LLMPERF_RUN_DURATION_NS, 1e-9, 0);
    run_key(s, ind, m, gname, "total_input_tokens",
            LLMPERF_RUN_TOTAL_INPUT_TOKENS, 1, 1);
    run_key(s, ind, m, gname, "total_output_tokens",
            LLMPERF_RUN_TOTAL_OUTPUT_TOKENS, 1, 1);
    run_key(s, ind, m, gname, "request_throughput",
            LLMPERF_RUN_REQUEST_THROUGHPUT, 1, 0);
    run_key(s, ind, m, gname, "request_goodput", LLMPERF_RUN_REQUEST_GOODPUT,
            1, 0);
    run_key(s, ind, m, gname, "good_requests", LLMPERF_RUN_GOOD, 1, 1);
    run_key(s, ind, m, gname, "output_throughput",
            LLMPERF_RUN_OUTPUT_THROUGHPUT, 1, 0);
    run_key(s, ind, m, gname, "total_token_throughput",
            LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT, 1, 0);

    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(lat); i++) {
        const char *nm = lat[i].name;

        if ((rc = field_stats(m, g, gname, lat[i].field, &fs)) != LLMPERF_OK)
            return rc;
        snprintf(key, sizeof(key), "mean_%s_ms", nm);
        kv(s, ind, key, fs.ok[LLMPERF_STAT_MEAN - 1],
           fs.v[LLMPERF_STAT_MEAN - 1], 1e-6);
        snprintf(key, sizeof(key), "median_%s_ms", nm);
        kv(s, ind, key, fs.ok[LLMPERF_STAT_MEDIAN - 1],
           fs.v[LLMPERF_STAT_MEDIAN - 1], 1e-6);
        snprintf(key, sizeof(key), "std_%s_ms", nm);
        kv(s, ind, key, fs.ok[LLMPERF_STAT_STD_POP - 1],
           fs.v[LLMPERF_STAT_STD_POP - 1], 1e-6);
        for (size_t q = 0; q < m->n_pct; q++) {
            pword(pw, sizeof(pw), m->pct[q]);
            snprintf(key, sizeof(key), "p%s_%s_ms", pw, nm);
            kv(s, ind, key, fs.pok, fs.p[q], 1e-6);
        }
        snprintf(key, sizeof(key), "min_%s_ms", nm);
        kv(s, ind, key, fs.ok[LLMPERF_STAT_MIN - 1],
           fs.v[LLMPERF_STAT_MIN - 1], 1e-6);
        snprintf(key, sizeof(key), "max_%s_ms", nm);
        kv(s, ind, key, fs.ok[LLMPERF_STAT_MAX - 1],
           fs.v[LLMPERF_STAT_MAX - 1], 1e-6);
        snprintf(key, sizeof(key), "cv_%s", nm);
        kv(s, ind, key, fs.ok[LLMPERF_STAT_CV - 1], fs.v[LLMPERF_STAT_CV - 1],
           1);
        snprintf(key, sizeof(key), "count_%s", nm);
        kv(s, ind, key, 1, (double)fs.n, 1);
    }

    /* Every numeric field, in its own unit. */
    llmperf__sink_printf(s, ",\n%s\"fields\": {", ind);
    for (int pass = 0, first = 1; pass < 2; pass++) {
        int base = pass ? LLMPERF_FIELDKIND_F64 : LLMPERF_FIELDKIND_I64;

        for (int f = base + 1; llmperf_result_field_name(f) != NULL; f++) {
            static const char *const sn[] = {"count", "mean", "std",
                                             "std_pop", "cv", "min", "max",
                                             "median"};

            if ((rc = field_stats(m, g, gname, f, &fs)) != LLMPERF_OK)
                return rc;
            llmperf__sink_printf(s, "%s\n%s  \"%s\": {\"count\": %zu",
                                 first ? "" : ",", ind,
                                 llmperf_result_field_name(f), fs.n);
            first = 0;
            for (int st = 1; st < 8; st++) {
                llmperf__sink_printf(s, ", \"%s\": ", sn[st]);
                if (fs.ok[st])
                    llmperf__sink_json_num(s, fs.v[st]);
                else
                    llmperf__sink_puts(s, "null");
            }
            for (size_t q = 0; q < m->n_pct; q++) {
                pword(pw, sizeof(pw), m->pct[q]);
                llmperf__sink_printf(s, ", \"p%s\": ", pw);
                if (fs.pok)
                    llmperf__sink_json_num(s, fs.p[q]);
                else
                    llmperf__sink_puts(s, "null");
            }
            llmperf__sink_put(s, "}", 1);
        }
    }
    llmperf__sink_printf(s, "\n%s}", ind);

    llmperf__sink_printf(s, ",\n%s\"correlations\": {", ind);
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(corr); i++) {
        int okp, oks;
        double rs, ps;

        okp = llmperf_metrics_pearson(m, gname, corr[i].x, corr[i].y, &r,
                                      &p) == LLMPERF_OK;
        oks = llmperf_metrics_spearman(m, gname, corr[i].x, corr[i].y, &rs,
                                       &ps) == LLMPERF_OK;
        llmperf__sink_printf(s, "%s\n%s  \"%s~%s\": {\"pearson_r\": ",
                             i ? "," : "", ind,
                             llmperf_result_field_name(corr[i].x),
                             llmperf_result_field_name(corr[i].y));
        if (okp) {
            llmperf__sink_json_num(s, r);
            llmperf__sink_puts(s, ", \"pearson_p\": ");
            llmperf__sink_json_num(s, p);
        } else {
            llmperf__sink_puts(s, "null, \"pearson_p\": null");
        }
        llmperf__sink_puts(s, ", \"spearman_rho\": ");
        if (oks) {
            llmperf__sink_json_num(s, rs);
            llmperf__sink_puts(s, ", \"spearman_p\": ");
            llmperf__sink_json_num(s, ps);
        } else {
            llmperf__sink_puts(s, "null, \"spearman_p\": null");
        }
        llmperf__sink_put(s, "}", 1);
    }
    llmperf__sink_printf(s, "\n%s}", ind);

    llmperf__sink_printf(s, ",\n%s\"repeatability\": {", ind);
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(repeat_fields); i++) {
        static const struct {
            const char *key;
            int stat;
        } rs[] = {{"mean_cv", LLMPERF_STAT_MEAN},
                  {"median_cv", LLMPERF_STAT_MEDIAN},
                  {"max_cv", LLMPERF_STAT_MAX}};
        double *cv = NULL, v;
        size_t ncv = 0;

        /* The CVs once, then each statistic of them. */
        rc = llmperf__metrics_cvs(m, gname, repeat_fields[i], &cv, &ncv);
        if (rc == LLMPERF_ENOMEM)
            return rc;
        llmperf__sink_printf(s, "%s\n%s  \"%s\": {\"prompts\": %zu",
                             i ? "," : "", ind,
                             llmperf_result_field_name(repeat_fields[i]), ncv);
        for (size_t k = 0; k < LLMPERF__ARRAY_LEN(rs); k++) {
            double lo, hi;

            rc = LLMPERF_EUNDEFINED;
            if (ncv > 0 && rs[k].stat == LLMPERF_STAT_MEAN)
                rc = llmperf_stats_mean(cv, ncv, &v);
            else if (ncv > 0 && rs[k].stat == LLMPERF_STAT_MEDIAN)
                rc = llmperf_stats_percentile(cv, ncv, 50.0, &v);
            else if (ncv > 0 &&
                     (rc = llmperf_stats_min_max(cv, ncv, &lo, &hi)) ==
                         LLMPERF_OK)
                v = hi;
            llmperf__sink_printf(s, ", \"%s\": ", rs[k].key);
            if (rc == LLMPERF_OK)
                llmperf__sink_json_num(s, v);
            else
                llmperf__sink_puts(s, "null");
        }
        llmperf__free(cv);
        llmperf__sink_put(s, "}", 1);
    }
    llmperf__sink_printf(s, "\n%s}", ind);
    return LLMPERF_OK;
}

static void info_key(struct llmperf__sink *s, const llmperf_metrics *m,
                     const char *key, int info)
{
    const char *v = NULL;

    llmperf_metrics_get_info(m, info, &v);
    llmperf__sink_printf(s, ",\n  \"%s\": ", key);
    if (info == LLMPERF_INFO_PARAMS && v != NULL)
        llmperf__sink_puts(s, v); /* already a validated JSON object */
    else
        llmperf__sink_json_str(s, v);
}

static int render(struct llmperf__sink *s, const void *ctx)
{
    const llmperf_metrics *m = ctx;
    static const char *const slo_name[] = {"ttft", "tpot", "e2el"};
    char num[40];
    int rc, first = 1;

    llmperf__sink_printf(s, "{\n  \"llmperf_version\": \"%s\"",
                         llmperf_version_string());
    llmperf__sink_puts(s, ",\n  \"summary_version\": 1");
    info_key(s, m, "backend", LLMPERF_INFO_BACKEND);
    info_key(s, m, "base_url", LLMPERF_INFO_URL);
    info_key(s, m, "model_id", LLMPERF_INFO_MODEL);
    info_key(s, m, "title", LLMPERF_INFO_TITLE);
    info_key(s, m, "start_time", LLMPERF_INFO_START_TIME);
    info_key(s, m, "host", LLMPERF_INFO_HOST);
    info_key(s, m, "params", LLMPERF_INFO_PARAMS);
    llmperf__sink_puts(s, ",\n  \"percentiles\": [");
    for (size_t i = 0; i < m->n_pct; i++) {
        llmperf__fmt_double(num, sizeof(num), m->pct[i]);
        llmperf__sink_printf(s, "%s%s", i ? ", " : "", num);
    }
    llmperf__sink_puts(s, "],\n  \"slo_ms\": {");
    for (int i = 0; i < 3; i++)
        if (m->has_slo[i]) {
            llmperf__sink_printf(s, "%s\"%s\": ", first ? "" : ", ",
                                 slo_name[i]);
            llmperf__sink_json_num(s, (double)m->slo[i] * 1e-6);
            first = 0;
        }
    llmperf__sink_put(s, "}", 1);
    if ((rc = aggregate(s, m, NULL, "  ")) != LLMPERF_OK)
        return rc;

    llmperf__sink_puts(s, ",\n  \"tests\": {\"kruskal\": {");
    for (size_t i = 0; i < LLMPERF__ARRAY_LEN(lat); i++) {
        double h, p;
        int ok = lat[i].field != LLMPERF_METRICS_ITL_NS &&
                 llmperf_metrics_kruskal(m, lat[i].field, &h, &p) ==
                     LLMPERF_OK;

        if (lat[i].field == LLMPERF_METRICS_ITL_NS)
            continue; /* pooled, not per request */
        llmperf__sink_printf(s, "%s\"%s\": ", i ? ", " : "",
                             llmperf_result_field_name(lat[i].field));
        if (ok) {
            llmperf__sink_puts(s, "{\"h\": ");
            llmperf__sink_json_num(s, h);
            llmperf__sink_puts(s, ", \"p\": ");
            llmperf__sink_json_num(s, p);
            llmperf__sink_put(s, "}", 1);
        } else {
            llmperf__sink_puts(s, "null");
        }
    }
    llmperf__sink_puts(s, "}}");

    llmperf__sink_puts(s, ",\n  \"groups\": {");
    for (size_t i = 0; i < m->groups.n; i++) {
        const struct llmperf__group *g = m->g[i];

        llmperf__sink_printf(s, "%s\n    ", i ? "," : "");
        llmperf__sink_json_str(s, g->name);
        llmperf__sink_puts(s, ": {\n      \"sweep\": ");
        if (g->has_sweep) {
            llmperf__sink_puts(s, "{\"param\": ");
            llmperf__sink_json_str(s, g->sweep_param);
            llmperf__sink_puts(s, ", \"value\": ");
            llmperf__sink_json_num(s, g->sweep_value);
            llmperf__sink_puts(s, ", \"series\": ");
            llmperf__sink_json_str(s, g->sweep_series);
            llmperf__sink_put(s, "}", 1);
        } else {
            llmperf__sink_puts(s, "null");
        }
        if ((rc = aggregate(s, m, g, "      ")) != LLMPERF_OK)
            return rc;
        llmperf__sink_puts(s, "\n    }");
    }
    llmperf__sink_puts(s, m->groups.n ? "\n  }\n}\n" : "}\n}\n");
    return s->status;
}

LLMPERF_API int llmperf_summary_write(const llmperf_metrics *m,
                                      llmperf_write_cb cb, void *userdata)
{
    if (m == NULL || cb == NULL)
        return LLMPERF_EINVAL;
    return llmperf__render_cb(render, m, cb, userdata);
}

LLMPERF_API int llmperf_summary_write_file(const llmperf_metrics *m,
                                           const char *path, char *errbuf,
                                           size_t errlen)
{
    if (m == NULL || path == NULL)
        return LLMPERF_EINVAL;
    return llmperf__write_file_atomic(path, render, m, errbuf, errlen);
}

LLMPERF_API int llmperf_summary_buf(const llmperf_metrics *m, char *buf,
                                    size_t cap, size_t *needed)
{
    if (m == NULL)
        return LLMPERF_EINVAL;
    return llmperf__render_buf(render, m, buf, cap, needed);
}
