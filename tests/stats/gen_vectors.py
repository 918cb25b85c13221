#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the reference vectors that tests/unit/test_stats.c checks.

Run with Debian's python3 (it has python3-scipy and python3-numpy):

    /usr/bin/python3 tests/stats/gen_vectors.py

It rewrites tests/stats/vectors.txt (statistics) and
tests/stats/distributions.txt (normal, t and chi-square functions). Both
are plain text, one record per line, numbers printed with repr() (the
shortest string that reads back as the same double, like %.17g).

Records
-------
    data NAME N v1 ... vN            an explicit data set
    gen NAME KIND SEED N P1 P2 [SRC] a data set computed from a seeded
                                     generator (see make_gen below; the C
                                     test implements the same arithmetic,
                                     only + - * / and floor, so both
                                     sides get identical doubles)
    OP ARGS... STATUS [VALUES...]    one expected result

STATUS is OK (then the expected values follow) or a status name such as
EUNDEFINED. OP is one of
    pct NAME Q            mean NAME       std NAME       stdpop NAME
    cv NAME               minmax NAME     pearson X Y    spearman X Y
    kruskal K G1..GK      mwu A B
    boot X Q LEVEL RESAMPLES SEED              -> lo hi
    bootratio A B Q LEVEL RESAMPLES SEED       -> ratio lo hi
    normal Z -> cdf sf    t T DF -> cdf sf     chi2 X DF -> cdf sf
The group name "-" in kruskal stands for an empty group.

The boot records are not from SciPy (its bootstrap uses NumPy's own
generator): they come from an independent Python implementation of the
procedure in docs/stats.md (splitmix64 -> xoshiro256**, Lemire's bounded
draw into the sorted sample, numpy.percentile on each resample), so the
C code is checked against the documented algorithm bit for bit.
"""
import math
import os
import platform
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
M64 = (1 << 64) - 1

# ---------------------------------------------------------------- data


def splitmix64_stream(seed):
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def uniforms(seed):
    """Doubles in [0, 1): the top 53 bits of splitmix64, times 2^-53."""
    for z in splitmix64_stream(seed):
        yield float(z >> 11) * (1.0 / 9007199254740992.0)


def make_gen(kind, seed, n, p1, p2, src=None):
    """The generated data sets. Keep in step with gen_fill() in
    tests/unit/test_stats.c: the same operations in the same order."""
    u = uniforms(seed)
    out = []
    for i in range(n):
        if kind == "unif":        # p1 + p2 u
            out.append(p1 + p2 * next(u))
        elif kind == "lat":       # latency-like: body plus a heavy tail
            u1 = next(u)
            u2 = next(u)
            w = u2 * u2
            w = w * w
            w = w * w
            out.append(p1 + p2 * u1 + 10.0 * p2 * w)
        elif kind == "int":       # integers floor(p1 u) + p2: many ties
            out.append(math.floor(p1 * next(u)) + p2)
        elif kind == "add":       # src + p1 + p2 (u - 1/2): correlated
            out.append(src[i] + p1 + p2 * (next(u) - 0.5))
        elif kind == "lin":       # p1 src + p2 (no randomness)
            out.append(p1 * src[i] + p2)
        else:
            raise ValueError(kind)
    return out


# ------------------------------------------------ bootstrap re-implementation


class Xoshiro:
    """xoshiro256** seeded with four splitmix64 outputs."""

    def __init__(self, seed):
        g = splitmix64_stream(seed)
        self.s = [next(g) for _ in range(4)]

    def next(self):
        s = self.s

        def rotl(v, k):
            return ((v << k) | (v >> (64 - k))) & M64
        out = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return out

    def below(self, n):
        """Lemire: high word of x * n, rejecting the biased low words."""
        m = self.next() * n
        lo = m & M64
        if lo < n:
            floor = ((1 << 64) - n) % n
            while lo < floor:
                m = self.next() * n
                lo = m & M64
        return m >> 64


def resample_pct(s, q, g):
    n = len(s)
    idx = [g.below(n) for _ in range(n)]
    return float(np.percentile(s[idx], q))


def boot_ci(x, q, level, resamples, seed):
    # The draws index the sorted sample (docs/stats.md).
    s = np.sort(np.asarray(x, dtype=float))
    g = Xoshiro(seed)
    st = np.array([resample_pct(s, q, g) for _ in range(resamples)])
    lo_q = 100.0 * (1.0 - level) / 2.0
    hi_q = 100.0 * (1.0 + level) / 2.0
    return float(np.percentile(st, lo_q)), float(np.percentile(st, hi_q))


def boot_ratio_ci(a, b, q, level, resamples, seed):
    a = np.sort(np.asarray(a, dtype=float))
    b = np.sort(np.asarray(b, dtype=float))
    ratio = float(np.percentile(b, q)) / float(np.percentile(a, q))
    g = Xoshiro(seed)
    st = []
    for _ in range(resamples):
        pa = resample_pct(a, q, g)
        pb = resample_pct(b, q, g)
        st.append(pb / pa)
    st = np.array(st)
    lo_q = 100.0 * (1.0 - level) / 2.0
    hi_q = 100.0 * (1.0 + level) / 2.0
    return (ratio, float(np.percentile(st, lo_q)),
            float(np.percentile(st, hi_q)))


# ---------------------------------------------------------------- writer


def fmt(t):
    if isinstance(t, float):
        return repr(t)
    return str(t)


def ok_values(*vals):
    out = []
    for v in vals:
        v = float(v)
        if not math.isfinite(v):
            raise ValueError("non-finite reference value %r" % v)
        out.append(v)
    return ["OK"] + out


class Vectors:
    def __init__(self):
        self.lines = []
        self.sets = {}

    def out(self, *tok):
        self.lines.append(" ".join(fmt(t) for t in tok))

    def data(self, name, values):
        values = [float(v) for v in values]
        self.sets[name] = values
        self.out("data", name, len(values), *values)

    def gen(self, name, kind, seed, n, p1, p2, src=None):
        values = make_gen(kind, seed, n, float(p1), float(p2),
                          self.sets[src] if src else None)
        self.sets[name] = values
        tok = ["gen", name, kind, seed, n, float(p1), float(p2)]
        if src:
            tok.append(src)
        self.out(*tok)

    def a(self, name):
        return np.asarray(self.sets[name], dtype=float)


QS = [0.0, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0,
      0.1, 12.5, 33.3, 200.0 / 3.0, 75.0]


def location_vectors(v):
    v.data("e0", [])
    v.data("e1", [42.5])
    v.data("e2", [3.0, 1.0])
    v.data("e3", [1.0, 2.0, 4.0])
    v.data("e4", [1.0, 2.0, 3.0, 4.0])
    v.data("ties", [5, 1, 3, 3, 3, 2, 5, 5, 9, 0, 3])
    v.data("const5", [7.25] * 5)
    v.data("zero5", [0.0, -0.0, 0.0, 0.0, -0.0])
    v.data("neg", [-3.5, -1e-3, 2.0, -7.25, 0.0, 4.5])
    v.data("meanzero", [-2.0, -1.0, 0.0, 1.0, 2.0])
    v.data("wide", [1e-9, 3.25e6, -4.5e3, 7.0, 1e9, 0.125, -2.5e8])
    v.data("near", [1e9 + d for d in (0.5, 0.25, 0.75, 0.125, 1.0, 0.0)])
    v.data("u12", make_gen("unif", 12, 12, -1.0, 2.0))
    v.gen("u100", "unif", 1, 100, 0.0, 1.0)
    v.gen("lat1k", "lat", 2, 1000, 20.0, 30.0)
    v.gen("lat10k", "lat", 3, 10000, 5.0, 100.0)
    v.gen("int10k", "int", 4, 10000, 50.0, 1.0)
    v.gen("unif100k", "unif", 5, 100000, -50.0, 100.0)
    v.gen("lat200k", "lat", 6, 200000, 1.0, 3.0)
    v.gen("int200k", "int", 7, 200000, 12.0, 0.0)

    pct_sets = ["e1", "e2", "e3", "e4", "ties", "const5", "zero5", "neg",
                "wide", "near", "u12", "u100", "lat1k", "lat10k", "int10k",
                "unif100k", "lat200k", "int200k"]
    for name in pct_sets:
        x = v.a(name)
        for q in QS:
            v.out("pct", name, q, *ok_values(np.percentile(x, q)))
    v.out("pct", "e0", 50.0, "EUNDEFINED")

    for name in pct_sets + ["meanzero"]:
        x = v.a(name)
        v.out("mean", name, *ok_values(np.mean(x)))
        v.out("minmax", name, *ok_values(np.min(x), np.max(x)))
        v.out("stdpop", name, *ok_values(np.std(x)))
        if len(x) < 2:
            v.out("std", name, "EUNDEFINED")
            v.out("cv", name, "EUNDEFINED")
            continue
        v.out("std", name, *ok_values(np.std(x, ddof=1)))
        if np.mean(x) == 0.0:
            v.out("cv", name, "EUNDEFINED")
        else:
            v.out("cv", name, *ok_values(stats.variation(x, ddof=1)))
    for op in ("mean", "minmax", "stdpop", "std", "cv"):
        v.out(op, "e0", "EUNDEFINED")


def correlation_vectors(v):
    v.data("c3x", [1.0, 2.0, 4.0])
    v.data("c3y", [2.0, 1.0, 5.0])
    v.data("c3z", [3.0, 2.0, 1.0])
    v.data("lin_x", list(range(1, 11)))
    v.data("lin_up", [3.0 * k + 1.0 for k in range(1, 11)])
    v.data("lin_down", [-2.0 * k + 7.0 for k in range(1, 11)])
    v.data("cube", [float(k) ** 3 for k in range(1, 11)])
    v.data("tenth", [0.1 * k for k in range(1, 11)])
    v.data("c10const", [4.0] * 10)
    v.data("c2x", [1.0, 2.0])
    v.data("c2y", [5.0, 3.0])
    v.data("c1", [1.0])
    v.gen("u50a", "unif", 10, 50, 0.0, 1.0)
    v.gen("u50b", "add", 11, 50, 0.0, 3.0, "u50a")
    v.gen("i50a", "int", 12, 50, 6.0, 0.0)
    v.gen("i50b", "int", 13, 50, 4.0, 0.0)
    v.gen("i50c", "add", 14, 50, 0.0, 0.0, "i50a")
    v.gen("s1000x", "unif", 20, 1000, 0.0, 1.0)
    v.gen("s1000y", "add", 21, 1000, 0.0, 0.58, "s1000x")   # p ~ 1e-288
    v.gen("s1000z", "add", 22, 1000, 0.0, 0.45, "s1000x")   # p underflows
    v.gen("s1000w", "add", 23, 1000, 0.0, 0.66, "s1000x")   # p ~ 1e-259
    v.gen("lat10k_b", "add", 24, 10000, 0.0, 2000.0, "lat10k")
    v.gen("lat10k_c", "lat", 25, 10000, 5.0, 100.0)
    v.gen("int10k_b", "add", 26, 10000, 0.0, 60.0, "int10k")
    v.gen("lat1k_lin", "lin", 0, 1000, -2.5, 3.0, "lat1k")
    pairs = [("c3x", "c3y"), ("c3x", "c3z"), ("lin_x", "lin_up"),
             ("lin_x", "lin_down"), ("lin_x", "cube"), ("lin_x", "tenth"),
             ("u50a", "u50b"), ("i50a", "i50b"), ("i50a", "i50c"),
             ("s1000x", "s1000y"), ("s1000x", "s1000z"),
             ("s1000x", "s1000w"), ("lat10k", "lat10k_b"),
             ("lat10k", "lat10k_c"), ("int10k", "int10k_b"),
             ("lat1k", "lat1k_lin"), ("ties", "ties")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for xn, yn in pairs:
            x, y = v.a(xn), v.a(yn)
            r = stats.pearsonr(x, y)
            v.out("pearson", xn, yn, *ok_values(r[0], r[1]))
            r = stats.spearmanr(x, y)
            v.out("spearman", xn, yn, *ok_values(r[0], r[1]))
    # Undefined: constant input (SciPy: NaN and a warning), n < 3
    # (SciPy: r = +-1, p = 1 for n = 2, an error below).
    for xn, yn in [("lin_x", "c10const"), ("c10const", "lin_x"),
                   ("c2x", "c2y"), ("c1", "c1"), ("e0", "e0"),
                   ("const5", "const5")]:
        v.out("pearson", xn, yn, "EUNDEFINED")
        v.out("spearman", xn, yn, "EUNDEFINED")


def rank_test_vectors(v):
    v.data("k_a", [2.9, 3.0, 2.5, 2.6, 3.2])
    v.data("k_b", [3.8, 2.7, 4.0, 2.4])
    v.data("k_c", [2.8, 3.4, 3.7, 2.2, 2.0])
    v.data("k_t1", [1, 2, 2, 3, 3, 3, 4])
    v.data("k_t2", [2, 2, 3, 4, 4, 5])
    v.data("k_t3", [1, 1, 1, 5, 5])
    v.data("k_t4", [3])
    v.data("k_t5", [4, 4, 4, 4, 6, 0])
    v.data("k_t6", [2, 3, 5, 5, 5, 5, 5, 1])
    v.data("k_one", [7.0])
    v.data("k_one2", [8.0])
    v.gen("k_lat1", "lat", 30, 300, 10.0, 5.0)
    v.gen("k_lat2", "lat", 31, 200, 10.5, 5.0)
    v.gen("k_lat3", "lat", 32, 250, 10.0, 6.0)
    v.gen("k_int1", "int", 33, 5000, 8.0, 0.0)
    v.gen("k_int2", "int", 34, 4000, 8.0, 0.0)
    v.gen("k_int3", "int", 35, 3000, 9.0, 0.0)
    kgroups = [["k_a", "k_b"], ["k_a", "k_b", "k_c"],
               ["k_t1", "k_t2"], ["k_t1", "k_t2", "k_t3"],
               ["k_t1", "k_t2", "k_t3", "k_t4"],
               ["k_t1", "k_t2", "k_t3", "k_t4", "k_t5"],
               ["k_t1", "k_t2", "k_t3", "k_t4", "k_t5", "k_t6"],
               ["k_one", "k_one2"], ["k_lat1", "k_lat2", "k_lat3"],
               ["k_int1", "k_int2", "k_int3"], ["lat10k", "lat10k_c"],
               ["ties", "k_t1"]]
    for gs in kgroups:
        r = stats.kruskal(*[v.a(g) for g in gs])
        v.out("kruskal", len(gs), *gs, *ok_values(r[0], r[1]))
    # Empty groups are skipped (SciPy returns NaN): same as without them.
    r = stats.kruskal(v.a("k_a"), v.a("k_b"), v.a("k_c"))
    v.out("kruskal", 5, "-", "k_a", "-", "k_b", "k_c",
          *ok_values(r[0], r[1]))
    v.out("kruskal", 2, "const5", "const5", "EUNDEFINED")
    v.out("kruskal", 1, "k_a", "EUNDEFINED")
    v.out("kruskal", 3, "k_a", "-", "-", "EUNDEFINED")
    v.out("kruskal", 0, "EUNDEFINED")

    v.data("m_b", [5.5, 2.0, 2.0, 7.0, 3.0, 3.0, 3.0, 1.0, 9.5])
    v.gen("m_lat_a", "lat", 40, 400, 10.0, 5.0)
    v.gen("m_lat_b", "lat", 41, 250, 11.0, 5.0)
    v.gen("m_int_a", "int", 42, 10000, 20.0, 0.0)
    v.gen("m_int_b", "int", 43, 8000, 20.0, 0.5)
    v.gen("m_int_c", "int", 44, 8000, 20.0, 0.0)
    mpairs = [("k_a", "k_b"), ("ties", "m_b"), ("m_b", "ties"),
              ("e1", "e2"), ("e1", "c1"), ("e2", "e3"), ("k_t1", "k_t3"),
              ("m_lat_a", "m_lat_b"), ("m_int_a", "m_int_b"),
              ("m_int_a", "m_int_c"), ("lat10k", "lat10k_c"),
              ("u12", "u100"), ("lin_x", "lin_up")]
    for an, bn in mpairs:
        r = stats.mannwhitneyu(v.a(an), v.a(bn), alternative="two-sided",
                               method="asymptotic", use_continuity=True)
        v.out("mwu", an, bn, *ok_values(r[0], r[1]))
    # All values equal (SciPy: p = 1 from a 0/0), or an empty sample.
    for an, bn in [("const5", "const5"), ("e0", "e1"), ("e1", "e0"),
                   ("c1", "c1")]:
        v.out("mwu", an, bn, "EUNDEFINED")


def bootstrap_vectors(v):
    v.gen("b_lat", "lat", 50, 200, 10.0, 5.0)
    v.gen("b_lat2", "lat", 51, 150, 11.0, 5.0)
    for name, q, level, res, seed in [("b_lat", 50.0, 0.95, 400, 1),
                                      ("b_lat", 99.0, 0.9, 300, 2),
                                      ("u12", 25.0, 0.99, 200, 3),
                                      ("e1", 50.0, 0.95, 10, 4),
                                      ("e2", 50.0, 0.5, 50, 5)]:
        lo, hi = boot_ci(v.a(name), q, level, res, seed)
        v.out("boot", name, q, level, res, seed, *ok_values(lo, hi))
    for an, bn, q, level, res, seed in [
            ("b_lat", "b_lat2", 50.0, 0.95, 300, 7),
            ("b_lat", "b_lat2", 90.0, 0.8, 200, 8)]:
        ratio, lo, hi = boot_ratio_ci(v.a(an), v.a(bn), q, level, res, seed)
        v.out("bootratio", an, bn, q, level, res, seed,
              *ok_values(ratio, lo, hi))


def stats_vectors():
    v = Vectors()
    location_vectors(v)
    correlation_vectors(v)
    rank_test_vectors(v)
    bootstrap_vectors(v)
    return v.lines


def distribution_vectors():
    lines = []

    def out(*tok):
        lines.append(" ".join(fmt(t) for t in tok))
    for z in [0.0, 1e-300, 1e-8, 0.1, 0.5, 0.7, 0.7071067811865476, 1.0,
              1.5, 1.96, 2.0, 3.0, 5.0, 8.0, 10.0, 20.0, 30.0, 37.0]:
        for s in (1.0, -1.0):
            zz = s * z
            out("normal", zz, *ok_values(stats.norm.cdf(zz),
                                         stats.norm.sf(zz)))
    for df in [0.1, 0.5, 1.0, 2.0, 3.0, 4.5, 5.0, 10.0, 30.0, 100.0, 998.0,
               1e4, 1e5, 1e6, 1e7]:
        for t in [0.0, 1e-3, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0,
                  100.0, 1e3, 1e5, 1e10]:
            for s in ((1.0, -1.0) if t else (1.0,)):
                tt = s * t
                c, f = stats.t.cdf(tt, df), stats.t.sf(tt, df)
                if c == 0.0 or f == 0.0:
                    continue  # underflowed: nothing to compare
                out("t", tt, df, *ok_values(c, f))
    for df in [0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 50.0, 100.0, 1e3,
               1e4, 1e5, 1e6]:
        xs = set([1e-10, 0.01, 1.0, 10.0, 100.0, 1000.0, 1e4])
        for m in [1e-3, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 2.0,
                  3.0, 5.0, 10.0, 30.0]:
            xs.add(m * df)
        for x in sorted(xs):
            c, f = stats.chi2.cdf(x, df), stats.chi2.sf(x, df)
            if c == 0.0 or f == 0.0:
                continue
            out("chi2", x, df, *ok_values(c, f))
    return lines


def header(what):
    return ["# %s -- generated by tests/stats/gen_vectors.py; do not edit."
            % what,
            "# scipy %s, numpy %s, python %s"
            % (scipy.__version__, np.__version__, platform.python_version())]


def main():
    files = {
        "vectors.txt": header("statistics reference vectors")
        + stats_vectors(),
        "distributions.txt": header("distribution reference vectors")
        + distribution_vectors(),
    }
    for name, lines in files.items():
        path = os.path.join(HERE, name)
        with open(path, "w", encoding="ascii") as f:
            f.write("\n".join(lines) + "\n")
        print("%s: %d lines, %d bytes" % (path, len(lines),
                                         os.path.getsize(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
