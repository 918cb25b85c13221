# SPDX-License-Identifier: MIT
"""Statistics on any sequence of numbers, computed by libllmperf
(include/llmperf/stats.h; definitions in docs/stats.md).

Every function takes plain sequences (lists, tuples, ``array.array``,
NumPy arrays...) of numbers and matches the SciPy / NumPy function named
in its docstring to 1e-9 relative. Bad input (NaN, infinity, q out of
range) raises :class:`~llmperf.errors.InvalidArgument`; a statistic that
is not defined for the data (too few values, zero variance) raises
:class:`~llmperf.errors.UndefinedError`. No function returns NaN.

>>> from llmperf import stats
>>> stats.percentile([1, 2, 3, 4], 50)
2.5
>>> stats.pearson([1, 2, 3, 4], [2, 4, 6, 9]).r > 0.99
True
"""
from __future__ import annotations

import ctypes
from ctypes import byref, c_double, c_size_t
from typing import List, NamedTuple, Sequence, Tuple

from ._ffi import array, lib
from .errors import InvalidArgument, check

Numbers = Sequence[float]


class Correlation(NamedTuple):
    """A correlation coefficient and its two-sided p-value."""
    r: float
    p: float


class HypothesisTest(NamedTuple):
    """A test statistic (H, U) and its p-value."""
    statistic: float
    p: float


class Interval(NamedTuple):
    """A confidence interval."""
    lo: float
    hi: float


class RatioInterval(NamedTuple):
    """A ratio with its confidence interval."""
    ratio: float
    lo: float
    hi: float


def _call(what: str, status: int) -> None:
    check(status, lambda: "%s: %s" % (what, lib.llmperf_strerror(
        status).decode()))


def _out() -> c_double:
    return c_double()


def _n(x: Numbers) -> Tuple["ctypes.Array[c_double]", int]:
    a = array(x)
    return a, len(x)


def _seed_resamples(resamples: int, seed: int) -> None:
    if not 0 <= int(resamples) < 1 << 63:
        raise InvalidArgument(-3, "resamples must be >= 0")
    if not 0 <= int(seed) < 1 << 64:
        raise InvalidArgument(-3, "seed must be in [0, 2**64)")


def percentile(x: Numbers, q: float) -> float:
    """The q-th percentile (q in [0, 100]) with linear interpolation
    between closest ranks: ``numpy.percentile(x, q)``."""
    a, n = _n(x)
    out = _out()
    _call("percentile", lib.llmperf_stats_percentile(a, n, float(q),
                                                     byref(out)))
    return out.value


def percentiles(x: Numbers, qs: Sequence[float]) -> List[float]:
    """Several percentiles of x at once (one sort): ``[percentile(x, q)
    for q in qs]``, faster."""
    a, n = _n(x)
    qa, nq = _n(qs)
    out = (c_double * max(nq, 1))()
    _call("percentiles", lib.llmperf_stats_percentiles(a, n, qa, nq, out))
    return list(out[:nq])


def mean(x: Numbers) -> float:
    """Arithmetic mean (``numpy.mean``), compensated summation."""
    a, n = _n(x)
    out = _out()
    _call("mean", lib.llmperf_stats_mean(a, n, byref(out)))
    return out.value


def stddev(x: Numbers) -> float:
    """Sample standard deviation, n - 1 (``numpy.std(x, ddof=1)``)."""
    a, n = _n(x)
    out = _out()
    _call("stddev", lib.llmperf_stats_stddev(a, n, byref(out)))
    return out.value


def stddev_pop(x: Numbers) -> float:
    """Population standard deviation, n (``numpy.std(x)``): the std_*
    of vLLM's summaries."""
    a, n = _n(x)
    out = _out()
    _call("stddev_pop", lib.llmperf_stats_stddev_pop(a, n, byref(out)))
    return out.value


def cv(x: Numbers) -> float:
    """Coefficient of variation, sample std / mean
    (``scipy.stats.variation(x, ddof=1)``)."""
    a, n = _n(x)
    out = _out()
    _call("cv", lib.llmperf_stats_cv(a, n, byref(out)))
    return out.value


def min_max(x: Numbers) -> Tuple[float, float]:
    """``(min(x), max(x))``, rejecting NaN and infinities."""
    a, n = _n(x)
    lo, hi = _out(), _out()
    _call("min_max", lib.llmperf_stats_min_max(a, n, byref(lo), byref(hi)))
    return lo.value, hi.value


def _pair(what: str, x: Numbers, y: Numbers):
    if len(x) != len(y):
        raise InvalidArgument(-3, "%s: x has %d values, y has %d"
                              % (what, len(x), len(y)))
    return array(x), array(y), len(x)


def pearson(x: Numbers, y: Numbers) -> Correlation:
    """Pearson's r and its two-sided p-value (``scipy.stats.pearsonr``).
    x and y must have the same length."""
    a, b, n = _pair("pearson", x, y)
    r, p = _out(), _out()
    _call("pearson", lib.llmperf_stats_pearson(a, b, n, byref(r), byref(p)))
    return Correlation(r.value, p.value)


def spearman(x: Numbers, y: Numbers) -> Correlation:
    """Spearman's rho (average ranks for ties) and its two-sided p-value
    (``scipy.stats.spearmanr``)."""
    a, b, n = _pair("spearman", x, y)
    r, p = _out(), _out()
    _call("spearman", lib.llmperf_stats_spearman(a, b, n, byref(r),
                                                 byref(p)))
    return Correlation(r.value, p.value)


def kruskal(*groups: Numbers) -> HypothesisTest:
    """Kruskal-Wallis H test across groups, tie-corrected, p from
    chi-square with k - 1 df (``scipy.stats.kruskal(*groups)``). Empty
    groups are skipped."""
    k = len(groups)
    arrays = [array(g) for g in groups]
    ptrs = (ctypes.POINTER(c_double) * max(k, 1))()
    sizes = (c_size_t * max(k, 1))()
    for i, (g, arr) in enumerate(zip(groups, arrays)):
        ptrs[i] = ctypes.cast(arr, ctypes.POINTER(c_double))
        sizes[i] = len(g)
    h, p = _out(), _out()
    _call("kruskal", lib.llmperf_stats_kruskal(ptrs, sizes, k, byref(h),
                                               byref(p)))
    return HypothesisTest(h.value, p.value)


def mannwhitney(a: Numbers, b: Numbers) -> HypothesisTest:
    """Mann-Whitney U of the first sample and the two-sided p-value from
    the normal approximation with tie and continuity correction
    (``scipy.stats.mannwhitneyu(a, b, method="asymptotic")``)."""
    xa, xb = array(a), array(b)
    u, p = _out(), _out()
    _call("mannwhitney", lib.llmperf_stats_mannwhitney(
        xa, len(a), xb, len(b), byref(u), byref(p)))
    return HypothesisTest(u.value, p.value)


def bootstrap_ci(x: Numbers, q: float = 50.0, level: float = 0.95,
                 resamples: int = 1000, seed: int = 0) -> Interval:
    """Percentile-bootstrap confidence interval of the q-th percentile
    (q = 50: the median). Deterministic for a given seed, on every
    platform (docs/stats.md gives the procedure)."""
    _seed_resamples(resamples, seed)
    a, n = _n(x)
    lo, hi = _out(), _out()
    _call("bootstrap_ci", lib.llmperf_stats_bootstrap_ci(
        a, n, float(q), float(level), int(resamples), int(seed), byref(lo),
        byref(hi)))
    return Interval(lo.value, hi.value)


def bootstrap_ratio_ci(a: Numbers, b: Numbers, q: float = 50.0,
                       level: float = 0.95, resamples: int = 1000,
                       seed: int = 0) -> RatioInterval:
    """The ratio P_q(b) / P_q(a) (candidate over baseline) with its
    percentile-bootstrap confidence interval: 1.10 at q = 50 means b's
    median is 10% above a's."""
    _seed_resamples(resamples, seed)
    xa, xb = array(a), array(b)
    r, lo, hi = _out(), _out(), _out()
    _call("bootstrap_ratio_ci", lib.llmperf_stats_bootstrap_ratio_ci(
        xa, len(a), xb, len(b), float(q), float(level), int(resamples),
        int(seed), byref(r), byref(lo), byref(hi)))
    return RatioInterval(r.value, lo.value, hi.value)


def _dist1(what: str, fn, z: float) -> float:
    out = _out()
    _call(what, fn(float(z), byref(out)))
    return out.value


def _dist2(what: str, fn, x: float, df: float) -> float:
    out = _out()
    _call(what, fn(float(x), float(df), byref(out)))
    return out.value


def normal_cdf(z: float) -> float:
    """P(Z <= z), standard normal (``scipy.stats.norm.cdf``)."""
    return _dist1("normal_cdf", lib.llmperf_stats_normal_cdf, z)


def normal_sf(z: float) -> float:
    """P(Z > z), standard normal (``scipy.stats.norm.sf``)."""
    return _dist1("normal_sf", lib.llmperf_stats_normal_sf, z)


def t_cdf(t: float, df: float) -> float:
    """P(T <= t), Student's t with df > 0 (``scipy.stats.t.cdf``)."""
    return _dist2("t_cdf", lib.llmperf_stats_t_cdf, t, df)


def t_sf(t: float, df: float) -> float:
    """P(T > t), Student's t with df > 0 (``scipy.stats.t.sf``)."""
    return _dist2("t_sf", lib.llmperf_stats_t_sf, t, df)


def chi2_cdf(x: float, df: float) -> float:
    """P(X <= x), chi-square with df degrees of freedom
    (``scipy.stats.chi2.cdf``)."""
    return _dist2("chi2_cdf", lib.llmperf_stats_chi2_cdf, x, df)


def chi2_sf(x: float, df: float) -> float:
    """P(X > x), chi-square with df degrees of freedom
    (``scipy.stats.chi2.sf``)."""
    return _dist2("chi2_sf", lib.llmperf_stats_chi2_sf, x, df)


def corr_strength(r: float) -> str:
    """A word for the strength of a correlation coefficient by |r|
    ("negligible" < 0.1 <= "weak" < 0.3 <= "moderate" < 0.5 <= "strong"
    < 0.7 <= "very strong"; "undefined" for NaN): the library's scale,
    shared with the HTML report and llmperf-analyze."""
    return lib.llmperf_stats_corr_strength(float(r)).decode("ascii")


__all__ = ["percentile", "percentiles", "mean", "stddev", "stddev_pop",
           "cv", "min_max", "pearson", "spearman", "kruskal", "mannwhitney",
           "bootstrap_ci", "bootstrap_ratio_ci", "normal_cdf", "normal_sf",
           "t_cdf", "t_sf", "chi2_cdf", "chi2_sf", "corr_strength", "Correlation",
           "HypothesisTest", "Interval", "RatioInterval"]
