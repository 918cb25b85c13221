# SPDX-License-Identifier: MIT
"""llmperf.stats against the committed reference vectors
(tests/stats/vectors.txt and distributions.txt, written by
tests/stats/gen_vectors.py from SciPy/NumPy), with the tolerances of
tests/unit/test_stats.c, plus the binding's own argument handling."""
import array
import math
import os
import unittest

from support import SOURCE_DIR

import llmperf
from llmperf import stats

VEC_DIR = os.path.join(SOURCE_DIR, "tests", "stats")
REL_TOL = 1e-9
ABS_TOL_STATS = 1e-12
ABS_TOL_DIST = 1e-300


def uniforms(seed):
    """gen_vectors.py's splitmix64 doubles in [0, 1)."""
    m64 = (1 << 64) - 1
    state = seed & m64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & m64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m64
        yield float((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0)


def make_gen(kind, seed, n, p1, p2, src):
    """The generated data sets, same operations as gen_vectors.py."""
    u = uniforms(seed)
    out = []
    for i in range(n):
        if kind == "unif":
            out.append(p1 + p2 * next(u))
        elif kind == "lat":
            u1 = next(u)
            u2 = next(u)
            w = u2 * u2
            w = w * w
            w = w * w
            out.append(p1 + p2 * u1 + 10.0 * p2 * w)
        elif kind == "int":
            out.append(math.floor(p1 * next(u)) + p2)
        elif kind == "add":
            out.append(src[i] + p1 + p2 * (next(u) - 0.5))
        elif kind == "lin":
            out.append(p1 * src[i] + p2)
        else:
            raise ValueError(kind)
    return out


def records(name):
    with open(os.path.join(VEC_DIR, name), encoding="ascii") as f:
        for lineno, line in enumerate(f, 1):
            tok = line.split()
            if tok and not tok[0].startswith("#"):
                yield lineno, tok


class Vectors(unittest.TestCase):
    def setUp(self):
        self.failures = []
        self.checked = 0

    def close(self, lineno, what, got, want, abs_tol):
        self.checked += 1
        diff = abs(got - want)
        if math.isfinite(got) and (diff <= REL_TOL * abs(want)
                                   or diff <= abs_tol):
            return
        self.failures.append("line %d %s: got %r want %r"
                             % (lineno, what, got, want))

    def expect(self, lineno, what, fn, status, want, abs_tol):
        """Call fn; compare its values (a float or tuple) or its error."""
        if status == "OK":
            try:
                got = fn()
            except llmperf.LlmperfError as e:
                self.failures.append("line %d %s: raised %s"
                                     % (lineno, what, e))
                return
            if not isinstance(got, tuple):
                got = (got,)
            if len(got) != len(want):
                self.failures.append("line %d %s: %d values, want %d"
                                     % (lineno, what, len(got), len(want)))
                return
            for g, w in zip(got, want):
                self.close(lineno, what, g, w, abs_tol)
            return
        try:
            got = fn()
        except llmperf.LlmperfError as e:
            self.checked += 1
            if e.name != "LLMPERF_" + status:
                self.failures.append("line %d %s: %s, want %s"
                                     % (lineno, what, e.name, status))
            return
        self.failures.append("line %d %s: returned %r, want %s"
                             % (lineno, what, got, status))

    def test_statistics(self):
        sets = {}
        ops = {"mean": stats.mean, "std": stats.stddev,
               "stdpop": stats.stddev_pop, "cv": stats.cv,
               "minmax": stats.min_max}
        for lineno, t in records("vectors.txt"):
            op = t[0]
            if op == "data":
                n = int(t[2])
                # array.array("d"): the binding's buffer fast path
                sets[t[1]] = array.array("d", map(float, t[3:3 + n]))
                continue
            if op == "gen":
                src = sets[t[7]] if len(t) > 7 else None
                sets[t[1]] = array.array("d", make_gen(
                    t[2], int(t[3]), int(t[4]), float(t[5]), float(t[6]),
                    src))
                continue
            if op == "pct":
                x, q, rest = sets[t[1]], float(t[2]), t[3:]
                fn = (lambda x=x, q=q: stats.percentile(x, q))
            elif op in ops:
                x, rest = list(sets[t[1]]), t[2:]   # plain list path
                fn = (lambda f=ops[op], x=x: f(x))
            elif op in ("pearson", "spearman"):
                x, y, rest = sets[t[1]], sets[t[2]], t[3:]
                f = getattr(stats, op)
                fn = (lambda f=f, x=x, y=y: tuple(f(x, y)))
            elif op == "kruskal":
                k = int(t[1])
                groups = [sets[g] if g != "-" else [] for g in t[2:2 + k]]
                rest = t[2 + k:]
                fn = (lambda g=groups: tuple(stats.kruskal(*g)))
            elif op == "mwu":
                a, b, rest = sets[t[1]], sets[t[2]], t[3:]
                fn = (lambda a=a, b=b: tuple(stats.mannwhitney(a, b)))
            elif op == "boot":
                x = sets[t[1]]
                q, lev, res, seed = (float(t[2]), float(t[3]), int(t[4]),
                                     int(t[5]))
                rest = t[6:]
                fn = (lambda x=x, q=q, lev=lev, res=res, seed=seed: tuple(
                    stats.bootstrap_ci(x, q, lev, res, seed)))
            elif op == "bootratio":
                a, b = sets[t[1]], sets[t[2]]
                q, lev, res, seed = (float(t[3]), float(t[4]), int(t[5]),
                                     int(t[6]))
                rest = t[7:]
                fn = (lambda a=a, b=b, q=q, lev=lev, res=res, seed=seed:
                      tuple(stats.bootstrap_ratio_ci(a, b, q, lev, res,
                                                     seed)))
            else:
                self.fail("line %d: unknown record %s" % (lineno, op))
            self.expect(lineno, op, fn, rest[0],
                        [float(v) for v in rest[1:]], ABS_TOL_STATS)
        self.assertEqual(self.failures, [])
        self.assertGreater(self.checked, 400)

    def test_distributions(self):
        fns = {"normal": (stats.normal_cdf, stats.normal_sf),
               "t": (stats.t_cdf, stats.t_sf),
               "chi2": (stats.chi2_cdf, stats.chi2_sf)}
        for lineno, t in records("distributions.txt"):
            cdf, sf = fns[t[0]]
            nargs = 1 if t[0] == "normal" else 2
            args = [float(v) for v in t[1:1 + nargs]]
            rest = t[1 + nargs:]
            want = [float(v) for v in rest[1:]]
            self.expect(lineno, t[0] + " cdf",
                        lambda a=args, f=cdf: f(*a), rest[0], want[:1],
                        ABS_TOL_DIST)
            self.expect(lineno, t[0] + " sf",
                        lambda a=args, f=sf: f(*a), rest[0], want[1:],
                        ABS_TOL_DIST)
        self.assertEqual(self.failures, [])
        self.assertGreater(self.checked, 1200)


class Words(unittest.TestCase):
    def test_corr_strength(self):
        cases = [(0.0, "negligible"), (-0.05, "negligible"), (0.1, "weak"),
                 (-0.29, "weak"), (0.3, "moderate"), (0.5, "strong"),
                 (-0.69, "strong"), (0.7, "very strong"),
                 (-1.0, "very strong"), (float("nan"), "undefined")]
        for r, word in cases:
            self.assertEqual(stats.corr_strength(r), word, r)


class Arguments(unittest.TestCase):
    def test_sequences(self):
        self.assertEqual(stats.percentile([1, 2, 3, 4], 50), 2.5)
        self.assertEqual(stats.percentile((4.0, 1.0, 3.0, 2.0), 50), 2.5)
        self.assertEqual(stats.percentile(range(1, 5), 50), 2.5)
        self.assertEqual(stats.percentiles([1, 2, 3, 4], [0, 50, 100]),
                         [1.0, 2.5, 4.0])
        self.assertEqual(stats.min_max([3, -1, 2]), (-1.0, 3.0))
        self.assertAlmostEqual(stats.mean(array.array("d", [1, 2, 6])), 3.0)
        r = stats.pearson([1, 2, 3, 4], [2, 4, 6, 8])
        self.assertEqual((r.r, r.p), (1.0, 0.0))

    def test_nan_is_invalid(self):
        for fn in (stats.mean, stats.stddev, stats.cv,
                   lambda x: stats.percentile(x, 50)):
            with self.assertRaises(llmperf.InvalidArgument) as cm:
                fn([1.0, float("nan"), 2.0])
            self.assertEqual(cm.exception.name, "LLMPERF_EINVAL")
            self.assertEqual(cm.exception.status, -3)
            self.assertIsInstance(cm.exception, ValueError)
        with self.assertRaises(llmperf.InvalidArgument):
            stats.percentile([1.0], 101)
        with self.assertRaises(llmperf.InvalidArgument):
            stats.normal_cdf(float("inf"))
        with self.assertRaises(llmperf.InvalidArgument):
            stats.pearson([1, 2, 3], [1, 2])
        with self.assertRaises(llmperf.InvalidArgument):
            stats.bootstrap_ci([1, 2], seed=-1)

    def test_undefined(self):
        with self.assertRaises(llmperf.UndefinedError) as cm:
            stats.stddev([42.0])
        self.assertEqual(cm.exception.name, "LLMPERF_EUNDEFINED")
        self.assertIn("stddev", cm.exception.message)
        with self.assertRaises(llmperf.UndefinedError):
            stats.mean([])
        with self.assertRaises(llmperf.UndefinedError):
            stats.pearson([1, 1, 1], [1, 2, 3])
        with self.assertRaises(llmperf.UndefinedError):
            stats.kruskal([1, 2, 3])

    def test_not_numbers(self):
        with self.assertRaises(TypeError):
            stats.mean("123")
        with self.assertRaises((TypeError, ValueError)):
            stats.mean([1, "x"])


if __name__ == "__main__":
    unittest.main()
