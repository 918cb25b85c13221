/* SPDX-License-Identifier: MIT */
/*
 * test_stats.c -- the statistics module against SciPy/NumPy reference
 * vectors (text files in tests/stats/, written by gen_vectors.py), plus
 * the error contract (NULL, NaN, infinity, too few values, zero variance,
 * outputs untouched), allocation failure, bootstrap determinism,
 * selection on awkward orderings, numeric robustness and concurrent use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "llmperf/llmperf.h"

#define VEC_DIR LLMPERF_SOURCE_DIR "/tests/stats/"

/* Acceptance (docs/stats.md): 1e-9 relative, or 1e-12 absolute near 0
 * for statistics; the distribution functions are held to 1e-9 relative
 * all the way into their tails (the absolute floor only admits
 * subnormal results). */
#define REL_TOL 1e-9
#define ABS_TOL_STATS 1e-12
#define ABS_TOL_DIST 1e-300

static const double nan_ = NAN;
static const double inf_ = INFINITY;

/* ---- reference vector reader ------------------------------------------ */

typedef struct dataset {
    char name[32];
    size_t n;
    double *v;
} dataset;

typedef struct vecfile {
    dataset *sets;
    size_t nsets, cap;
    long records, values, failures;
    double worst_rel[16];
    char worst_op[16][16];
    size_t nworst;
} vecfile;

/* Keep in step with make_gen() in tests/stats/gen_vectors.py: the same
 * IEEE operations in the same order give the same doubles. */
static uint64_t sm64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double unif(uint64_t *state)
{
    return (double)(sm64(state) >> 11) * (1.0 / 9007199254740992.0);
}

static void gen_fill(const char *kind, uint64_t seed, size_t n, double p1,
                     double p2, const double *src, double *out)
{
    uint64_t st = seed;
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(kind, "unif") == 0) {
            out[i] = p1 + p2 * unif(&st);
        } else if (strcmp(kind, "lat") == 0) {
            double u1 = unif(&st), u2 = unif(&st), w;

            w = u2 * u2;
            w = w * w;
            w = w * w;
            out[i] = p1 + p2 * u1 + 10.0 * p2 * w;
        } else if (strcmp(kind, "int") == 0) {
            out[i] = floor(p1 * unif(&st)) + p2;
        } else if (strcmp(kind, "add") == 0) {
            out[i] = src[i] + p1 + p2 * (unif(&st) - 0.5);
        } else if (strcmp(kind, "lin") == 0) {
            out[i] = p1 * src[i] + p2;
        } else {
            fail_msg("unknown generator kind %s", kind);
        }
    }
}

static dataset *find_set(vecfile *vf, const char *name)
{
    size_t i;

    for (i = 0; i < vf->nsets; i++)
        if (strcmp(vf->sets[i].name, name) == 0)
            return &vf->sets[i];
    fail_msg("unknown data set %s", name);
    return NULL;
}

static dataset *new_set(vecfile *vf, const char *name, size_t n)
{
    dataset *d;

    if (vf->nsets == vf->cap) {
        vf->cap = vf->cap ? 2 * vf->cap : 64;
        vf->sets = realloc(vf->sets, vf->cap * sizeof(dataset));
        assert_non_null(vf->sets);
    }
    d = &vf->sets[vf->nsets++];
    assert_true(strlen(name) < sizeof(d->name));
    strcpy(d->name, name);
    d->n = n;
    d->v = malloc((n ? n : 1) * sizeof(double));
    assert_non_null(d->v);
    return d;
}

static void free_sets(vecfile *vf)
{
    size_t i;

    for (i = 0; i < vf->nsets; i++)
        free(vf->sets[i].v);
    free(vf->sets);
}

/* The next whitespace-separated token of the record; NULL at the end. */
static char *tok(char **save)
{
    return strtok_r(NULL, " \t\r\n", save);
}

static char *need(char **save)
{
    char *t = tok(save);

    assert_non_null(t);
    return t;
}

static double num(char **save)
{
    char *t = need(save), *end;
    double v = strtod(t, &end);

    assert_true(*end == '\0');
    return v;
}

static size_t count(char **save)
{
    return (size_t)strtoull(need(save), NULL, 10);
}

static int status_of(const char *s)
{
    if (strcmp(s, "OK") == 0)
        return LLMPERF_OK;
    if (strcmp(s, "EUNDEFINED") == 0)
        return LLMPERF_EUNDEFINED;
    if (strcmp(s, "EINVAL") == 0)
        return LLMPERF_EINVAL;
    fail_msg("unknown status %s", s);
    return 0;
}

static void note_worst(vecfile *vf, const char *op, double rel)
{
    size_t i;

    for (i = 0; i < vf->nworst; i++) {
        if (strcmp(vf->worst_op[i], op) == 0) {
            if (rel > vf->worst_rel[i])
                vf->worst_rel[i] = rel;
            return;
        }
    }
    if (vf->nworst < LLMPERF__ARRAY_LEN(vf->worst_rel)) {
        snprintf(vf->worst_op[vf->nworst], sizeof(vf->worst_op[0]), "%s",
                 op);
        vf->worst_rel[vf->nworst++] = rel;
    }
}

/* Compare one value; failures are printed and counted, not fatal, so one
 * run lists every mismatch. */
static void check(vecfile *vf, const char *op, const char *what, long line,
                  double got, double want, double rel_tol, double abs_tol)
{
    double diff = fabs(got - want), rel;

    vf->values++;
    if (got == want)
        return;
    rel = want != 0.0 ? diff / fabs(want) : diff;
    if (isfinite(got) && (diff <= rel_tol * fabs(want) || diff <= abs_tol)) {
        if (fabs(want) > abs_tol)
            note_worst(vf, op, rel);
        return;
    }
    vf->failures++;
    printf("line %ld: %s %s: got %.17g, want %.17g (rel %.3g)\n", line, op,
           what, got, want, rel);
}

static void check_status(vecfile *vf, const char *op, long line, int got,
                         int want)
{
    if (got != want) {
        vf->failures++;
        printf("line %ld: %s: status %s, want %s\n", line, op,
               llmperf_status_name(got), llmperf_status_name(want));
    }
}

static void run_pct(vecfile *vf, const char *op, char **save, long line)
{
    dataset *d = find_set(vf, need(save));
    double q = num(save), qs[3], outs[3], v = 0.0;
    int want = status_of(need(save));
    int rc = llmperf_stats_percentile(d->v, d->n, q, &v);

    check_status(vf, op, line, rc, want);
    if (rc != LLMPERF_OK || want != LLMPERF_OK)
        return;
    check(vf, op, "value", line, v, num(save), REL_TOL, ABS_TOL_STATS);
    /* the batch form must agree exactly with the single one */
    qs[0] = q, qs[1] = 50.0, qs[2] = q;
    assert_int_equal(llmperf_stats_percentiles(d->v, d->n, qs, 3, outs), 0);
    if (outs[0] != v || outs[2] != v) {
        vf->failures++;
        printf("line %ld: batch percentile differs\n", line);
    }
}

static void run_moment(vecfile *vf, const char *op, char **save, long line)
{
    dataset *d = find_set(vf, need(save));
    int want = status_of(need(save)), rc;
    double v1 = 0.0, v2 = 0.0;

    if (strcmp(op, "mean") == 0)
        rc = llmperf_stats_mean(d->v, d->n, &v1);
    else if (strcmp(op, "std") == 0)
        rc = llmperf_stats_stddev(d->v, d->n, &v1);
    else if (strcmp(op, "stdpop") == 0)
        rc = llmperf_stats_stddev_pop(d->v, d->n, &v1);
    else if (strcmp(op, "cv") == 0)
        rc = llmperf_stats_cv(d->v, d->n, &v1);
    else
        rc = llmperf_stats_min_max(d->v, d->n, &v1, &v2);
    check_status(vf, op, line, rc, want);
    if (rc != LLMPERF_OK || want != LLMPERF_OK)
        return;
    check(vf, op, "value", line, v1, num(save), REL_TOL, ABS_TOL_STATS);
    if (strcmp(op, "minmax") == 0)
        check(vf, op, "max", line, v2, num(save), 0.0, 0.0);
}

static void run_corr(vecfile *vf, const char *op, char **save, long line)
{
    dataset *x = find_set(vf, need(save)), *y = find_set(vf, need(save));
    int want = status_of(need(save)), rc;
    double r = 0.0, p = 0.0;

    assert_int_equal(x->n, y->n);
    if (op[0] == 'p')
        rc = llmperf_stats_pearson(x->v, y->v, x->n, &r, &p);
    else
        rc = llmperf_stats_spearman(x->v, y->v, x->n, &r, &p);
    check_status(vf, op, line, rc, want);
    if (rc != LLMPERF_OK || want != LLMPERF_OK)
        return;
    check(vf, op, "r", line, r, num(save), REL_TOL, ABS_TOL_STATS);
    check(vf, op, "p", line, p, num(save), REL_TOL, ABS_TOL_STATS);
}

static void run_kruskal(vecfile *vf, const char *op, char **save, long line)
{
    size_t k = count(save), g, gs[8];
    const double *gp[8];
    double h = 0.0, p = 0.0;
    int want, rc;

    assert_true(k <= 8);
    for (g = 0; g < k; g++) {
        char *name = need(save);

        if (strcmp(name, "-") == 0) {
            gp[g] = NULL;
            gs[g] = 0;
        } else {
            dataset *d = find_set(vf, name);

            gp[g] = d->v;
            gs[g] = d->n;
        }
    }
    want = status_of(need(save));
    rc = llmperf_stats_kruskal(gp, gs, k, &h, &p);
    check_status(vf, op, line, rc, want);
    if (rc != LLMPERF_OK || want != LLMPERF_OK)
        return;
    check(vf, op, "h", line, h, num(save), REL_TOL, ABS_TOL_STATS);
    check(vf, op, "p", line, p, num(save), REL_TOL, ABS_TOL_STATS);
}

static void run_mwu(vecfile *vf, const char *op, char **save, long line)
{
    dataset *a = find_set(vf, need(save)), *b = find_set(vf, need(save));
    int want = status_of(need(save));
    double u = 0.0, p = 0.0;
    int rc = llmperf_stats_mannwhitney(a->v, a->n, b->v, b->n, &u, &p);

    check_status(vf, op, line, rc, want);
    if (rc != LLMPERF_OK || want != LLMPERF_OK)
        return;
    check(vf, op, "u", line, u, num(save), REL_TOL, ABS_TOL_STATS);
    check(vf, op, "p", line, p, num(save), REL_TOL, ABS_TOL_STATS);
}

static void run_boot(vecfile *vf, const char *op, char **save, long line)
{
    dataset *a = find_set(vf, need(save)), *b = NULL;
    double q, level, ratio = 0.0, lo = 0.0, hi = 0.0;
    size_t res;
    uint64_t seed;
    int want, rc;

    if (strcmp(op, "bootratio") == 0)
        b = find_set(vf, need(save));
    q = num(save);
    level = num(save);
    res = count(save);
    seed = strtoull(need(save), NULL, 10);
    want = status_of(need(save));
    if (b == NULL)
        rc = llmperf_stats_bootstrap_ci(a->v, a->n, q, level, res, seed, &lo,
                                        &hi);
    else
        rc = llmperf_stats_bootstrap_ratio_ci(a->v, a->n, b->v, b->n, q,
                                              level, res, seed, &ratio, &lo,
                                              &hi);
    check_status(vf, op, line, rc, want);
    if (rc != LLMPERF_OK || want != LLMPERF_OK)
        return;
    /* The same documented algorithm on both sides: bit for bit. */
    if (b != NULL)
        check(vf, op, "ratio", line, ratio, num(save), 0.0, 0.0);
    check(vf, op, "lo", line, lo, num(save), 0.0, 0.0);
    check(vf, op, "hi", line, hi, num(save), 0.0, 0.0);
}

static void run_dist(vecfile *vf, const char *op, char **save, long line)
{
    double a = num(save), df = op[0] == 'n' ? 0.0 : num(save);
    double c = 0.0, s = 0.0;
    int want = status_of(need(save)), rc, rc2;

    if (op[0] == 'n') {
        rc = llmperf_stats_normal_cdf(a, &c);
        rc2 = llmperf_stats_normal_sf(a, &s);
    } else if (op[0] == 't') {
        rc = llmperf_stats_t_cdf(a, df, &c);
        rc2 = llmperf_stats_t_sf(a, df, &s);
    } else {
        rc = llmperf_stats_chi2_cdf(a, df, &c);
        rc2 = llmperf_stats_chi2_sf(a, df, &s);
    }
    check_status(vf, op, line, rc, want);
    check_status(vf, op, line, rc2, want);
    if (rc != LLMPERF_OK || rc2 != LLMPERF_OK || want != LLMPERF_OK)
        return;
    check(vf, op, "cdf", line, c, num(save), REL_TOL, ABS_TOL_DIST);
    check(vf, op, "sf", line, s, num(save), REL_TOL, ABS_TOL_DIST);
}

static void run_data(vecfile *vf, char **save, int generated)
{
    char *name = need(save);

    if (!generated) {
        size_t n = count(save), i;
        dataset *d = new_set(vf, name, n);

        for (i = 0; i < n; i++)
            d->v[i] = num(save);
    } else {
        char *kind = need(save), *src;
        uint64_t seed = strtoull(need(save), NULL, 10);
        size_t n = count(save);
        double p1 = num(save), p2 = num(save);
        const double *sv = NULL;

        if ((src = tok(save)) != NULL) {
            dataset *s = find_set(vf, src);

            assert_int_equal(s->n, n);
            sv = s->v;
        }
        gen_fill(kind, seed, n, p1, p2, sv, new_set(vf, name, n)->v);
    }
}

static void run_record(vecfile *vf, const char *op, char **save, long line)
{
    if (strcmp(op, "data") == 0 || strcmp(op, "gen") == 0) {
        run_data(vf, save, op[0] == 'g');
        return;
    }
    vf->records++;
    if (strcmp(op, "pct") == 0)
        run_pct(vf, op, save, line);
    else if (strcmp(op, "mean") == 0 || strcmp(op, "std") == 0 ||
             strcmp(op, "stdpop") == 0 || strcmp(op, "cv") == 0 ||
             strcmp(op, "minmax") == 0)
        run_moment(vf, op, save, line);
    else if (strcmp(op, "pearson") == 0 || strcmp(op, "spearman") == 0)
        run_corr(vf, op, save, line);
    else if (strcmp(op, "kruskal") == 0)
        run_kruskal(vf, op, save, line);
    else if (strcmp(op, "mwu") == 0)
        run_mwu(vf, op, save, line);
    else if (strcmp(op, "boot") == 0 || strcmp(op, "bootratio") == 0)
        run_boot(vf, op, save, line);
    else if (strcmp(op, "normal") == 0 || strcmp(op, "t") == 0 ||
             strcmp(op, "chi2") == 0)
        run_dist(vf, op, save, line);
    else
        fail_msg("line %ld: unknown record %s", line, op);
}

static void run_file(const char *path, long min_records)
{
    vecfile vf;
    FILE *f = fopen(path, "r");
    char *buf = NULL, *save, *op;
    size_t cap = 0, i;
    long line = 0;

    memset(&vf, 0, sizeof(vf));
    if (f == NULL)
        fail_msg("cannot open %s", path);
    while (getline(&buf, &cap, f) != -1) {
        line++;
        if (buf[0] == '#')
            continue;
        op = strtok_r(buf, " \t\r\n", &save);
        if (op != NULL)
            run_record(&vf, op, &save, line);
    }
    free(buf);
    fclose(f);
    printf("%s: %ld records, %ld values, %ld failures\n", path, vf.records,
           vf.values, vf.failures);
    for (i = 0; i < vf.nworst; i++)
        printf("  worst relative difference %-9s %.3g\n", vf.worst_op[i],
               vf.worst_rel[i]);
    free_sets(&vf);
    assert_int_equal(vf.failures, 0);
    assert_true(vf.records >= min_records); /* the file was really read */
}

static void test_reference_statistics(void **state)
{
    (void)state;
    run_file(VEC_DIR "vectors.txt", 400);
}

static void test_reference_distributions(void **state)
{
    (void)state;
    run_file(VEC_DIR "distributions.txt", 500);
}

/* ---- error contract -------------------------------------------------- */

static void test_percentile_errors(void **state)
{
    double x[] = {1.0, 2.0, 3.0, 4.0}, bad[] = {1.0, 2.0, 3.0};
    double out = -7.0, outs[2] = {-7.0, -7.0}, qs[2] = {50.0, 90.0};
    double badq[2] = {50.0, 100.5};

    (void)state;
    assert_int_equal(llmperf_stats_percentile(x, 4, 50.0, &out), 0);
    assert_true(out == 2.5); /* what tests/consumer expects */
    out = -7.0;
    assert_int_equal(llmperf_stats_percentile(NULL, 4, 50, &out),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentile(x, 4, 50, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentile(x, 4, -0.001, &out),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentile(x, 4, 100.001, &out),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentile(x, 4, nan_, &out),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentile(x, 4, inf_, &out),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentile(x, 0, 50, &out),
                     LLMPERF_EUNDEFINED);
    bad[1] = nan_;
    assert_int_equal(llmperf_stats_percentile(bad, 3, 50, &out),
                     LLMPERF_EINVAL);
    bad[1] = -inf_;
    assert_int_equal(llmperf_stats_percentile(bad, 3, 50, &out),
                     LLMPERF_EINVAL);
    assert_true(out == -7.0); /* untouched by every failure */

    assert_int_equal(llmperf_stats_percentiles(x, 4, qs, 0, outs),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentiles(x, 4, NULL, 2, outs),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentiles(x, 4, badq, 2, outs),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_percentiles(bad, 3, qs, 2, outs),
                     LLMPERF_EINVAL);
    assert_true(outs[0] == -7.0 && outs[1] == -7.0);
    assert_int_equal(llmperf_stats_percentiles(x, 4, qs, 2, outs), 0);
    assert_true(outs[0] == 2.5);
}

static void test_moment_errors(void **state)
{
    double x[] = {1.0, 2.0, 6.0}, bad[] = {1.0, inf_, 2.0};
    double zero_mean[] = {-1.0, 1.0}, o = -7.0, o2 = -7.0;

    (void)state;
    assert_int_equal(llmperf_stats_mean(NULL, 3, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mean(x, 3, NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mean(bad, 3, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mean(x, 0, &o), LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_stddev(x, 1, &o), LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_stddev(bad, 3, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_stddev(NULL, 3, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_stddev_pop(x, 0, &o), LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_stddev_pop(x, 3, NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_cv(x, 1, &o), LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_cv(zero_mean, 2, &o), LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_cv(bad, 3, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_min_max(x, 0, &o, &o2),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_min_max(x, 3, NULL, &o2), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_min_max(x, 3, &o, NULL), LLMPERF_EINVAL);
    bad[1] = nan_;
    assert_int_equal(llmperf_stats_min_max(bad, 3, &o, &o2),
                     LLMPERF_EINVAL);
    /* NaN/inf win over "too few values" */
    assert_int_equal(llmperf_stats_stddev(bad + 1, 1, &o), LLMPERF_EINVAL);
    assert_true(o == -7.0 && o2 == -7.0);
    assert_int_equal(llmperf_stats_stddev_pop(x, 1, &o), 0);
    assert_true(o == 0.0);
}

typedef int (*corr_fn)(const double *, const double *, size_t, double *,
                       double *);

static void test_correlation_errors(void **state)
{
    double x[] = {1.0, 2.0, 3.0, 5.0}, y[] = {2.0, 1.0, 4.0, 3.0};
    double c[] = {3.0, 3.0, 3.0, 3.0}, bad[] = {1.0, 2.0, nan_, 4.0};
    double neg[] = {-2.0, -4.0, -6.0, -10.0}, r = -7.0, p = -7.0;
    corr_fn fn[2] = {llmperf_stats_pearson, llmperf_stats_spearman};
    int i;

    (void)state;
    for (i = 0; i < 2; i++) {
        assert_int_equal(fn[i](NULL, y, 4, &r, &p), LLMPERF_EINVAL);
        assert_int_equal(fn[i](x, NULL, 4, &r, &p), LLMPERF_EINVAL);
        assert_int_equal(fn[i](x, y, 4, NULL, &p), LLMPERF_EINVAL);
        assert_int_equal(fn[i](x, y, 4, &r, NULL), LLMPERF_EINVAL);
        assert_int_equal(fn[i](bad, y, 4, &r, &p), LLMPERF_EINVAL);
        assert_int_equal(fn[i](x, bad, 4, &r, &p), LLMPERF_EINVAL);
        bad[2] = inf_;
        assert_int_equal(fn[i](x, bad, 4, &r, &p), LLMPERF_EINVAL);
        bad[2] = nan_;
        assert_int_equal(fn[i](x, y, 2, &r, &p), LLMPERF_EUNDEFINED);
        assert_int_equal(fn[i](x, y, 0, &r, &p), LLMPERF_EUNDEFINED);
        assert_int_equal(fn[i](c, y, 4, &r, &p), LLMPERF_EUNDEFINED);
        assert_int_equal(fn[i](x, c, 4, &r, &p), LLMPERF_EUNDEFINED);
        assert_true(r == -7.0 && p == -7.0);
        /* perfect (anti)correlation is exactly +-1 with p = 0 */
        assert_int_equal(fn[i](x, x, 4, &r, &p), 0);
        assert_true(r == 1.0 && p == 0.0);
        assert_int_equal(fn[i](x, neg, 4, &r, &p), 0);
        assert_true(r == -1.0 && p == 0.0);
        r = p = -7.0;
    }
}

static void test_rank_test_errors(void **state)
{
    double a[] = {1.0, 2.0, 3.0}, b[] = {2.5, 4.0}, e[] = {5.0, 5.0};
    double bad[] = {1.0, nan_};
    const double *g2[] = {a, b}, *gnull[] = {a, NULL}, *gbad[] = {a, bad};
    const double *ge[] = {e, e};
    size_t s2[] = {3, 2}, s22[] = {2, 2};
    double h = -7.0, p = -7.0;

    (void)state;
    assert_int_equal(llmperf_stats_kruskal(NULL, s2, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_kruskal(g2, NULL, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_kruskal(g2, s2, 2, NULL, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_kruskal(g2, s2, 2, &h, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_kruskal(gnull, s2, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_kruskal(gbad, s2, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_kruskal(g2, s2, 1, &h, &p),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_kruskal(ge, s22, 2, &h, &p),
                     LLMPERF_EUNDEFINED);
    assert_true(h == -7.0 && p == -7.0);

    assert_int_equal(llmperf_stats_mannwhitney(NULL, 3, b, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mannwhitney(a, 3, NULL, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mannwhitney(a, 3, b, 2, NULL, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mannwhitney(a, 3, b, 2, &h, NULL),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mannwhitney(a, 3, bad, 2, &h, &p),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_mannwhitney(a, 0, b, 2, &h, &p),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_mannwhitney(a, 3, b, 0, &h, &p),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_mannwhitney(e, 2, e, 2, &h, &p),
                     LLMPERF_EUNDEFINED);
    assert_true(h == -7.0 && p == -7.0);
}

static void test_distribution_errors(void **state)
{
    double o = -7.0, a, b;

    (void)state;
    assert_int_equal(llmperf_stats_normal_cdf(0.0, NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_normal_sf(nan_, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_normal_cdf(inf_, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_t_cdf(1.0, 0.0, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_t_sf(1.0, -3.0, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_t_sf(nan_, 3.0, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_t_sf(1.0, inf_, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_t_cdf(1.0, 3.0, NULL), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_chi2_sf(1.0, 0.0, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_chi2_sf(1.0, 2e10, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_chi2_cdf(-inf_, 2.0, &o),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_chi2_cdf(1.0, nan_, &o), LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_chi2_cdf(1.0, 2.0, NULL), LLMPERF_EINVAL);
    assert_true(o == -7.0);

    /* edges and identities */
    assert_int_equal(llmperf_stats_chi2_sf(-1.0, 3.0, &a), 0);
    assert_int_equal(llmperf_stats_chi2_cdf(0.0, 3.0, &b), 0);
    assert_true(a == 1.0 && b == 0.0);
    assert_int_equal(llmperf_stats_t_cdf(0.0, 7.0, &a), 0);
    assert_true(a == 0.5);
    assert_int_equal(llmperf_stats_t_cdf(-2.5, 7.0, &a), 0);
    assert_int_equal(llmperf_stats_t_sf(2.5, 7.0, &b), 0);
    assert_true(a == b); /* symmetry, computed by the same path */
    assert_int_equal(llmperf_stats_t_cdf(2.5, 7.0, &a), 0);
    assert_true(fabs(a + b - 1.0) < 1e-15);
    /* chi-square with 2 df is exponential: sf(x) = exp(-x / 2) */
    assert_int_equal(llmperf_stats_chi2_sf(1000.0, 2.0, &a), 0);
    assert_true(fabs(a / exp(-500.0) - 1.0) < 1e-13);
    /* Cauchy (t with 1 df): sf(t) ~ 1 / (pi t) far out */
    assert_int_equal(llmperf_stats_t_sf(1e200, 1.0, &a), 0);
    assert_true(fabs(a * 3.141592653589793e200 - 1.0) < 1e-13);
    /* beyond 1e30 df the t distribution is the normal one */
    assert_int_equal(llmperf_stats_t_sf(30.0, 1e300, &a), 0);
    assert_int_equal(llmperf_stats_normal_sf(30.0, &b), 0);
    assert_true(a == b && a > 4.9e-198 && a < 4.91e-198);
}

static void test_bootstrap_errors(void **state)
{
    double x[] = {1.0, 2.0, 3.0}, bad[] = {1.0, inf_};
    double lo = -7.0, hi = -7.0, r = -7.0, zero[] = {0.0, 0.0, 0.0};

    (void)state;
    assert_int_equal(
        llmperf_stats_bootstrap_ci(NULL, 3, 50, .9, 10, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 50, .9, 10, 1, NULL, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 50, .9, 10, 1, &lo, NULL),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 101, .9, 10, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 50, 0.0, 10, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 50, 1.0, 10, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 50, nan_, 10, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 3, 50, .9, 0, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(bad, 2, 50, .9, 10, 1, &lo, &hi),
        LLMPERF_EINVAL);
    assert_int_equal(
        llmperf_stats_bootstrap_ci(x, 0, 50, .9, 10, 1, &lo, &hi),
        LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_bootstrap_ratio_ci(x, 3, bad, 2, 50, .9,
                                                      10, 1, &r, &lo, &hi),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_bootstrap_ratio_ci(x, 3, x, 3, 50, .9,
                                                      10, 1, NULL, &lo, &hi),
                     LLMPERF_EINVAL);
    assert_int_equal(llmperf_stats_bootstrap_ratio_ci(x, 0, x, 3, 50, .9,
                                                      10, 1, &r, &lo, &hi),
                     LLMPERF_EUNDEFINED);
    assert_int_equal(llmperf_stats_bootstrap_ratio_ci(x, 3, x, 0, 50, .9,
                                                      10, 1, &r, &lo, &hi),
                     LLMPERF_EUNDEFINED);
    /* a zero baseline percentile makes the ratio undefined */
    assert_int_equal(llmperf_stats_bootstrap_ratio_ci(zero, 3, x, 3, 50, .9,
                                                      10, 1, &r, &lo, &hi),
                     LLMPERF_EUNDEFINED);
    assert_true(lo == -7.0 && hi == -7.0 && r == -7.0);
}

/* ---- allocation failure -------------------------------------------- */

/* Fail the k-th allocation for k = 1, 2, ... until the call succeeds:
 * every earlier attempt must report LLMPERF_ENOMEM and leave out alone
 * (leaks show up under the sanitizer build). */
typedef int (*alloc_case)(double *out);

static double big[3000];
static double huge_in[100000]; /* above 65536: the sampled-band path */

static int case_pct(double *out)
{
    double q[20], tmp[20];
    int i, rc;

    for (i = 0; i < 20; i++)
        q[i] = 5.0 * i;
    rc = llmperf_stats_percentiles(big, 3000, q, 20, tmp);
    if (rc == LLMPERF_OK)
        *out = tmp[19];
    return rc;
}

static int case_pct_bands(double *out)
{
    double q[4] = {50.0, 90.0, 95.0, 99.0}, tmp[4];
    int rc = llmperf_stats_percentiles(huge_in, 100000, q, 4, tmp);

    if (rc == LLMPERF_OK)
        *out = tmp[3];
    return rc;
}

static int case_spearman(double *out)
{
    double p;

    return llmperf_stats_spearman(big, big + 1000, 1000, out, &p);
}

static int case_kruskal(double *out)
{
    const double *g[] = {big, big + 1000, big + 2000};
    size_t s[] = {1000, 1000, 1000};
    double p;

    return llmperf_stats_kruskal(g, s, 3, out, &p);
}

static int case_mwu(double *out)
{
    double p;

    return llmperf_stats_mannwhitney(big, 1500, big + 1500, 1500, out, &p);
}

static int case_boot(double *out)
{
    double hi;

    return llmperf_stats_bootstrap_ci(big, 500, 50.0, 0.95, 50, 9, out, &hi);
}

static int case_boot_ratio(double *out)
{
    double lo, hi;

    return llmperf_stats_bootstrap_ratio_ci(big, 300, big + 300, 400, 90.0,
                                            0.9, 40, 9, out, &lo, &hi);
}

static void test_alloc_failure(void **state)
{
    alloc_case cases[] = {case_pct, case_pct_bands, case_spearman,
                          case_kruskal, case_mwu, case_boot,
                          case_boot_ratio};
    size_t c;
    long k;
    uint64_t st = 77;

    (void)state;
    for (c = 0; c < LLMPERF__ARRAY_LEN(big); c++)
        big[c] = 1.0 + unif(&st);
    for (c = 0; c < LLMPERF__ARRAY_LEN(huge_in); c++)
        huge_in[c] = unif(&st) * unif(&st);
    for (c = 0; c < LLMPERF__ARRAY_LEN(cases); c++) {
        double out = -7.0;
        int rc = LLMPERF_ENOMEM;

        for (k = 1; k < 20 && rc == LLMPERF_ENOMEM; k++) {
            llmperf__alloc_fail_after(k);
            rc = cases[c](&out);
            llmperf__alloc_fail_after(0);
            if (rc == LLMPERF_ENOMEM)
                assert_true(out == -7.0);
        }
        assert_int_equal(rc, LLMPERF_OK);
        assert_true(k > 2); /* at least the first allocation was failed */
        assert_true(out != -7.0);
    }
}

/* ---- bootstrap behaviour --------------------------------------------- */

static void test_bootstrap_properties(void **state)
{
    double x[400], lo1, hi1, lo2, hi2, lo90, hi90, lo99, hi99, med, r, l, h;
    uint64_t st = 5;
    size_t i;

    (void)state;
    for (i = 0; i < 400; i++) /* skewed, latency-like */
        x[i] = 100.0 + 50.0 * unif(&st) * unif(&st) * unif(&st);
    assert_int_equal(llmperf_stats_percentile(x, 400, 50.0, &med), 0);
    assert_int_equal(llmperf_stats_bootstrap_ci(x, 400, 50.0, 0.95, 1000,
                                                42, &lo1, &hi1), 0);
    assert_int_equal(llmperf_stats_bootstrap_ci(x, 400, 50.0, 0.95, 1000,
                                                42, &lo2, &hi2), 0);
    assert_true(lo1 == lo2 && hi1 == hi2); /* same seed, same interval */
    assert_true(lo1 < med && med < hi1);
    assert_int_equal(llmperf_stats_bootstrap_ci(x, 400, 50.0, 0.95, 1000,
                                                43, &lo2, &hi2), 0);
    assert_true(lo1 != lo2 || hi1 != hi2); /* the seed matters */
    assert_true(lo2 < med && med < hi2);
    assert_int_equal(llmperf_stats_bootstrap_ci(x, 400, 50.0, 0.90, 1000,
                                                42, &lo90, &hi90), 0);
    assert_int_equal(llmperf_stats_bootstrap_ci(x, 400, 50.0, 0.99, 1000,
                                                42, &lo99, &hi99), 0);
    assert_true(lo99 < lo90 && hi90 < hi99);
    assert_true(hi99 - lo99 > hi90 - lo90);

    /* ratio: a sample against itself scaled by 1.25 */
    for (i = 0; i < 200; i++)
        x[200 + i] = 1.25 * x[i];
    assert_int_equal(llmperf_stats_bootstrap_ratio_ci(x, 200, x + 200, 200,
                                                      50.0, 0.95, 500, 1, &r,
                                                      &l, &h), 0);
    assert_true(r == 1.25);
    assert_true(l < 1.25 && 1.25 < h);
    assert_true(l > 1.0 && h < 1.6);
    /* a sample with one value has a zero-width interval */
    assert_int_equal(llmperf_stats_bootstrap_ci(x, 1, 50.0, 0.95, 10, 1,
                                                &lo1, &hi1), 0);
    assert_true(lo1 == x[0] && hi1 == x[0]);
}

/* ---- selection against a sort ---------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* numpy.percentile's linear method on sorted s, written independently. */
static double ref_pct(const double *s, size_t n, double q)
{
    double h = (double)(n - 1) * (q / 100.0), g, d;
    size_t i;

    if (h >= (double)(n - 1))
        return s[n - 1];
    i = (size_t)floor(h);
    g = h - floor(h);
    if (g == 0.0)
        return s[i];
    d = s[i + 1] - s[i];
    return g >= 0.5 ? s[i + 1] - d * (1.0 - g) : s[i] + d * g;
}

static void fill_pattern(double *x, size_t n, int pattern, uint64_t *st)
{
    size_t i;

    for (i = 0; i < n; i++) {
        switch (pattern) {
        case 0: x[i] = (double)i; break;                       /* sorted */
        case 1: x[i] = (double)(n - i); break;                 /* reversed */
        case 2: x[i] = 3.0; break;                             /* all equal */
        case 3: x[i] = (double)(i < n / 2 ? i : n - i); break; /* pipe */
        case 4: x[i] = (double)(i % 7); break;                 /* sawtooth */
        case 5: x[i] = floor(3.0 * unif(st)); break;           /* 3 values */
        case 6: x[i] = unif(st) - 0.5; break;                  /* random */
        default: x[i] = (i % 2) ? -0.0 : 0.0; break;           /* signed 0 */
        }
    }
}

static void test_selection_patterns(void **state)
{
    static const size_t sizes[] = {1, 2, 3, 5, 16, 17, 33, 100, 1000, 65537,
                                   200003};
    double qs[] = {0, 0.5, 1, 10, 25, 33.3, 50, 66.7, 75, 90, 95, 99, 99.9,
                   100, 50, 0, 12.5, 37.5};
    enum { NQ = sizeof(qs) / sizeof(qs[0]) };
    double *x, *s, *copy, out[NQ], one;
    uint64_t st = 99;
    size_t si, j, n;
    int pat;

    (void)state;
    x = malloc(200003 * sizeof(double));
    s = malloc(200003 * sizeof(double));
    copy = malloc(200003 * sizeof(double));
    assert_true(x != NULL && s != NULL && copy != NULL);
    for (si = 0; si < LLMPERF__ARRAY_LEN(sizes); si++) {
        n = sizes[si];
        for (pat = 0; pat < 8; pat++) {
            fill_pattern(x, n, pat, &st);
            memcpy(s, x, n * sizeof(double));
            memcpy(copy, x, n * sizeof(double));
            qsort(s, n, sizeof(double), cmp_d);
            /* 18 quantiles: more bands than the sampled path takes */
            assert_int_equal(llmperf_stats_percentiles(x, n, qs, NQ, out),
                             0);
            assert_memory_equal(x, copy, n * sizeof(double)); /* x intact */
            for (j = 0; j < NQ; j++) {
                assert_true(out[j] == ref_pct(s, n, qs[j]));
                /* one at a time: the sampled path for large n */
                assert_int_equal(llmperf_stats_percentile(x, n, qs[j], &one),
                                 0);
                assert_true(one == out[j]);
            }
            assert_int_equal(llmperf_stats_percentiles(x, n, qs + 9, 4, out),
                             0);
            for (j = 0; j < 4; j++)
                assert_true(out[j] == ref_pct(s, n, qs[9 + j]));
        }
    }
    free(copy);
    free(s);
    free(x);
}

/* ---- numeric robustness ----------------------------------------------- */

static void test_robustness(void **state)
{
    double huge[] = {1e308, 1e308, 1e308}, pm[] = {1e300, -1e300};
    double tiny[] = {1e-300, 3e-300, 2e-300}, ends[] = {-1e308, 1e308};
    double lin_y[3], o, r, p;

    (void)state;
    /* sums that would overflow or underflow without scaling */
    assert_int_equal(llmperf_stats_mean(huge, 3, &o), 0);
    assert_true(o == 1e308);
    assert_int_equal(llmperf_stats_stddev(huge, 3, &o), 0);
    assert_true(o == 0.0);
    assert_int_equal(llmperf_stats_stddev(pm, 2, &o), 0);
    assert_true(fabs(o / (sqrt(2.0) * 1e300) - 1.0) < 1e-15);
    assert_int_equal(llmperf_stats_stddev_pop(tiny, 3, &o), 0);
    assert_true(fabs(o / (sqrt(2.0 / 3.0) * 1e-300) - 1.0) < 1e-14);
    assert_int_equal(llmperf_stats_cv(tiny, 3, &o), 0);
    assert_true(fabs(o - 0.5) < 1e-14);
    /* interpolating across the whole double range */
    assert_int_equal(llmperf_stats_percentile(ends, 2, 50.0, &o), 0);
    assert_true(o == 0.0);
    assert_int_equal(llmperf_stats_percentile(ends, 2, 75.0, &o), 0);
    assert_true(fabs(o / 5e307 - 1.0) < 1e-15);
    /* correlation is scale free, even at the ends of the range */
    lin_y[0] = -1e-300, lin_y[1] = -3e-300, lin_y[2] = -2e-300;
    assert_int_equal(llmperf_stats_pearson(tiny, lin_y, 3, &r, &p), 0);
    assert_true(r == -1.0 && p == 0.0);
    huge[1] = -1e308;
    assert_int_equal(llmperf_stats_pearson(huge, tiny, 3, &r, &p), 0);
    assert_true(isfinite(r) && isfinite(p) && fabs(r) < 1.0);
}

/* ---- concurrent use --------------------------------------------------- */

typedef struct job {
    const double *x, *y;
    size_t n;
    double res[6];
} job;

static void *worker(void *arg)
{
    job *j = arg;
    const double *g[2];
    size_t s[2];
    double q = 99.0;
    int k;

    g[0] = j->x, g[1] = j->y, s[0] = s[1] = j->n;
    for (k = 0; k < 20; k++) {
        if (llmperf_stats_spearman(j->x, j->y, j->n, &j->res[0],
                                   &j->res[1]) != 0 ||
            llmperf_stats_kruskal(g, s, 2, &j->res[2], &j->res[3]) != 0 ||
            llmperf_stats_percentiles(j->x, j->n, &q, 1, &j->res[4]) != 0 ||
            llmperf_stats_t_sf(3.0, (double)j->n, &j->res[5]) != 0)
            return NULL;
    }
    return arg;
}

static void test_threads(void **state)
{
    enum { N = 5000, T = 4 };
    static double x[N], y[N];
    pthread_t th[T];
    job jobs[T], ref;
    uint64_t st = 3;
    void *ret;
    int i;

    (void)state;
    for (i = 0; i < N; i++) {
        x[i] = unif(&st);
        y[i] = x[i] + unif(&st);
    }
    ref.x = x, ref.y = y, ref.n = N;
    assert_ptr_equal(worker(&ref), &ref);
    for (i = 0; i < T; i++) {
        jobs[i] = ref;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    }
    for (i = 0; i < T; i++) {
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_ptr_equal(ret, &jobs[i]);
        assert_memory_equal(jobs[i].res, ref.res, sizeof(ref.res));
    }
}

/* One scale for every place that puts a correlation into words. */
static void test_corr_strength(void **state)
{
    (void)state;
    assert_string_equal(llmperf_stats_corr_strength(0.0), "negligible");
    assert_string_equal(llmperf_stats_corr_strength(-0.099), "negligible");
    assert_string_equal(llmperf_stats_corr_strength(0.1), "weak");
    assert_string_equal(llmperf_stats_corr_strength(-0.3), "moderate");
    assert_string_equal(llmperf_stats_corr_strength(0.5), "strong");
    assert_string_equal(llmperf_stats_corr_strength(-0.69), "strong");
    assert_string_equal(llmperf_stats_corr_strength(0.7), "very strong");
    assert_string_equal(llmperf_stats_corr_strength(1.0), "very strong");
    assert_string_equal(llmperf_stats_corr_strength(NAN), "undefined");
    assert_string_equal(llmperf_stats_corr_strength(-INFINITY), "undefined");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_statistics),
        cmocka_unit_test(test_reference_distributions),
        cmocka_unit_test(test_percentile_errors),
        cmocka_unit_test(test_moment_errors),
        cmocka_unit_test(test_correlation_errors),
        cmocka_unit_test(test_rank_test_errors),
        cmocka_unit_test(test_distribution_errors),
        cmocka_unit_test(test_bootstrap_errors),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_bootstrap_properties),
        cmocka_unit_test(test_selection_patterns),
        cmocka_unit_test(test_robustness),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_corr_strength),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
