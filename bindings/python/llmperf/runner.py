# SPDX-License-Identifier: MIT
"""Many requests at once: :class:`Runner` (include/llmperf/runner.h).

>>> with Client("openai-chat", url=URL, model="m") as c, \\
...         Runner(c, concurrency=8, requests=200) as run:  # doctest: +SKIP
...     m = Metrics()
...     run.run(Dataset.builtin("small"), metrics=m, group="c8")
...     print(m.summary()["mean_ttft_ms"])
"""
from __future__ import annotations

import signal
import socket
import threading
from ctypes import byref, c_char_p, c_double, c_int64, c_void_p
from typing import Any, Callable, Dict, Iterable, Optional, Union

from ._ffi import PROGRESS_CB, RESULT_CB, lib
from .client import Client, _Callback
from .dataset import Dataset
from .errors import InvalidArgument, check, make_error
from .result import Result

# Option ids of runner.h (ABI): < 1000 int, 1001.. double.
OPTIONS: Dict[str, int] = {
    "concurrency": 1, "requests": 2, "duration_ms": 3, "warmup": 4,
    "arrival": 5, "seed": 6, "drain": 7, "drain_timeout_ms": 8,
    "vary_prompts": 9, "progress_interval_ms": 10, "transport": 11,
    "rate": 1001, "burstiness": 1002,
}
ARRIVALS = {"poisson": 1, "constant": 2, "gamma": 3}
# llmperf_transport: "auto" = own HTTP/1.1 for plain http://, else curl
TRANSPORTS = {"auto": 0, "curl": 1, "native": 2}

# Counters (llmperf_runner_stat): name -> id; ids >= 1001 are doubles.
STATS: Dict[str, int] = {
    "sent": 1, "completed": 2, "failed": 3, "aborted": 4, "in_flight": 5,
    "warmup": 6, "warmup_failed": 7, "elapsed_ns": 8, "output_tokens": 9,
    "max_lag_ns": 10, "transport": 11, "max_read_delay_ns": 12,
    "tokens_per_s": 1001,
    "requests_per_s": 1002,
}
_EABORTED = -9


class _SigintWatcher:
    """Calls llmperf_runner_stop() the moment SIGINT arrives, while the
    main thread is inside llmperf_runner_run().

    Python runs its own signal handlers only between bytecodes of the
    main thread, i.e. at the run's next callback. Python's C-level
    handler, however, writes the signal number to the wakeup fd at once;
    a helper thread reading that fd stops the runner
    (llmperf_runner_stop() is thread-safe and async-signal-safe). Used
    only when nobody else (e.g. asyncio) owns the wakeup fd."""

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop
        self._r, self._w = socket.socketpair()
        self._w.setblocking(False)
        self.active = False
        try:
            old = signal.set_wakeup_fd(self._w.fileno(),
                                       warn_on_full_buffer=False)
        except ValueError:      # not the main thread
            old = -1
            self._close()
            return
        if old != -1:           # someone else's: give it back, do without
            signal.set_wakeup_fd(old)
            self._close()
            return
        self.active = True
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name="llmperf-sigint")
        self._thread.start()

    def _watch(self) -> None:
        while True:
            try:
                data = self._r.recv(64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                self._stop()

    def _close(self) -> None:
        self._r.close()
        self._w.close()

    def finish(self) -> None:
        if not self.active:
            return
        self.active = False
        signal.set_wakeup_fd(-1)
        self._w.close()         # the reader sees EOF and returns
        self._thread.join(5)
        self._r.close()


class Runner:
    """Load generation through one :class:`Client` (borrowed: keep it
    open while the runner lives).

    Options (keyword arguments here or in :meth:`set`): ``concurrency``
    (closed loop: users; open loop: a cap), ``requests``, ``duration_ms``,
    ``warmup``, ``rate`` (requests/s; 0: closed loop), ``arrival``
    ("poisson", "constant", "gamma"), ``burstiness``, ``seed``, ``drain``,
    ``drain_timeout_ms``, ``vary_prompts``, ``progress_interval_ms``,
    ``transport`` ("auto", "curl", "native"; stat ``transport`` says
    which one a run used: 1 curl, 2 native).
    """

    def __init__(self, client: Client, **options: Any) -> None:
        self._h: Optional[int] = None
        self.client = client       # the runner borrows it: keep it alive
        h = c_void_p()
        check(lib.llmperf_runner_new(byref(h), client.handle))
        self._h = h.value
        #: True when the last run was stopped by Ctrl-C.
        self.interrupted = False
        self.set(**options)

    def set(self, **options: Any) -> "Runner":
        """Set options (see the class docstring)."""
        for name, value in options.items():
            opt = OPTIONS.get(name)
            if opt is None:
                raise InvalidArgument(-3, "unknown runner option %r (known:"
                                      " %s)" % (name, ", ".join(OPTIONS)))
            if name == "arrival" and isinstance(value, str):
                if value not in ARRIVALS:
                    raise InvalidArgument(-3, "arrival must be one of %s"
                                          % ", ".join(ARRIVALS))
                value = ARRIVALS[value]
            if name == "transport" and isinstance(value, str):
                if value not in TRANSPORTS:
                    raise InvalidArgument(-3, "transport must be one of %s"
                                          % ", ".join(TRANSPORTS))
                value = TRANSPORTS[value]
            if opt < 1000:
                st = lib.llmperf_runner_set_int(self.handle, opt, int(value))
            else:
                st = lib.llmperf_runner_set_double(self.handle, opt,
                                                   float(value))
            check(st, lambda: "runner option %s=%r: %s" % (
                name, value, lib.llmperf_strerror(st).decode()))
        return self

    def stop(self) -> None:
        """Stop the current run as soon as possible (any thread)."""
        if self._h:
            lib.llmperf_runner_stop(self._h)

    def stats(self) -> Dict[str, Union[int, float]]:
        """The counters of the current or last run (sent, completed,
        failed, aborted, in_flight, warmup, warmup_failed, elapsed_ns,
        output_tokens, max_lag_ns, tokens_per_s, requests_per_s)."""
        out: Dict[str, Union[int, float]] = {}
        i64, f64 = c_int64(), c_double()
        for name, sid in STATS.items():
            if sid < 1000:
                check(lib.llmperf_runner_stat_i64(self.handle, sid,
                                                  byref(i64)))
                out[name] = i64.value
            else:
                check(lib.llmperf_runner_stat_f64(self.handle, sid,
                                                  byref(f64)))
                out[name] = f64.value
        return out

    def run(self, dataset: Dataset,
            on_result: Optional[Callable[[Result, int], Any]] = None, *,
            metrics: Any = None, group: Optional[str] = None,
            writers: Iterable[Any] = (),
            on_progress: Optional[Callable[[Dict[str, Any]], Any]] = None,
            handle_sigint: bool = True,
            raise_on_interrupt: bool = True) -> Dict[str, Any]:
        """Send the dataset's prompts as the options say; return the
        run's counters (:meth:`stats`).

        Each measured result is, in this order, added to ``metrics`` (a
        :class:`llmperf.Metrics`) under ``group`` with the dataset item's
        id as prompt id, written to each of ``writers``
        (:class:`llmperf.Writer`), and passed to ``on_result(result,
        item)`` as a :class:`~llmperf.result.Result` dict. ``on_progress``
        gets the counters every ``progress_interval_ms``. A callback that
        raises :class:`~llmperf.StopStream` stops the run (requests in
        flight are delivered as aborted); any other exception stops it
        too and is re-raised here once the run has ended.

        Ctrl-C (SIGINT) during the run -- when called from the main thread
        and ``handle_sigint`` -- stops it cleanly: no new request is
        sent, requests in flight are cancelled and delivered, the previous
        SIGINT handler is restored, and then KeyboardInterrupt is raised
        (or, with ``raise_on_interrupt=False``, the counters are returned
        and :attr:`interrupted` is True).
        """
        h = self.handle
        ds = dataset.handle
        writers = list(writers)
        convert = on_result is not None
        grp = None if group is None else group.encode()

        def deliver(rp: int, item: int, _ud: Any) -> int:
            res = Result(rp) if convert else None
            try:
                pid = c_char_p()
                lib.llmperf_dataset_get(ds, item, None, byref(pid), None,
                                        None)
                if metrics is not None:
                    check(lib.llmperf_metrics_add_prompt(
                        metrics.handle, rp, grp, pid.value),
                        lambda: lib.llmperf_metrics_errmsg(metrics.handle))
                for w in writers:
                    w._write_handle(rp, grp, pid.value)
                if on_result is not None:
                    on_result(res, item)
            finally:
                if res is None:
                    lib.llmperf_result_free(rp)
            return 0

        def progress(_rp: int, _ud: Any) -> int:
            if on_progress is not None:
                on_progress(self.stats())
            return 0

        rcb = _Callback(RESULT_CB, deliver)
        pcb = _Callback(PROGRESS_CB, progress)
        # Always a progress trampoline: it gives Python a regular chance
        # to run the SIGINT handler below even with no callback of ours.
        check(lib.llmperf_runner_set_progress(h, pcb.ptr, None))
        self.interrupted = False
        installed, old_handler, watcher = False, None, None
        if handle_sigint and \
                threading.current_thread() is threading.main_thread():
            def on_sigint(signum: int, frame: Any) -> None:
                self.interrupted = True
                lib.llmperf_runner_stop(h)
            old_handler = signal.signal(signal.SIGINT, on_sigint)
            installed = True
            watcher = _SigintWatcher(lambda: self._stop_by_signal(h))
        try:
            st = lib.llmperf_runner_run(h, ds, rcb.ptr, None)
        finally:
            if watcher is not None:
                watcher.finish()
            if installed:
                signal.signal(signal.SIGINT, old_handler)
            lib.llmperf_runner_set_progress(h, PROGRESS_CB(), None)
        counters = self.stats()
        rcb.reraise()
        pcb.reraise()
        if self.interrupted and raise_on_interrupt:
            raise KeyboardInterrupt
        # EABORTED is a stop (Ctrl-C, StopStream, stop()): not an error.
        if st not in (0, _EABORTED):
            raise make_error(st, lib.llmperf_runner_errmsg(h).decode(
                "utf-8", "replace") or None)
        counters["stopped"] = st == _EABORTED
        return counters

    def _stop_by_signal(self, h: int) -> None:
        self.interrupted = True
        lib.llmperf_runner_stop(h)

    # -- life cycle -------------------------------------------------------
    @property
    def handle(self) -> int:
        """The ``llmperf_runner *``."""
        if not self._h:
            raise make_error(-17, "the runner is closed")
        return self._h

    def close(self) -> None:
        """Free the runner (not the client). Idempotent."""
        h, self._h = self._h, None
        if h:
            lib.llmperf_runner_free(h)

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


__all__ = ["Runner", "OPTIONS", "ARRIVALS", "STATS"]
