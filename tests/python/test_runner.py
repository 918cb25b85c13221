# SPDX-License-Identifier: MIT
"""llmperf.Runner against llmperf-mock: counts, callbacks and their
exceptions, metrics and writers fed by the run, and Ctrl-C (SIGINT)
stopping a run cleanly and restoring the previous handler."""
import io
import os
import signal
import threading
import time
import unittest

from support import Mock, need_mock, refused_url

import llmperf
from llmperf import Client, Dataset, Metrics, Runner, Writer


class RunnerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need_mock()
        cls.mock = Mock("--load-ms", "0", "--decode-ms-per-token", "1",
                        "--prefill-base-ms", "1", "--slots", "8",
                        "--output-tokens", "fixed:100").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.mock.close()

    def client(self, **kw):
        return Client("openai-chat", url=self.mock.url,
                      model="llmperf-mock", **kw)

    def test_closed_loop(self):
        ds = Dataset.from_prompts([{"prompt": "p%d" % i, "id": "id%d" % i,
                                    "max_tokens": 3 + i} for i in range(4)])
        got = []
        m = Metrics()
        with self.client() as c, Runner(c, concurrency=3, requests=10) as r:
            st = r.run(ds, lambda res, item: got.append((res, item)),
                       metrics=m, group="c3")
        self.assertEqual(st["sent"], 10)
        self.assertEqual(st["completed"], 10)
        self.assertEqual(st["failed"], 0)
        self.assertFalse(st["stopped"])
        self.assertEqual(len(got), 10)
        for res, item in got:
            self.assertIsInstance(res, llmperf.Result)
            self.assertEqual(res["status"], 0)
            self.assertEqual(res["output_tokens"], 3 + item)
        # items are used in order, wrapping around
        self.assertEqual(sorted(i for _, i in got),
                         sorted([0, 1, 2, 3] * 2 + [0, 1]))
        self.assertEqual(m.groups, ["c3"])
        self.assertEqual(m.count("output_tokens", "c3"), 10)
        self.assertEqual(m.stat("output_tokens", "mean"),
                         sum(r["output_tokens"] for r, _ in got) / 10)
        # prompt ids came from the dataset: 4 prompts, 2 with 3 iterations
        self.assertEqual(len(m.prompt_cvs("e2e_ns", "c3")), 4)

    def test_transports(self):
        ds = Dataset.from_prompts([{"prompt": "p", "max_tokens": 4}])
        for name, want in (("curl", 1), ("native", 2), ("auto", 2)):
            with self.client() as c, \
                    Runner(c, concurrency=2, requests=4, transport=name) as r:
                st = r.run(ds)
            self.assertEqual(st["transport"], want, name)
            self.assertEqual(st["completed"], 4, name)
            self.assertGreaterEqual(st["max_read_delay_ns"], 0)
            if want == 1:
                self.assertEqual(st["max_read_delay_ns"], 0)
        with self.client() as c, Runner(c) as r:
            with self.assertRaises(llmperf.InvalidArgument):
                r.set(transport="http3")

    def test_progress_and_writers(self):
        buf = io.BytesIO()
        ticks = []
        with self.client() as c, \
                Runner(c, concurrency=2, requests=6,
                       progress_interval_ms=20) as r, Writer(buf) as w:
            st = r.run(Dataset.builtin("small"), writers=[w],
                       on_progress=ticks.append, group="g")
        self.assertEqual(st["completed"], 6)
        self.assertGreaterEqual(len(ticks), 1)    # at least the final one
        self.assertEqual(ticks[-1]["completed"], 6)
        lines = buf.getvalue().splitlines()
        self.assertEqual(len(lines), 6)
        recs = llmperf.read_records(buf.getvalue())
        self.assertEqual({x["group"] for x in recs}, {"g"})
        self.assertEqual({x["prompt_id"] for x in recs}, {"small"})

    def test_callback_exception_stops_run(self):
        class Boom(Exception):
            pass

        def cb(res, item):
            raise Boom("stop here")

        with self.client() as c, Runner(c, concurrency=2, requests=50) as r:
            with self.assertRaises(Boom):
                r.run(Dataset.builtin("small"), cb)
            st = r.stats()
        self.assertLess(st["sent"], 50)
        self.assertEqual(st["in_flight"], 0)

    def test_stop_stream_from_callback(self):
        n = []

        def cb(res, item):
            n.append(res)
            if len(n) == 2:
                raise llmperf.StopStream()

        with self.client() as c, Runner(c, concurrency=1, requests=50) as r:
            st = r.run(Dataset.builtin("small"), cb)
        self.assertTrue(st["stopped"])
        self.assertLess(st["sent"], 50)

    def test_failures_are_results(self):
        m = Metrics()
        with Client("openai", url=refused_url()) as c, \
                Runner(c, concurrency=2, requests=4) as r:
            st = r.run(Dataset.builtin("small"), metrics=m)
        self.assertEqual(st["failed"], 4)
        self.assertEqual(m.error_classes(), {"connect": 4})
        self.assertEqual(m.run_stat("failed"), 4)
        with self.assertRaises(llmperf.UndefinedError):
            m.stat("ttft_ns", "mean")

    def test_bad_arguments(self):
        with self.client() as c, Runner(c) as r:
            with self.assertRaises(llmperf.InvalidArgument):
                r.set(concurrency=-1)
            with self.assertRaises(llmperf.InvalidArgument):
                r.set(no_such=1)
            with self.assertRaises(llmperf.InvalidArgument):
                r.set(arrival="bursty")
            with self.assertRaises(llmperf.InvalidArgument):
                r.run(Dataset())          # empty dataset
            r.set(rate=50.0, arrival="constant", requests=5)
            st = r.run(Dataset.builtin("small"))
            self.assertEqual(st["completed"], 5)

    def sigint_after(self, delay):
        def fire():
            time.sleep(delay)
            os.kill(os.getpid(), signal.SIGINT)
        t = threading.Thread(target=fire)
        t.start()
        return t

    def test_sigint_stops_cleanly(self):
        # Requests of ~2 s each and no progress tick for a minute: only
        # the SIGINT handler can end this run early.
        slow = Mock("--load-ms", "0", "--decode-ms-per-token", "20",
                    "--output-tokens", "fixed:100", "--slots", "4")
        before = signal.getsignal(signal.SIGINT)
        got = []
        with slow, Client("openai-chat", url=slow.url,
                          model="llmperf-mock") as c, \
                Runner(c, concurrency=2, requests=8,
                       progress_interval_ms=60000) as r:
            t = self.sigint_after(0.5)
            t0 = time.monotonic()
            with self.assertRaises(KeyboardInterrupt):
                r.run(Dataset.builtin("small"),
                      lambda res, i: got.append(res))
            took = time.monotonic() - t0
            t.join()
            self.assertTrue(r.interrupted)
            self.assertLess(took, 1.5)
            self.assertIs(signal.getsignal(signal.SIGINT), before)
            st = r.stats()
            self.assertEqual(st["in_flight"], 0)
            self.assertEqual(st["aborted"], 2)
            # every request sent was delivered, as aborted
            self.assertEqual(len(got), st["sent"])
            self.assertEqual({g["error_class"] for g in got}, {"aborted"})

            # raise_on_interrupt=False: the counters come back instead
            t = self.sigint_after(0.3)
            st = r.run(Dataset.builtin("small"), raise_on_interrupt=False)
            t.join()
            self.assertTrue(st["stopped"])
            self.assertTrue(r.interrupted)
            self.assertIs(signal.getsignal(signal.SIGINT), before)


if __name__ == "__main__":
    unittest.main()
