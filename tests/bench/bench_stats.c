/* SPDX-License-Identifier: MIT */
/*
 * bench_stats.c -- wall-clock seconds of the statistics module on large
 * inputs (best of REPEAT runs; docs/stats.md records the figures).
 * Goals: p50/p90/p95/p99 of 10^7 values, Kruskal-Wallis over 10^6 values
 * in 5 groups and Pearson over 10^7 pairs, each well under 1 s.
 *
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release
 *   cmake --build build-rel --target bench_stats && build-rel/tests/bench_stats
 *
 * An optional argument scales the sizes (e.g. 0.1 for a quick run).
 */
#include <stdio.h>
#include <stdlib.h>

#include "llmperf/llmperf.h"

#define REPEAT 3

/* splitmix64 -> [0, 1): reproducible data without libc rand(). */
static double unif(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* Latency-like values: a body plus a heavy right tail, in ms. */
static void fill(double *x, size_t n, uint64_t seed)
{
    uint64_t st = seed;
    size_t i;

    for (i = 0; i < n; i++) {
        double u = unif(&st), w = unif(&st);

        w = w * w * w * w;
        x[i] = 20.0 + 30.0 * u + 300.0 * w * w;
    }
}

static double seconds_since(int64_t t0)
{
    return (double)(llmperf_now_ns() - t0) / 1e9;
}

static void report(const char *what, double best, int rc, double v1,
                   double v2)
{
    printf("%-48s %8.3f s   (%s; %.6g %.6g)\n", what, best,
           llmperf_status_name(rc), v1, v2);
}

int main(int argc, char **argv)
{
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    size_t n10m = (size_t)(1e7 * scale), n1m = (size_t)(1e6 * scale);
    size_t per = n1m / 5, sizes[5], g;
    double *x = malloc(n10m * sizeof(double));
    double *y = malloc(n10m * sizeof(double));
    double qs[4] = {50.0, 90.0, 95.0, 99.0}, out[4], r, p, best, t;
    const double *groups[5];
    char label[96];
    int rc = LLMPERF_OK, k;

    if (x == NULL || y == NULL || scale <= 0.0 || n1m < 10) {
        fprintf(stderr, "bench_stats: bad scale or out of memory\n");
        return 1;
    }
    fill(x, n10m, 1);
    for (g = 0; g < n10m; g++) /* y correlated with x */
        y[g] = 0.5 * x[g] + 40.0 * unif(&(uint64_t){g + 7});
    printf("libllmperf %s, best of %d runs\n", llmperf_version_string(),
           REPEAT);

#define TIME(stmt)                                                        \
    do {                                                                  \
        best = 1e300;                                                     \
        for (k = 0; k < REPEAT; k++) {                                    \
            int64_t t0 = llmperf_now_ns();                                \
            stmt;                                                         \
            t = seconds_since(t0);                                        \
            best = t < best ? t : best;                                   \
        }                                                                 \
    } while (0)

    snprintf(label, sizeof(label), "percentiles p50/p90/p95/p99, n=%zu", n10m);
    TIME(rc = llmperf_stats_percentiles(x, n10m, qs, 4, out));
    report(label, best, rc, out[0], out[3]);

    snprintf(label, sizeof(label), "percentile p99 alone, n=%zu", n10m);
    TIME(rc = llmperf_stats_percentile(x, n10m, 99.0, &out[0]));
    report(label, best, rc, out[0], 0.0);

    snprintf(label, sizeof(label), "mean + stddev, n=%zu", n10m);
    TIME(rc = llmperf_stats_mean(x, n10m, &r);
         if (rc == 0) rc = llmperf_stats_stddev(x, n10m, &p));
    report(label, best, rc, r, p);

    snprintf(label, sizeof(label), "pearson, n=%zu pairs", n10m);
    TIME(rc = llmperf_stats_pearson(x, y, n10m, &r, &p));
    report(label, best, rc, r, p);

    for (g = 0; g < 5; g++) {
        groups[g] = x + g * per;
        sizes[g] = per;
    }
    snprintf(label, sizeof(label), "kruskal, 5 groups, N=%zu", 5 * per);
    TIME(rc = llmperf_stats_kruskal(groups, sizes, 5, &r, &p));
    report(label, best, rc, r, p);

    snprintf(label, sizeof(label), "spearman, n=%zu pairs", n1m);
    TIME(rc = llmperf_stats_spearman(x, y, n1m, &r, &p));
    report(label, best, rc, r, p);

    snprintf(label, sizeof(label), "mann-whitney, %zu + %zu", n1m / 2,
             n1m / 2);
    TIME(rc = llmperf_stats_mannwhitney(x, n1m / 2, y, n1m / 2, &r, &p));
    report(label, best, rc, r, p);

    snprintf(label, sizeof(label), "bootstrap median CI, n=10000, 1000 res.");
    TIME(rc = llmperf_stats_bootstrap_ci(x, 10000, 50.0, 0.95, 1000, 1, &r,
                                         &p));
    report(label, best, rc, r, p);

    free(y);
    free(x);
    return rc == LLMPERF_OK ? 0 : 1;
}
