/* SPDX-License-Identifier: MIT */
/*
 * llmperf/stats.h -- statistics on arrays of double: percentiles, mean,
 * standard deviation, coefficient of variation, Pearson and Spearman
 * correlation, the Kruskal-Wallis and Mann-Whitney U tests, bootstrap
 * confidence intervals, and the normal, Student's t and chi-square
 * distributions their p-values come from.
 *
 * Every function is pure: it reads its inputs, never modifies them, keeps
 * no state between calls and may be called from any number of threads at
 * once. Each returns an int status (common.h) and writes its results
 * through the pointers given last.
 *
 * Common rules, true of every function below unless its own comment says
 * otherwise:
 *   - A NULL pointer, a NaN or an infinity anywhere in the input data or
 *     scalar arguments, or an argument out of its documented range gives
 *     LLMPERF_EINVAL. These checks come first, so bad input is reported
 *     as LLMPERF_EINVAL even when the statistic would also be undefined.
 *   - An input for which the statistic is not defined (too few values,
 *     zero variance) gives LLMPERF_EUNDEFINED. A NaN is never returned in
 *     its place.
 *   - On any status other than LLMPERF_OK the output variables are left
 *     untouched.
 *   - LLMPERF_ENOMEM is possible only where a function says it allocates.
 *     Nothing is ever kept: the caller owns all memory in and out.
 *
 * Each statistic matches a named SciPy or NumPy function to 1e-9 relative
 * (1e-12 absolute near 0); tests/stats/ holds the reference vectors and
 * docs/stats.md the definitions, accuracy and speed in full.
 */
#ifndef LLMPERF_STATS_H
#define LLMPERF_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- location and spread ------------------------------------------- */

/*
 * llmperf_stats_percentile -- the q-th percentile of x[0..n-1].
 *
 * Definition (NumPy's default, numpy.percentile(x, q) with
 * method="linear", Hyndman & Fan type 7): sort x ascending into s, let
 * h = (n - 1) * (q / 100), i = floor(h), g = h - i; the result is
 * s[i] + g * (s[i+1] - s[i]) (s[n-1] when i = n - 1). q = 0 gives the
 * minimum, q = 50 the median, q = 100 the maximum.
 *
 * x is not modified. Up to 65536 values the function selects on a
 * private copy (introselect, O(n) expected); above, it finds each rank
 * within a narrow value band located by a fixed sample, copying only
 * that band (docs/stats.md). Either way the result is exact.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL x or out, q outside
 * [0, 100] or not finite, or a non-finite value in x; LLMPERF_EUNDEFINED
 * for n = 0; LLMPERF_ENOMEM if the copy cannot be allocated.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_percentile(const double *x, size_t n, double q,
                                         double *out);

/*
 * llmperf_stats_percentiles -- several percentiles of one array at once:
 * out[j] = llmperf_stats_percentile(x, n, q[j]) for j < nq, with one copy
 * of x (or of the bands around the wanted ranks) and one multi-way
 * selection shared by all of them: p50/p90/p95/p99 of 10^7 values take
 * about 0.07 s (docs/stats.md).
 *
 * q need not be sorted and may repeat. out must hold nq doubles; it may
 * not overlap x or q.
 *
 * Returns LLMPERF_OK; LLMPERF_EINVAL for NULL x, q or out, nq = 0, any
 * q[j] outside [0, 100], or a non-finite value in x; LLMPERF_EUNDEFINED
 * for n = 0; LLMPERF_ENOMEM if the working copy cannot be allocated.
 * On failure no element of out is written. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_percentiles(const double *x, size_t n,
                                          const double *q, size_t nq,
                                          double *out);

/*
 * llmperf_stats_mean -- arithmetic mean, sum(x) / n (numpy.mean).
 *
 * Summed with Neumaier's compensated algorithm after an exact power-of-two
 * scaling, so the result is accurate to a few ulp and never overflows for
 * finite input (the mean of 1e308 and 1e308 is 1e308).
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL x or out or a
 * non-finite value in x; LLMPERF_EUNDEFINED for n = 0.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_mean(const double *x, size_t n, double *out);

/*
 * llmperf_stats_stddev -- sample standard deviation,
 * sqrt(sum((x - mean)^2) / (n - 1)) (numpy.std(x, ddof=1)).
 *
 * Computed in two passes (mean, then compensated sums of the deviations
 * with the usual correction term), so nearly constant data keep their
 * digits. Constant data give exactly 0.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL x or out or a
 * non-finite value in x; LLMPERF_EUNDEFINED for n < 2.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_stddev(const double *x, size_t n, double *out);

/*
 * llmperf_stats_stddev_pop -- population standard deviation,
 * sqrt(sum((x - mean)^2) / n) (numpy.std(x), ddof=0). This is the std_*
 * of vLLM's benchmark summaries. Same algorithm as llmperf_stats_stddev().
 *
 * Returns LLMPERF_OK and *out (0 for n = 1); LLMPERF_EINVAL as
 * llmperf_stats_stddev(); LLMPERF_EUNDEFINED for n = 0.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_stddev_pop(const double *x, size_t n,
                                         double *out);

/*
 * llmperf_stats_cv -- coefficient of variation: sample standard deviation
 * divided by the mean (scipy.stats.variation(x, ddof=1)). Negative when
 * the mean is negative.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL x or out or a
 * non-finite value in x; LLMPERF_EUNDEFINED for n < 2 or a mean of
 * exactly 0. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_cv(const double *x, size_t n, double *out);

/*
 * llmperf_stats_min_max -- smallest and largest value of x[0..n-1].
 * -0.0 and +0.0 compare equal; whichever comes first is reported.
 *
 * Returns LLMPERF_OK, *min and *max; LLMPERF_EINVAL for NULL x, min or
 * max or a non-finite value in x; LLMPERF_EUNDEFINED for n = 0.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_min_max(const double *x, size_t n, double *min,
                                      double *max);

/* ---- correlation ---------------------------------------------------- */

/*
 * llmperf_stats_pearson -- Pearson's correlation coefficient of the pairs
 * (x[i], y[i]) and the two-sided p-value of the test of no correlation
 * (scipy.stats.pearsonr(x, y), alternative='two-sided').
 *
 * r = sum(dx dy) / sqrt(sum(dx^2) sum(dy^2)) with dx = x - mean(x),
 * dy = y - mean(y), clipped to [-1, 1]. p = P(|T| >= |t|) for Student's t
 * with n - 2 degrees of freedom and t = r sqrt((n - 2) / (1 - r^2)),
 * evaluated as the regularised incomplete beta I_{1-r^2}((n-2)/2, 1/2)
 * so that it keeps full relative precision down to the smallest double
 * (it underflows to 0 where SciPy's does too).
 *
 * Exactly linear data whose centred sums are exact in floating point
 * (integers, halves, ... as usual in tests) give r = +1 or -1 exactly and
 * p = 0: the final ratio is taken in double-double precision.
 *
 * Returns LLMPERF_OK, *r and *p; LLMPERF_EINVAL for NULL x, y, r or p or
 * a non-finite value; LLMPERF_EUNDEFINED for n < 3 (SciPy returns
 * r = +-1, p = 1 for n = 2: a line through two points, no test) or when
 * x or y is constant. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_pearson(const double *x, const double *y,
                                      size_t n, double *r, double *p);

/*
 * llmperf_stats_spearman -- Spearman's rank correlation coefficient and
 * its two-sided p-value (scipy.stats.spearmanr(x, y)).
 *
 * rho is Pearson's r of the ranks of x and of y, where tied values get
 * the average of the ranks they span (scipy.stats.rankdata, "average").
 * p is from Student's t with n - 2 degrees of freedom as in
 * llmperf_stats_pearson().
 *
 * Allocates O(n) working memory.
 *
 * Returns LLMPERF_OK, *rho and *p; LLMPERF_EINVAL for NULL x, y, rho or p
 * or a non-finite value; LLMPERF_EUNDEFINED for n < 3 or when x or y is
 * constant; LLMPERF_ENOMEM. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_spearman(const double *x, const double *y,
                                       size_t n, double *rho, double *p);

/* ---- rank tests ----------------------------------------------------- */

/*
 * llmperf_stats_kruskal -- the Kruskal-Wallis H test that k independent
 * samples come from the same distribution (scipy.stats.kruskal(*groups)).
 *
 * groups[g] points to sizes[g] values. All N values are ranked together
 * (average ranks for ties); with R_g the rank sum of group g,
 *   H = 12 / (N (N + 1)) * sum_g (R_g - n_g (N + 1) / 2)^2 / n_g,
 * divided by the tie correction 1 - sum(t^3 - t) / (N^3 - N) over the
 * groups of t tied values. p = P(chi^2 > H) with K - 1 degrees of
 * freedom, K the number of non-empty groups.
 *
 * Empty groups (sizes[g] = 0; groups[g] may then be NULL) are skipped,
 * where SciPy returns NaN. Allocates O(N) working memory.
 *
 * Returns LLMPERF_OK, *h and *p; LLMPERF_EINVAL for NULL groups, sizes, h
 * or p, a NULL groups[g] with sizes[g] > 0, a non-finite value, or a total
 * size that overflows; LLMPERF_EUNDEFINED for fewer than 2 non-empty
 * groups or when all values are equal (SciPy raises ValueError);
 * LLMPERF_ENOMEM. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_kruskal(const double *const *groups,
                                      const size_t *sizes, size_t k,
                                      double *h, double *p);

/*
 * llmperf_stats_mannwhitney -- the Mann-Whitney U test of two independent
 * samples, two-sided, normal approximation with tie and continuity
 * correction (scipy.stats.mannwhitneyu(a, b, alternative='two-sided',
 * method='asymptotic', use_continuity=True)).
 *
 * *u is U of the FIRST sample: R_a - na (na + 1) / 2, R_a the sum of a's
 * ranks in the pooled sample (average ranks for ties); U of b is
 * na nb - *u. With U = max(U_a, U_b), n = na + nb and T = sum(t^3 - t)
 * over groups of ties,
 *   z = (U - na nb / 2 - 1/2) / sqrt(na nb / 12 * (n + 1 - T / (n (n-1))))
 * and p = min(1, 2 P(Z > z)).
 *
 * Allocates O(na + nb) working memory.
 *
 * Returns LLMPERF_OK, *u and *p; LLMPERF_EINVAL for NULL a, b, u or p or a
 * non-finite value; LLMPERF_EUNDEFINED for na = 0 or nb = 0, or when all
 * na + nb values are equal (zero variance; SciPy reports p = 1 there);
 * LLMPERF_ENOMEM. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_mannwhitney(const double *a, size_t na,
                                          const double *b, size_t nb,
                                          double *u, double *p);

/* ---- bootstrap ------------------------------------------------------ */

/*
 * llmperf_stats_bootstrap_ci -- percentile-bootstrap confidence interval
 * for the q-th percentile of x (q = 50: the median).
 *
 * Each of `resamples` resamples draws n values from x uniformly with
 * replacement and takes their q-th percentile (the definition of
 * llmperf_stats_percentile()). *lo and *hi are the 100 (1 - level) / 2
 * and 100 (1 + level) / 2 percentiles of those resample statistics, by
 * the same definition. level = 0.95 gives a 95% interval.
 *
 * Deterministic: the same arguments give the same interval on every
 * platform. Random draws come from xoshiro256** seeded by four outputs of
 * splitmix64(seed); each index is drawn by Lemire's unbiased
 * multiply-and-reject method (docs/stats.md spells the procedure out so
 * other languages can reproduce it). Time is O(resamples * n); memory
 * O(n + resamples).
 *
 * Returns LLMPERF_OK, *lo and *hi; LLMPERF_EINVAL for NULL x, lo or hi, q
 * outside [0, 100], level outside the open interval (0, 1), resamples =
 * 0, or a non-finite value; LLMPERF_EUNDEFINED for n = 0; LLMPERF_ENOMEM.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_bootstrap_ci(const double *x, size_t n,
                                           double q, double level,
                                           size_t resamples, uint64_t seed,
                                           double *lo, double *hi);

/*
 * llmperf_stats_bootstrap_ratio_ci -- ratio of the q-th percentile of b
 * (candidate) to that of a (baseline), with a percentile-bootstrap
 * confidence interval: a ratio of 1.10 at q = 50 means b's median is 10%
 * above a's.
 *
 * *ratio = P_q(b) / P_q(a) on the full samples. For each resample, a and
 * b are resampled independently (na draws from a, then nb from b, from
 * one random stream) and the ratio of their q-th percentiles is taken;
 * *lo and *hi are percentiles of those ratios as in
 * llmperf_stats_bootstrap_ci(), with the same generator and determinism.
 *
 * Returns LLMPERF_OK, *ratio, *lo and *hi; LLMPERF_EINVAL as
 * llmperf_stats_bootstrap_ci() (for either sample); LLMPERF_EUNDEFINED for
 * na = 0 or nb = 0, or when the baseline percentile of the samples or of
 * any resample is 0 or a ratio overflows; LLMPERF_ENOMEM.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_bootstrap_ratio_ci(const double *a, size_t na,
                                                 const double *b, size_t nb,
                                                 double q, double level,
                                                 size_t resamples,
                                                 uint64_t seed, double *ratio,
                                                 double *lo, double *hi);

/* ---- distributions -------------------------------------------------- */

/*
 * llmperf_stats_normal_cdf -- P(Z <= z) for the standard normal
 * distribution (scipy.stats.norm.cdf, scipy.special.ndtr), from erf near
 * 0 and erfc in the tails, so the lower tail keeps full relative
 * precision down to about z = -37.5 (below, the value is subnormal, then
 * 0).
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL out or a
 * non-finite z. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_normal_cdf(double z, double *out);

/*
 * llmperf_stats_normal_sf -- P(Z > z) = 1 - cdf(z), computed directly so
 * the upper tail keeps full relative precision (scipy.stats.norm.sf).
 * Returns as llmperf_stats_normal_cdf(). Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_normal_sf(double z, double *out);

/*
 * llmperf_stats_t_cdf -- P(T <= t) for Student's t distribution with df
 * degrees of freedom (scipy.stats.t.cdf, scipy.special.stdtr), through the
 * regularised incomplete beta function: the tail beyond |t| is
 * I_{df/(df+t^2)}(df/2, 1/2) / 2. Any df > 0 is accepted, fractional
 * too; above df = 1e30 the normal distribution is used, which is then
 * exact to double precision.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL out, non-finite t
 * or df, or df <= 0; LLMPERF_ERR in the (not observed) case that the
 * continued fraction fails to converge. Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_t_cdf(double t, double df, double *out);

/*
 * llmperf_stats_t_sf -- P(T > t) for Student's t with df degrees of
 * freedom (scipy.stats.t.sf), computed directly so that tiny upper tails
 * (t = 30, df = 1000: 9.1e-142) keep full relative precision.
 * Returns as llmperf_stats_t_cdf(). Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_t_sf(double t, double df, double *out);

/*
 * llmperf_stats_chi2_cdf -- P(X <= x) for the chi-square distribution with
 * df degrees of freedom (scipy.stats.chi2.cdf, scipy.special.chdtr): the
 * regularised lower incomplete gamma function P(df/2, x/2). x <= 0 gives
 * 0.
 *
 * Returns LLMPERF_OK and *out; LLMPERF_EINVAL for NULL out, non-finite x
 * or df, or df outside (0, 1e10]; LLMPERF_ERR in the (not observed) case
 * that the series or fraction fails to converge. Thread-safe.
 * Added in 0.1.
 */
LLMPERF_API int llmperf_stats_chi2_cdf(double x, double df, double *out);

/*
 * llmperf_stats_chi2_sf -- P(X > x) for the chi-square distribution with
 * df degrees of freedom (scipy.stats.chi2.sf, scipy.special.chdtrc): the
 * regularised upper incomplete gamma function Q(df/2, x/2), computed
 * directly so that far tails (x = 1000, df = 2: 7.1e-218) keep full
 * relative precision. x <= 0 gives 1.
 * Returns as llmperf_stats_chi2_cdf(). Thread-safe. Added in 0.1.
 */
LLMPERF_API int llmperf_stats_chi2_sf(double x, double df, double *out);

/*
 * llmperf_stats_corr_strength -- a word for the strength of a correlation
 * coefficient, by |r|: below 0.1 "negligible", below 0.3 "weak", below 0.5
 * "moderate", below 0.7 "strong", otherwise "very strong". The report,
 * llmperf-analyze and the bindings all use this one scale.
 *
 * Returns a static string, never NULL; "undefined" for NaN or infinity.
 * Thread-safe. Added in 0.1.
 */
LLMPERF_API const char *llmperf_stats_corr_strength(double r);

#ifdef __cplusplus
}
#endif

#endif /* LLMPERF_STATS_H */
