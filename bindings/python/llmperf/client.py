# SPDX-License-Identifier: MIT
"""One streamed request at a time: :class:`Client` (include/llmperf/client.h).

>>> with Client("ollama", url="http://127.0.0.1:11434",
...             model="qwen2.5:0.5b") as c:                # doctest: +SKIP
...     r = c.stream("Why is the sky blue?", max_tokens=64,
...                  on_token=lambda t: print(t.text, end=""))
...     print(r["ttft_ns"] / 1e6, "ms to first token")
"""
from __future__ import annotations

import json
from ctypes import byref, c_int, c_void_p, string_at
from typing import (Any, Callable, Dict, Iterable, Mapping, NamedTuple,
                    Optional, Union)

from ._ffi import TOKEN_CB, lib
from .errors import InvalidArgument, check, make_error
from .result import Result

# Option ids of include/llmperf/client.h (ABI). The id's range gives the
# setter: < 1000 int, < 2000 double, < 3000 string.
OPTIONS: Dict[str, int] = {
    "max_tokens": 1, "seed": 2, "ignore_eos": 3, "min_tokens": 4,
    "connect_timeout_ms": 5, "idle_timeout_ms": 6, "total_timeout_ms": 7,
    "tls_verify": 8, "include_usage": 9, "keep_text": 10, "stream": 11,
    "max_event_bytes": 12,
    "temperature": 1001, "top_p": 1002,
    "base_url": 2001, "path": 2002, "model": 2003, "api_key": 2004,
    "stop": 2005, "system_prompt": 2006, "header": 2007, "extra_json": 2008,
}
#: Options that add one value per call: they take a list.
_REPEATABLE = {"stop", "header"}

#: Backend names accepted by llmperf_backend_from_name.
BACKENDS = ("ollama", "ollama-chat", "openai", "openai-chat", "llamacpp",
            "tgi")


class StopStream(Exception):
    """Raise this from a token callback to end the request early without
    an error: :meth:`Client.stream` then returns the partial result
    (its ``status`` is LLMPERF_EABORTED)."""


class StreamToken(NamedTuple):
    """One piece of streamed output, as passed to ``on_token``."""
    index: int           #: 0-based content chunk of the response
    t_ns: int            #: arrival time, llmperf_now_ns() clock
    data: bytes          #: the bytes as received (may split a UTF-8
    #:                      character between two chunks)
    is_reasoning: bool   #: True for reasoning ("thinking") text
    tokens: Optional[int]  #: tokens in this chunk; None when unknown

    @property
    def text(self) -> str:
        """data decoded as UTF-8 (a split character shows as U+FFFD)."""
        return self.data.decode("utf-8", "replace")


class _Callback:
    """Holds a Python callable behind a C function pointer for the length
    of one C call. An exception raised by the callable makes the
    trampoline return 1 (abort); it is stored and re-raised by the
    wrapper once the C call has returned."""

    def __init__(self, cftype: Any, fn: Callable[..., int]) -> None:
        self.exc: Optional[BaseException] = None
        self.stopped = False
        self._fn = fn
        self.ptr = cftype(self._tramp)   # kept alive by self

    def _tramp(self, *args: Any) -> int:
        if self.exc is not None:
            return 1
        try:
            return 1 if self._fn(*args) else 0
        except StopStream:
            self.stopped = True
            return 1
        except BaseException as e:   # includes KeyboardInterrupt
            self.exc = e
            return 1

    def reraise(self) -> None:
        if self.exc is not None:
            exc, self.exc = self.exc, None
            raise exc


def backend_id(backend: Union[int, str]) -> int:
    """The numeric id of a backend name ("openai-chat" -> 4)."""
    if isinstance(backend, int):
        return backend
    out = c_int()
    st = lib.llmperf_backend_from_name(byref(out), str(backend).encode())
    check(st, "unknown backend %r (one of: %s)"
          % (backend, ", ".join(BACKENDS)))
    return out.value


def backend_name(backend: int) -> Optional[str]:
    """The name of a backend id, or None for an unknown id."""
    s = lib.llmperf_backend_name(int(backend))
    return s.decode() if s is not None else None


def _set_option(cfg: int, name: str, value: Any) -> None:
    if name == "url":
        name = "base_url"
    if name == "headers":
        name = "header"
        if isinstance(value, Mapping):
            value = ["%s: %s" % kv for kv in value.items()]
    opt = OPTIONS.get(name)
    if opt is None:
        raise InvalidArgument(-3, "unknown client option %r (known: %s)"
                              % (name, ", ".join(sorted(OPTIONS))))
    if name in _REPEATABLE and not isinstance(value, (str, bytes)) \
            and value is not None:
        for v in value:
            _set_option(cfg, name, v)
        return
    if name == "extra_json" and value is not None \
            and not isinstance(value, (str, bytes)):
        value = json.dumps(value)
    if opt < 1000:
        if isinstance(value, float) and not value.is_integer():
            raise InvalidArgument(-3, "option %s needs an integer" % name)
        st = lib.llmperf_config_set_int(cfg, opt, int(value))
    elif opt < 2000:
        st = lib.llmperf_config_set_double(cfg, opt, float(value))
    else:
        if isinstance(value, str):
            value = value.encode()
        st = lib.llmperf_config_set_str(cfg, opt, value)
    # Never echo a secret in the message.
    shown = "***" if name == "api_key" else repr(value)
    check(st, lambda: "client option %s=%s: %s"
          % (name, shown, lib.llmperf_strerror(st).decode()))


class Client:
    """A connection to one server endpoint (``llmperf_client``).

    ``backend`` is a name (``"ollama"``, ``"ollama-chat"``, ``"openai"``,
    ``"openai-chat"``, ``"llamacpp"``, ``"tgi"``) or id. ``url`` is the
    server's base URL (default: the backend's usual local port), ``model``
    the model name. Any other option of include/llmperf/client.h is a
    keyword argument by its lower-case name: ``max_tokens``, ``seed``,
    ``ignore_eos``, ``min_tokens``, ``connect_timeout_ms``,
    ``idle_timeout_ms``, ``total_timeout_ms``, ``tls_verify``,
    ``include_usage``, ``keep_text``, ``stream``, ``max_event_bytes``,
    ``temperature``, ``top_p``, ``path``, ``api_key``, ``stop`` (a string
    or a list), ``system_prompt``, ``headers`` (a dict or a list of
    ``"Name: value"``) and ``extra_json`` (a dict or JSON text).

    Use it as a context manager, or call :meth:`close`. One thread at a
    time per client.
    """

    def __init__(self, backend: Union[int, str] = "openai-chat",
                 url: Optional[str] = None, model: Optional[str] = None,
                 **options: Any) -> None:
        self._h: Optional[int] = None
        cfg = c_void_p()
        check(lib.llmperf_config_new(byref(cfg), backend_id(backend)),
              "backend %r" % (backend,))
        try:
            if url is not None:
                _set_option(cfg, "base_url", url)
            if model is not None:
                _set_option(cfg, "model", model)
            for name, value in options.items():
                _set_option(cfg, name, value)
            h = c_void_p()
            check(lib.llmperf_client_new(byref(h), cfg))
            self._h = h.value
        finally:
            lib.llmperf_config_free(cfg)
        self.model = model

    # -- life cycle -------------------------------------------------------
    def close(self) -> None:
        """Close the connections and free the client (idempotent)."""
        h, self._h = self._h, None
        if h:
            lib.llmperf_client_free(h)

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    @property
    def handle(self) -> int:
        """The ``llmperf_client *`` (for the other wrappers)."""
        if not self._h:
            raise make_error(-17, "the client is closed")
        return self._h

    # -- properties -------------------------------------------------------
    @property
    def url(self) -> str:
        """The endpoint URL, credentials removed."""
        return lib.llmperf_client_url(self.handle).decode()

    @property
    def backend(self) -> str:
        """The backend's name."""
        return backend_name(lib.llmperf_client_backend(self.handle)) or "?"

    @property
    def errmsg(self) -> str:
        """Detail of the last failure ("" after a success)."""
        return lib.llmperf_client_errmsg(self.handle).decode(
            "utf-8", "replace")

    def __repr__(self) -> str:
        if not self._h:
            return "<llmperf.Client closed>"
        return "<llmperf.Client %s %s>" % (self.backend, self.url)

    # -- requests ---------------------------------------------------------
    def stream(self, prompt: str, max_tokens: Optional[int] = None,
               on_token: Optional[Callable[[StreamToken], Any]] = None,
               raise_errors: bool = True) -> Result:
        """Send prompt, stream the reply and return its measurement as a
        dict (a :class:`~llmperf.result.Result`, see :mod:`llmperf.result`:
        ``ttft_ns``, ``tpot_ns``, ``e2e_ns``, ``output_tokens``, ... and
        ``chunks``), which :meth:`llmperf.Metrics.add` accepts.

        ``max_tokens``: None uses the client's option, 0 sends no limit.
        ``on_token(tok)`` is called for each piece of output with a
        :class:`StreamToken`; raising :class:`StopStream` in it ends the
        request early and returns the partial result; any other exception
        aborts the request and is re-raised here.

        A failed request raises the :class:`~llmperf.errors.LlmperfError`
        subclass of its status (ConnectError, Timeout, HTTPError, ...)
        with the client's message and the partial result in ``.result``,
        unless ``raise_errors`` is False: then the result is returned and
        its ``status`` / ``error`` fields say what happened. Ctrl-C while
        tokens arrive aborts the request and raises KeyboardInterrupt.
        """
        h = self.handle
        data = prompt.encode() if isinstance(prompt, str) else bytes(prompt)
        if b"\0" in data:
            raise InvalidArgument(-3, "prompt contains a NUL character")
        mt = -1 if max_tokens is None else int(max_tokens)
        if mt < 0 and max_tokens is not None:
            raise InvalidArgument(-3, "max_tokens must be >= 0")

        def deliver(tok_p: Any, _ud: Any) -> int:
            if on_token is None:
                return 0   # a trampoline anyway: lets Ctrl-C in
            t = tok_p.contents
            on_token(StreamToken(
                t.index, t.t_ns, string_at(t.text, t.text_len),
                bool(t.is_reasoning), None if t.tokens < 0 else t.tokens))
            return 0

        cb = _Callback(TOKEN_CB, deliver)
        res = c_void_p()
        st = lib.llmperf_client_stream(byref(res), h, data, mt, cb.ptr, None)
        msg = self.errmsg if st else ""
        d = Result(res.value) if res.value else None   # owns res now
        if cb.exc is not None and d is not None:
            d.release()
        cb.reraise()
        if d is not None and (st == 0 or cb.stopped or not raise_errors):
            return d
        raise make_error(st, msg or None, d)

    def stream_many(self, prompts: Iterable[str],
                    max_tokens: Optional[int] = None) -> list:
        """stream() each prompt in turn, one after the other, returning
        the list of result dicts (failures included, not raised)."""
        return [self.stream(p, max_tokens, raise_errors=False)
                for p in prompts]


__all__ = ["Client", "StreamToken", "StopStream", "OPTIONS", "BACKENDS",
           "backend_id", "backend_name"]
