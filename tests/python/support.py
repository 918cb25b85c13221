# SPDX-License-Identifier: MIT
"""Shared helpers of the Python binding tests: paths, and a llmperf-mock
server started on a free loopback port for the duration of a test
class."""
import os
import signal
import subprocess
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("LLMPERF_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(HERE)))
MOCK = os.environ.get("LLMPERF_MOCK", "")


def need_mock():
    """Skip the test (class) when llmperf-mock was not built."""
    if not MOCK or not os.access(MOCK, os.X_OK):
        raise unittest.SkipTest("llmperf-mock not built (LLMPERF_MOCK unset)")


class Mock:
    """llmperf-mock on 127.0.0.1 with a free port. Use as a context
    manager; .url is its base URL."""

    def __init__(self, *args):
        need_mock()
        self.args = [MOCK, "--port", "0"] + list(args)
        self.proc = None
        self.url = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        # The first stdout line, flushed: "llmperf-mock listening on H:P".
        deadline = time.monotonic() + 10
        line = ""
        while time.monotonic() < deadline and not line:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
        if "listening on" not in line:
            self.close()
            raise RuntimeError("llmperf-mock did not start: %r" % line)
        self.url = "http://" + line.split()[-1]
        return self

    def close(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        self.proc = None

    def __exit__(self, *exc):
        self.close()


def refused_url():
    """A loopback URL on which nothing listens (a port just released)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d" % port
