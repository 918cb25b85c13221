# SPDX-License-Identifier: MIT
"""llmperf: benchmark LLM inference servers (Python binding of libllmperf).

Standard library only: the C library is loaded with ctypes from
``$LLMPERF_LIBRARY``, the system's library path, or a ``build*/`` folder
of the source tree (see :func:`llmperf._ffi.find_library`).

Objects:

- :class:`Client` -- one streamed request at a time, results as dicts;
- :class:`Dataset` -- prompts from JSONL, synthetic or built-in;
- :class:`Runner` -- many requests at once (concurrency, rate, duration);
- :class:`Metrics` -- accumulate results by group; summaries, correlations
  and tests across groups; merge;
- :class:`Writer`, :func:`read_records` -- records.jsonl / records.csv,
  summary.json;
- :mod:`llmperf.stats` -- statistics on any sequence of numbers;
- :mod:`llmperf.errors` -- one exception class per status code.
"""
from __future__ import annotations

from . import stats
from ._ffi import BINDING_VERSION, LibraryError, lib
from .client import (BACKENDS, Client, StopStream, StreamToken, backend_id,
                     backend_name)
from .dataset import Dataset, length_category
from .errors import *  # noqa: F401,F403  (the exception classes)
from .errors import __all__ as _errors_all
from .metrics import Metrics
from .result import FIELD_NAMES, Result, field_id, field_name, itl_ns
from .runner import Runner
from .serialize import Records, Writer, read_records

__version__ = "%d.%d.%d" % BINDING_VERSION

#: The loaded library's version as (major, minor, patch).
library_version = lib.version
#: Where the library was loaded from.
library_path = lib.path


def version_string() -> str:
    """The loaded library's version string ("0.1.0")."""
    return lib.llmperf_version_string().decode()


def now_ns() -> int:
    """The library's clock (CLOCK_MONOTONIC, ns): the clock of every
    timestamp in a result."""
    return int(lib.llmperf_now_ns())


__all__ = ["stats", "Client", "StreamToken", "StopStream", "BACKENDS",
           "backend_id", "backend_name", "Dataset", "length_category",
           "Runner", "Metrics", "Writer", "Records", "read_records",
           "Result", "FIELD_NAMES", "field_id",
           "field_name", "itl_ns", "LibraryError", "library_version",
           "library_path", "version_string", "now_ns",
           "__version__"] + list(_errors_all)
