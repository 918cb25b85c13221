/* SPDX-License-Identifier: MIT */
/*
 * distrib.h -- internal special functions behind the p-values of stats.c:
 * log-gamma, log-beta, the regularised incomplete beta and gamma
 * functions. The exported wrappers (normal, t, chi-square) are declared in
 * include/llmperf/stats.h. All functions here are pure and thread-safe.
 */
#ifndef LLMPERF_DISTRIB_H
#define LLMPERF_DISTRIB_H

/* ln Gamma(z) for z > 0, without touching the global signgam that libm's
 * lgamma() writes (which would make concurrent callers race). Absolute
 * error about 2e-15 for z < 10, relative 1e-15 above. */
double llmperf__lngamma(double z);

/* ln B(a, b) for a, b > 0, accurate also when one or both are huge. */
double llmperf__lnbeta(double a, double b);

/*
 * Regularised incomplete beta I_x(a, b) and its complement 1 - I_x(a, b).
 * The caller passes x and y = 1 - x, each computed as accurately as it
 * can (so a tail near x = 1 keeps its precision), and their logarithms
 * (ln_x, ln_y), which may be finite even where x or y underflows. The
 * smaller of the two results is computed directly and keeps full
 * relative accuracy; the larger is 1 minus it.
 * Returns 0, or -1 if the continued fraction did not converge (outputs
 * untouched). a, b > 0 and 0 <= x, y <= 1 are the caller's duty.
 */
int llmperf__ibeta(double a, double b, double x, double y, double ln_x,
                   double ln_y, double *cdf, double *sf);

/*
 * Regularised incomplete gamma P(a, x) (lower) and Q(a, x) = 1 - P
 * (upper), a > 0, x >= 0. Returns 0, or -1 if the series or continued
 * fraction did not converge (outputs untouched).
 */
int llmperf__igamma(double a, double x, double *p, double *q);

/* Student's t with df > 0 degrees of freedom: the probability of T <= t
 * and of T > t. Returns 0 or -1 as llmperf__ibeta(). */
int llmperf__t_tails(double t, double df, double *cdf, double *sf);

/* Standard normal: P(Z <= z), accurate to full relative precision in
 * the lower tail (the upper tail is llmperf__ndtr(-z)). */
double llmperf__ndtr(double z);

#endif /* LLMPERF_DISTRIB_H */
