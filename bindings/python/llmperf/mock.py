# SPDX-License-Identifier: MIT
"""Start ``llmperf-mock`` (the simulated LLM server of
examples/mock-server, docs/MOCK.md) on a free loopback port, so that a
benchmark runs on a machine with no GPU and no server.

>>> with MockServer("--slots", "4") as mock:             # doctest: +SKIP
...     client = Client("ollama", url=mock.url, model="llmperf-mock")
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import time
from typing import Any, List, Optional


def find_mock() -> Optional[str]:
    """The llmperf-mock program: ``$LLMPERF_MOCK``, then ``PATH``, then a
    ``build*/examples/mock-server/`` folder above this package; None if
    none is found."""
    env = os.environ.get("LLMPERF_MOCK")
    if env and os.access(env, os.X_OK):
        return env
    found = shutil.which("llmperf-mock")
    if found:
        return found
    d = os.path.dirname(os.path.abspath(__file__))
    while True:
        c = glob.glob(os.path.join(d, "build*", "examples", "mock-server",
                                   "llmperf-mock"))
        c = [p for p in c if os.access(p, os.X_OK)]
        if c:
            return max(c, key=os.path.getmtime)
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


class MockServer:
    """llmperf-mock on 127.0.0.1 with a port of its choosing. args are
    its flags (``"--slots", "4"``, ``"--model", "m"``...); ``url`` is
    set once it listens. Use as a context manager or call
    :meth:`start` / :meth:`stop`."""

    def __init__(self, *args: str, program: Optional[str] = None) -> None:
        self.program = program or find_mock()
        if not self.program:
            raise FileNotFoundError(
                "llmperf-mock not found: build it (cmake --build build) or "
                "set LLMPERF_MOCK to its path")
        self.args: List[str] = list(args)
        self.url: Optional[str] = None
        self._proc: Optional[subprocess.Popen] = None

    def start(self, timeout: float = 10.0) -> "MockServer":
        """Start it and wait for its "listening on HOST:PORT" line."""
        self._proc = subprocess.Popen(
            [self.program, "--port", "0"] + self.args,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while not line and time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            if not line and self._proc.poll() is not None:
                break
        if "listening on" not in line:
            self.stop()
            raise RuntimeError("llmperf-mock did not start (%r)" % line)
        self.url = "http://" + line.split()[-1]
        return self

    def stop(self) -> None:
        """SIGTERM (it finishes its log and exits), then wait."""
        p, self._proc = self._proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        if p.stdout is not None:
            p.stdout.close()

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


__all__ = ["MockServer", "find_mock"]
