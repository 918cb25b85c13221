# SPDX-License-Identifier: MIT
"""The accumulator: :class:`Metrics` (include/llmperf/metrics.h, and the
summary.json / records.jsonl parts of include/llmperf/serialize.h).

Fields are named as in result dicts (``"ttft_ns"``, ``"output_tokens"``,
``"output_tps"``...) plus ``"itl_ns"``, the pooled inter-token
latencies; numeric ids are accepted too. ``group=None`` means all groups
together. Statistics are in the field's unit (ns, tokens, tokens/s).
"""
from __future__ import annotations

import json
import os
from ctypes import (POINTER, byref, c_char_p, c_double, c_int64, c_size_t,
                    c_void_p, create_string_buffer, string_at)
from typing import (Any, Dict, Iterable, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from ._ffi import WRITE_CB, array, lib
from .client import _Callback
from .errors import (InvalidArgument, NotFound, UndefinedError, check,
                     make_error)
from .result import Result, field_id, field_name
from .stats import Correlation, HypothesisTest, RatioInterval

Field = Union[str, int]
PathLike = Union[str, "os.PathLike[str]"]

#: llmperf_stat ids.
STATS: Dict[str, int] = {"count": 1, "mean": 2, "std": 3, "std_pop": 4,
                         "cv": 5, "min": 6, "max": 7, "median": 8}
#: llmperf_run_stat ids.
RUN_STATS: Dict[str, int] = {
    "requests": 1, "completed": 2, "failed": 3, "good": 4,
    "duration_ns": 5, "total_input_tokens": 6, "total_output_tokens": 7,
    "request_throughput": 8, "output_throughput": 9,
    "total_token_throughput": 10, "request_goodput": 11}
#: llmperf_info keys.
INFO: Dict[str, int] = {"backend": 1, "url": 2, "model": 3, "params": 4,
                        "start_time": 5, "host": 6, "title": 7}
#: Fields an SLO may be set on.
SLO_FIELDS = ("ttft_ns", "tpot_ns", "e2e_ns")
#: Correlations of :meth:`Metrics.correlations` by default: how latency
#: follows prompt and output length (seed 000's questions).
DEFAULT_PAIRS = (("prompt_tokens", "ttft_ns"), ("prompt_tokens", "e2e_ns"),
                 ("output_tokens", "e2e_ns"),
                 ("prompt_tokens", "output_tps"))
#: Fields of :meth:`Metrics.describe` and :meth:`Metrics.tests` by default.
LATENCY_FIELDS = ("ttft_ns", "tpot_ns", "itl_ns", "e2e_ns", "output_tps",
                  "output_tokens", "prompt_tokens")


def _fid(field: Field) -> int:
    return int(field) if isinstance(field, int) else field_id(field)


def _g(group: Optional[str]) -> Optional[bytes]:
    return None if group is None else str(group).encode()


def _or_none(fn: Any) -> Any:
    """fn(), or None when the statistic is undefined or absent."""
    try:
        return fn()
    except (UndefinedError, NotFound):
        return None


class Metrics:
    """Results by group; statistics, correlations and tests.

    ``percentiles`` (default 50, 90, 95, 99) are those summaries list;
    ``slo`` maps ttft_ns / tpot_ns / e2e_ns to a limit in ns (goodput);
    other keyword arguments set run information: ``backend``, ``url``
    (credentials are removed), ``model``, ``params`` (a dict), ``title``,
    ``start_time``, ``host``.
    """

    def __init__(self, percentiles: Optional[Sequence[float]] = None,
                 slo: Optional[Mapping[Field, int]] = None,
                 **info: Any) -> None:
        self._h: Optional[int] = None
        h = c_void_p()
        check(lib.llmperf_metrics_new(byref(h)))
        self._h = h.value
        if percentiles is not None:
            self.percentiles = percentiles
        for f, limit in (slo or {}).items():
            self.set_slo(f, limit)
        for k, v in info.items():
            self.set_info(k, v)

    def _err(self) -> str:
        return lib.llmperf_metrics_errmsg(self.handle).decode(
            "utf-8", "replace")

    # -- adding -----------------------------------------------------------
    def add(self, result: Result, group: Optional[str] = None,
            prompt_id: Optional[str] = None) -> None:
        """Add a result (from :meth:`Client.stream` or a runner callback)
        to group (None: "default"); prompt_id marks iterations of one
        prompt (for :meth:`prompt_cvs`)."""
        if not isinstance(result, Result):
            raise TypeError("Metrics.add needs a Result from Client.stream "
                            "or Runner, not %s" % type(result).__name__)
        check(lib.llmperf_metrics_add_prompt(
            self.handle, result.handle, _g(group),
            None if prompt_id is None else str(prompt_id).encode()),
            self._err)

    def merge(self, other: "Metrics") -> "Metrics":
        """Add everything in other (unchanged) to this accumulator."""
        check(lib.llmperf_metrics_merge(self.handle, other.handle),
              self._err)
        return self

    def read_jsonl(self, path: PathLike,
                   skip_bad: bool = False) -> Tuple[int, int]:
        """Add the records of a records.jsonl file; returns (records,
        bad_lines). Statistics equal those of the original results."""
        rec, bad = c_size_t(), c_size_t()
        check(lib.llmperf_metrics_read_jsonl(
            self.handle, os.fsencode(path), 1 if skip_bad else 0,
            byref(rec), byref(bad)), self._err)
        return rec.value, bad.value

    # -- groups and settings ----------------------------------------------
    @property
    def groups(self) -> List[str]:
        """Group names in creation order."""
        n = c_size_t()
        check(lib.llmperf_metrics_group_count(self.handle, byref(n)))
        out, name = [], c_char_p()
        for i in range(n.value):
            check(lib.llmperf_metrics_group_name(self.handle, i,
                                                 byref(name)))
            out.append(name.value.decode("utf-8", "replace"))
        return out

    def set_sweep(self, group: str, param: str, value: float,
                  series: Optional[str] = None) -> None:
        """Mark group as one point of a sweep over param (e.g.
        "concurrency" = 8), optionally in a series (e.g. a model)."""
        check(lib.llmperf_metrics_set_sweep(self.handle, _g(group),
                                            _g(param), float(value),
                                            _g(series)), self._err)

    def get_sweep(self, group: str) -> Optional[Tuple[str, float,
                                                      Optional[str]]]:
        """(param, value, series) of a group, or None."""
        p, s, v = c_char_p(), c_char_p(), c_double()
        st = lib.llmperf_metrics_get_sweep(self.handle, _g(group), byref(p),
                                           byref(v), byref(s))
        if st == -16:
            return None
        check(st)
        return (p.value.decode(), v.value,
                s.value.decode() if s.value is not None else None)

    def set_slo(self, field: Field, limit_ns: Optional[int]) -> None:
        """SLO for goodput on ttft_ns, tpot_ns or e2e_ns (None removes)."""
        check(lib.llmperf_metrics_set_slo(
            self.handle, _fid(field), -1 if limit_ns is None
            else int(limit_ns)), "SLO field %r" % (field,))

    @property
    def slo(self) -> Dict[str, int]:
        """The SLOs set, by field name."""
        out, v = {}, c_int64()
        for f in SLO_FIELDS:
            if lib.llmperf_metrics_get_slo(self.handle, _fid(f),
                                           byref(v)) == 0:
                out[f] = v.value
        return out

    @property
    def percentiles(self) -> List[float]:
        """The percentiles summaries list."""
        q, n = POINTER(c_double)(), c_size_t()
        check(lib.llmperf_metrics_get_percentiles(self.handle, byref(q),
                                                  byref(n)))
        return [q[i] for i in range(n.value)]

    @percentiles.setter
    def percentiles(self, qs: Sequence[float]) -> None:
        check(lib.llmperf_metrics_set_percentiles(self.handle, array(qs),
                                                  len(qs)),
              "percentiles %r" % (list(qs),))

    def set_info(self, key: str, value: Any) -> None:
        """Run information (backend, url, model, params, start_time,
        host, title); None clears it."""
        if key not in INFO:
            raise InvalidArgument(-3, "unknown info key %r (known: %s)"
                                  % (key, ", ".join(INFO)))
        if key == "params" and value is not None and \
                not isinstance(value, (str, bytes)):
            value = json.dumps(value)
        if isinstance(value, str):
            value = value.encode()
        check(lib.llmperf_metrics_set_info(self.handle, INFO[key], value),
              "info %s" % key)

    @property
    def info(self) -> Dict[str, Any]:
        """The run information set (params parsed as a dict)."""
        out: Dict[str, Any] = {}
        v = c_char_p()
        for key, kid in INFO.items():
            if lib.llmperf_metrics_get_info(self.handle, kid, byref(v)) == 0:
                s = v.value.decode("utf-8", "replace")
                out[key] = json.loads(s) if key == "params" else s
        return out

    # -- statistics -------------------------------------------------------
    def stat(self, field: Field, stat: str = "mean",
             group: Optional[str] = None) -> float:
        """One statistic of a field: count, mean, std (n - 1), std_pop,
        cv, min, max, median. Raises UndefinedError (e.g. no values)."""
        if stat not in STATS:
            raise InvalidArgument(-3, "unknown statistic %r (known: %s)"
                                  % (stat, ", ".join(STATS)))
        out = c_double()
        check(lib.llmperf_metrics_stat(self.handle, _g(group), _fid(field),
                                       STATS[stat], byref(out)),
              lambda: "%s of %s in %s" % (stat, field, group or "all"))
        return out.value

    def percentile(self, field: Field, q: float,
                   group: Optional[str] = None) -> float:
        """The q-th percentile of a field (numpy.percentile's)."""
        out = c_double()
        check(lib.llmperf_metrics_percentile(self.handle, _g(group),
                                             _fid(field), float(q),
                                             byref(out)),
              lambda: "p%g of %s in %s" % (q, field, group or "all"))
        return out.value

    def count(self, field: Field, group: Optional[str] = None) -> int:
        """Number of values of a field."""
        return int(self.stat(field, "count", group))

    def run_stat(self, which: str, group: Optional[str] = None) -> float:
        """A run aggregate: requests, completed, failed, good,
        duration_ns, total_input_tokens, total_output_tokens,
        request_throughput, output_throughput, total_token_throughput,
        request_goodput (per second)."""
        if which not in RUN_STATS:
            raise InvalidArgument(-3, "unknown run statistic %r (known: %s)"
                                  % (which, ", ".join(RUN_STATS)))
        out = c_double()
        check(lib.llmperf_metrics_run_stat(self.handle, _g(group),
                                           RUN_STATS[which], byref(out)),
              lambda: "%s of %s" % (which, group or "all"))
        return out.value

    def run_stats(self, group: Optional[str] = None) -> Dict[str, Any]:
        """Every run aggregate of a group; None where undefined."""
        return {k: _or_none(lambda k=k: self.run_stat(k, group))
                for k in RUN_STATS}

    def error_classes(self, group: Optional[str] = None) -> Dict[str, int]:
        """Failed requests by error class ("connect", "http"...)."""
        out: Dict[str, int] = {}
        name, n = c_char_p(), c_int64()
        i = 0
        while True:
            st = lib.llmperf_metrics_error_class(self.handle, _g(group), i,
                                                 byref(name), byref(n))
            if st == -16 and (group is None or group in self.groups):
                return out
            check(st, "group %r" % group)
            out[name.value.decode()] = n.value
            i += 1

    def describe(self, field: Field, group: Optional[str] = None
                 ) -> Dict[str, Optional[float]]:
        """Every statistic of a field in a dict (count, mean, std,
        std_pop, cv, min, max, median, and p<q> for each of
        :attr:`percentiles`); None where undefined."""
        out: Dict[str, Optional[float]] = {}
        for s in STATS:
            out[s] = _or_none(lambda s=s: self.stat(field, s, group))
        for q in self.percentiles:
            out["p%g" % q] = _or_none(
                lambda q=q: self.percentile(field, q, group))
        return out

    def summary_dict(self, group: Optional[str] = None,
                     fields: Iterable[Field] = LATENCY_FIELDS
                     ) -> Dict[str, Any]:
        """A group's (None: everything's) run aggregates, error classes
        and :meth:`describe` of each field, as one dict."""
        d: Dict[str, Any] = self.run_stats(group)
        d["errors"] = self.error_classes(group)
        d["fields"] = {field_name(_fid(f)) if isinstance(f, int) else f:
                       self.describe(f, group) for f in fields}
        return d

    # -- relations --------------------------------------------------------
    def pearson(self, x: Field, y: Field,
                group: Optional[str] = None) -> Correlation:
        """Pearson's r and p between two fields over the requests that
        have both."""
        r, p = c_double(), c_double()
        check(lib.llmperf_metrics_pearson(self.handle, _g(group), _fid(x),
                                          _fid(y), byref(r), byref(p)),
              lambda: "pearson(%s, %s) in %s" % (x, y, group or "all"))
        return Correlation(r.value, p.value)

    def spearman(self, x: Field, y: Field,
                 group: Optional[str] = None) -> Correlation:
        """Spearman's rho and p between two fields."""
        r, p = c_double(), c_double()
        check(lib.llmperf_metrics_spearman(self.handle, _g(group), _fid(x),
                                           _fid(y), byref(r), byref(p)),
              lambda: "spearman(%s, %s) in %s" % (x, y, group or "all"))
        return Correlation(r.value, p.value)

    def correlations(self, group: Optional[str] = None,
                     pairs: Iterable[Tuple[Field, Field]] = DEFAULT_PAIRS,
                     method: str = "pearson"
                     ) -> Dict[str, Optional[Correlation]]:
        """Correlations of several field pairs, keyed "x~y"; None where
        undefined (fewer than 3 pairs, a constant field)."""
        fn = {"pearson": self.pearson, "spearman": self.spearman}[method]
        return {"%s~%s" % (x, y): _or_none(lambda x=x, y=y: fn(x, y, group))
                for x, y in pairs}

    def kruskal(self, field: Field) -> HypothesisTest:
        """Kruskal-Wallis H test that field has the same distribution in
        every group."""
        h, p = c_double(), c_double()
        check(lib.llmperf_metrics_kruskal(self.handle, _fid(field),
                                          byref(h), byref(p)),
              lambda: "kruskal(%s)" % (field,))
        return HypothesisTest(h.value, p.value)

    def mannwhitney(self, field: Field, group_a: str,
                    group_b: str) -> HypothesisTest:
        """Mann-Whitney U (of group_a) and two-sided p between groups."""
        u, p = c_double(), c_double()
        check(lib.llmperf_metrics_mannwhitney(self.handle, _fid(field),
                                              _g(group_a), _g(group_b),
                                              byref(u), byref(p)),
              lambda: "mannwhitney(%s, %s, %s)" % (field, group_a, group_b))
        return HypothesisTest(u.value, p.value)

    def median_ratio(self, field: Field, group_a: str, group_b: str,
                     level: float = 0.95, resamples: int = 1000,
                     seed: int = 0) -> RatioInterval:
        """median(b) / median(a) with a bootstrap confidence interval."""
        if resamples < 0 or not 0 <= seed < 1 << 64:
            raise InvalidArgument(-3, "resamples >= 0, seed in [0, 2**64)")
        r, lo, hi = c_double(), c_double(), c_double()
        check(lib.llmperf_metrics_median_ratio(
            self.handle, _fid(field), _g(group_a), _g(group_b), float(level),
            int(resamples), int(seed), byref(r), byref(lo), byref(hi)),
            lambda: "median_ratio(%s, %s, %s)" % (field, group_a, group_b))
        return RatioInterval(r.value, lo.value, hi.value)

    def tests(self, fields: Iterable[Field] = LATENCY_FIELDS
              ) -> Dict[str, Optional[HypothesisTest]]:
        """Kruskal-Wallis across the groups for each field (None where
        undefined, e.g. a single group). itl_ns is left out: it is not a
        per-request value."""
        return {str(f): _or_none(lambda f=f: self.kruskal(f))
                for f in fields if f != "itl_ns"}

    def prompt_cvs(self, field: Field,
                   group: Optional[str] = None) -> List[float]:
        """Within-run repeatability: the CV of field across the
        iterations of each prompt (prompt ids given to :meth:`add`)."""
        n = c_size_t()
        st = lib.llmperf_metrics_prompt_cvs(self.handle, _g(group),
                                            _fid(field), None, 0, byref(n))
        if st not in (0, -4):
            check(st, "prompt_cvs(%s)" % (field,))
        cap = n.value
        buf = (c_double * max(cap, 1))()
        check(lib.llmperf_metrics_prompt_cvs(self.handle, _g(group),
                                             _fid(field), buf, cap,
                                             byref(n)))
        return list(buf[:n.value])

    def repeatability(self, field: Field, stat: str = "median",
                      group: Optional[str] = None) -> float:
        """A statistic of :meth:`prompt_cvs` (median: the typical CV)."""
        out = c_double()
        check(lib.llmperf_metrics_repeatability(self.handle, _g(group),
                                                _fid(field), STATS[stat],
                                                byref(out)),
              lambda: "repeatability(%s)" % (field,))
        return out.value

    # -- summary.json -----------------------------------------------------
    def summary_json(self) -> str:
        """summary.json as text: run metadata, the overall aggregates
        with vLLM's key names, and one object per group under
        "groups"."""
        need = c_size_t()
        st = lib.llmperf_summary_buf(self.handle, None, 0, byref(need))
        if st not in (0, -4):
            check(st, self._err)
        buf = create_string_buffer(need.value)
        check(lib.llmperf_summary_buf(self.handle, buf, need.value,
                                      byref(need)), self._err)
        return buf.value.decode("utf-8")

    def summary(self) -> Dict[str, Any]:
        """summary.json as a dict (see :meth:`summary_json`)."""
        return json.loads(self.summary_json())

    def write_summary(self, path: PathLike) -> None:
        """Write summary.json to path atomically."""
        err = create_string_buffer(512)
        check(lib.llmperf_summary_write_file(self.handle, os.fsencode(path),
                                             err, len(err)), err.value)

    # -- reports ----------------------------------------------------------
    def _to_text(self, fn: Any, what: str) -> str:
        parts: List[bytes] = []

        def sink(buf: int, n: int, _ud: Any) -> int:
            parts.append(string_at(buf, n))
            return 0
        cb = _Callback(WRITE_CB, sink)
        st = fn(self.handle, cb.ptr, None)
        cb.reraise()
        check(st, what)
        return b"".join(parts).decode("utf-8")

    def report_html(self, path: Optional[PathLike] = None) -> Optional[str]:
        """The self-contained HTML report (inline SVG charts, statistics
        tables; title from the ``title`` info). With a path it is written
        there atomically and None is returned; else it is returned."""
        if path is not None:
            err = create_string_buffer(512)
            check(lib.llmperf_report_html_file(self.handle,
                                               os.fsencode(path), err,
                                               len(err)), err.value)
            return None
        return self._to_text(lib.llmperf_report_html, "HTML report")

    def prometheus(self, path: Optional[PathLike] = None) -> Optional[str]:
        """The summaries in the Prometheus text format (latencies in
        seconds). With a path it is written there atomically and None is
        returned; else it is returned."""
        if path is not None:
            err = create_string_buffer(512)
            check(lib.llmperf_report_prometheus_file(
                self.handle, os.fsencode(path), err, len(err)), err.value)
            return None
        return self._to_text(lib.llmperf_report_prometheus,
                             "Prometheus text")

    # -- life cycle -------------------------------------------------------
    @property
    def handle(self) -> int:
        """The ``llmperf_metrics *``."""
        if not self._h:
            raise make_error(-17, "the metrics accumulator is closed")
        return self._h

    def close(self) -> None:
        """Free the accumulator (idempotent)."""
        h, self._h = self._h, None
        if h:
            lib.llmperf_metrics_free(h)

    def __enter__(self) -> "Metrics":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        if not self._h:
            return "<llmperf.Metrics closed>"
        return "<llmperf.Metrics groups=%r>" % (self.groups,)


__all__ = ["Metrics", "STATS", "RUN_STATS", "INFO", "DEFAULT_PAIRS",
           "LATENCY_FIELDS"]
