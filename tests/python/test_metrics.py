# SPDX-License-Identifier: MIT
"""llmperf.Metrics and the files (records.jsonl, records.csv,
summary.json) on results measured against llmperf-mock. Statistics of the
accumulator must equal llmperf.stats on the same values exactly, merging
and reading records back must change nothing."""
import csv
import io
import json
import os
import tempfile
import unittest

from support import Mock, need_mock

import llmperf
from llmperf import Client, Metrics, Writer, read_records, stats


class MetricsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        need_mock()
        # 3 ms per token: output length dominates E2E even on a busy host
        with Mock("--load-ms", "0", "--decode-ms-per-token", "3",
                  "--prefill-base-ms", "1", "--jitter", "0.3",
                  "--output-tokens", "fixed:200") as mock, \
                Client("openai-chat", url=mock.url,
                       model="llmperf-mock") as c:
            cls.results = {"short": [], "long": []}
            for i in range(6):
                cls.results["short"].append(
                    c.stream("prompt %d" % (i % 3), max_tokens=4 + i))
                cls.results["long"].append(
                    c.stream("prompt %d" % (i % 3) + " more words" * i,
                             max_tokens=30 + i))

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def filled(self, groups=("short", "long")):
        m = Metrics()
        for g in groups:
            for i, r in enumerate(self.results[g]):
                m.add(r, g, prompt_id=str(i % 3))
        return m

    def values(self, field, groups=("short", "long")):
        return [r[field] for g in groups for r in self.results[g]
                if r[field] is not None]

    def test_stats_match_llmperf_stats(self):
        m = self.filled()
        self.assertEqual(m.groups, ["short", "long"])
        for field in ("ttft_ns", "e2e_ns", "tpot_ns", "output_tokens"):
            for g in ("short", "long", None):
                gs = (g,) if g else ("short", "long")
                v = self.values(field, gs)
                self.assertEqual(m.count(field, g), len(v))
                self.assertEqual(m.stat(field, "mean", g), stats.mean(v))
                self.assertEqual(m.stat(field, "std", g), stats.stddev(v))
                self.assertEqual(m.stat(field, "median", g),
                                 stats.percentile(v, 50))
                self.assertEqual(m.percentile(field, 90, g),
                                 stats.percentile(v, 90))
        x, y = self.values("output_tokens"), self.values("e2e_ns")
        self.assertEqual(tuple(m.pearson("output_tokens", "e2e_ns")),
                         tuple(stats.pearson(x, y)))
        self.assertEqual(tuple(m.kruskal("e2e_ns")),
                         tuple(stats.kruskal(self.values("e2e_ns",
                                                         ("short",)),
                                             self.values("e2e_ns",
                                                         ("long",)))))
        u = m.mannwhitney("output_tokens", "short", "long")
        self.assertEqual(u.statistic, 0.0)     # every short < every long
        self.assertLess(u.p, 0.01)
        ratio = m.median_ratio("e2e_ns", "short", "long", resamples=200)
        self.assertGreater(ratio.ratio, 1.0)
        self.assertLessEqual(ratio.lo, ratio.ratio)
        self.assertGreaterEqual(ratio.hi, ratio.ratio)
        itl = [x for g in ("short", "long") for r in self.results[g]
               for x in llmperf.itl_ns(r)]
        self.assertEqual(m.count("itl_ns"), len(itl))

    def test_dicts(self):
        m = self.filled()
        d = m.describe("output_tokens", "short")
        self.assertEqual(d["count"], 6)
        self.assertEqual(d["min"], 4)
        self.assertEqual(d["max"], 9)
        self.assertEqual(d["p50"], 6.5)
        s = m.summary_dict("long")
        self.assertEqual(s["completed"], 6)
        self.assertEqual(s["failed"], 0)
        self.assertEqual(s["errors"], {})
        self.assertIsNone(s["good"])                 # no SLO set
        self.assertEqual(s["fields"]["output_tokens"]["mean"],
                         stats.mean(range(30, 36)))
        c = m.correlations()            # 4..9 and 30..35 tokens
        self.assertGreater(c["output_tokens~e2e_ns"].r, 0.8)
        self.assertEqual(set(m.correlations("long")), set(c))
        t = m.tests()
        self.assertLess(t["output_tokens"].p, 0.01)
        self.assertNotIn("itl_ns", t)
        one = self.filled(("short",))
        self.assertIsNone(one.tests()["e2e_ns"])      # one group only
        summ = m.summary()
        self.assertEqual(summ["completed"], 12)
        self.assertIn("mean_ttft_ms", summ)
        self.assertEqual(len(m.prompt_cvs("e2e_ns", "long")), 3)
        self.assertGreater(m.repeatability("e2e_ns", "count"), 0)

    def test_settings(self):
        m = Metrics(percentiles=[50, 99.9], slo={"ttft_ns": 1},
                    model="llmperf-mock", url="http://user:pw@h:1/",
                    params={"concurrency": 1, "api_key": "sk-x"})
        self.assertEqual(m.percentiles, [50.0, 99.9])
        self.assertEqual(m.slo, {"ttft_ns": 1})
        info = m.info
        self.assertNotIn("pw", info["url"])
        self.assertEqual(info["params"]["concurrency"], 1)
        self.assertNotEqual(info["params"]["api_key"], "sk-x")
        for r in self.results["short"]:
            m.add(r, "s")
        self.assertEqual(m.run_stat("good"), 0)          # 1 ns TTFT SLO
        self.assertIn("p99.9", m.describe("ttft_ns"))
        self.assertNotIn("sk-x", m.summary_json())
        m.set_sweep("s", "concurrency", 4, "model-a")
        self.assertEqual(m.get_sweep("s"), ("concurrency", 4.0, "model-a"))
        with self.assertRaises(llmperf.InvalidArgument):
            m.set_slo("output_tokens", 5)
        with self.assertRaises(llmperf.InvalidArgument):
            m.percentiles = [101]

    def test_errors(self):
        m = self.filled(("short",))
        with self.assertRaises(llmperf.NotFound):
            m.stat("ttft_ns", "mean", "nope")
        with self.assertRaises(llmperf.NotFound):
            m.stat("no_such_field")
        with self.assertRaises(llmperf.InvalidArgument):
            m.stat("error", "mean")             # a string field
        with self.assertRaises(llmperf.UndefinedError):
            m.kruskal("ttft_ns")                # one group
        with self.assertRaises(TypeError):
            m.add(dict(self.results["short"][0]))
        e = Metrics()
        with self.assertRaises(llmperf.UndefinedError) as cm:
            e.stat("ttft_ns", "std")
        self.assertEqual(cm.exception.name, "LLMPERF_EUNDEFINED")

    def test_merge(self):
        a, b = self.filled(("short",)), self.filled(("long",))
        both = self.filled()
        a.merge(b)
        self.assertEqual(a.groups, both.groups)
        for f in ("ttft_ns", "e2e_ns", "itl_ns"):
            for s in ("mean", "std", "median", "max"):
                self.assertEqual(a.stat(f, s), both.stat(f, s))

    def test_jsonl_roundtrip(self):
        path = os.path.join(self.tmp.name, "records.jsonl")
        m = self.filled()
        with Writer(path) as w:
            w.set_params({"concurrency": 1})
            for g in ("short", "long"):
                w.set_sweep("max_tokens", 1 if g == "short" else 2, g)
                for i, r in enumerate(self.results[g]):
                    w.write(r, g, str(i % 3))
        recs = read_records(path)
        self.assertEqual(len(recs), 12)
        self.assertEqual(recs.bad_lines, 0)
        first = recs[0]
        self.assertEqual(first["group"], "short")
        self.assertEqual(first["prompt_id"], "0")
        self.assertEqual(first["params"], {"concurrency": 1})
        self.assertEqual(first["sweep"], ("max_tokens", 1.0, "short"))
        self.assertEqual(first["line"], 1)
        self.assertEqual(first["result"],
                         dict(self.results["short"][0]))
        back = Metrics()
        self.assertEqual(back.read_jsonl(path), (12, 0))
        for f in ("ttft_ns", "tpot_ns", "itl_ns", "output_tps"):
            self.assertEqual(back.stat(f, "mean"), m.stat(f, "mean"))
        # a bad line
        with open(path, "a", encoding="utf-8") as f:
            f.write("{broken\n")
        with self.assertRaises(llmperf.FormatError) as cm:
            read_records(path)
        self.assertIn("records.jsonl:13", cm.exception.message)
        recs = read_records(path, skip_bad=True)
        self.assertEqual((len(recs), recs.bad_lines), (12, 1))

    def test_csv_and_sinks(self):
        text = io.StringIO()
        with Writer(text, format="csv") as w:
            for r in self.results["short"]:
                w.write(r, "short")
        rows = list(csv.DictReader(io.StringIO(text.getvalue())))
        self.assertEqual(len(rows), 6)
        self.assertEqual([int(r["output_tokens"]) for r in rows],
                         list(range(4, 10)))
        chunks = []
        with Writer(chunks.append) as w:
            w.write(self.results["long"][0])
        self.assertEqual(json.loads(chunks[0])["group"], "default")

        class Full(Exception):
            pass

        def full(b):
            raise Full("disk full")
        w = Writer(full)
        with self.assertRaises(Full):
            w.write(self.results["long"][0])
        w.close()
        with self.assertRaises(llmperf.StateError):
            w.write(self.results["long"][0])

    def test_summary_file(self):
        path = os.path.join(self.tmp.name, "summary.json")
        m = self.filled()
        m.write_summary(path)
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        self.assertEqual(s["completed"], 12)
        self.assertEqual(set(s["groups"]) if isinstance(s["groups"], dict)
                         else {g["name"] for g in s["groups"]},
                         {"short", "long"})
        with self.assertRaises(llmperf.FileError):
            m.write_summary(os.path.join(self.tmp.name, "no", "dir.json"))

    def test_reports(self):
        m = self.filled()
        m.set_info("title", "py <test> & report")
        html = m.report_html()
        self.assertTrue(html.lstrip().lower().startswith("<!doctype html"))
        self.assertIn("<svg", html)
        self.assertIn("py &lt;test&gt; &amp; report", html)
        self.assertNotIn("<script", html.lower())
        path = os.path.join(self.tmp.name, "report.html")
        self.assertIsNone(m.report_html(path))
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), html)
        prom = m.prometheus()
        self.assertIn('group="short"', prom)
        self.assertIn("llmperf_", prom)
        self.assertNotIn("NaN", prom)
        ppath = os.path.join(self.tmp.name, "metrics.prom")
        m.prometheus(ppath)
        with open(ppath, encoding="utf-8") as f:
            self.assertEqual(f.read(), prom)
        with self.assertRaises(llmperf.FileError):
            m.report_html(os.path.join(self.tmp.name, "no", "r.html"))


if __name__ == "__main__":
    unittest.main()
