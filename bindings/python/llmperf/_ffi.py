# SPDX-License-Identifier: MIT
"""The one place where the C signatures of libllmperf are written down.

``SIGNATURES`` lists every function the binding calls as
``(symbol, argtypes, restype)``. At import the library is located (see
:func:`find_library`), its major version is compared with the binding's,
and every entry of the table is looked up and typed; a symbol the library
does not export is reported by name instead of failing later at the
first call. ``tests/abi/check_symbols.py --ffi`` reads the same table to
check that every name in it is exported.

Rules (STYLE.md item 12): handles are ``c_void_p``; no variadic functions
and no structs passed by value; the one public struct (``Token``) is laid
out here and its size is checked against ``llmperf_token_size()``.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p,
                    c_double, c_int, c_int32, c_int64, c_size_t, c_uint,
                    c_uint32, c_uint64, c_void_p)
from typing import List, Optional, Sequence, Tuple

#: The version of the C API this binding was written for. A library with
#: another major version is refused.
BINDING_VERSION = (0, 1, 0)
BINDING_MAJOR = BINDING_VERSION[0]

#: Environment variable naming the shared library to load (a path).
ENV_LIBRARY = "LLMPERF_LIBRARY"


class LibraryError(ImportError):
    """libllmperf could not be found, loaded or used: wrong major
    version, missing symbol, or a struct layout that does not match."""


class Token(Structure):
    """``llmperf_token`` (include/llmperf/client.h), the piece of streamed
    output handed to the token callback. ``text`` is borrowed: it is
    only valid during the callback and is not NUL-terminated."""

    _fields_ = [
        ("struct_size", c_uint32),
        ("index", c_uint32),
        ("t_ns", c_int64),
        ("text", POINTER(c_char)),
        ("text_len", c_size_t),
        ("is_reasoning", c_int32),
        ("tokens", c_int32),
    ]


# ---- callback types ----------------------------------------------------
# int (*llmperf_token_cb)(const llmperf_token *tok, void *userdata)
TOKEN_CB = CFUNCTYPE(c_int, POINTER(Token), c_void_p)
# int (*llmperf_result_cb)(llmperf_result *r, size_t item, void *userdata)
RESULT_CB = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)
# int (*llmperf_progress_cb)(llmperf_runner *runner, void *userdata)
PROGRESS_CB = CFUNCTYPE(c_int, c_void_p, c_void_p)
# int (*llmperf_write_cb)(const char *buf, size_t len, void *userdata)
WRITE_CB = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)
# int (*llmperf_record_cb)(const llmperf_record *rec, void *userdata)
RECORD_CB = CFUNCTYPE(c_int, c_void_p, c_void_p)

_P = c_void_p                 # any handle
_PP = POINTER(c_void_p)       # handle out-parameter
_STR = c_char_p
_PSTR = POINTER(c_char_p)     # borrowed-string out-parameter
_PI64 = POINTER(c_int64)
_PF64 = POINTER(c_double)
_PSIZE = POINTER(c_size_t)
_PDBL = POINTER(c_double)

# (symbol, argtypes, restype). Keep one entry per line group, in the
# order of the headers.
SIGNATURES: List[Tuple[str, list, object]] = [
    # common.h, version.h
    ("llmperf_version", [], c_uint),
    ("llmperf_version_string", [], c_char_p),
    ("llmperf_strerror", [c_int], c_char_p),
    ("llmperf_status_name", [c_int], c_char_p),
    ("llmperf_now_ns", [], c_int64),
    ("llmperf_global_init", [], c_int),
    ("llmperf_global_cleanup", [], None),
    ("llmperf_free", [c_void_p], None),
    # client.h
    ("llmperf_backend_from_name", [POINTER(c_int), _STR], c_int),
    ("llmperf_backend_name", [c_int], c_char_p),
    ("llmperf_config_new", [_PP, c_int], c_int),
    ("llmperf_config_set_int", [_P, c_int, c_int64], c_int),
    ("llmperf_config_set_double", [_P, c_int, c_double], c_int),
    ("llmperf_config_set_str", [_P, c_int, _STR], c_int),
    ("llmperf_config_free", [_P], None),
    ("llmperf_client_new", [_PP, _P], c_int),
    ("llmperf_client_free", [_P], None),
    ("llmperf_client_errmsg", [_P], c_char_p),
    ("llmperf_client_url", [_P], c_char_p),
    ("llmperf_client_backend", [_P], c_int),
    ("llmperf_token_size", [], c_size_t),
    ("llmperf_client_stream", [_PP, _P, _STR, c_int64, TOKEN_CB, c_void_p],
     c_int),
    # result.h
    ("llmperf_result_get_i64", [_P, c_int, _PI64], c_int),
    ("llmperf_result_get_f64", [_P, c_int, _PF64], c_int),
    ("llmperf_result_get_str", [_P, c_int, _PSTR], c_int),
    ("llmperf_result_chunks", [_P, POINTER(POINTER(c_int64)),
                               POINTER(POINTER(c_int32)), _PSIZE], c_int),
    ("llmperf_result_free", [_P], None),
    ("llmperf_result_field_name", [c_int], c_char_p),
    ("llmperf_result_field_from_name", [POINTER(c_int), _STR], c_int),
    # stats.h
    ("llmperf_stats_percentile", [_PDBL, c_size_t, c_double, _PF64], c_int),
    ("llmperf_stats_percentiles", [_PDBL, c_size_t, _PDBL, c_size_t, _PDBL],
     c_int),
    ("llmperf_stats_mean", [_PDBL, c_size_t, _PF64], c_int),
    ("llmperf_stats_stddev", [_PDBL, c_size_t, _PF64], c_int),
    ("llmperf_stats_stddev_pop", [_PDBL, c_size_t, _PF64], c_int),
    ("llmperf_stats_cv", [_PDBL, c_size_t, _PF64], c_int),
    ("llmperf_stats_min_max", [_PDBL, c_size_t, _PF64, _PF64], c_int),
    ("llmperf_stats_pearson", [_PDBL, _PDBL, c_size_t, _PF64, _PF64], c_int),
    ("llmperf_stats_spearman", [_PDBL, _PDBL, c_size_t, _PF64, _PF64],
     c_int),
    ("llmperf_stats_kruskal", [POINTER(_PDBL), _PSIZE, c_size_t, _PF64,
                               _PF64], c_int),
    ("llmperf_stats_mannwhitney", [_PDBL, c_size_t, _PDBL, c_size_t, _PF64,
                                   _PF64], c_int),
    ("llmperf_stats_bootstrap_ci", [_PDBL, c_size_t, c_double, c_double,
                                    c_size_t, c_uint64, _PF64, _PF64],
     c_int),
    ("llmperf_stats_bootstrap_ratio_ci", [_PDBL, c_size_t, _PDBL, c_size_t,
                                          c_double, c_double, c_size_t,
                                          c_uint64, _PF64, _PF64, _PF64],
     c_int),
    ("llmperf_stats_normal_cdf", [c_double, _PF64], c_int),
    ("llmperf_stats_normal_sf", [c_double, _PF64], c_int),
    ("llmperf_stats_t_cdf", [c_double, c_double, _PF64], c_int),
    ("llmperf_stats_t_sf", [c_double, c_double, _PF64], c_int),
    ("llmperf_stats_chi2_cdf", [c_double, c_double, _PF64], c_int),
    ("llmperf_stats_chi2_sf", [c_double, c_double, _PF64], c_int),
    ("llmperf_stats_corr_strength", [c_double], c_char_p),
    # dataset.h
    ("llmperf_dataset_new", [_PP], c_int),
    ("llmperf_dataset_add", [_P, _STR, _STR, _STR, c_int64], c_int),
    ("llmperf_dataset_load_jsonl", [_PP, _STR, c_uint, c_char_p, c_size_t],
     c_int),
    ("llmperf_dataset_synthetic", [_PP, c_size_t, c_int64, c_int64,
                                   c_uint64], c_int),
    ("llmperf_dataset_builtin", [_PP, _STR], c_int),
    ("llmperf_dataset_shuffle", [_P, c_uint64], c_int),
    ("llmperf_dataset_repeat", [_P, c_size_t], c_int),
    ("llmperf_dataset_count", [_P], c_size_t),
    ("llmperf_dataset_skipped", [_P], c_size_t),
    ("llmperf_dataset_errmsg", [_P], c_char_p),
    ("llmperf_dataset_get", [_P, c_size_t, _PSTR, _PSTR, _PSTR, _PI64],
     c_int),
    ("llmperf_dataset_messages", [_P, c_size_t, _PSTR], c_int),
    ("llmperf_dataset_length_category", [c_size_t], c_char_p),
    ("llmperf_dataset_free", [_P], None),
    # runner.h
    ("llmperf_runner_new", [_PP, _P], c_int),
    ("llmperf_runner_set_int", [_P, c_int, c_int64], c_int),
    ("llmperf_runner_set_double", [_P, c_int, c_double], c_int),
    ("llmperf_runner_set_progress", [_P, PROGRESS_CB, c_void_p], c_int),
    ("llmperf_runner_run", [_P, _P, RESULT_CB, c_void_p], c_int),
    ("llmperf_runner_stop", [_P], None),
    ("llmperf_runner_stat_i64", [_P, c_int, _PI64], c_int),
    ("llmperf_runner_stat_f64", [_P, c_int, _PF64], c_int),
    ("llmperf_runner_errmsg", [_P], c_char_p),
    ("llmperf_runner_free", [_P], None),
    # metrics.h
    ("llmperf_metrics_new", [_PP], c_int),
    ("llmperf_metrics_free", [_P], None),
    ("llmperf_metrics_errmsg", [_P], c_char_p),
    ("llmperf_metrics_add", [_P, _P, _STR], c_int),
    ("llmperf_metrics_add_prompt", [_P, _P, _STR, _STR], c_int),
    ("llmperf_metrics_merge", [_P, _P], c_int),
    ("llmperf_metrics_group_count", [_P, _PSIZE], c_int),
    ("llmperf_metrics_group_name", [_P, c_size_t, _PSTR], c_int),
    ("llmperf_metrics_set_sweep", [_P, _STR, _STR, c_double, _STR], c_int),
    ("llmperf_metrics_get_sweep", [_P, _STR, _PSTR, _PF64, _PSTR], c_int),
    ("llmperf_metrics_set_slo", [_P, c_int, c_int64], c_int),
    ("llmperf_metrics_get_slo", [_P, c_int, _PI64], c_int),
    ("llmperf_metrics_set_percentiles", [_P, _PDBL, c_size_t], c_int),
    ("llmperf_metrics_get_percentiles", [_P, POINTER(_PDBL), _PSIZE],
     c_int),
    ("llmperf_metrics_set_info", [_P, c_int, _STR], c_int),
    ("llmperf_metrics_get_info", [_P, c_int, _PSTR], c_int),
    ("llmperf_metrics_stat", [_P, _STR, c_int, c_int, _PF64], c_int),
    ("llmperf_metrics_percentile", [_P, _STR, c_int, c_double, _PF64],
     c_int),
    ("llmperf_metrics_run_stat", [_P, _STR, c_int, _PF64], c_int),
    ("llmperf_metrics_error_class", [_P, _STR, c_size_t, _PSTR, _PI64],
     c_int),
    ("llmperf_metrics_pearson", [_P, _STR, c_int, c_int, _PF64, _PF64],
     c_int),
    ("llmperf_metrics_spearman", [_P, _STR, c_int, c_int, _PF64, _PF64],
     c_int),
    ("llmperf_metrics_kruskal", [_P, c_int, _PF64, _PF64], c_int),
    ("llmperf_metrics_mannwhitney", [_P, c_int, _STR, _STR, _PF64, _PF64],
     c_int),
    ("llmperf_metrics_median_ratio", [_P, c_int, _STR, _STR, c_double,
                                      c_size_t, c_uint64, _PF64, _PF64,
                                      _PF64], c_int),
    ("llmperf_metrics_prompt_cvs", [_P, _STR, c_int, _PDBL, c_size_t,
                                    _PSIZE], c_int),
    ("llmperf_metrics_repeatability", [_P, _STR, c_int, c_int, _PF64],
     c_int),
    # serialize.h
    ("llmperf_writer_new", [_PP, c_int, WRITE_CB, c_void_p], c_int),
    ("llmperf_writer_open", [_PP, c_int, _STR, c_char_p, c_size_t], c_int),
    ("llmperf_writer_set_params", [_P, _STR], c_int),
    ("llmperf_writer_set_sweep", [_P, _STR, c_double, _STR], c_int),
    ("llmperf_writer_write", [_P, _P, _STR, _STR], c_int),
    ("llmperf_writer_close", [_P], c_int),
    ("llmperf_writer_free", [_P], None),
    ("llmperf_writer_errmsg", [_P], c_char_p),
    ("llmperf_reader_new", [_PP, c_int], c_int),
    ("llmperf_reader_free", [_P], None),
    ("llmperf_reader_read_file", [_P, _STR, RECORD_CB, c_void_p], c_int),
    ("llmperf_reader_read_buffer", [_P, c_char_p, c_size_t, _STR, RECORD_CB,
                                    c_void_p], c_int),
    ("llmperf_reader_counts", [_P, _PSIZE, _PSIZE], c_int),
    ("llmperf_reader_errmsg", [_P], c_char_p),
    ("llmperf_record_result", [_P], c_void_p),
    ("llmperf_record_group", [_P], c_char_p),
    ("llmperf_record_prompt_id", [_P], c_char_p),
    ("llmperf_record_params", [_P], c_char_p),
    ("llmperf_record_wall_time", [_P], c_char_p),
    ("llmperf_record_line", [_P], c_size_t),
    ("llmperf_record_sweep", [_P, _PSTR, _PF64, _PSTR], c_int),
    ("llmperf_metrics_add_record", [_P, _P], c_int),
    ("llmperf_metrics_read_jsonl", [_P, _STR, c_int, _PSIZE, _PSIZE], c_int),
    ("llmperf_summary_write", [_P, WRITE_CB, c_void_p], c_int),
    ("llmperf_summary_write_file", [_P, _STR, c_char_p, c_size_t], c_int),
    ("llmperf_summary_buf", [_P, c_char_p, c_size_t, _PSIZE], c_int),
    # report.h
    ("llmperf_report_html", [_P, WRITE_CB, c_void_p], c_int),
    ("llmperf_report_html_file", [_P, _STR, c_char_p, c_size_t], c_int),
    ("llmperf_report_prometheus", [_P, WRITE_CB, c_void_p], c_int),
    ("llmperf_report_prometheus_file", [_P, _STR, c_char_p, c_size_t],
     c_int),
    ("llmperf_report_prometheus_buf", [_P, c_char_p, c_size_t, _PSIZE],
     c_int),
]


class Library:
    """The loaded library: ``lib.<symbol>`` is the typed function,
    ``path`` where it came from, ``version`` its ``(major, minor,
    patch)``."""

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        missing = []
        for name, argtypes, restype in SIGNATURES:
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                missing.append(name)
                continue
            fn.argtypes = argtypes
            fn.restype = restype
            setattr(self, name, fn)
        # The version is checked before reporting missing symbols: a
        # library of another major version is the likelier explanation.
        num = int(cdll.llmperf_version()) if hasattr(
            cdll, "llmperf_version") else -1
        if num < 0:
            raise LibraryError("%s: not libllmperf (no llmperf_version)"
                               % path)
        self.version = (num >> 16, (num >> 8) & 0xFF, num & 0xFF)
        if self.version[0] != BINDING_MAJOR:
            raise LibraryError(
                "%s is libllmperf %d.%d.%d; this binding needs major "
                "version %d" % ((path,) + self.version + (BINDING_MAJOR,)))
        if missing:
            raise LibraryError(
                "%s (libllmperf %d.%d.%d) does not export %s, which the "
                "Python binding needs: rebuild the library or use a "
                "matching binding" % ((path,) + self.version
                                      + (", ".join(missing),)))
        size = int(self.llmperf_token_size())
        if size < ctypes.sizeof(Token):
            raise LibraryError(
                "%s: sizeof(llmperf_token) is %d, the binding lays it out "
                "in %d bytes" % (path, size, ctypes.sizeof(Token)))


def _asan_loaded() -> bool:
    try:
        with open("/proc/self/maps", "rb") as f:
            return b"libasan" in f.read()
    except OSError:
        return False


def _needs_asan(path: str) -> bool:
    """True when path links the AddressSanitizer runtime. Loading such a
    library into a Python that was not started with libasan preloaded
    makes the runtime abort the whole process, so it is checked first."""
    try:
        with open(path, "rb") as f:
            return b"libasan.so" in f.read()
    except OSError:
        return False


def _open(path: str) -> Library:
    if _needs_asan(path) and not _asan_loaded():
        raise LibraryError(
            "%s was built with AddressSanitizer; start Python with "
            "LD_PRELOAD=$(gcc -print-file-name=libasan.so) to load it"
            % path)
    try:
        cdll = ctypes.CDLL(path)
    except OSError as e:
        raise LibraryError("%s: %s" % (path, e)) from None
    return Library(cdll, path)


def _build_tree_candidates(start: str) -> Tuple[List[str], List[str]]:
    """libllmperf.so* in build*/ folders of start and its ancestors,
    newest first; and the folders searched."""
    seen, found, searched = set(), [], []
    d = os.path.abspath(start)
    while True:
        searched.append(os.path.join(d, "build*"))
        for p in glob.glob(os.path.join(d, "build*", "libllmperf.so*")):
            real = os.path.realpath(p)
            if real in seen or not os.path.isfile(real):
                continue
            seen.add(real)
            found.append(p)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    found.sort(key=lambda p: os.path.getmtime(p), reverse=True)
    return found, searched


def find_library(package_dir: Optional[str] = None) -> Library:
    """Load libllmperf, looking in this order:

    1. the path in the environment variable ``LLMPERF_LIBRARY`` (when set,
       it must work: there is no fallback);
    2. the system's search path (``ctypes.util.find_library("llmperf")``);
    3. the build tree: ``build*/libllmperf.so*`` in the package's folder
       and each folder above it, newest first (so that
       ``PYTHONPATH=bindings/python`` works in a source checkout).

    Raises :class:`LibraryError` saying where it looked and why each
    candidate was refused.
    """
    env = os.environ.get(ENV_LIBRARY)
    if env:
        try:
            return _open(env)
        except LibraryError as e:
            raise LibraryError("%s=%s: %s" % (ENV_LIBRARY, env, e)) from None
    tried: List[str] = ["$%s: not set" % ENV_LIBRARY]
    name = ctypes.util.find_library("llmperf")
    if name:
        try:
            return _open(name)
        except LibraryError as e:
            tried.append("system: %s" % e)
    else:
        tried.append("system: ctypes.util.find_library('llmperf') found "
                     "nothing")
    start = package_dir or os.path.dirname(os.path.abspath(__file__))
    cands, searched = _build_tree_candidates(os.path.dirname(start))
    for p in cands:
        try:
            return _open(p)
        except LibraryError as e:
            tried.append("build tree: %s" % e)
    if not cands:
        tried.append("build tree: no libllmperf.so* in %s"
                     % ", ".join(searched))
    raise LibraryError("libllmperf not found or not usable. Build it "
                       "(cmake --build build) or set %s to its path.\n  "
                       % ENV_LIBRARY + "\n  ".join(tried))


def array(values: Sequence[float]) -> "ctypes.Array[c_double]":
    """A C array of doubles holding values (any sequence of numbers)."""
    if isinstance(values, (str, bytes)):
        raise TypeError("expected a sequence of numbers, got %s"
                        % type(values).__name__)
    if isinstance(values, ctypes.Array) and values._type_ is c_double:
        return values
    try:
        mv = memoryview(values)  # array.array("d"), NumPy float64...
    except TypeError:
        mv = None
    if mv is not None and mv.format in ("d", "=d") and mv.ndim == 1 \
            and mv.contiguous and mv.nbytes > 0:
        return (c_double * len(mv)).from_buffer_copy(mv)
    vals = [float(v) for v in values]
    return (c_double * max(len(vals), 1))(*vals)


lib = find_library()
# libcurl's global set-up, once for the process (counted; never undone:
# handles may live until the interpreter exits).
lib.llmperf_global_init()

__all__ = ["lib", "Library", "LibraryError", "Token", "SIGNATURES",
           "TOKEN_CB", "RESULT_CB", "PROGRESS_CB", "WRITE_CB", "RECORD_CB",
           "find_library", "array", "c_char"]
