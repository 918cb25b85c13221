/* SPDX-License-Identifier: MIT */
/*
 * distrib.c -- special functions for the p-values of stats.c: ln Gamma,
 * ln Beta, the regularised incomplete beta function (continued fraction
 * evaluated by Lentz's method), the regularised incomplete gamma function
 * (power series below x = a + 1, continued fraction above), and the
 * normal, Student's t and chi-square distributions built on them.
 *
 * Written from the textbook formulas (Abramowitz & Stegun 6.1.41, 6.5.29,
 * 6.5.31, 26.5.8; Press et al., "Numerical Recipes", 6.2 and 6.4 for the
 * choice of series versus fraction). The care taken beyond the textbook:
 * Stirling-series forms of the prefactors so that huge parameters (t with
 * df = 10^7 for a Pearson test on 10^7 pairs) do not lose digits to the
 * cancellation of large ln Gamma values, and logarithms passed in by the
 * caller so that far tails keep full relative precision.
 */
#include "internal.h"

#include <float.h>
#include <math.h>

#include "distrib.h"
#include "llmperf/stats.h"

/* Probabilities formed as 1 - v can leave [0, 1] by an ulp. */
static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* ln sqrt(2 pi), and 1/sqrt(2 pi) for the large-a gamma prefactor. */
#define LN_SQRT_2PI 0.91893853320467274178
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT1_2 0.70710678118654752440

/* Above this argument the Stirling series below is accurate to about
 * 3e-17 absolute with the eight terms kept. */
#define STIRLING_MIN 10.0

/* Largest chi-square df accepted: the series and fraction need about
 * sqrt(df) steps near the centre, which MAX_ITER bounds. */
#define CHI2_MAX_DF 1e10

/* Iteration caps. The continued fractions and the series need about
 * sqrt(a) steps at worst (near the centre of the distribution); 10^6
 * covers a = 10^10, far beyond any degrees of freedom met in practice,
 * while still bounding the time. */
#define MAX_ITER 1000000

/* Student's t is computed as the normal distribution above this df. */
#define T_NORMAL_DF 1e30

/* Lentz's method replaces values that would divide by zero with this. */
#define LENTZ_TINY 1e-300

/*
 * Stirling remainder: ln Gamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)],
 * from the asymptotic series with Bernoulli-number coefficients
 * B_2k / (2k (2k - 1) z^(2k-1)). Only for z >= STIRLING_MIN.
 */
static double stirling_rem(double z)
{
    double r = 1.0 / z;
    double r2 = r * r;

    return r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260
           + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
           + r2 * (-691.0 / 360360 + r2 * (1.0 / 156
           + r2 * (-3617.0 / 122400))))))));
}

/* log(1 + m) - m, accurate also for small m where the two terms cancel. */
static double log1pmx(double m)
{
    double term, sum, mk;
    int k;

    if (fabs(m) >= 0.25)
        return log1p(m) - m;
    /* -m^2/2 + m^3/3 - m^4/4 ...; |m| < 1/4 gives 1e-17 by k = 28. */
    sum = 0.0;
    mk = m;
    for (k = 2; k < 60; k++) {
        mk *= -m;
        term = mk / k;
        sum += term;
        if (fabs(term) <= 1e-17 * fabs(sum))
            break;
    }
    return sum;
}

double llmperf__lngamma(double z)
{
    double shift = 0.0, prod = 1.0;
    int i;

    if (z >= STIRLING_MIN)
        return (z - 0.5) * log(z) - z + LN_SQRT_2PI + stirling_rem(z);
    /* Gamma(z) = Gamma(z + k) / (z (z + 1) ... (z + k - 1)); each z + i
     * is formed once from z so rounding does not accumulate. */
    for (i = 0; z + i < STIRLING_MIN; i++)
        prod *= z + i;
    shift = z + i;
    return (shift - 0.5) * log(shift) - shift + LN_SQRT_2PI
           + stirling_rem(shift) - log(prod);
}

double llmperf__lnbeta(double a, double b)
{
    double t;

    if (a < b) {
        t = a;
        a = b;
        b = t;
    }
    /* Now a >= b. Both small: the ln Gamma values are small too. */
    if (a < STIRLING_MIN)
        return llmperf__lngamma(a) + llmperf__lngamma(b)
               - llmperf__lngamma(a + b);
    /* a large: ln Gamma(a + b) - ln Gamma(a) by the Stirling difference,
     * so the two big values never meet in a subtraction. */
    if (b < STIRLING_MIN)
        return llmperf__lngamma(b)
               - ((a - 0.5) * log1p(b / a) + b * log(a + b) - b
                  + stirling_rem(a + b) - stirling_rem(a));
    return LN_SQRT_2PI - 0.5 * log(b) - (a - 0.5) * log1p(b / a)
           - b * log1p(a / b) + stirling_rem(a) + stirling_rem(b)
           - stirling_rem(a + b);
}

/*
 * Double-double arithmetic (a value is hi + lo with |lo| <= ulp(hi) / 2),
 * after Dekker and Knuth; fma() makes the product exact. Used by the beta
 * fraction only: see beta_fraction() for why.
 */
typedef struct dd {
    double hi, lo;
} dd;

static dd dd_norm(double s, double e)
{
    dd r;

    r.hi = s + e;
    r.lo = e - (r.hi - s);
    return r;
}

static dd dd_from(double a)
{
    dd r = {a, 0.0};

    return r;
}

static dd dd_add(dd x, dd y)
{
    double s = x.hi + y.hi;
    double v = s - x.hi;
    double e = (x.hi - (s - v)) + (y.hi - v);

    return dd_norm(s, e + x.lo + y.lo);
}

static dd dd_neg(dd x)
{
    x.hi = -x.hi;
    x.lo = -x.lo;
    return x;
}

static dd dd_mul(dd x, dd y)
{
    double p = x.hi * y.hi;
    double e = fma(x.hi, y.hi, -p);

    return dd_norm(p, e + (x.hi * y.lo + x.lo * y.hi));
}

static dd dd_div(dd x, dd y)
{
    double q1 = x.hi / y.hi;
    dd r = dd_add(x, dd_neg(dd_mul(dd_from(q1), y)));
    double q2 = r.hi / y.hi;

    r = dd_add(r, dd_neg(dd_mul(dd_from(q2), y)));
    return dd_add(dd_norm(q1, q2), dd_from(r.hi / y.hi));
}

/* Lentz's guard against a zero denominator, in double-double. */
static dd dd_guard(dd v)
{
    if (fabs(v.hi) < LENTZ_TINY)
        return dd_from(LENTZ_TINY);
    return v;
}

/*
 * The continued fraction of I_x(a, b) (A&S 26.5.8) without its prefactor,
 * by the modified Lentz method; it converges fast for
 * x < (a + 1) / (a + b + 2), in a few dozen steps even for huge a.
 *
 * Why double-double: with a large and x close to 1 (Student's t with
 * many degrees of freedom and a moderate t), the first denominators are
 * 1 - x (a + m)(a + b + m) / ((a + 2m)(a + 2m + 1)), differences of
 * numbers near 1 that are only O(1/a) apart. In double precision this
 * loses a factor a of accuracy (4e-10 relative at df = 10^7); carried in
 * double-double, with x given exactly as 1 - y, the loss falls below
 * double precision for any a < 10^15.
 */
static int beta_fraction(double a, double b, dd x, double *out)
{
    dd one = dd_from(1.0), c, d, h, num, delta, da = dd_from(a);
    dd ab = dd_add(da, dd_from(b));
    int m;

    c = one;
    d = dd_add(one, dd_neg(dd_div(dd_mul(ab, x), dd_add(da, one))));
    d = dd_div(one, dd_guard(d));
    h = d;
    for (m = 1; m <= MAX_ITER; m++) {
        dd dm = dd_from(m), a2m = dd_add(da, dd_from(2.0 * m));

        /* even step: m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        num = dd_mul(dd_mul(dm, dd_add(dd_from(b), dd_neg(dm))), x);
        num = dd_div(dd_div(num, dd_add(a2m, dd_from(-1.0))), a2m);
        d = dd_div(one, dd_guard(dd_add(one, dd_mul(num, d))));
        c = dd_guard(dd_add(one, dd_div(num, c)));
        h = dd_mul(h, dd_mul(d, c));
        /* odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        num = dd_mul(dd_div(dd_add(da, dm), a2m),
                     dd_div(dd_add(ab, dm), dd_add(a2m, one)));
        num = dd_neg(dd_mul(num, x));
        d = dd_div(one, dd_guard(dd_add(one, dd_mul(num, d))));
        c = dd_guard(dd_add(one, dd_div(num, c)));
        delta = dd_mul(d, c);
        h = dd_mul(h, delta);
        if (fabs(delta.hi - 1.0) + fabs(delta.lo) <= DBL_EPSILON) {
            *out = h.hi + h.lo;
            return 0;
        }
    }
    return -1;
}

/* x as a double-double: taken as is when small, else formed exactly as
 * 1 - y, since near 1 it is y that carries the precision. */
static dd dd_unit(double x, double y)
{
    if (x <= 0.5)
        return dd_from(x);
    return dd_add(dd_from(1.0), dd_from(-y));
}

/* I_x(a, b) for x below the switch point: prefactor times fraction. */
static int ibeta_lower(double a, double b, double x, double y,
                       double ln_x, double ln_y, double *out)
{
    double frac, e;

    if (beta_fraction(a, b, dd_unit(x, y), &frac) != 0)
        return -1;
    e = a * ln_x + b * ln_y - llmperf__lnbeta(a, b);
    *out = exp(e) * frac / a;
    return 0;
}

int llmperf__ibeta(double a, double b, double x, double y, double ln_x,
                   double ln_y, double *cdf, double *sf)
{
    double v;

    if (x <= 0.0 && ln_x == -INFINITY) {
        *cdf = 0.0;
        *sf = 1.0;
        return 0;
    }
    if (y <= 0.0 && ln_y == -INFINITY) {
        *cdf = 1.0;
        *sf = 0.0;
        return 0;
    }
    /* Use the fraction on the side where it converges,
     * x < (a + 1) / (a + b + 2); the symmetry I_x(a, b) = 1 - I_y(b, a)
     * gives the other one. The test is made on whichever of x and y is
     * the smaller, since near 1 the other has lost its low digits. */
    if (x <= 0.5 ? x < (a + 1.0) / (a + b + 2.0)
                 : y > (b + 1.0) / (a + b + 2.0)) {
        if (ibeta_lower(a, b, x, y, ln_x, ln_y, &v) != 0)
            return -1;
        *cdf = clamp01(v);
        *sf = clamp01(1.0 - v);
    } else {
        if (ibeta_lower(b, a, y, x, ln_y, ln_x, &v) != 0)
            return -1;
        *sf = clamp01(v);
        *cdf = clamp01(1.0 - v);
    }
    return 0;
}

/*
 * x^a e^-x / Gamma(a), the prefactor shared by the series and the
 * fraction. For large a the direct form subtracts numbers near a ln a;
 * the Stirling form a (ln(1 + m) - m) with m = (x - a) / a does not.
 */
static double gamma_prefactor(double a, double x)
{
    double e;

    if (a >= STIRLING_MIN) {
        /* Near x = a the difference form keeps its digits; far from it
         * (x << a) (x - a) / a loses the ones of x, so use the logs. */
        if (fabs(x - a) < 0.5 * a)
            e = a * log1pmx((x - a) / a);
        else
            e = a * log(x / a) - (x - a);
        return sqrt(a) * INV_SQRT_2PI * exp(e - stirling_rem(a));
    }
    return exp(a * log(x) - x - llmperf__lngamma(a));
}

int llmperf__igamma(double a, double x, double *p, double *q)
{
    double pre, sum, term, ap, b, c, d, h, an, delta;
    int i;

    if (x <= 0.0) {
        *p = 0.0;
        *q = 1.0;
        return 0;
    }
    pre = gamma_prefactor(a, x);
    if (x < a + 1.0) {
        /* P(a, x) = pre * sum_n x^n / (a (a+1) ... (a+n)) (A&S 6.5.29) */
        sum = term = 1.0 / a;
        ap = a;
        for (i = 1; i <= MAX_ITER; i++) {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if (term <= sum * DBL_EPSILON * 0.5)
                break;
        }
        if (i > MAX_ITER)
            return -1;
        *p = clamp01(pre * sum);
        *q = clamp01(1.0 - pre * sum);
        return 0;
    }
    /* Q(a, x) = pre / (x + 1 - a - 1(1-a) / (x + 3 - a - 2(2-a) / ...))
     * (A&S 6.5.31 in even form), by Lentz's method. */
    b = x + 1.0 - a;
    c = 1.0 / LENTZ_TINY;
    d = 1.0 / b;
    h = d;
    for (i = 1; i <= MAX_ITER; i++) {
        an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < LENTZ_TINY)
            d = LENTZ_TINY;
        c = b + an / c;
        if (fabs(c) < LENTZ_TINY)
            c = LENTZ_TINY;
        d = 1.0 / d;
        delta = d * c;
        h *= delta;
        if (fabs(delta - 1.0) <= DBL_EPSILON)
            break;
    }
    if (i > MAX_ITER)
        return -1;
    *q = clamp01(pre * h);
    *p = clamp01(1.0 - pre * h);
    return 0;
}

int llmperf__t_tails(double t, double df, double *cdf, double *sf)
{
    double at = fabs(t), ln_u, u, x, y, ln_x, ln_y, two_lo, two_hi;

    if (t == 0.0) {
        *cdf = *sf = 0.5;
        return 0;
    }
    /* Beyond 10^30 degrees of freedom the fraction's coefficients round
     * to those of the limit, and the limit is exact to double precision:
     * ln f_t(t) - ln phi(t) = t^4 / (4 df) + ..., below 1e-24 for every t
     * whose normal tail is representable (|t| < 38). */
    if (df > T_NORMAL_DF) {
        *cdf = llmperf__ndtr(t);
        *sf = llmperf__ndtr(-t);
        return 0;
    }
    /* P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t^2). Written
     * with u = df / t^2 as x = u / (1 + u), y = 1 - x = 1 / (1 + u), and
     * through logarithms where u would overflow or underflow. */
    ln_u = log(df) - 2.0 * log(at);
    if (fabs(ln_u) < 600.0) {
        u = df / at / at;
        x = u / (1.0 + u);
        y = 1.0 / (1.0 + u);
        ln_x = x <= 0.5 ? log(x) : log1p(-y);
        ln_y = y <= 0.5 ? log(y) : log1p(-x);
    } else if (ln_u > 0.0) {
        /* |t| tiny against sqrt(df): y underflows */
        ln_x = -log1p(exp(-ln_u));
        ln_y = -ln_u + ln_x;
        x = exp(ln_x);
        y = exp(ln_y);
    } else {
        /* |t| huge: x underflows */
        ln_y = -log1p(exp(ln_u));
        ln_x = ln_u + ln_y;
        x = exp(ln_x);
        y = exp(ln_y);
    }
    if (llmperf__ibeta(0.5 * df, 0.5, x, y, ln_x, ln_y, &two_lo,
                       &two_hi) != 0)
        return -1;
    /* two_lo = P(|T| > |t|), two_hi = P(|T| <= |t|). */
    if (t > 0.0) {
        *sf = 0.5 * two_lo;
        *cdf = 0.5 + 0.5 * two_hi;
    } else {
        *cdf = 0.5 * two_lo;
        *sf = 0.5 + 0.5 * two_hi;
    }
    return 0;
}

double llmperf__ndtr(double z)
{
    double x = z * SQRT1_2;

    /* Near 0 erf is the accurate one; in the tails erfc keeps relative
     * precision (the lower tail is 0.5 erfc(-x) directly). */
    if (fabs(x) < SQRT1_2)
        return 0.5 + 0.5 * erf(x);
    if (x > 0.0)
        return 1.0 - 0.5 * erfc(x);
    return 0.5 * erfc(-x);
}

/* ---- exported wrappers: argument checks, then the functions above ---- */

LLMPERF_API int llmperf_stats_normal_cdf(double z, double *out)
{
    if (out == NULL || !isfinite(z))
        return LLMPERF_EINVAL;
    *out = llmperf__ndtr(z);
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_stats_normal_sf(double z, double *out)
{
    if (out == NULL || !isfinite(z))
        return LLMPERF_EINVAL;
    *out = llmperf__ndtr(-z);
    return LLMPERF_OK;
}

static int t_common(double t, double df, double *out, int upper)
{
    double c, s;

    if (out == NULL || !isfinite(t) || !isfinite(df) || !(df > 0.0))
        return LLMPERF_EINVAL;
    if (llmperf__t_tails(t, df, &c, &s) != 0)
        return LLMPERF_ERR;
    *out = upper ? s : c;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_stats_t_cdf(double t, double df, double *out)
{
    return t_common(t, df, out, 0);
}

LLMPERF_API int llmperf_stats_t_sf(double t, double df, double *out)
{
    return t_common(t, df, out, 1);
}

static int chi2_common(double x, double df, double *out, int upper)
{
    double p, q;

    if (out == NULL || !isfinite(x) || !isfinite(df) || !(df > 0.0) ||
        df > CHI2_MAX_DF)
        return LLMPERF_EINVAL;
    if (llmperf__igamma(0.5 * df, 0.5 * x, &p, &q) != 0)
        return LLMPERF_ERR;
    *out = upper ? q : p;
    return LLMPERF_OK;
}

LLMPERF_API int llmperf_stats_chi2_cdf(double x, double df, double *out)
{
    return chi2_common(x, df, out, 0);
}

LLMPERF_API int llmperf_stats_chi2_sf(double x, double df, double *out)
{
    return chi2_common(x, df, out, 1);
}
