/* SPDX-License-Identifier: MIT */
/*
 * metrics_query.c -- statistics over the accumulator: gathering a
 * field's values from the compact rows and handing them to llmperf/stats.h,
 * the pooled-ITL statistics computed on the code histogram, run
 * aggregates (duration, throughput, goodput), correlations, rank tests
 * across groups and per-prompt repeatability.
 */
#include "metrics_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llmperf/stats.h"

#define NCODES (LLMPERF__ITL_BLOCKS * LLMPERF__ITL_BLOCK)

/* Column indexes of the fields the aggregates read. */
#define COL(f) ((f) - LLMPERF_FIELDKIND_I64 - 1)
#define C_SENT COL(LLMPERF_RESULT_SENT_NS)
#define C_TTFT COL(LLMPERF_RESULT_TTFT_NS)
#define C_E2E COL(LLMPERF_RESULT_E2E_NS)
#define C_OUT COL(LLMPERF_RESULT_OUTPUT_TOKENS)
#define C_PROMPT COL(LLMPERF_RESULT_PROMPT_TOKENS)
#define C_TPOT COL(LLMPERF_RESULT_TPOT_NS)

int llmperf__metrics_field(int field, int *col)
{
    if (field == LLMPERF_METRICS_ITL_NS) {
        *col = -1;
        return LLMPERF_OK;
    }
    if (field > LLMPERF_FIELDKIND_I64 &&
        field <= LLMPERF_FIELDKIND_I64 + LLMPERF__M_NI64) {
        *col = field - LLMPERF_FIELDKIND_I64 - 1;
        return LLMPERF_OK;
    }
    if (field > LLMPERF_FIELDKIND_F64 &&
        field <= LLMPERF_FIELDKIND_F64 + LLMPERF__M_NF64) {
        *col = LLMPERF__M_NI64 + field - LLMPERF_FIELDKIND_F64 - 1;
        return LLMPERF_OK;
    }
    return llmperf_result_field_name(field) != NULL ? LLMPERF_EINVAL
                                                     : LLMPERF_ENOTFOUND;
}

int llmperf__metrics_col_all_rows(int col)
{
    switch (col + LLMPERF_FIELDKIND_I64 + 1) {
    case LLMPERF_RESULT_SCHEDULED_NS:
    case LLMPERF_RESULT_SENT_NS:
    case LLMPERF_RESULT_CLIENT_LAG_NS:
    case LLMPERF_RESULT_STATUS:
    case LLMPERF_RESULT_HTTP_STATUS:
    case LLMPERF_RESULT_BYTES_RECEIVED:
    case LLMPERF_RESULT_NEW_CONNECTIONS:
        return 1;
    default:
        return 0;
    }
}

static int bit(const uint64_t *bits, size_t i)
{
    return (int)(bits[i / 64] >> (i % 64) & 1);
}

static double as_double(int col, int64_t raw)
{
    double d;

    if (col < LLMPERF__M_NI64)
        return (double)raw;
    memcpy(&d, &raw, sizeof(d));
    return d;
}

/*
 * Walk a column along the rows: call once per row, in row order, with
 * the column's dense cursor *j; returns 1 and the value when the row has
 * one.
 */
static int cell(const struct llmperf__group *g, int col, size_t row,
                size_t *j, int64_t *v)
{
    if (!bit(g->col[col].bits, row))
        return 0;
    *v = g->col[col].v[(*j)++];
    return 1;
}

/* Count of a column's qualifying values in one group. */
static size_t count_col(const struct llmperf__group *g, int col)
{
    size_t n = 0;

    if (llmperf__metrics_col_all_rows(col))
        return g->col[col].n;
    for (size_t w = 0; w < (g->rows + 63) / 64; w++)
        n += (size_t)__builtin_popcountll(g->col[col].bits[w] & g->ok[w]);
    return n;
}

/*
 * Append a column's qualifying values to out. The bitmaps are walked a
 * word (64 rows) at a time: set bits are found with ctz, and the dense
 * cursor j advances by the popcount of each word, so absent rows cost
 * nothing.
 */
static void fill_col(const struct llmperf__group *g, int col, double *out,
                     size_t *k)
{
    const struct llmperf__col *c = &g->col[col];
    int all = llmperf__metrics_col_all_rows(col);
    size_t j = 0;

    for (size_t w = 0; w < (g->rows + 63) / 64; w++) {
        uint64_t present = c->bits[w];
        uint64_t want = all ? present : present & g->ok[w];

        if (want == present) { /* every present row qualifies */
            for (; present != 0; present &= present - 1)
                out[(*k)++] = as_double(col, c->v[j++]);
            continue;
        }
        for (; present != 0; present &= present - 1, j++)
            if (want & (present & -present))
                out[(*k)++] = as_double(col, c->v[j]);
    }
}

int llmperf__metrics_gather(const llmperf_metrics *m,
                            const struct llmperf__group *g, int col,
                            double **out, size_t *n)
{
    size_t total = 0, k = 0, ng = g != NULL ? 1 : m->groups.n;
    const struct llmperf__group *cur;

    for (size_t i = 0; i < ng; i++)
        total += count_col(g != NULL ? g : m->g[i], col);
    *out = NULL;
    *n = total;
    if (total == 0)
        return LLMPERF_OK;
    *out = llmperf__reallocarray(NULL, total, sizeof(double));
    if (*out == NULL)
        return LLMPERF_ENOMEM;
    for (size_t i = 0; i < ng; i++) {
        cur = g != NULL ? g : m->g[i];
        fill_col(cur, col, *out, &k);
    }
    return LLMPERF_OK;
}

int llmperf__metrics_gather2(const llmperf_metrics *m,
                             const struct llmperf__group *g, int cx, int cy,
                             double **x, double **y, size_t *n)
{
    size_t cap = 0, k = 0, ng = g != NULL ? 1 : m->groups.n;
    int all = llmperf__metrics_col_all_rows(cx) &&
              llmperf__metrics_col_all_rows(cy);

    *x = *y = NULL;
    *n = 0;
    for (size_t i = 0; i < ng; i++) {
        const struct llmperf__group *c = g != NULL ? g : m->g[i];

        cap += c->col[cx].n < c->col[cy].n ? c->col[cx].n : c->col[cy].n;
    }
    if (cap == 0)
        return LLMPERF_OK;
    *x = llmperf__reallocarray(NULL, cap, sizeof(double));
    *y = llmperf__reallocarray(NULL, cap, sizeof(double));
    if (*x == NULL || *y == NULL) {
        llmperf__free(*x);
        llmperf__free(*y);
        *x = *y = NULL;
        return LLMPERF_ENOMEM;
    }
    for (size_t i = 0; i < ng; i++) {
        const struct llmperf__group *c = g != NULL ? g : m->g[i];
        size_t jx = 0, jy = 0;

        /* Word-wise: rows having both values (and OK when needed). */
        for (size_t w = 0; w < (c->rows + 63) / 64; w++) {
            uint64_t bx = c->col[cx].bits[w], by = c->col[cy].bits[w];
            uint64_t want = bx & by & (all ? ~0ULL : c->ok[w]);

            for (uint64_t b = bx | by; b != 0; b &= b - 1) {
                uint64_t low = b & -b;

                if (want & low) {
                    (*x)[k] = as_double(cx, c->col[cx].v[jx]);
                    (*y)[k++] = as_double(cy, c->col[cy].v[jy]);
                }
                jx += (bx & low) != 0;
                jy += (by & low) != 0;
            }
        }
    }
    *n = k;
    return LLMPERF_OK;
}

/* ---- pooled ITL ------------------------------------------------------ */

int llmperf__metrics_itl_hist(const llmperf_metrics *m,
                              const struct llmperf__group *g,
                              uint64_t **counts, uint64_t *total)
{
    size_t ng = g != NULL ? 1 : m->groups.n;
    uint64_t *h = llmperf__calloc(NCODES, sizeof(*h));

    if (h == NULL)
        return LLMPERF_ENOMEM;
    *total = 0;
    for (size_t i = 0; i < ng; i++) {
        const struct llmperf__group *c = g != NULL ? g : m->g[i];

        for (int b = 0; b < LLMPERF__ITL_BLOCKS; b++)
            if (c->itl[b] != NULL)
                for (int j = 0; j < LLMPERF__ITL_BLOCK; j++)
                    h[b * LLMPERF__ITL_BLOCK + j] += c->itl[b][j];
        *total += c->itl_n;
    }
    *counts = h;
    return LLMPERF_OK;
}

/*
 * A view of the pooled ITL histogram of one group or of every group,
 * read in place (no copy): the count of a code is the sum over the
 * groups' blocks, and blocks no group has are skipped whole.
 */
struct hview {
    const struct llmperf__group *const *g;
    size_t ng;
};

static void hview_init(struct hview *v, const llmperf_metrics *m,
                       const struct llmperf__group *const *one)
{
    if (*one != NULL) {
        v->g = one;
        v->ng = 1;
    } else {
        v->g = (const struct llmperf__group *const *)m->g;
        v->ng = m->groups.n;
    }
}

static int hv_block(const struct hview *v, unsigned b)
{
    for (size_t i = 0; i < v->ng; i++)
        if (v->g[i]->itl[b] != NULL)
            return 1;
    return 0;
}

static uint64_t hv_count(const struct hview *v, unsigned b, unsigned j)
{
    uint64_t c = 0;

    for (size_t i = 0; i < v->ng; i++)
        if (v->g[i]->itl[b] != NULL)
            c += v->g[i]->itl[b][j];
    return c;
}

static uint64_t hv_total(const struct hview *v)
{
    uint64_t n = 0;

    for (size_t i = 0; i < v->ng; i++)
        n += v->g[i]->itl_n;
    return n;
}

/* Value of 0-based rank k of the coded multiset (k < total). */
static double hist_rank(const struct hview *v, uint64_t k)
{
    uint64_t seen = 0;

    for (unsigned b = 0; b < LLMPERF__ITL_BLOCKS; b++) {
        if (!hv_block(v, b))
            continue;
        for (unsigned j = 0; j < LLMPERF__ITL_BLOCK; j++) {
            seen += hv_count(v, b, j);
            if (seen > k)
                return llmperf__itl_value(b * LLMPERF__ITL_BLOCK + j);
        }
    }
    return 0.0; /* not reached for k < total */
}

/*
 * The q-th percentile of the histogram with the arithmetic of
 * llmperf_stats_percentile() (NumPy's linear method and its lerp), so it
 * equals that function applied to the decoded values bit for bit.
 */
static double hist_percentile(const struct hview *v, uint64_t n, double q)
{
    double hp = (double)(n - 1) * (q / 100.0), fl, a, b, g, d;
    uint64_t i;

    if (hp >= (double)(n - 1))
        return hist_rank(v, n - 1);
    fl = floor(hp);
    i = (uint64_t)fl;
    g = hp - fl;
    a = hist_rank(v, i);
    if (g == 0.0)
        return a;
    b = hist_rank(v, i + 1);
    d = b - a;
    return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}

/* Neumaier-compensated sum of count * f(value) over the codes, in code
 * order (so the result does not depend on the order of adding). */
static double hist_sum(const struct hview *v, double center, int square)
{
    double s = 0.0, comp = 0.0;

    for (unsigned b = 0; b < LLMPERF__ITL_BLOCKS; b++) {
        if (!hv_block(v, b))
            continue;
        for (unsigned j = 0; j < LLMPERF__ITL_BLOCK; j++) {
            uint64_t c = hv_count(v, b, j);
            double x, t;

            if (c == 0)
                continue;
            x = llmperf__itl_value(b * LLMPERF__ITL_BLOCK + j) - center;
            x = (square ? x * x : x) * (double)c;
            t = s + x;
            comp += fabs(s) >= fabs(x) ? (s - t) + x : (x - t) + s;
            s = t;
        }
    }
    return s + comp;
}

static int itl_stat(const struct hview *h, int stat, double *out)
{
    uint64_t n = hv_total(h);
    double mean, ss;

    if (stat == LLMPERF_STAT_COUNT) {
        *out = (double)n;
        return LLMPERF_OK;
    }
    if (n == 0 || ((stat == LLMPERF_STAT_STD || stat == LLMPERF_STAT_CV) &&
                   n < 2))
        return LLMPERF_EUNDEFINED;
    switch (stat) {
    case LLMPERF_STAT_MEAN:
        *out = hist_sum(h, 0.0, 0) / (double)n;
        return LLMPERF_OK;
    case LLMPERF_STAT_STD:
    case LLMPERF_STAT_STD_POP:
    case LLMPERF_STAT_CV:
        mean = hist_sum(h, 0.0, 0) / (double)n;
        ss = hist_sum(h, mean, 1);
        if (stat == LLMPERF_STAT_STD_POP) {
            *out = sqrt(ss / (double)n);
            return LLMPERF_OK;
        }
        if (stat == LLMPERF_STAT_CV && mean == 0.0)
            return LLMPERF_EUNDEFINED;
        *out = sqrt(ss / (double)(n - 1)) / (stat == LLMPERF_STAT_CV ? mean
                                                                      : 1.0);
        return LLMPERF_OK;
    case LLMPERF_STAT_MIN:
        *out = hist_rank(h, 0);
        return LLMPERF_OK;
    case LLMPERF_STAT_MAX:
        *out = hist_rank(h, n - 1);
        return LLMPERF_OK;
    case LLMPERF_STAT_MEDIAN:
        *out = hist_percentile(h, n, 50.0);
        return LLMPERF_OK;
    default:
        return LLMPERF_EINVAL;
    }
}

/* ---- statistics of arrays -------------------------------------------- */

static int stat_valid(int stat)
{
    return stat >= LLMPERF_STAT_COUNT && stat <= LLMPERF_STAT_MEDIAN;
}

static int apply_stat(const double *x, size_t n, int stat, double *out)
{
    double lo, hi;
    int rc;

    /* The stats functions see NULL for an empty gather: EINVAL there. */
    if (n == 0 && stat != LLMPERF_STAT_COUNT)
        return stat_valid(stat) ? LLMPERF_EUNDEFINED : LLMPERF_EINVAL;
    switch (stat) {
    case LLMPERF_STAT_COUNT:
        *out = (double)n;
        return LLMPERF_OK;
    case LLMPERF_STAT_MEAN:
        return llmperf_stats_mean(x, n, out);
    case LLMPERF_STAT_STD:
        return llmperf_stats_stddev(x, n, out);
    case LLMPERF_STAT_STD_POP:
        return llmperf_stats_stddev_pop(x, n, out);
    case LLMPERF_STAT_CV:
        return llmperf_stats_cv(x, n, out);
    case LLMPERF_STAT_MIN:
    case LLMPERF_STAT_MAX:
        if ((rc = llmperf_stats_min_max(x, n, &lo, &hi)) == LLMPERF_OK)
            *out = stat == LLMPERF_STAT_MIN ? lo : hi;
        return rc;
    case LLMPERF_STAT_MEDIAN:
        return llmperf_stats_percentile(x, n, 50.0, out);
    default:
        return LLMPERF_EINVAL;
    }
}

/* Resolve group (NULL: all) and field for a query. */
static int resolve(const llmperf_metrics *m, const char *group, int field,
                   const struct llmperf__group **g, int *col)
{
    int rc;

    if ((rc = llmperf__metrics_field(field, col)) != LLMPERF_OK)
        return rc;
    *g = NULL;
    if (group != NULL && (*g = llmperf__metrics_find(m, group)) == NULL)
        return LLMPERF_ENOTFOUND;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_stat(const llmperf_metrics *m,
                                     const char *group, int field, int stat,
                                     double *out)
{
    const struct llmperf__group *g;
    struct hview hv;
    double *x = NULL, v;
    size_t n;
    int col, rc;

    if (m == NULL || out == NULL || !stat_valid(stat))
        return LLMPERF_EINVAL;
    if ((rc = resolve(m, group, field, &g, &col)) != LLMPERF_OK)
        return rc;
    if (col < 0) {
        hview_init(&hv, m, &g);
        rc = itl_stat(&hv, stat, &v);
    } else if ((rc = llmperf__metrics_gather(m, g, col, &x, &n)) ==
               LLMPERF_OK) {
        rc = apply_stat(x, n, stat, &v);
    }
    if (rc == LLMPERF_OK)
        *out = v;
    llmperf__free(x);
    return rc;
}

LLMPERF_API int llmperf_metrics_percentile(const llmperf_metrics *m,
                                           const char *group, int field,
                                           double q, double *out)
{
    const struct llmperf__group *g;
    struct hview hv;
    double *x = NULL, v = 0.0;
    size_t n;
    int col, rc;

    if (m == NULL || out == NULL || !(q >= 0.0 && q <= 100.0))
        return LLMPERF_EINVAL;
    if ((rc = resolve(m, group, field, &g, &col)) != LLMPERF_OK)
        return rc;
    if (col < 0) {
        hview_init(&hv, m, &g);
        if (hv_total(&hv) == 0)
            rc = LLMPERF_EUNDEFINED;
        else
            v = hist_percentile(&hv, hv_total(&hv), q);
    } else if ((rc = llmperf__metrics_gather(m, g, col, &x, &n)) ==
               LLMPERF_OK) {
        rc = n == 0 ? LLMPERF_EUNDEFINED
                    : llmperf_stats_percentile(x, n, q, &v);
    }
    if (rc == LLMPERF_OK)
        *out = v;
    llmperf__free(x);
    return rc;
}

/* ---- run aggregates --------------------------------------------------- */

struct run {
    double requests, completed, good, in_tok, out_tok;
    int64_t first, last;
    int any_time;
};

static int meets(const llmperf_metrics *m, int has_ttft, int64_t ttft,
                 int has_tpot, int64_t tpot, int has_e2e, int64_t e2e)
{
    if (m->has_slo[0] && (!has_ttft || ttft > m->slo[0]))
        return 0;
    /* vLLM counts a one-token answer's TPOT as 0. */
    if (m->has_slo[1] && has_tpot && tpot > m->slo[1])
        return 0;
    if (m->has_slo[2] && (!has_e2e || e2e > m->slo[2]))
        return 0;
    return 1;
}

static void run_group(const llmperf_metrics *m, const struct llmperf__group *g,
                      struct run *r)
{
    size_t js = 0, je = 0, jt = 0, jp = 0, jo = 0, jpt = 0;

    for (size_t i = 0; i < g->rows; i++) {
        int64_t sent, e2e = 0, ttft = 0, tpot = 0, out = 0, in = 0;
        int hs = cell(g, C_SENT, i, &js, &sent);
        int he = cell(g, C_E2E, i, &je, &e2e);
        int ht = cell(g, C_TTFT, i, &jt, &ttft);
        int hp = cell(g, C_TPOT, i, &jp, &tpot);
        int ho = cell(g, C_OUT, i, &jo, &out);
        int hi = cell(g, C_PROMPT, i, &jpt, &in);

        r->requests += 1.0;
        if (hs) {
            int64_t end = sent + (he ? e2e : 0);

            if (!r->any_time || sent < r->first)
                r->first = sent;
            if (!r->any_time || end > r->last)
                r->last = end;
            r->any_time = 1;
        }
        if (!bit(g->ok, i))
            continue;
        r->completed += 1.0;
        r->out_tok += ho ? (double)out : 0.0;
        r->in_tok += hi ? (double)in : 0.0;
        if (meets(m, ht, ttft, hp, tpot, he, e2e))
            r->good += 1.0;
    }
}

LLMPERF_API int llmperf_metrics_run_stat(const llmperf_metrics *m,
                                         const char *group, int which,
                                         double *out)
{
    const struct llmperf__group *g = NULL;
    struct run r;
    double dur;
    int slo = 0;

    if (m == NULL || out == NULL || which < LLMPERF_RUN_REQUESTS ||
        which > LLMPERF_RUN_REQUEST_GOODPUT)
        return LLMPERF_EINVAL;
    if (group != NULL && (g = llmperf__metrics_find(m, group)) == NULL)
        return LLMPERF_ENOTFOUND;
    memset(&r, 0, sizeof(r));
    for (size_t i = 0; i < (g != NULL ? 1 : m->groups.n); i++)
        run_group(m, g != NULL ? g : m->g[i], &r);
    slo = m->has_slo[0] || m->has_slo[1] || m->has_slo[2];
    dur = r.any_time ? (double)(r.last - r.first) : 0.0;
    switch (which) {
    case LLMPERF_RUN_REQUESTS:
        *out = r.requests;
        return LLMPERF_OK;
    case LLMPERF_RUN_COMPLETED:
        *out = r.completed;
        return LLMPERF_OK;
    case LLMPERF_RUN_FAILED:
        *out = r.requests - r.completed;
        return LLMPERF_OK;
    case LLMPERF_RUN_GOOD:
        if (!slo)
            return LLMPERF_EUNDEFINED;
        *out = r.good;
        return LLMPERF_OK;
    case LLMPERF_RUN_TOTAL_INPUT_TOKENS:
        *out = r.in_tok;
        return LLMPERF_OK;
    case LLMPERF_RUN_TOTAL_OUTPUT_TOKENS:
        *out = r.out_tok;
        return LLMPERF_OK;
    default:
        break;
    }
    if (!r.any_time || dur <= 0.0)
        return LLMPERF_EUNDEFINED;
    switch (which) {
    case LLMPERF_RUN_DURATION_NS:
        *out = dur;
        return LLMPERF_OK;
    case LLMPERF_RUN_REQUEST_THROUGHPUT:
        *out = r.completed * 1e9 / dur;
        return LLMPERF_OK;
    case LLMPERF_RUN_OUTPUT_THROUGHPUT:
        *out = r.out_tok * 1e9 / dur;
        return LLMPERF_OK;
    case LLMPERF_RUN_TOTAL_TOKEN_THROUGHPUT:
        *out = (r.in_tok + r.out_tok) * 1e9 / dur;
        return LLMPERF_OK;
    default: /* LLMPERF_RUN_REQUEST_GOODPUT */
        if (!slo)
            return LLMPERF_EUNDEFINED;
        *out = r.good * 1e9 / dur;
        return LLMPERF_OK;
    }
}

LLMPERF_API int llmperf_metrics_error_class(const llmperf_metrics *m,
                                            const char *group, size_t index,
                                            const char **name,
                                            int64_t *count)
{
    const struct llmperf__group *g = NULL;
    size_t seen = 0;

    if (m == NULL)
        return LLMPERF_EINVAL;
    if (group != NULL && (g = llmperf__metrics_find(m, group)) == NULL)
        return LLMPERF_ENOTFOUND;
    for (size_t k = 0; k < m->classes.n; k++) {
        int64_t c = 0;

        for (size_t i = 0; i < (g != NULL ? 1 : m->groups.n); i++) {
            const struct llmperf__group *cur = g != NULL ? g : m->g[i];

            if (k < cur->n_class)
                c += cur->class_fail[k];
        }
        if (c == 0)
            continue;
        if (seen++ == index) {
            if (name != NULL)
                *name = m->classes.s[k];
            if (count != NULL)
                *count = c;
            return LLMPERF_OK;
        }
    }
    return LLMPERF_ENOTFOUND;
}

/* ---- correlations and tests ------------------------------------------- */

typedef int (*corr_fn)(const double *, const double *, size_t, double *,
                       double *);

static int correlate(const llmperf_metrics *m, const char *group, int fx,
                     int fy, double *r, double *p, corr_fn fn)
{
    const struct llmperf__group *g;
    double *x = NULL, *y = NULL, rv, pv;
    size_t n;
    int cx, cy, rc;

    if (m == NULL || r == NULL || p == NULL)
        return LLMPERF_EINVAL;
    if ((rc = resolve(m, group, fx, &g, &cx)) != LLMPERF_OK ||
        (rc = llmperf__metrics_field(fy, &cy)) != LLMPERF_OK)
        return rc;
    if (cx < 0 || cy < 0)
        return LLMPERF_EINVAL;
    if ((rc = llmperf__metrics_gather2(m, g, cx, cy, &x, &y, &n)) ==
            LLMPERF_OK &&
        (rc = n < 3 ? LLMPERF_EUNDEFINED : fn(x, y, n, &rv, &pv)) ==
            LLMPERF_OK) {
        *r = rv;
        *p = pv;
    }
    llmperf__free(x);
    llmperf__free(y);
    return rc;
}

LLMPERF_API int llmperf_metrics_pearson(const llmperf_metrics *m,
                                        const char *group, int field_x,
                                        int field_y, double *r, double *p)
{
    return correlate(m, group, field_x, field_y, r, p, llmperf_stats_pearson);
}

LLMPERF_API int llmperf_metrics_spearman(const llmperf_metrics *m,
                                         const char *group, int field_x,
                                         int field_y, double *rho, double *p)
{
    return correlate(m, group, field_x, field_y, rho, p,
                     llmperf_stats_spearman);
}

LLMPERF_API int llmperf_metrics_kruskal(const llmperf_metrics *m, int field,
                                        double *h, double *p)
{
    double **x = NULL, hv, pv;
    size_t *n = NULL, k, i;
    int col, rc;

    if (m == NULL || h == NULL || p == NULL)
        return LLMPERF_EINVAL;
    if ((rc = llmperf__metrics_field(field, &col)) != LLMPERF_OK)
        return rc;
    if (col < 0)
        return LLMPERF_EINVAL;
    k = m->groups.n;
    if (k < 2)
        return LLMPERF_EUNDEFINED;
    x = llmperf__calloc(k, sizeof(*x));
    n = llmperf__calloc(k, sizeof(*n));
    rc = LLMPERF_ENOMEM;
    if (x == NULL || n == NULL)
        goto out;
    for (i = 0; i < k; i++)
        if ((rc = llmperf__metrics_gather(m, m->g[i], col, &x[i], &n[i])) !=
            LLMPERF_OK)
            goto out;
    if ((rc = llmperf_stats_kruskal((const double *const *)x, n, k, &hv,
                                    &pv)) == LLMPERF_OK) {
        *h = hv;
        *p = pv;
    }
out:
    for (i = 0; x != NULL && i < k; i++)
        llmperf__free(x[i]);
    llmperf__free(x);
    llmperf__free(n);
    return rc;
}

/* Values of field in two named groups. */
static int two_groups(const llmperf_metrics *m, int field, const char *a,
                      const char *b, double **xa, size_t *na, double **xb,
                      size_t *nb)
{
    const struct llmperf__group *ga, *gb;
    int col, rc;

    *xa = *xb = NULL;
    if (a == NULL || b == NULL)
        return LLMPERF_EINVAL;
    if ((rc = llmperf__metrics_field(field, &col)) != LLMPERF_OK)
        return rc;
    if (col < 0)
        return LLMPERF_EINVAL;
    ga = llmperf__metrics_find(m, a);
    gb = llmperf__metrics_find(m, b);
    if (ga == NULL || gb == NULL)
        return LLMPERF_ENOTFOUND;
    if ((rc = llmperf__metrics_gather(m, ga, col, xa, na)) != LLMPERF_OK)
        return rc;
    return llmperf__metrics_gather(m, gb, col, xb, nb);
}

LLMPERF_API int llmperf_metrics_mannwhitney(const llmperf_metrics *m,
                                            int field, const char *group_a,
                                            const char *group_b, double *u,
                                            double *p)
{
    double *a = NULL, *b = NULL, uv, pv;
    size_t na = 0, nb = 0;
    int rc;

    if (m == NULL || u == NULL || p == NULL)
        return LLMPERF_EINVAL;
    rc = two_groups(m, field, group_a, group_b, &a, &na, &b, &nb);
    if (rc == LLMPERF_OK && (na == 0 || nb == 0))
        rc = LLMPERF_EUNDEFINED;
    if (rc == LLMPERF_OK &&
        (rc = llmperf_stats_mannwhitney(a, na, b, nb, &uv, &pv)) ==
            LLMPERF_OK) {
        *u = uv;
        *p = pv;
    }
    llmperf__free(a);
    llmperf__free(b);
    return rc;
}

LLMPERF_API int llmperf_metrics_median_ratio(const llmperf_metrics *m,
                                             int field, const char *group_a,
                                             const char *group_b,
                                             double level, size_t resamples,
                                             uint64_t seed, double *ratio,
                                             double *lo, double *hi)
{
    double *a = NULL, *b = NULL, rv, lv, hv;
    size_t na = 0, nb = 0;
    int rc;

    if (m == NULL || ratio == NULL || lo == NULL || hi == NULL ||
        !(level > 0.0 && level < 1.0) || resamples == 0)
        return LLMPERF_EINVAL;
    rc = two_groups(m, field, group_a, group_b, &a, &na, &b, &nb);
    if (rc == LLMPERF_OK && (na == 0 || nb == 0))
        rc = LLMPERF_EUNDEFINED;
    if (rc == LLMPERF_OK &&
        (rc = llmperf_stats_bootstrap_ratio_ci(a, na, b, nb, 50.0, level,
                                               resamples, seed, &rv, &lv,
                                               &hv)) == LLMPERF_OK) {
        *ratio = rv;
        *lo = lv;
        *hi = hv;
    }
    llmperf__free(a);
    llmperf__free(b);
    return rc;
}

/* ---- repeatability ---------------------------------------------------- */

struct pv {
    size_t key;   /* first appearance of the prompt in the group */
    size_t seq;   /* row order                                   */
    double v;
};

static int pv_cmp(const void *a, const void *b)
{
    const struct pv *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append the per-prompt CVs of one group to *cv (grown as needed). */
static int group_cvs(const llmperf_metrics *m, const struct llmperf__group *g,
                     int col, size_t *first, double **cv, size_t *ncv,
                     size_t *cap)
{
    struct pv *a = NULL;
    size_t n = 0, j = 0, i, s, e;
    int all = llmperf__metrics_col_all_rows(col), rc = LLMPERF_OK;
    int64_t v;

    if (g->prompt == NULL || g->col[col].n == 0)
        return LLMPERF_OK;
    a = llmperf__reallocarray(NULL, g->col[col].n, sizeof(*a));
    if (a == NULL)
        return LLMPERF_ENOMEM;
    for (i = 0; i < m->prompts.n; i++)
        first[i] = SIZE_MAX;
    for (i = 0; i < g->rows; i++) {
        uint32_t p = g->prompt[i];

        if (!cell(g, col, i, &j, &v) || p == LLMPERF__NO_PROMPT ||
            (!all && !bit(g->ok, i)))
            continue;
        if (first[p] == SIZE_MAX)
            first[p] = i;
        a[n].key = first[p];
        a[n].seq = i;
        a[n++].v = as_double(col, v);
    }
    qsort(a, n, sizeof(*a), pv_cmp);
    for (s = 0; s < n; s = e) {
        double *x, c;
        size_t k;

        for (e = s; e < n && a[e].key == a[s].key; e++)
            ;
        if (e - s < 2)
            continue;
        x = llmperf__reallocarray(NULL, e - s, sizeof(*x));
        if (x == NULL) {
            rc = LLMPERF_ENOMEM;
            break;
        }
        for (k = s; k < e; k++)
            x[k - s] = a[k].v;
        rc = llmperf_stats_cv(x, e - s, &c);
        llmperf__free(x);
        if (rc == LLMPERF_EUNDEFINED) {
            rc = LLMPERF_OK; /* zero mean: no CV for this prompt */
            continue;
        }
        if (rc != LLMPERF_OK)
            break;
        if (*ncv == *cap) {
            size_t nc = *cap ? *cap * 2 : 64;
            double *grown = llmperf__reallocarray(*cv, nc, sizeof(*grown));

            if (grown == NULL) {
                rc = LLMPERF_ENOMEM;
                break;
            }
            *cv = grown;
            *cap = nc;
        }
        (*cv)[(*ncv)++] = c;
    }
    llmperf__free(a);
    return rc;
}

/* See metrics_int.h. */
int llmperf__metrics_cvs(const llmperf_metrics *m, const char *group,
                         int field, double **cv, size_t *n)
{
    const struct llmperf__group *g;
    size_t *first = NULL, cap = 0;
    int col, rc;

    *cv = NULL;
    *n = 0;
    if ((rc = resolve(m, group, field, &g, &col)) != LLMPERF_OK)
        return rc;
    if (col < 0)
        return LLMPERF_EINVAL;
    if (m->prompts.n == 0)
        return LLMPERF_OK;
    first = llmperf__reallocarray(NULL, m->prompts.n, sizeof(*first));
    if (first == NULL)
        return LLMPERF_ENOMEM;
    for (size_t i = 0; i < (g != NULL ? 1 : m->groups.n) && rc == LLMPERF_OK;
         i++)
        rc = group_cvs(m, g != NULL ? g : m->g[i], col, first, cv, n, &cap);
    llmperf__free(first);
    if (rc != LLMPERF_OK) {
        llmperf__free(*cv);
        *cv = NULL;
    }
    return rc;
}

LLMPERF_API int llmperf_metrics_prompt_cvs(const llmperf_metrics *m,
                                           const char *group, int field,
                                           double *out, size_t cap,
                                           size_t *n)
{
    double *cv;
    size_t k;
    int rc;

    if (m == NULL || n == NULL || (out == NULL && cap > 0))
        return LLMPERF_EINVAL;
    if ((rc = llmperf__metrics_cvs(m, group, field, &cv, &k)) != LLMPERF_OK)
        return rc;
    if (k > 0 && cap > 0)
        memcpy(out, cv, (k < cap ? k : cap) * sizeof(*cv));
    *n = k;
    llmperf__free(cv);
    return k > cap ? LLMPERF_EBUFS : LLMPERF_OK;
}

LLMPERF_API int llmperf_metrics_repeatability(const llmperf_metrics *m,
                                              const char *group, int field,
                                              int stat, double *out)
{
    double *cv, v;
    size_t k;
    int rc;

    if (m == NULL || out == NULL || !stat_valid(stat))
        return LLMPERF_EINVAL;
    if ((rc = llmperf__metrics_cvs(m, group, field, &cv, &k)) != LLMPERF_OK)
        return rc;
    if ((rc = apply_stat(cv, k, stat, &v)) == LLMPERF_OK)
        *out = v;
    llmperf__free(cv);
    return rc;
}
