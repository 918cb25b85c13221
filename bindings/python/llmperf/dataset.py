# SPDX-License-Identifier: MIT
"""Prompts for a run: :class:`Dataset` (include/llmperf/dataset.h).

>>> ds = Dataset.synthetic(4, input_tokens=100, output_tokens=32)
>>> len(ds), ds[0]["max_tokens"]
(4, 32)
"""
from __future__ import annotations

import json
import os
from ctypes import byref, c_char_p, c_int64, c_void_p, create_string_buffer
from typing import Any, Dict, Iterable, Iterator, Optional, Union

from ._ffi import lib
from .errors import InvalidArgument, check, make_error

_SKIP_BAD = 0x1   # LLMPERF_DATASET_SKIP_BAD


def _b(s: Optional[str]) -> Optional[bytes]:
    return None if s is None else str(s).encode()


def length_category(chars: int) -> str:
    """The category of a prompt of this many characters: "short" (< 200),
    "medium" (200..499), "long" (500..1000) or "very_long"."""
    if chars < 0:
        raise InvalidArgument(-3, "chars must be >= 0")
    return lib.llmperf_dataset_length_category(int(chars)).decode()


class Dataset:
    """An ordered list of prompts. Each item is read as a dict with
    ``prompt``, ``id``, ``category``, ``max_tokens`` (None: the client's
    setting) and ``messages`` (the chat conversation as a list, or None).

    Build one with :meth:`from_jsonl`, :meth:`synthetic`,
    :meth:`builtin` or :meth:`from_prompts`, or empty and :meth:`add`.
    """

    def __init__(self, _handle: Optional[int] = None) -> None:
        if _handle is None:
            h = c_void_p()
            check(lib.llmperf_dataset_new(byref(h)))
            _handle = h.value
        self._h: Optional[int] = _handle

    # -- constructors -----------------------------------------------------
    @classmethod
    def from_jsonl(cls, path: Union[str, "os.PathLike[str]"],
                   skip_bad: bool = False) -> "Dataset":
        """Read a JSONL file of ``{"prompt": ...}`` or ``{"messages":
        [...]}`` objects (optional ``id``, ``category``, ``max_tokens``).
        A bad line raises FormatError ("PATH:LINE: what") unless skip_bad:
        then it is skipped and counted in :attr:`skipped`."""
        h = c_void_p()
        err = create_string_buffer(512)
        st = lib.llmperf_dataset_load_jsonl(
            byref(h), os.fsencode(path), _SKIP_BAD if skip_bad else 0, err,
            len(err))
        check(st, err.value)
        return cls(h.value)

    @classmethod
    def synthetic(cls, n: int, input_tokens: int, output_tokens: int = 0,
                  seed: int = 0) -> "Dataset":
        """n generated prompts of input_tokens tokens each, asking for
        output_tokens (0: the client's max_tokens). Deterministic."""
        if n < 0 or not 0 <= seed < 1 << 64:
            raise InvalidArgument(-3, "n must be >= 0, seed in [0, 2**64)")
        h = c_void_p()
        check(lib.llmperf_dataset_synthetic(byref(h), int(n),
                                            int(input_tokens),
                                            int(output_tokens), int(seed)),
              "synthetic(n=%r, input_tokens=%r, output_tokens=%r)"
              % (n, input_tokens, output_tokens))
        return cls(h.value)

    @classmethod
    def builtin(cls, name: str = "all") -> "Dataset":
        """The built-in prompts: "small", "medium", "large", "xlarge",
        "all" or a comma-separated list."""
        h = c_void_p()
        check(lib.llmperf_dataset_builtin(byref(h), name.encode()),
              "unknown built-in dataset %r" % name)
        return cls(h.value)

    @classmethod
    def from_prompts(cls, prompts: Iterable[Union[str, Dict[str, Any]]]
                     ) -> "Dataset":
        """A dataset from strings, or dicts with ``prompt`` and optional
        ``id``, ``category``, ``max_tokens``."""
        ds = cls()
        for p in prompts:
            if isinstance(p, str):
                ds.add(p)
            else:
                ds.add(p["prompt"], p.get("id"), p.get("category"),
                       p.get("max_tokens"))
        return ds

    # -- changes ----------------------------------------------------------
    def add(self, prompt: str, id: Optional[str] = None,
            category: Optional[str] = None,
            max_tokens: Optional[int] = None) -> None:
        """Append one item (id None: its position; category None: by
        length; max_tokens None: the client's setting)."""
        mt = -1 if max_tokens is None else int(max_tokens)
        if max_tokens is not None and mt < 0:
            raise InvalidArgument(-3, "max_tokens must be >= 0")
        check(lib.llmperf_dataset_add(self.handle, _b(prompt), _b(id),
                                      _b(category), mt),
              "dataset item %r" % (prompt[:40],))

    def shuffle(self, seed: int = 0) -> "Dataset":
        """Reorder the items reproducibly (Fisher-Yates, seeded)."""
        if not 0 <= seed < 1 << 64:
            raise InvalidArgument(-3, "seed must be in [0, 2**64)")
        check(lib.llmperf_dataset_shuffle(self.handle, int(seed)))
        return self

    def repeat(self, times: int) -> "Dataset":
        """Repeat the list times times in all (a b -> a b a b for 2);
        repeated items keep their id."""
        if times < 1:
            raise InvalidArgument(-3, "times must be >= 1")
        check(lib.llmperf_dataset_repeat(self.handle, int(times)))
        return self

    # -- reading ----------------------------------------------------------
    def __len__(self) -> int:
        return int(lib.llmperf_dataset_count(self.handle))

    def __getitem__(self, i: int) -> Dict[str, Any]:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("dataset index out of range")
        prompt, id_, cat = c_char_p(), c_char_p(), c_char_p()
        mt = c_int64()
        check(lib.llmperf_dataset_get(self.handle, i, byref(prompt),
                                      byref(id_), byref(cat), byref(mt)))
        msgs = c_char_p()
        st = lib.llmperf_dataset_messages(self.handle, i, byref(msgs))
        return {
            "prompt": prompt.value.decode("utf-8", "replace"),
            "id": id_.value.decode("utf-8", "replace"),
            "category": cat.value.decode("utf-8", "replace"),
            "max_tokens": mt.value if mt.value >= 0 else None,
            "messages": json.loads(msgs.value) if st == 0 else None,
        }

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def item_id(self, i: int) -> str:
        """The id of item i (cheaper than ``self[i]["id"]``)."""
        id_ = c_char_p()
        check(lib.llmperf_dataset_get(self.handle, int(i), None, byref(id_),
                                      None, None))
        return id_.value.decode("utf-8", "replace")

    @property
    def skipped(self) -> int:
        """Bad lines skipped by a ``skip_bad`` load."""
        return int(lib.llmperf_dataset_skipped(self.handle))

    @property
    def errmsg(self) -> str:
        """The reason of the first skipped line ("" if none)."""
        return lib.llmperf_dataset_errmsg(self.handle).decode(
            "utf-8", "replace")

    # -- life cycle -------------------------------------------------------
    @property
    def handle(self) -> int:
        """The ``llmperf_dataset *``."""
        if not self._h:
            raise make_error(-17, "the dataset is closed")
        return self._h

    def close(self) -> None:
        """Free the dataset (idempotent)."""
        h, self._h = self._h, None
        if h:
            lib.llmperf_dataset_free(h)

    def __enter__(self) -> "Dataset":
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
            return "<llmperf.Dataset closed>"
        return "<llmperf.Dataset %d items>" % len(self)


__all__ = ["Dataset", "length_category"]
