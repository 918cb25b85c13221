# SPDX-License-Identifier: MIT
"""Client.stream against llmperf-mock: the result dict, the token
callback (its exceptions, StopStream), and the mapping of failures to
exception classes."""
import gc
import unittest

from support import Mock, need_mock, refused_url

import llmperf
from llmperf import Client


class Errors(unittest.TestCase):
    """Failures that need no server."""

    def test_connection_refused(self):
        with Client("openai", url=refused_url(),
                    connect_timeout_ms=5000) as c:
            with self.assertRaises(llmperf.ConnectError) as cm:
                c.stream("hello", max_tokens=4)
            e = cm.exception
            self.assertEqual(e.name, "LLMPERF_ECONNECT")
            self.assertEqual(e.status, -10)
            self.assertIn("127.0.0.1", e.message)   # the client's errmsg
            self.assertIsInstance(e, ConnectionError)
            self.assertEqual(e.result["status"], -10)
            self.assertEqual(e.result["error_class"], "connect")
            self.assertIsNone(e.result["ttft_ns"])
            # raise_errors=False: the same failure as data
            r = c.stream("hello", max_tokens=4, raise_errors=False)
            self.assertEqual(r["status"], -10)
            self.assertEqual(r["chunks"], [])

    def test_bad_options(self):
        with self.assertRaises(llmperf.NotFound):
            Client("vllm")
        with self.assertRaises(llmperf.InvalidArgument) as cm:
            Client("openai", temperature=float("nan"))
        self.assertIn("temperature", cm.exception.message)
        with self.assertRaises(llmperf.InvalidArgument):
            Client("openai", url="ftp://example.com")
        with self.assertRaises(llmperf.InvalidArgument):
            Client("openai", no_such_option=1)
        with self.assertRaises(llmperf.NotSupported):
            Client("ollama", ignore_eos=True)
        with self.assertRaises(llmperf.InvalidArgument) as cm:
            Client("openai", api_key="sk-secret", max_tokens=-5)
        self.assertNotIn("sk-secret", str(cm.exception))

    def test_closed(self):
        c = Client("tgi", url="http://127.0.0.1:3000")
        self.assertEqual(c.backend, "tgi")
        self.assertEqual(c.url, "http://127.0.0.1:3000/generate_stream")
        c.close()
        c.close()
        with self.assertRaises(llmperf.StateError):
            c.stream("x")
        self.assertIn("closed", repr(c))

    def test_url_credentials_hidden(self):
        with Client("openai-chat", url="http://u:pw@127.0.0.1:9") as c:
            self.assertNotIn("pw", c.url)


class Stream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need_mock()
        cls.mock = Mock("--load-ms", "0", "--decode-ms-per-token", "1",
                        "--prefill-base-ms", "1",
                        "--output-tokens", "fixed:40").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.mock.close()

    def client(self, backend="openai-chat", **kw):
        return Client(backend, url=self.mock.url, model="llmperf-mock", **kw)

    def check_result(self, r, tokens):
        self.assertEqual(set(r), set(llmperf.FIELD_NAMES) | {"chunks"})
        self.assertEqual(r["status"], 0)
        self.assertEqual(r["error"], "")
        self.assertEqual(r["output_tokens"], tokens)
        self.assertGreater(len(r["chunks"]), 0)
        self.assertGreater(r["ttft_ns"], 0)
        self.assertLessEqual(r["ttft_ns"], r["last_token_ns"])
        self.assertLessEqual(r["last_token_ns"], r["e2e_ns"])
        t = [c[0] for c in r["chunks"]]
        self.assertEqual(t, sorted(t))
        self.assertEqual(t[0] - r["sent_ns"], r["ttft_ns"])
        self.assertEqual(t[-1] - r["sent_ns"], r["last_token_ns"])
        self.assertEqual(len(llmperf.itl_ns(r)), len(t) - 1)
        self.assertIsInstance(r["output_tps"], float)

    def test_backends(self):
        for backend in llmperf.BACKENDS:
            with self.subTest(backend=backend):
                with self.client(backend) as c:
                    r = c.stream("Why is the sky blue?", max_tokens=12)
                    self.check_result(r, 12)
                    self.assertEqual(r["backend"], backend)

    def test_tokens_and_text(self):
        seen = []
        with self.client(keep_text=True) as c:
            r = c.stream("hello", max_tokens=10, on_token=seen.append)
        self.check_result(r, 10)
        self.assertEqual(len(seen), len(r["chunks"]))
        self.assertEqual([s.index for s in seen], list(range(len(seen))))
        self.assertEqual([s.t_ns for s in seen],
                         [c[0] for c in r["chunks"]])
        self.assertEqual(b"".join(s.data for s in seen).decode(), r["text"])
        self.assertTrue(all(isinstance(s, llmperf.StreamToken)
                            for s in seen))
        self.assertFalse(any(s.is_reasoning for s in seen))

    def test_default_max_tokens(self):
        with self.client(max_tokens=7) as c:
            self.assertEqual(c.stream("x")["output_tokens"], 7)
            self.assertEqual(c.stream("x", max_tokens=3)["output_tokens"], 3)

    def test_stop_stream(self):
        n = []

        def cb(tok):
            n.append(tok)
            if len(n) == 3:
                raise llmperf.StopStream()

        with self.client() as c:
            r = c.stream("hello", max_tokens=30, on_token=cb)
            self.assertEqual(len(n), 3)
            self.assertEqual(r["status"], llmperf.STATUS["LLMPERF_EABORTED"])
            self.assertEqual(r["error_class"], "aborted")
            self.assertEqual(len(r["chunks"]), 3)
            # the client is still usable
            self.check_result(c.stream("again", max_tokens=5), 5)

    def test_callback_exception_reraised(self):
        class Boom(Exception):
            pass

        calls = []

        def cb(tok):
            calls.append(tok)
            gc.collect()   # the trampoline must survive a collection
            raise Boom("from the callback")

        with self.client() as c:
            with self.assertRaises(Boom) as cm:
                c.stream("hello", max_tokens=20, on_token=cb)
            self.assertEqual(str(cm.exception), "from the callback")
            self.assertEqual(len(calls), 1)   # aborted at the first token
            with self.assertRaises(KeyboardInterrupt):
                c.stream("hello", max_tokens=20,
                         on_token=lambda t: (_ for _ in ()).throw(
                             KeyboardInterrupt()))
            self.check_result(c.stream("after", max_tokens=4), 4)

    def test_http_error(self):
        with Client("openai-chat", url=self.mock.url,
                    model="no-such-model") as c:
            with self.assertRaises(llmperf.HTTPError) as cm:
                c.stream("hello", max_tokens=4)
        e = cm.exception
        self.assertEqual(e.name, "LLMPERF_EHTTP")
        self.assertEqual(e.result["http_status"], 404)
        self.assertIn("404", e.message)

    def test_many(self):
        with self.client() as c:
            rs = c.stream_many(["a", "b", "c"], max_tokens=2)
        self.assertEqual([r["output_tokens"] for r in rs], [2, 2, 2])
        # keep-alive: only the first request opened a connection
        self.assertEqual([r["new_connections"] for r in rs], [1, 0, 0])


if __name__ == "__main__":
    unittest.main()
