# SPDX-License-Identifier: MIT
"""records.jsonl / records.csv: :class:`Writer` and :func:`read_records`
(include/llmperf/serialize.h; docs/FORMATS.md specifies the formats).

>>> with Writer("records.jsonl") as w:                    # doctest: +SKIP
...     w.write(client.stream("hi"), group="qwen")
>>> for rec in read_records("records.jsonl"):             # doctest: +SKIP
...     print(rec["group"], rec["result"]["ttft_ns"])
"""
from __future__ import annotations

import io
import json
import os
from ctypes import byref, c_char_p, c_double, c_size_t, c_void_p, \
    create_string_buffer, string_at
from typing import Any, Callable, Dict, Optional, Union

from ._ffi import RECORD_CB, WRITE_CB, lib
from .client import _Callback
from .errors import InvalidArgument, check, make_error
from .result import Result, to_dict

FORMATS = {"jsonl": 1, "csv": 2}
PathLike = Union[str, "os.PathLike[str]"]


def _format(fmt: Union[str, int, None], path: Optional[str]) -> int:
    if fmt is None:
        fmt = "csv" if path and path.lower().endswith(".csv") else "jsonl"
    if isinstance(fmt, int):
        return fmt
    if fmt not in FORMATS:
        raise InvalidArgument(-3, "format must be one of %s"
                              % ", ".join(FORMATS))
    return FORMATS[fmt]


class Writer:
    """Per-request records, one per :meth:`write`, as JSON Lines (every
    field, the chunk timeline, group, prompt id, parameters) or CSV
    (scalar fields, header first).

    target is a path (appended to; each record reaches the kernel with
    one write(2), so an interrupted run loses nothing already written), a
    file object (text or binary), or a callable taking bytes. format is
    "jsonl" or "csv" (default: from the file name, else jsonl).
    """

    def __init__(self, target: Union[PathLike, Any, Callable[[bytes], Any]],
                 format: Union[str, int, None] = None) -> None:
        self._h: Optional[int] = None
        self._cb: Optional[_Callback] = None
        h = c_void_p()
        if isinstance(target, (str, os.PathLike)):
            path = os.fspath(target)
            err = create_string_buffer(512)
            st = lib.llmperf_writer_open(byref(h), _format(format, path),
                                         os.fsencode(path), err, len(err))
            check(st, err.value)
        else:
            if callable(target):
                sink = target
            elif isinstance(target, io.TextIOBase):
                sink = (lambda b, f=target: f.write(b.decode("utf-8")))
            elif hasattr(target, "write"):
                sink = target.write
            else:
                raise TypeError("Writer target: a path, a file object or "
                                "a callable, not %s" % type(target).__name__)

            def write(buf: int, n: int, _ud: Any) -> int:
                sink(string_at(buf, n))
                return 0
            # Kept for the writer's lifetime: C calls it on every write.
            self._cb = _Callback(WRITE_CB, write)
            check(lib.llmperf_writer_new(byref(h), _format(format, None),
                                         self._cb.ptr, None))
        self._h = h.value

    def _errmsg(self) -> str:
        return lib.llmperf_writer_errmsg(self.handle).decode(
            "utf-8", "replace")

    def _done(self, st: int) -> None:
        if self._cb is not None:
            self._cb.reraise()   # the sink's own exception first
        check(st, self._errmsg)

    def set_params(self, params: Union[Dict[str, Any], str, None]) -> None:
        """Run parameters written with every following JSONL record
        (secrets such as api_key are redacted); None stops them."""
        if params is not None and not isinstance(params, str):
            params = json.dumps(params)
        check(lib.llmperf_writer_set_params(
            self.handle, None if params is None else params.encode()),
            "params must be a JSON object")

    def set_sweep(self, param: Optional[str], value: float = 0.0,
                  series: Optional[str] = None) -> None:
        """The sweep point of following records (param None: none)."""
        check(lib.llmperf_writer_set_sweep(
            self.handle, None if param is None else param.encode(),
            float(value), None if series is None else series.encode()),
            "sweep %r=%r" % (param, value))

    def write(self, result: Result, group: Optional[str] = None,
              prompt_id: Optional[str] = None) -> None:
        """Write one result (from :meth:`Client.stream` or a runner)."""
        if not isinstance(result, Result):
            raise TypeError("Writer.write needs a Result from "
                            "Client.stream or Runner")
        self._write_handle(result.handle,
                           None if group is None else str(group).encode(),
                           None if prompt_id is None
                           else str(prompt_id).encode())

    def _write_handle(self, rp: int, group: Optional[bytes],
                      prompt_id: Optional[bytes]) -> None:
        self._done(lib.llmperf_writer_write(self.handle, rp, group,
                                            prompt_id))

    def close(self) -> None:
        """Flush, fsync and close a file (reporting failures), then free
        the writer. Idempotent."""
        h = self._h
        if not h:
            return
        try:
            self._done(lib.llmperf_writer_close(h))
        finally:
            self._h = None
            lib.llmperf_writer_free(h)

    @property
    def handle(self) -> int:
        """The ``llmperf_writer *``."""
        if not self._h:
            raise make_error(-17, "the writer is closed")
        return self._h

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        h, self._h = self._h, None
        if h:
            try:
                lib.llmperf_writer_free(h)
            except Exception:
                pass


class Records(list):
    """The records read by :func:`read_records` (a list of dicts), with
    ``bad_lines`` (skipped with ``skip_bad``) and ``errmsg`` (the first
    bad line's reason)."""
    bad_lines = 0
    errmsg = ""


def read_records(source: Union[PathLike, bytes],
                 skip_bad: bool = False, name: str = "<bytes>") -> Records:
    """Read records.jsonl (a path, or its bytes) back. Each record is a
    dict: ``result`` (a result dict, as :meth:`Client.stream` returns),
    ``group``, ``prompt_id``, ``params`` (a dict or None), ``wall_time``
    (ISO 8601 or None), ``line`` and ``sweep`` ((param, value, series)
    or None). A bad line raises FormatError ("path:line: reason") unless
    skip_bad."""
    out = Records()
    rd = c_void_p()
    check(lib.llmperf_reader_new(byref(rd), 1 if skip_bad else 0))

    def on_record(rec: int, _ud: Any) -> int:
        def s(p: Optional[bytes]) -> Optional[str]:
            return None if p is None else p.decode("utf-8", "replace")
        param, series, value = c_char_p(), c_char_p(), c_double()
        sweep = None
        if lib.llmperf_record_sweep(rec, byref(param), byref(value),
                                    byref(series)) == 0:
            sweep = (s(param.value), value.value, s(series.value))
        params = s(lib.llmperf_record_params(rec))
        out.append({
            "result": to_dict(lib.llmperf_record_result(rec)),
            "group": s(lib.llmperf_record_group(rec)),
            "prompt_id": s(lib.llmperf_record_prompt_id(rec)),
            "params": json.loads(params) if params else None,
            "wall_time": s(lib.llmperf_record_wall_time(rec)),
            "line": int(lib.llmperf_record_line(rec)),
            "sweep": sweep,
        })
        return 0

    cb = _Callback(RECORD_CB, on_record)
    try:
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
            st = lib.llmperf_reader_read_buffer(rd, data, len(data),
                                                name.encode(), cb.ptr, None)
        else:
            st = lib.llmperf_reader_read_file(rd, os.fsencode(source),
                                              cb.ptr, None)
        msg = lib.llmperf_reader_errmsg(rd).decode("utf-8", "replace")
        recs, bad = c_size_t(), c_size_t()
        lib.llmperf_reader_counts(rd, byref(recs), byref(bad))
    finally:
        lib.llmperf_reader_free(rd)
    cb.reraise()
    check(st, msg)
    out.bad_lines = bad.value
    out.errmsg = msg
    return out


__all__ = ["Writer", "Records", "read_records", "FORMATS"]
