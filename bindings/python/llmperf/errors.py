# SPDX-License-Identifier: MIT
"""Exceptions: one class per libllmperf status code.

Every failure raises a subclass of :class:`LlmperfError` carrying the
status code (``.status``, e.g. -10), its symbolic name (``.name``, from
``llmperf_status_name``, e.g. ``"LLMPERF_ECONNECT"``) and the detail of
the handle that failed (``.message``, from ``llmperf_client_errmsg`` and
its siblings; the generic ``llmperf_strerror`` text when the handle has
none). Where a built-in exception means the same thing the class also
derives from it, so ``except ValueError`` catches bad arguments and
``except TimeoutError`` catches timeouts.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Type

from ._ffi import lib


class LlmperfError(Exception):
    """A libllmperf call failed. Also the class of LLMPERF_ERR and of
    status codes this binding does not know."""

    def __init__(self, status: int, message: Optional[str] = None,
                 result: Optional[Dict[str, Any]] = None) -> None:
        self.status = int(status)
        self.name = status_name(self.status)
        self.description = strerror(self.status)
        self.message = message if message else self.description
        #: For a failed request: the partial result (a dict, see
        #: :meth:`llmperf.Client.stream`); otherwise None.
        self.result = result
        super().__init__("%s: %s" % (self.name, self.message))

    def __reduce__(self):  # keep the exception picklable
        return (self.__class__, (self.status, self.message, self.result))


class OutOfMemory(LlmperfError, MemoryError):
    """LLMPERF_ENOMEM: an allocation failed."""


class InvalidArgument(LlmperfError, ValueError):
    """LLMPERF_EINVAL: a bad argument (NaN, out of range, wrong type)."""


class BufferTooSmall(LlmperfError):
    """LLMPERF_EBUFS: a caller's buffer was too small (the binding sizes
    its buffers itself, so this is not normally seen)."""


class TransportError(LlmperfError, ConnectionError):
    """LLMPERF_ETRANSPORT: socket or TLS failure after connecting."""


class HTTPError(LlmperfError):
    """LLMPERF_EHTTP: the server answered with a non-2xx status."""


class ProtocolError(LlmperfError):
    """LLMPERF_EPROTOCOL: the response could not be parsed."""


class Timeout(LlmperfError, TimeoutError):
    """LLMPERF_ETIMEOUT: a connect, idle or total timeout expired."""


class Aborted(LlmperfError):
    """LLMPERF_EABORTED: a callback asked to stop, or the run was
    stopped."""


class ConnectError(LlmperfError, ConnectionError):
    """LLMPERF_ECONNECT: could not connect (refused, unreachable, name
    not resolved)."""


class ServerError(LlmperfError):
    """LLMPERF_ESERVER: the server reported an error inside a 200
    stream."""


class TooBig(LlmperfError):
    """LLMPERF_ETOOBIG: a line, event or value exceeded a hard limit."""


class UndefinedError(LlmperfError, ArithmeticError):
    """LLMPERF_EUNDEFINED: the statistic is not defined for this input
    (too few values, zero variance). Never a silent NaN."""


class FileError(LlmperfError, OSError):
    """LLMPERF_EIO: reading or writing a file failed."""


class FormatError(LlmperfError, ValueError):
    """LLMPERF_EFORMAT: malformed input data (a bad JSONL line...)."""


class NotFound(LlmperfError, LookupError):
    """LLMPERF_ENOTFOUND: no such group, field or item."""


class StateError(LlmperfError):
    """LLMPERF_ESTATE: the handle is in the wrong state for this call."""


class NotSupported(LlmperfError):
    """LLMPERF_ENOTSUP: not supported by this backend or build."""


# Status code -> class. The codes are ABI (include/llmperf/common.h).
_BY_STATUS: Dict[int, Type[LlmperfError]] = {
    -1: LlmperfError, -2: OutOfMemory, -3: InvalidArgument,
    -4: BufferTooSmall, -5: TransportError, -6: HTTPError,
    -7: ProtocolError, -8: Timeout, -9: Aborted, -10: ConnectError,
    -11: ServerError, -12: TooBig, -13: UndefinedError, -14: FileError,
    -15: FormatError, -16: NotFound, -17: StateError, -18: NotSupported,
}

#: Status codes by name, e.g. STATUS["LLMPERF_ECONNECT"] == -10.
STATUS: Dict[str, int] = {}
for _code in range(0, -19, -1):
    STATUS[lib.llmperf_status_name(_code).decode()] = _code
del _code


def status_name(status: int) -> str:
    """The symbolic name of a status code ("LLMPERF_EINVAL")."""
    return lib.llmperf_status_name(int(status)).decode()


def strerror(status: int) -> str:
    """The library's one-line description of a status code."""
    return lib.llmperf_strerror(int(status)).decode()


def error_class(status: int) -> Type[LlmperfError]:
    """The exception class raised for a status code."""
    return _BY_STATUS.get(int(status), LlmperfError)


def make_error(status: int, message: Optional[str] = None,
               result: Optional[Dict[str, Any]] = None) -> LlmperfError:
    """An exception instance for status with the handle's message."""
    return error_class(status)(status, message, result)


def check(status: int, errmsg: Any = None) -> None:
    """Raise the exception for status unless it is LLMPERF_OK (0).

    errmsg is the handle's message: bytes, str, or a callable returning
    one (called only on failure, before anything else uses the handle).
    """
    if status == 0:
        return
    if callable(errmsg):
        errmsg = errmsg()
    if isinstance(errmsg, bytes):
        errmsg = errmsg.decode("utf-8", "replace")
    raise make_error(status, errmsg or None)


__all__ = ["LlmperfError", "OutOfMemory", "InvalidArgument",
           "BufferTooSmall", "TransportError", "HTTPError", "ProtocolError",
           "Timeout", "Aborted", "ConnectError", "ServerError", "TooBig",
           "UndefinedError", "FileError", "FormatError", "NotFound",
           "StateError", "NotSupported", "STATUS", "status_name",
           "strerror", "error_class", "make_error", "check"]
