/* SPDX-License-Identifier: MIT */
/*
 * stats.c -- the statistics of llmperf/stats.h: percentiles by multi-way
 * selection, compensated moments, Pearson and Spearman correlation, the
 * Kruskal-Wallis and Mann-Whitney rank tests, and bootstrap intervals.
 * Definitions follow NumPy and SciPy (the header names each function);
 * p-values come from distrib.c. No state, no threads; inputs are read
 * only.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

#include "distrib.h"
#include "llmperf/stats.h"

/* Ranges at most this long are finished by insertion sort. */
#define SMALL_RANGE 16

/* Percentile requests handled without allocating a rank list. */
#define STACK_RANKS 16

/* ---- input checks and scaling --------------------------------------- */

/* What one pass over the data learns: all finite?, and the extremes. */
typedef struct scan {
    double min, max, maxabs;
} scan;

/* Returns 1 if every x[i] is finite (and fills *sc), else 0. */
static int scan_finite(const double *x, size_t n, scan *sc)
{
    double mn = 0.0, mx = 0.0;
    size_t i;

    if (n > 0)
        mn = mx = x[0];
    for (i = 0; i < n; i++) {
        double v = x[i];

        if (!isfinite(v))
            return 0;
        if (v < mn)
            mn = v;
        if (v > mx)
            mx = v;
    }
    sc->min = mn;
    sc->max = mx;
    sc->maxabs = fmax(fabs(mn), fabs(mx));
    return 1;
}

static int all_finite(const double *x, size_t n)
{
    scan sc;

    return scan_finite(x, n, &sc);
}

/*
 * A power of two f such that maxabs * f lies in [0.5, 1). Multiplying by
 * it is exact (barring values that become subnormal, whose contribution
 * is then below rounding anyway), so sums of scaled values give the same
 * bits as unscaled ones where those do not overflow -- and no sum of
 * squares of scaled values can overflow or underflow. Clamped so f and
 * 1/f are both normal numbers.
 */
static double pow2_scale(double maxabs)
{
    int e;

    if (maxabs == 0.0)
        return 1.0;
    (void)frexp(maxabs, &e);
    if (e > 1000)
        e = 1000;
    if (e < -1000)
        e = -1000;
    return ldexp(1.0, -e);
}

/* Neumaier's compensated sum: the running total and its lost low part. */
typedef struct ksum {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double v)
{
    double t = k->s + v;

    if (fabs(k->s) >= fabs(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

static double ksum_get(const ksum *k)
{
    return k->s + k->c;
}

/* ---- selection and sorting ------------------------------------------ */

static void swap_d(double *a, double *b)
{
    double t = *a;

    *a = *b;
    *b = t;
}

static void insertion_sort_d(double *a, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        double v = a[i];

        for (j = i; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static void sift_down_d(double *a, size_t root, size_t n)
{
    size_t child;

    while ((child = 2 * root + 1) < n) {
        if (child + 1 < n && a[child + 1] > a[child])
            child++;
        if (!(a[child] > a[root]))
            return;
        swap_d(&a[root], &a[child]);
        root = child;
    }
}

/* The O(n log n) fallback when partitioning keeps going badly. */
static void heap_sort_d(double *a, size_t n)
{
    size_t i;

    for (i = n / 2; i-- > 0;)
        sift_down_d(a, i, n);
    for (i = n; i-- > 1;) {
        swap_d(&a[0], &a[i]);
        sift_down_d(a, 0, i);
    }
}

/*
 * Hoare partition of a[0..n-1], n > SMALL_RANGE, around the median of
 * the first, middle and last values. Returns j with a[0..j] <= pivot <=
 * a[j+1..n-1] and 0 <= j < n - 1, so both sides are non-empty. Values
 * equal to the pivot stop both scans, so runs of ties split evenly.
 */
static size_t partition_d(double *a, size_t n)
{
    size_t i, j, mid = n / 2;
    double p;

    if (a[mid] < a[0])
        swap_d(&a[mid], &a[0]);
    if (a[n - 1] < a[mid]) {
        swap_d(&a[n - 1], &a[mid]);
        if (a[mid] < a[0])
            swap_d(&a[mid], &a[0]);
    }
    swap_d(&a[0], &a[mid]); /* the median becomes the pivot at a[0] */
    p = a[0];
    for (i = 0, j = n - 1;; i++, j--) {
        while (a[i] < p)
            i++;
        while (a[j] > p)
            j--;
        if (i >= j)
            return j;
        swap_d(&a[i], &a[j]);
    }
}

/* First k in [0, nr) with rk[k] >= v (rk ascending). */
static size_t lower_bound(const size_t *rk, size_t nr, size_t v)
{
    size_t lo = 0, hi = nr;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (rk[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * Multi-way introselect on a[lo..hi-1]: afterwards a[r] holds the value
 * of rank r (0-based, in the sorted order of the whole array) for every
 * r in rk[0..nr-1], which is ascending and inside [lo, hi). rk = NULL
 * asks for every rank: a full introsort. Each partition sends every
 * requested rank to its side, so k ranks cost O(n log k) expected; the
 * depth budget turns a bad pivot sequence into heap sort.
 */
static void select_ranks(double *a, size_t lo, size_t hi, const size_t *rk,
                         size_t nr, int depth)
{
    while (nr > 0 && hi - lo > 1) {
        size_t n = hi - lo, j, split;

        if (n <= SMALL_RANGE) {
            insertion_sort_d(a + lo, n);
            return;
        }
        if (depth-- <= 0) {
            heap_sort_d(a + lo, n);
            return;
        }
        j = lo + partition_d(a + lo, n); /* a[lo..j] | a[j+1..hi-1] */
        if (rk == NULL) {
            select_ranks(a, lo, j + 1, NULL, j + 1 - lo, depth);
            lo = j + 1;
            nr = hi - lo;
            continue;
        }
        split = lower_bound(rk, nr, j + 1);
        select_ranks(a, lo, j + 1, rk, split, depth);
        lo = j + 1;
        rk += split;
        nr -= split;
    }
}

static int depth_budget(size_t n)
{
    int d = 0;

    while (n > 1) {
        n >>= 1;
        d++;
    }
    return 2 * d + 4;
}

static void sort_d(double *a, size_t n)
{
    select_ranks(a, 0, n, NULL, n, depth_budget(n));
}

/* Heap sort for the (short) list of requested ranks. */
static void sort_sizes(size_t *a, size_t n)
{
    size_t i, root, child, t, end;

    for (i = n / 2; i-- > 0;) {
        for (root = i; (child = 2 * root + 1) < n; root = child) {
            if (child + 1 < n && a[child + 1] > a[child])
                child++;
            if (a[child] <= a[root])
                break;
            t = a[root], a[root] = a[child], a[child] = t;
        }
    }
    for (end = n; end-- > 1;) {
        t = a[0], a[0] = a[end], a[end] = t;
        for (root = 0; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && a[child + 1] > a[child])
                child++;
            if (a[child] <= a[root])
                break;
            t = a[root], a[root] = a[child], a[child] = t;
        }
    }
}

/* A value and what it belongs to (an index, a group, a sample). */
typedef struct vtag {
    double v;
    size_t tag;
} vtag;

static void swap_vt(vtag *a, vtag *b)
{
    vtag t = *a;

    *a = *b;
    *b = t;
}

static void sift_down_vt(vtag *a, size_t root, size_t n)
{
    size_t child;

    while ((child = 2 * root + 1) < n) {
        if (child + 1 < n && a[child + 1].v > a[child].v)
            child++;
        if (!(a[child].v > a[root].v))
            return;
        swap_vt(&a[root], &a[child]);
        root = child;
    }
}

static void heap_sort_vt(vtag *a, size_t n)
{
    size_t i;

    for (i = n / 2; i-- > 0;)
        sift_down_vt(a, i, n);
    for (i = n; i-- > 1;) {
        swap_vt(&a[0], &a[i]);
        sift_down_vt(a, 0, i);
    }
}

static void insertion_sort_vt(vtag *a, size_t n)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        vtag v = a[i];

        for (j = i; j > 0 && a[j - 1].v > v.v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* partition_d() for vtag, by value. */
static size_t partition_vt(vtag *a, size_t n)
{
    size_t i, j, mid = n / 2;
    double p;

    if (a[mid].v < a[0].v)
        swap_vt(&a[mid], &a[0]);
    if (a[n - 1].v < a[mid].v) {
        swap_vt(&a[n - 1], &a[mid]);
        if (a[mid].v < a[0].v)
            swap_vt(&a[mid], &a[0]);
    }
    swap_vt(&a[0], &a[mid]);
    p = a[0].v;
    for (i = 0, j = n - 1;; i++, j--) {
        while (a[i].v < p)
            i++;
        while (a[j].v > p)
            j--;
        if (i >= j)
            return j;
        swap_vt(&a[i], &a[j]);
    }
}

/* Introsort of vtag by value (the order of equal values is arbitrary:
 * ties get one average rank anyway). Recurses into the smaller side. */
static void sort_vt(vtag *a, size_t n, int depth)
{
    size_t j;

    while (n > SMALL_RANGE) {
        if (depth-- <= 0) {
            heap_sort_vt(a, n);
            return;
        }
        j = partition_vt(a, n);
        if (j + 1 < n - j - 1) {
            sort_vt(a, j + 1, depth);
            a += j + 1;
            n -= j + 1;
        } else {
            sort_vt(a + j + 1, n - j - 1, depth);
            n = j + 1;
        }
    }
    insertion_sort_vt(a, n);
}

/*
 * Walk the tie runs of a sorted vtag array. For each run of t equal
 * values at sorted positions [i, i + t) every member gets the average
 * rank (i + 1 + i + t) / 2 (1-based, scipy.stats.rankdata "average");
 * *ties accumulates t^3 - t.
 */
typedef void (*rank_fn)(size_t tag, double rank, void *ctx);

static void rank_runs(const vtag *s, size_t n, rank_fn fn, void *ctx,
                      double *ties)
{
    size_t i = 0, j, k;
    double t, acc = 0.0;

    while (i < n) {
        for (j = i + 1; j < n && s[j].v == s[i].v; j++)
            ;
        for (k = i; k < j; k++)
            fn(s[k].tag, 0.5 * ((double)i + 1.0 + (double)j), ctx);
        t = (double)(j - i);
        acc += (t - 1.0) * t * (t + 1.0);
        i = j;
    }
    *ties = acc;
}

/* ---- random numbers (bootstrap, selection samples) ----------------- */

/*
 * xoshiro256** (Blackman & Vigna), state filled from splitmix64(seed):
 * a small, fast generator with the same output on every platform.
 */
typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t v, int k)
{
    return (v << k) | (v >> (64 - k));
}

static void rng_seed(rng *r, uint64_t seed)
{
    int i;

    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* Full 64 x 64 -> 128-bit product in portable C (high and low words). */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);

    *lo = (mid << 32) | (p00 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/*
 * Uniform integer in [0, n), n > 0, by Lemire's multiply-and-reject
 * method: the high word of x * n, retried while the low word falls in
 * the biased sliver below 2^64 mod n. Unbiased, and rarely divides.
 */
static uint64_t rng_below(rng *r, uint64_t n)
{
    uint64_t hi, lo, floor_;

    mul64(rng_next(r), n, &hi, &lo);
    if (lo < n) {
        floor_ = (0 - n) % n; /* 2^64 mod n */
        while (lo < floor_)
            mul64(rng_next(r), n, &hi, &lo);
    }
    return hi;
}

/* ---- percentiles ---------------------------------------------------- */

/*
 * NumPy's "linear" position: h = (n - 1) * (q / 100), in that order of
 * operations so the bits match numpy.percentile. *i = floor(h), *g the
 * fraction; at the top end i = n - 1 and g = 0.
 */
static void pct_position(size_t n, double q, size_t *i, double *g)
{
    double h = (double)(n - 1) * (q / 100.0), fl;

    if (h >= (double)(n - 1)) {
        *i = n - 1;
        *g = 0.0;
        return;
    }
    fl = floor(h);
    *i = (size_t)fl;
    *g = h - fl;
}

/* NumPy's _lerp: a + (b - a) g, or b - (b - a)(1 - g) from g = 0.5 on. */
static double lerp_np(double a, double b, double g)
{
    double d;

    if (g == 0.0)
        return a;
    d = b - a;
    if (!isfinite(d)) /* a and b near the opposite ends of the range */
        return a * (1.0 - g) + b * g;
    return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}

static int q_valid(double q)
{
    return isfinite(q) && q >= 0.0 && q <= 100.0;
}

/*
 * The sorted, distinct ranks that the percentiles q[0..nq-1] of n values
 * need (i, and i + 1 when interpolating). *rk is stack (room for
 * STACK_RANKS) or a new allocation the caller frees if != stack.
 */
static int pct_ranks(size_t n, const double *q, size_t nq, size_t *stack,
                     size_t **rk, size_t *count)
{
    size_t *r = stack, m = 0, j, i, u;
    double g;

    if (nq > SIZE_MAX / 2 / sizeof(size_t))
        return LLMPERF_ENOMEM;
    if (2 * nq > STACK_RANKS) {
        r = llmperf__malloc(2 * nq * sizeof(size_t));
        if (r == NULL)
            return LLMPERF_ENOMEM;
    }
    for (j = 0; j < nq; j++) {
        pct_position(n, q[j], &i, &g);
        r[m++] = i;
        if (g > 0.0)
            r[m++] = i + 1;
    }
    sort_sizes(r, m);
    for (j = u = 0; j < m; j++) /* drop repeats */
        if (u == 0 || r[j] != r[u - 1])
            r[u++] = r[j];
    *rk = r;
    *count = u;
    return LLMPERF_OK;
}

/* Interpolate the percentiles from the values of their ranks. */
static void pct_finish(size_t n, const double *q, size_t nq,
                       const size_t *rk, size_t nr, const double *val,
                       double *out)
{
    size_t j, i, at;
    double g;

    for (j = 0; j < nq; j++) {
        pct_position(n, q[j], &i, &g);
        at = lower_bound(rk, nr, i); /* rk[at] == i, rk[at + 1] == i + 1 */
        out[j] = lerp_np(val[at], g > 0.0 ? val[at + 1] : val[at], g);
    }
}

/*
 * Large inputs: select without copying all of x. A fixed pseudo-random
 * sample of BAND_SAMPLE values, sorted, brackets each wanted rank r
 * between two sample values about BAND_SIGMAS standard errors of the
 * sample quantile either side; overlapping brackets merge into at most
 * BAND_MAX disjoint value bands [lo, hi]. One read-only pass counts the
 * values below each band and copies those inside it (a few percent of
 * x); rank r is then rank r - below within its band. Why: for 10^7
 * values, allocating and filling a full copy (page faults, memory
 * traffic) cost more than the selection itself, and 80 MB besides.
 *
 * Returns LLMPERF_OK with val[k] = the value of rank rk[k],
 * LLMPERF_ENOMEM, or BAND_MISS when the sample was unlucky (a rank fell
 * outside its band: about 1e-4 per rank for any continuous data) or the
 * ranks are too spread out for BAND_MAX bands; the caller then copies
 * and selects. The result never depends on the sample, only the speed.
 */
#define BAND_MIN_N 65536
#define BAND_SAMPLE 16384
#define BAND_SIGMAS 4.0
#define BAND_MAX 8
#define BAND_MISS 1

typedef struct band {
    double lo, hi;     /* the value interval, both ends included */
    size_t gap;        /* values between the previous band and lo */
    size_t below;      /* values below lo */
    size_t len, cap;   /* values copied into v */
    double *v;
    size_t first, end; /* the ranks rk[first..end-1] it answers */
} band;

static int band_push(band *b, double v)
{
    double *nv;

    if (b->len == b->cap) {
        nv = llmperf__reallocarray(b->v, b->cap, 2 * sizeof(double));
        if (nv == NULL)
            return LLMPERF_ENOMEM;
        b->v = nv;
        b->cap *= 2;
    }
    b->v[b->len++] = v;
    return LLMPERF_OK;
}

/* Split the ranks into bands from the sorted sample; 0, or BAND_MISS. */
static int band_plan(const double *smp, size_t n, const size_t *rk,
                     size_t nr, band *bd, size_t *nb)
{
    double m = BAND_SAMPLE, c, d, p, lo, hi, width;
    long li, hi_i;
    size_t k, b = 0;

    for (k = 0; k < nr; k++) {
        p = ((double)rk[k] + 0.5) / (double)n;
        c = p * m;
        d = BAND_SIGMAS * sqrt(m * p * (1.0 - p)) + 2.0;
        li = (long)floor(c - d);
        hi_i = (long)ceil(c + d);
        lo = li < 0 ? -INFINITY : smp[li];
        hi = hi_i >= BAND_SAMPLE ? INFINITY : smp[hi_i];
        /* expected share of x inside, doubled, plus slack */
        width = 2.0 * (double)n * (2.0 * d + 2.0) / m + 4096.0;
        if (b > 0 && lo <= bd[b - 1].hi) { /* overlaps: merge */
            bd[b - 1].hi = fmax(bd[b - 1].hi, hi);
            bd[b - 1].end = k + 1;
            bd[b - 1].cap += (size_t)width;
            continue;
        }
        if (b == BAND_MAX)
            return BAND_MISS;
        bd[b].lo = lo;
        bd[b].hi = hi;
        bd[b].cap = (size_t)width;
        bd[b].first = k;
        bd[b++].end = k + 1;
    }
    *nb = b;
    return 0;
}

/* Select the ranks of one band inside its copied values. */
static int band_select(band *b, const size_t *rk, double *val)
{
    size_t local[STACK_RANKS], *lr = local, cnt = b->end - b->first, k;

    if (cnt > STACK_RANKS) {
        lr = llmperf__malloc(cnt * sizeof(size_t));
        if (lr == NULL)
            return LLMPERF_ENOMEM;
    }
    for (k = 0; k < cnt; k++)
        lr[k] = rk[b->first + k] - b->below;
    select_ranks(b->v, 0, b->len, lr, cnt, depth_budget(b->len));
    for (k = 0; k < cnt; k++)
        val[b->first + k] = b->v[lr[k]];
    if (lr != local)
        llmperf__free(lr);
    return LLMPERF_OK;
}

static int rank_values_banded(const double *x, size_t n, const size_t *rk,
                              size_t nr, double *val)
{
    band bd[BAND_MAX];
    double *smp = NULL;
    size_t nb = 0, k, i, b, below = 0, slot[2 * BAND_MAX + 1];
    rng gen;
    int rc = LLMPERF_ENOMEM;

    memset(bd, 0, sizeof(bd));
    smp = llmperf__malloc(BAND_SAMPLE * sizeof(double));
    if (smp == NULL)
        goto out;
    rng_seed(&gen, UINT64_C(0x5eed)); /* fixed: same work every call */
    for (k = 0; k < BAND_SAMPLE; k++)
        smp[k] = x[rng_below(&gen, n)];
    sort_d(smp, BAND_SAMPLE);
    rc = band_plan(smp, n, rk, nr, bd, &nb);
    if (rc != 0)
        goto out;
    rc = LLMPERF_ENOMEM;
    for (b = 0; b < nb; b++) {
        bd[b].v = llmperf__malloc(bd[b].cap * sizeof(double));
        if (bd[b].v == NULL)
            goto out;
    }
    /* pos = number of band ends at or below v: even means the gap
     * before band pos / 2, odd means inside band pos / 2. Counted without
     * branches, since which gap a value falls in is unpredictable. */
    for (k = 0; k <= 2 * BAND_MAX; k++)
        slot[k] = 0;
    for (i = 0; i < n; i++) {
        double v = x[i];
        size_t pos = 0;

        for (b = 0; b < nb; b++)
            pos += (size_t)(v >= bd[b].lo) + (size_t)(v > bd[b].hi);
        slot[pos]++;
        if ((pos & 1) && band_push(&bd[pos / 2], v) != LLMPERF_OK)
            goto out;
    }
    rc = BAND_MISS;
    for (b = 0; b < nb; b++) {
        bd[b].gap = slot[2 * b];
        below += bd[b].gap;
        bd[b].below = below;
        below += bd[b].len;
        if (rk[bd[b].first] < bd[b].below ||
            rk[bd[b].end - 1] - bd[b].below >= bd[b].len)
            goto out;
    }
    for (b = 0; b < nb; b++) {
        rc = band_select(&bd[b], rk, val);
        if (rc != LLMPERF_OK)
            goto out;
    }
out:
    for (b = 0; b < BAND_MAX; b++)
        llmperf__free(bd[b].v);
    llmperf__free(smp);
    return rc;
}

/* Values of the ranks rk[0..nr-1] of a, selected in place. */
static void rank_values_inplace(double *a, size_t n, const size_t *rk,
                                size_t nr, double *val)
{
    size_t k;

    select_ranks(a, 0, n, rk, nr, depth_budget(n));
    for (k = 0; k < nr; k++)
        val[k] = a[rk[k]];
}

/* A private copy of x: size checked, through the library allocator. */
static double *copy_d(const double *x, size_t n)
{
    double *c;

    if (n > SIZE_MAX / sizeof(double))
        return NULL;
    c = llmperf__malloc(n * sizeof(double));
    if (c != NULL)
        memcpy(c, x, n * sizeof(double));
    return c;
}

/*
 * The percentiles q[0..nq-1] (already checked) of x[0..n-1], n > 0, into
 * out. If work is not NULL it is x itself and may be reordered;
 * otherwise x is only read (bands, or a private copy).
 */
static int pct_compute(const double *x, double *work, size_t n,
                       const double *q, size_t nq, double *out)
{
    size_t stack_rk[STACK_RANKS], *rk = NULL, nr = 0;
    double stack_val[STACK_RANKS], *val = stack_val, *copy = NULL;
    int rc;

    rc = pct_ranks(n, q, nq, stack_rk, &rk, &nr);
    if (rc != LLMPERF_OK)
        return rc;
    rc = LLMPERF_ENOMEM;
    if (nr > STACK_RANKS) {
        val = llmperf__malloc(nr * sizeof(double));
        if (val == NULL)
            goto out;
    }
    if (work != NULL) {
        rank_values_inplace(work, n, rk, nr, val);
    } else {
        rc = n >= BAND_MIN_N ? rank_values_banded(x, n, rk, nr, val)
                             : BAND_MISS;
        if (rc == LLMPERF_ENOMEM)
            goto out;
        if (rc == BAND_MISS) {
            rc = LLMPERF_ENOMEM;
            copy = copy_d(x, n);
            if (copy == NULL)
                goto out;
            rank_values_inplace(copy, n, rk, nr, val);
        }
    }
    pct_finish(n, q, nq, rk, nr, val, out);
    rc = LLMPERF_OK;
out:
    llmperf__free(copy);
    if (val != stack_val)
        llmperf__free(val);
    if (rk != stack_rk)
        llmperf__free(rk);
    return rc;
}

/* ---- moments -------------------------------------------------------- */

/*
 * Mean and centred sum of squares of x (finite, n > 0), in the scaled
 * units of *f: mean = *m / *f, ss = *ss / *f^2. Two passes after the
 * scan: the compensated sum for the mean, then compensated sums of d and
 * d^2 (d = x f - m); ss = sum d^2 - (sum d)^2 / n corrects for the
 * rounding of m (the "corrected two-pass" algorithm).
 */
static void moments(const double *x, size_t n, const scan *sc, int want_ss,
                    double *f, double *m, double *ss)
{
    ksum s = {0.0, 0.0}, sd = {0.0, 0.0}, sd2 = {0.0, 0.0};
    double scale = pow2_scale(sc->maxabs), mean, d, t;
    size_t i;

    for (i = 0; i < n; i++)
        ksum_add(&s, x[i] * scale);
    mean = ksum_get(&s) / (double)n;
    *f = scale;
    *m = mean;
    if (!want_ss)
        return;
    if (sc->min == sc->max) {
        *ss = 0.0; /* constant: exactly zero, whatever m rounded to */
        return;
    }
    for (i = 0; i < n; i++) {
        d = x[i] * scale - mean;
        ksum_add(&sd, d);
        ksum_add(&sd2, d * d);
    }
    t = ksum_get(&sd);
    *ss = fmax(ksum_get(&sd2) - t * t / (double)n, 0.0);
}

static int stddev_common(const double *x, size_t n, double ddof, double *out)
{
    scan sc;
    double f, m, ss;

    if (x == NULL || out == NULL || !scan_finite(x, n, &sc))
        return LLMPERF_EINVAL;
    if ((double)n <= ddof)
        return LLMPERF_EUNDEFINED;
    moments(x, n, &sc, 1, &f, &m, &ss);
    *out = sqrt(ss / ((double)n - ddof)) / f;
    return LLMPERF_OK;
}

/* ---- correlation ---------------------------------------------------- */

/*
 * sxy / sqrt(sxx syy), carried in double-double: the product and the
 * square root get exact error terms through fma(), so the quotient is
 * correctly rounded given the sums -- and exactly +-1 when sxy^2 equals
 * sxx syy, as it does for exactly linear data with exact sums.
 */
static double corr_ratio(double sxy, double sxx, double syy)
{
    double ph = sxx * syy, pl = fma(sxx, syy, -ph);
    double s = sqrt(ph), sl = (fma(-s, s, ph) + pl) / (2.0 * s);
    double rh = sxy / s, rem = fma(-rh, s, sxy);

    return rh + (rem - rh * sl) / s;
}

/*
 * Pearson's r of finite x and y (n >= 3). LLMPERF_EUNDEFINED if either
 * is constant. Scaled like moments(); r is scale-free so no unscaling.
 */
static int pearson_r(const double *x, const double *y, size_t n,
                     const scan *sx, const scan *sy, double *r)
{
    ksum s1 = {0.0, 0.0}, s2 = {0.0, 0.0};
    ksum dx = {0.0, 0.0}, dy = {0.0, 0.0};
    ksum xx = {0.0, 0.0}, yy = {0.0, 0.0}, xy = {0.0, 0.0};
    double fx, fy, mx, my, a, b, sxx, syy, sxy, v;
    size_t i;

    if (sx->min == sx->max || sy->min == sy->max)
        return LLMPERF_EUNDEFINED;
    fx = pow2_scale(sx->maxabs);
    fy = pow2_scale(sy->maxabs);
    for (i = 0; i < n; i++) {
        ksum_add(&s1, x[i] * fx);
        ksum_add(&s2, y[i] * fy);
    }
    mx = ksum_get(&s1) / (double)n;
    my = ksum_get(&s2) / (double)n;
    for (i = 0; i < n; i++) {
        a = x[i] * fx - mx;
        b = y[i] * fy - my;
        ksum_add(&dx, a);
        ksum_add(&dy, b);
        ksum_add(&xx, a * a);
        ksum_add(&yy, b * b);
        ksum_add(&xy, a * b);
    }
    a = ksum_get(&dx);
    b = ksum_get(&dy);
    sxx = ksum_get(&xx) - a * a / (double)n;
    syy = ksum_get(&yy) - b * b / (double)n;
    sxy = ksum_get(&xy) - a * b / (double)n;
    if (!(sxx > 0.0) || !(syy > 0.0))
        return LLMPERF_EUNDEFINED;
    v = corr_ratio(sxy, sxx, syy);
    *r = fmin(fmax(v, -1.0), 1.0);
    return LLMPERF_OK;
}

/*
 * Two-sided p of a correlation r from n pairs: P(|T| >= |t|) with n - 2
 * degrees of freedom, which equals I_{1-r^2}((n - 2) / 2, 1/2). Both
 * 1 - r^2 = (1 - |r|)(1 + |r|) and its logarithm are formed without
 * cancellation, so p keeps its relative precision as r nears +-1.
 */
static int corr_p(double r, size_t n, double *p)
{
    double ar = fabs(r), x, y, lx, ly, c, s;

    if (ar == 1.0) {
        *p = 0.0;
        return LLMPERF_OK;
    }
    x = (1.0 - ar) * (1.0 + ar);
    y = ar * ar;
    lx = log1p(-ar) + log1p(ar);
    ly = 2.0 * log(ar); /* -inf for r = 0: then p = 1 */
    if (llmperf__ibeta(0.5 * (double)(n - 2), 0.5, x, y, lx, ly, &c,
                       &s) != 0)
        return LLMPERF_ERR;
    *p = c;
    return LLMPERF_OK;
}

/* Rank callbacks: store by index / add to a group's sum. */
static void rank_store(size_t tag, double rank, void *ctx)
{
    ((double *)ctx)[tag] = rank;
}

static void rank_sum(size_t tag, double rank, void *ctx)
{
    ((double *)ctx)[tag] += rank;
}

/* Average ranks of x into rk[0..n-1], using vt as scratch. */
static void rank_avg(const double *x, size_t n, vtag *vt, double *rk)
{
    double ties;
    size_t i;

    for (i = 0; i < n; i++) {
        vt[i].v = x[i];
        vt[i].tag = i;
    }
    sort_vt(vt, n, depth_budget(n));
    rank_runs(vt, n, rank_store, rk, &ties);
}

/* ---- bootstrap ------------------------------------------------------ */

/*
 * One resample of sorted s[0..n-1] (n draws with replacement, counted in
 * cnt rather than copied) and its percentile at position (i, g).
 */
static double boot_one(const double *s, size_t n, size_t *cnt, rng *r,
                       size_t i, double g)
{
    size_t k, cum = 0;
    double a;

    memset(cnt, 0, n * sizeof(size_t));
    for (k = 0; k < n; k++)
        cnt[rng_below(r, n)]++;
    /* The resample, in order, is s[k] repeated cnt[k] times: walk it to
     * the values of ranks i and i + 1. */
    for (k = 0; cum + cnt[k] <= i; k++)
        cum += cnt[k];
    a = s[k];
    if (g == 0.0 || cum + cnt[k] > i + 1)
        return lerp_np(a, a, g);
    for (k++; cnt[k] == 0; k++)
        ;
    return lerp_np(a, s[k], g);
}

/* Validation shared by the two bootstrap functions. */
static int boot_args_ok(double q, double level, size_t resamples)
{
    return q_valid(q) && isfinite(level) && level > 0.0 && level < 1.0 &&
           resamples > 0 && resamples <= SIZE_MAX / sizeof(double);
}

/* The two interval ends of level from the resample statistics st[]. */
static int boot_interval(double *st, size_t m, double level, double *lo,
                         double *hi)
{
    double q[2], out[2];
    int rc;

    q[0] = 100.0 * (1.0 - level) / 2.0;
    q[1] = 100.0 * (1.0 + level) / 2.0;
    rc = pct_compute(st, st, m, q, 2, out);
    if (rc == LLMPERF_OK) {
        *lo = out[0];
        *hi = out[1];
    }
    return rc;
}

/* ---- exported: location and spread ---------------------------------- */

LLMPERF_API int llmperf_stats_percentiles(const double *x, size_t n,
                                          const double *q, size_t nq,
                                          double *out)
{
    double stack_res[STACK_RANKS], *res = stack_res;
    size_t j;
    int rc;

    if (x == NULL || q == NULL || out == NULL || nq == 0)
        return LLMPERF_EINVAL;
    for (j = 0; j < nq; j++)
        if (!q_valid(q[j]))
            return LLMPERF_EINVAL;
    if (!all_finite(x, n))
        return LLMPERF_EINVAL;
    if (n == 0)
        return LLMPERF_EUNDEFINED;
    if (nq > STACK_RANKS) {
        if (nq > SIZE_MAX / sizeof(double))
            return LLMPERF_ENOMEM;
        res = llmperf__malloc(nq * sizeof(double));
        if (res == NULL)
            return LLMPERF_ENOMEM;
    }
    rc = pct_compute(x, NULL, n, q, nq, res);
    if (rc == LLMPERF_OK) /* out is written only on success */
        memcpy(out, res, nq * sizeof(double));
    if (res != stack_res)
        llmperf__free(res);
    return rc;
}

LLMPERF_API int llmperf_stats_percentile(const double *x, size_t n, double q,
                                         double *out)
{
    return llmperf_stats_percentiles(x, n, &q, 1, out);
}

LLMPERF_API int llmperf_stats_mean(const double *x, size_t n, double *out)
{
    scan sc;
    double f, m, ss;

    if (x == NULL || out == NULL || !scan_finite(x, n, &sc))
        return LLMPERF_EINVAL;
    if (n == 0)
        return LLMPERF_EUNDEFINED;
    moments(x, n, &sc, 0, &f, &m, &ss);
    *out = m / f;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_stats_stddev(const double *x, size_t n, double *out)
{
    return stddev_common(x, n, 1.0, out);
}

LLMPERF_API int llmperf_stats_stddev_pop(const double *x, size_t n,
                                         double *out)
{
    return stddev_common(x, n, 0.0, out);
}

LLMPERF_API int llmperf_stats_cv(const double *x, size_t n, double *out)
{
    scan sc;
    double f, m, ss;

    if (x == NULL || out == NULL || !scan_finite(x, n, &sc))
        return LLMPERF_EINVAL;
    if (n < 2)
        return LLMPERF_EUNDEFINED;
    moments(x, n, &sc, 1, &f, &m, &ss);
    if (m == 0.0)
        return LLMPERF_EUNDEFINED;
    /* The scale cancels: (sqrt(ss) / f) / (m / f). */
    *out = sqrt(ss / (double)(n - 1)) / m;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_stats_min_max(const double *x, size_t n, double *min,
                                      double *max)
{
    scan sc;

    if (x == NULL || min == NULL || max == NULL || !scan_finite(x, n, &sc))
        return LLMPERF_EINVAL;
    if (n == 0)
        return LLMPERF_EUNDEFINED;
    *min = sc.min;
    *max = sc.max;
    return LLMPERF_OK;
}

/* ---- exported: correlation ------------------------------------------ */

LLMPERF_API int llmperf_stats_pearson(const double *x, const double *y,
                                      size_t n, double *r, double *p)
{
    scan sx, sy;
    double rv, pv;
    int rc;

    if (x == NULL || y == NULL || r == NULL || p == NULL ||
        !scan_finite(x, n, &sx) || !scan_finite(y, n, &sy))
        return LLMPERF_EINVAL;
    if (n < 3)
        return LLMPERF_EUNDEFINED;
    rc = pearson_r(x, y, n, &sx, &sy, &rv);
    if (rc == LLMPERF_OK)
        rc = corr_p(rv, n, &pv);
    if (rc == LLMPERF_OK) {
        *r = rv;
        *p = pv;
    }
    return rc;
}

LLMPERF_API int llmperf_stats_spearman(const double *x, const double *y,
                                       size_t n, double *rho, double *p)
{
    vtag *vt = NULL;
    double *rx = NULL, *ry = NULL, rv, pv;
    scan sx, sy;
    int rc;

    if (x == NULL || y == NULL || rho == NULL || p == NULL ||
        !scan_finite(x, n, &sx) || !scan_finite(y, n, &sy))
        return LLMPERF_EINVAL;
    if (n < 3)
        return LLMPERF_EUNDEFINED;
    if (sx.min == sx.max || sy.min == sy.max)
        return LLMPERF_EUNDEFINED; /* constant: all ranks equal */
    if (n > SIZE_MAX / sizeof(vtag))
        return LLMPERF_ENOMEM;
    rc = LLMPERF_ENOMEM;
    vt = llmperf__malloc(n * sizeof(vtag));
    rx = llmperf__malloc(n * sizeof(double));
    ry = llmperf__malloc(n * sizeof(double));
    if (vt == NULL || rx == NULL || ry == NULL)
        goto out;
    rank_avg(x, n, vt, rx);
    rank_avg(y, n, vt, ry);
    /* Ranks lie in [1, n]: their own scan is exact and cheap. */
    scan_finite(rx, n, &sx);
    scan_finite(ry, n, &sy);
    rc = pearson_r(rx, ry, n, &sx, &sy, &rv);
    if (rc == LLMPERF_OK)
        rc = corr_p(rv, n, &pv);
    if (rc == LLMPERF_OK) {
        *rho = rv;
        *p = pv;
    }
out:
    llmperf__free(ry);
    llmperf__free(rx);
    llmperf__free(vt);
    return rc;
}

/* ---- exported: rank tests ------------------------------------------- */

LLMPERF_API int llmperf_stats_kruskal(const double *const *groups,
                                      const size_t *sizes, size_t k,
                                      double *h, double *p)
{
    vtag *vt = NULL;
    double *rsum = NULL, nn, ties, acc = 0.0, hv, d, pl, pu;
    size_t g, i, total = 0, nonempty = 0, at = 0;
    int rc;

    if (groups == NULL || sizes == NULL || h == NULL || p == NULL)
        return LLMPERF_EINVAL;
    for (g = 0; g < k; g++) {
        if (sizes[g] == 0)
            continue;
        if (groups[g] == NULL || !all_finite(groups[g], sizes[g]) ||
            sizes[g] > SIZE_MAX - total)
            return LLMPERF_EINVAL;
        total += sizes[g];
        nonempty++;
    }
    if (nonempty < 2)
        return LLMPERF_EUNDEFINED;
    if (total > SIZE_MAX / sizeof(vtag) || k > SIZE_MAX / sizeof(double))
        return LLMPERF_ENOMEM;
    rc = LLMPERF_ENOMEM;
    vt = llmperf__malloc(total * sizeof(vtag));
    rsum = llmperf__calloc(k, sizeof(double));
    if (vt == NULL || rsum == NULL)
        goto out;
    for (g = 0; g < k; g++) {
        for (i = 0; i < sizes[g]; i++) {
            vt[at].v = groups[g][i];
            vt[at++].tag = g;
        }
    }
    sort_vt(vt, total, depth_budget(total));
    rc = LLMPERF_EUNDEFINED;
    if (vt[0].v == vt[total - 1].v)
        goto out; /* all equal: no ranking information at all */
    rank_runs(vt, total, rank_sum, rsum, &ties);
    /* sum_g (R_g - n_g (N+1)/2)^2 / n_g: the deviations are exact (rank
     * sums are multiples of 1/2), where SciPy's sum R_g^2 / n_g -
     * 3(N+1) form cancels digits. */
    nn = (double)total;
    for (g = 0; g < k; g++) {
        if (sizes[g] == 0)
            continue;
        d = rsum[g] - (double)sizes[g] * (nn + 1.0) / 2.0;
        acc += d * d / (double)sizes[g];
    }
    hv = 12.0 / (nn * (nn + 1.0)) * acc;
    hv /= 1.0 - ties / ((nn - 1.0) * nn * (nn + 1.0));
    rc = LLMPERF_ERR;
    if (llmperf__igamma(0.5 * (double)(nonempty - 1), 0.5 * hv, &pl,
                        &pu) != 0)
        goto out;
    *h = hv;
    *p = pu;
    rc = LLMPERF_OK;
out:
    llmperf__free(rsum);
    llmperf__free(vt);
    return rc;
}

LLMPERF_API int llmperf_stats_mannwhitney(const double *a, size_t na,
                                          const double *b, size_t nb,
                                          double *u, double *p)
{
    vtag *vt = NULL;
    double rs[2] = {0.0, 0.0}, ties, n1, n2, nn, u1, big, s, z, pv;
    size_t i;
    int rc;

    if (a == NULL || b == NULL || u == NULL || p == NULL ||
        !all_finite(a, na) || !all_finite(b, nb))
        return LLMPERF_EINVAL;
    if (na == 0 || nb == 0)
        return LLMPERF_EUNDEFINED;
    if (na > SIZE_MAX - nb || na + nb > SIZE_MAX / sizeof(vtag))
        return LLMPERF_ENOMEM;
    vt = llmperf__malloc((na + nb) * sizeof(vtag));
    if (vt == NULL)
        return LLMPERF_ENOMEM;
    for (i = 0; i < na; i++) {
        vt[i].v = a[i];
        vt[i].tag = 0;
    }
    for (i = 0; i < nb; i++) {
        vt[na + i].v = b[i];
        vt[na + i].tag = 1;
    }
    sort_vt(vt, na + nb, depth_budget(na + nb));
    rc = LLMPERF_EUNDEFINED;
    if (vt[0].v == vt[na + nb - 1].v)
        goto out; /* all equal: the null variance of U is zero */
    rank_runs(vt, na + nb, rank_sum, rs, &ties);
    n1 = (double)na;
    n2 = (double)nb;
    nn = n1 + n2;
    u1 = rs[0] - n1 * (n1 + 1.0) / 2.0;
    big = fmax(u1, n1 * n2 - u1);
    /* The operation order of scipy.stats._mannwhitneyu._get_mwu_z. */
    s = sqrt(n1 * n2 / 12.0 * ((nn + 1.0) - ties / (nn * (nn - 1.0))));
    z = (big - n1 * n2 / 2.0 - 0.5) / s;
    pv = 2.0 * llmperf__ndtr(-z);
    *u = u1;
    *p = pv > 1.0 ? 1.0 : pv;
    rc = LLMPERF_OK;
out:
    llmperf__free(vt);
    return rc;
}

/* ---- exported: bootstrap -------------------------------------------- */

LLMPERF_API int llmperf_stats_bootstrap_ci(const double *x, size_t n,
                                           double q, double level,
                                           size_t resamples, uint64_t seed,
                                           double *lo, double *hi)
{
    double *s = NULL, *st = NULL, g;
    size_t *cnt = NULL, i, r;
    rng gen;
    int rc;

    if (x == NULL || lo == NULL || hi == NULL ||
        !boot_args_ok(q, level, resamples) || !all_finite(x, n))
        return LLMPERF_EINVAL;
    if (n == 0)
        return LLMPERF_EUNDEFINED;
    rc = LLMPERF_ENOMEM;
    if (n > SIZE_MAX / sizeof(size_t))
        goto out;
    s = copy_d(x, n);
    cnt = llmperf__malloc(n * sizeof(size_t));
    st = llmperf__malloc(resamples * sizeof(double));
    if (s == NULL || cnt == NULL || st == NULL)
        goto out;
    sort_d(s, n);
    pct_position(n, q, &i, &g);
    rng_seed(&gen, seed);
    for (r = 0; r < resamples; r++)
        st[r] = boot_one(s, n, cnt, &gen, i, g);
    rc = boot_interval(st, resamples, level, lo, hi);
out:
    llmperf__free(st);
    llmperf__free(cnt);
    llmperf__free(s);
    return rc;
}

LLMPERF_API int llmperf_stats_bootstrap_ratio_ci(const double *a, size_t na,
                                                 const double *b, size_t nb,
                                                 double q, double level,
                                                 size_t resamples,
                                                 uint64_t seed, double *ratio,
                                                 double *lo, double *hi)
{
    double *sa = NULL, *sb = NULL, *st = NULL, ga, gb, pa, pb, rv, v;
    size_t *cnt = NULL, ia, ib, r, most = na > nb ? na : nb;
    rng gen;
    int rc;

    if (a == NULL || b == NULL || ratio == NULL || lo == NULL ||
        hi == NULL || !boot_args_ok(q, level, resamples) ||
        !all_finite(a, na) || !all_finite(b, nb))
        return LLMPERF_EINVAL;
    if (na == 0 || nb == 0)
        return LLMPERF_EUNDEFINED;
    rc = LLMPERF_ENOMEM;
    if (most > SIZE_MAX / sizeof(size_t))
        goto out;
    sa = copy_d(a, na);
    sb = copy_d(b, nb);
    cnt = llmperf__malloc(most * sizeof(size_t));
    st = llmperf__malloc(resamples * sizeof(double));
    if (sa == NULL || sb == NULL || cnt == NULL || st == NULL)
        goto out;
    sort_d(sa, na);
    sort_d(sb, nb);
    pct_position(na, q, &ia, &ga);
    pct_position(nb, q, &ib, &gb);
    /* Point estimate: on sorted data the ranks are just positions. */
    pa = lerp_np(sa[ia], ga > 0.0 ? sa[ia + 1] : sa[ia], ga);
    pb = lerp_np(sb[ib], gb > 0.0 ? sb[ib + 1] : sb[ib], gb);
    rc = LLMPERF_EUNDEFINED;
    if (pa == 0.0 || !isfinite(rv = pb / pa))
        goto out;
    rng_seed(&gen, seed);
    for (r = 0; r < resamples; r++) {
        pa = boot_one(sa, na, cnt, &gen, ia, ga);
        pb = boot_one(sb, nb, cnt, &gen, ib, gb);
        if (pa == 0.0 || !isfinite(v = pb / pa))
            goto out;
        st[r] = v;
    }
    rc = boot_interval(st, resamples, level, lo, hi);
    if (rc == LLMPERF_OK)
        *ratio = rv;
out:
    llmperf__free(st);
    llmperf__free(cnt);
    llmperf__free(sb);
    llmperf__free(sa);
    return rc;
}

LLMPERF_API const char *llmperf_stats_corr_strength(double r)
{
    double a = fabs(r);

    if (!isfinite(r))
        return "undefined";
    if (a < 0.1)
        return "negligible";
    if (a < 0.3)
        return "weak";
    if (a < 0.5)
        return "moderate";
    if (a < 0.7)
        return "strong";
    return "very strong";
}
