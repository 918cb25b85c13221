# SPDX-License-Identifier: MIT
"""Results as dicts: the fields of include/llmperf/result.h.

A result dict has one key per field the library knows (the names of
``llmperf_result_field_name``: ``"ttft_ns"``, ``"output_tokens"``,
``"error"``...), with ``None`` where the result has no value (e.g. no
``ttft_ns`` for a request that failed before its first token), plus
``"chunks"``: the content chunks in arrival order as ``(t_ns, tokens)``
pairs, ``t_ns`` on the ``llmperf_now_ns()`` clock and ``tokens`` None
when the server did not say. (The C field named ``chunks`` is the number
of content chunks: here it is the length of that list.) Times are
integer nanoseconds.
"""
from __future__ import annotations

from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_int32, \
    c_int64, c_size_t
from typing import Any, Dict, List, Optional, Tuple

from ._ffi import lib
from .errors import NotFound, check, make_error

# Field-id ranges (result.h): the range encodes the getter.
KIND_I64, KIND_F64, KIND_STR = 0, 1000, 2000


def _walk(base: int) -> List[Tuple[int, str]]:
    out = []
    fid = base + 1
    while True:
        name = lib.llmperf_result_field_name(fid)
        if name is None:
            return out
        out.append((fid, name.decode()))
        fid += 1


#: (field id, name) of every field this library build knows, by type.
I64_FIELDS = _walk(KIND_I64)
F64_FIELDS = _walk(KIND_F64)
STR_FIELDS = _walk(KIND_STR)
#: Every field name, in id order (int, then float, then string fields).
FIELD_NAMES: List[str] = [n for _, n in I64_FIELDS + F64_FIELDS
                          + STR_FIELDS]


def field_id(name: str) -> int:
    """The numeric id of a field name (``"ttft_ns"`` -> 4), or of the
    metrics pseudo-field ``"itl_ns"``. Raises NotFound."""
    if name == "itl_ns":
        return 3001  # LLMPERF_METRICS_ITL_NS (metrics.h)
    out = c_int()
    st = lib.llmperf_result_field_from_name(byref(out), name.encode())
    check(st, "unknown result field %r" % name)
    return out.value


def field_name(fid: int) -> str:
    """The name of a field id. Raises NotFound for an unknown id."""
    if fid == 3001:
        return "itl_ns"
    name = lib.llmperf_result_field_name(int(fid))
    if name is None:
        raise NotFound(-16, "unknown result field id %d" % fid)
    return name.decode()


def to_dict(r: int) -> Dict[str, Any]:
    """Copy every field of the result handle r into a dict (see the
    module's docstring). r stays owned by the caller."""
    d: Dict[str, Any] = {}
    i64 = c_int64()
    for fid, name in I64_FIELDS:
        ok = lib.llmperf_result_get_i64(r, fid, byref(i64)) == 0
        d[name] = i64.value if ok else None
    f64 = c_double()
    for fid, name in F64_FIELDS:
        ok = lib.llmperf_result_get_f64(r, fid, byref(f64)) == 0
        d[name] = f64.value if ok else None
    s = c_char_p()
    for fid, name in STR_FIELDS:
        ok = lib.llmperf_result_get_str(r, fid, byref(s)) == 0
        d[name] = (s.value.decode("utf-8", "replace")
                   if ok and s.value is not None else None)
    t = POINTER(c_int64)()
    tok = POINTER(c_int32)()
    n = c_size_t()
    check(lib.llmperf_result_chunks(r, byref(t), byref(tok), byref(n)))
    chunks: List[Tuple[int, Optional[int]]] = []
    for i in range(n.value):
        k = tok[i]
        chunks.append((t[i], None if k < 0 else k))
    d["chunks"] = chunks
    return d


class Result(dict):
    """A result dict (see the module's docstring) that also keeps the C
    result it was read from, so that :meth:`llmperf.Metrics.add` and
    :meth:`llmperf.Writer.write` get every field exactly. The C result is
    freed with the object, or earlier by :meth:`release`."""

    def __init__(self, handle: int) -> None:
        super().__init__(to_dict(handle))
        self._handle: Optional[int] = handle

    @property
    def handle(self) -> int:
        """The ``llmperf_result *`` (borrowed)."""
        if not self._handle:
            raise make_error(-17, "the result's C data was released")
        return self._handle

    def release(self) -> None:
        """Free the C result now; the dict stays."""
        h, self._handle = self._handle, None
        if h:
            lib.llmperf_result_free(h)

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:
            pass

    def __reduce__(self):  # pickles (and copies) as a plain dict
        return (dict, (dict(self),))


def itl_ns(result: Dict[str, Any]) -> List[int]:
    """The inter-token latencies of one result dict: the gaps between
    consecutive content chunks, in ns."""
    t = [c[0] for c in result.get("chunks") or ()]
    return [b - a for a, b in zip(t, t[1:])]


__all__ = ["Result", "FIELD_NAMES", "I64_FIELDS", "F64_FIELDS", "STR_FIELDS",
           "field_id", "field_name", "to_dict", "itl_ns"]
