/* SPDX-License-Identifier: MIT */
/*
 * progs_common.c -- helpers shared by llmperf-bench, llmperf-analyze and
 * llmperf-compare (see progs_common.h): messages, flag value parsing,
 * locating records.jsonl, and the Markdown summary table. Nothing here
 * measures or computes a statistic; that is the library's job.
 */
#include "progs_common.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *prog_name = "llmperf";

void prog_err(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int prog_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    long long v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int prog_parse_f64(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    double v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Split s at commas and call one of the element parsers on each piece;
 * exactly one of i64 / f64 is non-NULL. */
static int parse_list(const char *s, int64_t imin, int64_t imax,
                      double fmin, double fmax, int64_t **i64,
                      double **f64, size_t *n)
{
    char *copy = NULL, *tok, *save = NULL;
    size_t cap = 1, count = 0;
    int rc = -1;

    *n = 0;
    if (s == NULL || *s == '\0')
        return -1;
    for (const char *p = s; *p; p++)
        cap += (*p == ',');
    copy = strdup(s);
    if (i64 != NULL)
        *i64 = calloc(cap, sizeof(**i64));
    else
        *f64 = calloc(cap, sizeof(**f64));
    if (copy == NULL || (i64 != NULL ? (void *)*i64 : (void *)*f64) == NULL)
        goto out;
    /* strtok_r would skip empty elements ("1,,2"): reject them first. */
    if (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,") != NULL)
        goto out;
    for (tok = strtok_r(copy, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        int bad = i64 != NULL
                      ? prog_parse_i64(tok, imin, imax, &(*i64)[count])
                      : prog_parse_f64(tok, fmin, fmax, &(*f64)[count]);
        if (bad)
            goto out;
        count++;
    }
    *n = count;
    rc = 0;
out:
    free(copy);
    if (rc != 0) {
        if (i64 != NULL) {
            free(*i64);
            *i64 = NULL;
        } else {
            free(*f64);
            *f64 = NULL;
        }
    }
    return rc;
}

int prog_parse_i64_list(const char *s, int64_t min, int64_t max,
                        int64_t **out, size_t *n)
{
    return parse_list(s, min, max, 0, 0, out, NULL, n);
}

int prog_parse_f64_list(const char *s, double min, double max, double **out,
                        size_t *n)
{
    return parse_list(s, 0, 0, min, max, NULL, out, n);
}

char *prog_records_path(const char *path)
{
    struct stat st;
    char *p;
    size_t len;

    if (stat(path, &st) != 0) {
        prog_err("%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode))
        return strdup(path);
    len = strlen(path) + sizeof("/records.jsonl");
    p = malloc(len);
    if (p == NULL)
        return NULL;
    snprintf(p, len, "%s/records.jsonl", path);
    if (stat(p, &st) != 0) {
        prog_err("%s: no records.jsonl in this directory", path);
        free(p);
        return NULL;
    }
    return p;
}

struct regroup {
    llmperf_metrics *m;
    const char *group;
};

/* Reader callback: add a record under a forced group label. */
static int add_regrouped(const llmperf_record *rec, void *userdata)
{
    struct regroup *rg = userdata;

    return llmperf_metrics_add_prompt(rg->m, llmperf_record_result(rec),
                                      rg->group,
                                      llmperf_record_prompt_id(rec));
}

int prog_read_records(llmperf_metrics *m, const char *path,
                      const char *group, size_t *count)
{
    char *file = prog_records_path(path);
    llmperf_reader *rd = NULL;
    size_t n = 0, bad = 0;
    char first_bad[256] = "";
    int rc;

    *count = 0;
    if (file == NULL)
        return PROG_EXIT_FAIL;
    if (group == NULL) {
        rc = llmperf_metrics_read_jsonl(m, file, LLMPERF_READ_SKIP_BAD, &n,
                                        &bad);
        if (rc != LLMPERF_OK)
            prog_err("%s: %s", file, *llmperf_metrics_errmsg(m)
                                         ? llmperf_metrics_errmsg(m)
                                         : llmperf_strerror(rc));
        snprintf(first_bad, sizeof(first_bad), "%s",
                 llmperf_metrics_errmsg(m));
    } else {
        struct regroup rg = {m, group};

        rc = llmperf_reader_new(&rd, LLMPERF_READ_SKIP_BAD);
        if (rc == LLMPERF_OK)
            rc = llmperf_reader_read_file(rd, file, add_regrouped, &rg);
        if (rc == LLMPERF_OK)
            rc = llmperf_reader_counts(rd, &n, &bad);
        snprintf(first_bad, sizeof(first_bad), "%s",
                 llmperf_reader_errmsg(rd));
        if (rc != LLMPERF_OK)
            prog_err("%s: %s", file, *llmperf_reader_errmsg(rd)
                                         ? llmperf_reader_errmsg(rd)
                                         : llmperf_strerror(rc));
        llmperf_reader_free(rd);
    }
    if (rc == LLMPERF_OK && n == 0) {
        if (bad > 0)
            prog_err("%s: no records (%zu bad lines; the first: %s)", file,
                     bad, first_bad);
        else
            prog_err("%s: no records", file);
        rc = LLMPERF_EFORMAT;
    } else if (rc == LLMPERF_OK && bad > 0) {
        prog_err("%s: warning: %zu bad line(s) skipped (the first: %s)",
                 file, bad, first_bad);
    }
    free(file);
    *count = n;
    return rc == LLMPERF_OK ? 0 : PROG_EXIT_FAIL;
}

/* Whether a field is a duration in ns (then shown in ms). */
static int is_ns_field(int field)
{
    const char *name;
    size_t len;

    if (field == LLMPERF_METRICS_ITL_NS)
        return 1;
    name = llmperf_result_field_name(field);
    if (name == NULL)
        return 0;
    len = strlen(name);
    return len > 3 && strcmp(name + len - 3, "_ns") == 0;
}

double prog_stat(const llmperf_metrics *m, const char *group, int field,
                 int stat)
{
    double v;

    if (llmperf_metrics_stat(m, group, field, stat, &v) != LLMPERF_OK)
        return NAN;
    if (is_ns_field(field) && stat != LLMPERF_STAT_COUNT &&
        stat != LLMPERF_STAT_CV)
        v /= 1e6;
    return v;
}

double prog_pct(const llmperf_metrics *m, const char *group, int field,
                double q)
{
    double v;

    if (llmperf_metrics_percentile(m, group, field, q, &v) != LLMPERF_OK)
        return NAN;
    return is_ns_field(field) ? v / 1e6 : v;
}

double prog_run(const llmperf_metrics *m, const char *group, int which)
{
    double v;

    if (llmperf_metrics_run_stat(m, group, which, &v) != LLMPERF_OK)
        return NAN;
    return v;
}

const char *prog_fmt(char *buf, size_t cap, double v, int decimals)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.*f", decimals, v);
    return buf;
}

void prog_print_summary(FILE *f, const llmperf_metrics *m)
{
    size_t ng = 0;
    char b[10][32];
    double good;
    int has_good;

    if (llmperf_metrics_group_count(m, &ng) != LLMPERF_OK)
        return;
    has_good = llmperf_metrics_run_stat(m, NULL, LLMPERF_RUN_GOOD, &good) ==
               LLMPERF_OK;
    fprintf(f, "| group | ok | failed | req/s | out tok/s |%s TTFT p50 ms "
               "| TTFT p99 ms | TPOT p50 ms | ITL p50 ms | E2E p50 ms "
               "| E2E p99 ms |\n",
            has_good ? " goodput req/s |" : "");
    fprintf(f, "|---|--:|--:|--:|--:|%s--:|--:|--:|--:|--:|--:|\n",
            has_good ? "--:|" : "");
    for (size_t i = 0; i <= ng; i++) {
        const char *g = NULL;

        if (i < ng && llmperf_metrics_group_name(m, i, &g) != LLMPERF_OK)
            continue;
        if (i == ng && ng < 2)
            break; /* "all" repeats the only group */
        fprintf(f, "| %s | %s | %s | %s | %s |", g ? g : "**all**",
                prog_fmt(b[0], 32, prog_run(m, g, LLMPERF_RUN_COMPLETED), 0),
                prog_fmt(b[1], 32, prog_run(m, g, LLMPERF_RUN_FAILED), 0),
                prog_fmt(b[2], 32,
                         prog_run(m, g, LLMPERF_RUN_REQUEST_THROUGHPUT), 2),
                prog_fmt(b[3], 32,
                         prog_run(m, g, LLMPERF_RUN_OUTPUT_THROUGHPUT), 1));
        if (has_good)
            fprintf(f, " %s |",
                    prog_fmt(b[4], 32,
                             prog_run(m, g, LLMPERF_RUN_REQUEST_GOODPUT), 2));
        fprintf(
            f, " %s | %s | %s | %s | %s | %s |\n",
            prog_fmt(b[5], 32, prog_pct(m, g, LLMPERF_RESULT_TTFT_NS, 50), 1),
            prog_fmt(b[6], 32, prog_pct(m, g, LLMPERF_RESULT_TTFT_NS, 99), 1),
            prog_fmt(b[7], 32, prog_pct(m, g, LLMPERF_RESULT_TPOT_NS, 50), 2),
            prog_fmt(b[8], 32, prog_pct(m, g, LLMPERF_METRICS_ITL_NS, 50), 2),
            prog_fmt(b[9], 32, prog_pct(m, g, LLMPERF_RESULT_E2E_NS, 50), 1),
            prog_fmt(b[0], 32, prog_pct(m, g, LLMPERF_RESULT_E2E_NS, 99), 1));
    }
}
