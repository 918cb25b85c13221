#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Integration tests of llmperf-bench, llmperf-analyze and llmperf-compare
against llmperf-mock. Run by ctest as

    test_programs.py CASE BENCH ANALYZE COMPARE MOCK WORKDIR

Each case starts its own mock on a free loopback port with fast settings
and checks what a user would check: the files, their contents, the exit
status and the messages. Standard library only; every wait is bounded.
"""
import csv
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

CASE, BENCH, ANALYZE, COMPARE, MOCK, WORK = sys.argv[1:7]

# A fast mock: no load time, short outputs, 4 slots without batching
# slowdown, so a run of 20-40 requests takes about a second.
FAST = ["--load-ms", "0", "--output-tokens", "fixed:16", "--slots", "4",
        "--batch-factor", "0", "--prefill-base-ms", "1"]


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Mock:
    """llmperf-mock on --port 0; the URL comes from its first line."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([MOCK, "--port", "0", *args],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        check(ready, "llmperf-mock did not start within 10 s")
        line = self.proc.stdout.readline().decode()
        check(line.startswith("llmperf-mock listening on "),
              "unexpected mock output: %r" % line)
        self.url = "http://" + line.split("listening on ")[1].strip()

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


def run(args, timeout=60, env=None):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def bench(url, out, *extra):
    rc, so, se = run([BENCH, "--url", url, "--out", out, *extra])
    check(rc == 0, "llmperf-bench failed (%d): %s" % (rc, se))
    return so, se


def jsonl(path):
    """Every line must be one complete JSON object."""
    with open(path, "rb") as f:
        data = f.read()
    check(data == b"" or data.endswith(b"\n"),
          "%s: last line is incomplete" % path)
    return [json.loads(line) for line in data.decode().splitlines()
            if line.strip()]


def check_result_dir(out, requests, groups):
    for name in ("records.jsonl", "records.csv", "summary.json",
                 "report.html"):
        check(os.path.getsize(os.path.join(out, name)) > 0,
              "%s is missing or empty" % name)
    recs = jsonl(os.path.join(out, "records.jsonl"))
    check(len(recs) == requests,
          "records.jsonl has %d lines, want %d" % (len(recs), requests))
    check(sorted({r["group"] for r in recs}) == sorted(groups),
          "groups %s, want %s" % ({r["group"] for r in recs}, groups))
    with open(os.path.join(out, "records.csv"), newline="") as f:
        rows = list(csv.reader(f))
    check(rows[0][0] == "group" and "ttft_ns" in rows[0],
          "bad CSV header: %s" % rows[0][:5])
    check(len(rows) == requests + 1,
          "records.csv has %d rows, want %d" % (len(rows) - 1, requests))
    with open(os.path.join(out, "summary.json")) as f:
        summ = json.load(f)
    check(summ["completed"] + summ["failed"] == requests,
          "summary counts %s + %s != %d" % (summ["completed"],
                                           summ["failed"], requests))
    check(sorted(summ["groups"]) == sorted(groups),
          "summary groups %s" % list(summ["groups"]))
    with open(os.path.join(out, "report.html")) as f:
        html = f.read()
    check("<svg" in html and html.rstrip().endswith("</html>"),
          "report.html is not a complete page with charts")
    return recs, summ


def case_sweep():
    mock = Mock(*FAST)
    try:
        out = os.path.join(WORK, "out")
        so, _ = bench(mock.url, out, "--concurrency", "1,2",
                      "--num-prompts", "6", "--synthetic", "32:16")
        recs, summ = check_result_dir(out, 12, ["c=1", "c=2"])
        check(summ["completed"] == 12, "failures: %s" % summ["failed"])
        for r in recs:
            check(r["sweep"]["param"] == "concurrency",
                  "record without sweep point: %s" % r.get("sweep"))
        check(summ["groups"]["c=2"]["sweep"]["value"] == 2,
              "sweep value of c=2: %s" % summ["groups"]["c=2"]["sweep"])
        check("| c=1 |" in so and "| c=2 |" in so,
              "summary table missing from stdout:\n" + so)
    finally:
        mock.close()


def case_analyze():
    mock = Mock(*FAST)
    try:
        out = os.path.join(WORK, "out")
        bench(mock.url, out, "--concurrency", "1,2", "--num-prompts", "6",
              "--synthetic", "32:16", "--iterations", "2")
    finally:
        mock.close()
    md = os.path.join(WORK, "a.md")
    js = os.path.join(WORK, "a.json")
    html = os.path.join(WORK, "a.html")
    rc, _, se = run([ANALYZE, out, "--md", md, "--json", js, "--html", html])
    check(rc == 0, "llmperf-analyze failed (%d): %s" % (rc, se))
    with open(md) as f:
        text = f.read()
    for want in ("## Latency per group", "### TTFT", "### ITL", "### TPOT",
                 "### E2E", "## Variability", "## Correlations",
                 "Kruskal-Wallis", "## Within-run repeatability",
                 "| c=1 |", "| c=2 |"):
        check(want in text, "Markdown lacks %r" % want)
    with open(js) as f:
        data = json.load(f)
    check(len(data["groups"]) == 2, "JSON groups: %d" % len(data["groups"]))
    g = data["groups"][0]
    check(g["metrics"]["ttft"]["n"] == 12, "ttft n %s" % g["metrics"]["ttft"])
    # 6 prompts x 2 iterations: repeatability over 6 prompts.
    check(g["metrics"]["ttft"]["repeatability"]["prompts"] == 6,
          "repeatability %s" % g["metrics"]["ttft"]["repeatability"])
    check("p" in data["kruskal_wallis"]["e2el"], "no Kruskal-Wallis")
    check(os.path.getsize(html) > 0, "no HTML")
    # Two inputs with --by-file: one group per input.
    rc, so, se = run([ANALYZE, "--by-file", out,
                      os.path.join(out, "records.jsonl")])
    check(rc == 0 and so.count("| %s |" % out) > 0, "--by-file: %s" % se)
    # An input that does not exist: one line, status 1.
    rc, _, se = run([ANALYZE, os.path.join(WORK, "nope")])
    check(rc == 1 and len(se.strip().splitlines()) == 1,
          "missing input: rc %d, stderr %r" % (rc, se))


def two_runs(decode_a, decode_b):
    outs = []
    for i, decode in enumerate((decode_a, decode_b)):
        # A 20 ms prefill: TTFT well above the scheduling noise of a
        # loaded (or sanitized) test machine, so that no-change is stable.
        mock = Mock(*FAST, "--decode-ms-per-token", str(decode),
                    "--prefill-base-ms", "20", "--seed", str(100 + i))
        try:
            out = os.path.join(WORK, "run%d" % i)
            bench(mock.url, out, "--concurrency", "4", "--num-prompts", "40",
                  "--synthetic", "32:16", "--seed", str(i))
            outs.append(out)
        finally:
            mock.close()
    return outs


def case_compare_regression():
    base, cand = two_runs(5, 10)
    js = os.path.join(WORK, "cmp.json")
    rc, so, se = run([COMPARE, base, cand, "--fail-if-slower", "20",
                      "--json", js])
    check(rc == 3, "planted regression not caught: rc %d\n%s%s" %
          (rc, so, se))
    with open(js) as f:
        data = json.load(f)
    for key in ("tpot", "itl", "e2el"):
        m = data["metrics"][key]
        check(m["verdict"] == "slower", "%s verdict %s" % (key, m))
        check(1.6 < m["ratio"] < 2.4, "%s ratio %s" % (key, m["ratio"]))
    check(data["metrics"]["output_tps"]["verdict"] == "slower",
          "output_tps %s" % data["metrics"]["output_tps"])
    check(data["regression"] is True, "regression flag")
    check("regression: tpot" in se, "no regression line: %r" % se)
    # Reversed, the candidate is faster.
    rc, so, se = run([COMPARE, cand, base, "--json", js])
    check(rc == 0, "reversed: rc %d\n%s" % (rc, se))
    with open(js) as f:
        data = json.load(f)
    for key in ("tpot", "itl", "e2el", "output_tps"):
        check(data["metrics"][key]["verdict"] == "faster",
              "reversed %s: %s" % (key, data["metrics"][key]))
    check(data["regression"] is False, "reversed: regression flag")


def case_compare_nochange():
    base, cand = two_runs(5, 5)
    js = os.path.join(WORK, "cmp.json")
    rc, so, se = run([COMPARE, base, cand, "--fail-if-slower", "20",
                      "--json", js])
    check(rc == 0, "no-change flagged: rc %d\n%s%s" % (rc, so, se))
    with open(js) as f:
        data = json.load(f)
    check(data["regression"] is False, "regression flag set")
    for key, m in data["metrics"].items():
        check(0.8 < m["ratio"] < 1.25, "%s ratio %s" % (key, m["ratio"]))
        check(m["ci95"][0] is not None, "%s has no CI" % key)


def case_sigint():
    out = os.path.join(WORK, "out")
    env = dict(os.environ, LLMPERF_MOCK=MOCK)
    # No --url: llmperf-bench starts the mock itself (found through
    # LLMPERF_MOCK); 2000 requests would take minutes.
    p = subprocess.Popen([BENCH, "--out", out, "--concurrency", "2",
                          "--num-prompts", "2000"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    time.sleep(1.5)
    check(p.poll() is None, "llmperf-bench ended before Ctrl-C")
    p.send_signal(signal.SIGINT)
    try:
        so, se = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failure("llmperf-bench did not stop within 20 s of SIGINT")
    se = se.decode()
    check(p.returncode == 130, "exit status %d after SIGINT: %s" %
          (p.returncode, se))
    check("interrupted" in se, "no interruption message: %r" % se)
    recs = jsonl(os.path.join(out, "records.jsonl"))
    ok = [r for r in recs if r["status"] == 0]
    check(0 < len(ok) < 2000, "%d complete requests" % len(ok))
    with open(os.path.join(out, "summary.json")) as f:
        summ = json.load(f)
    check(summ["completed"] == len(ok), "summary %s vs %d records" %
          (summ["completed"], len(ok)))
    with open(os.path.join(out, "report.html")) as f:
        check(f.read().rstrip().endswith("</html>"), "report incomplete")
    # The mock it started is gone with it.
    url = [w for w in se.split() if w.startswith("http://")][0]
    host, port = url[len("http://"):].split(":")
    s = socket.socket()
    try:
        refused = s.connect_ex((host, int(port))) != 0
    finally:
        s.close()
    check(refused, "the mock still listens on %s" % url)


def case_bad_flag():
    for prog, args in ((BENCH, ["--no-such-flag"]),
                       (BENCH, ["--concurrency", "two"]),
                       (BENCH, ["--synthetic", "32"]),
                       (ANALYZE, ["--nope"]),
                       (COMPARE, ["only-one-input"])):
        rc, so, se = run([prog, *args])
        lines = se.strip().splitlines()
        check(rc == 2, "%s %s: exit %d" % (prog, args, rc))
        check(len(lines) == 1, "%s %s: stderr %r" % (prog, args, se))
        check(so == "", "%s %s wrote to stdout" % (prog, args))
    rc, so, _ = run([BENCH, "--help"])
    for flag in ("--backend", "--url", "--model", "--api-key-env",
                 "--prompts", "--synthetic", "--sizes", "--num-prompts",
                 "--iterations", "--concurrency", "--rate", "--burstiness",
                 "--duration", "--max-tokens", "--ignore-eos", "--warmup",
                 "--vary-prompts", "--timeout", "--seed", "--goodput",
                 "--percentiles", "--out", "--quiet"):
        check(flag in so, "--help does not document %s" % flag)


def case_unreachable():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    url = "http://127.0.0.1:%d" % port
    rc, so, se = run([BENCH, "--url", url, "--out",
                      os.path.join(WORK, "out")])
    lines = se.strip().splitlines()
    check(rc == 1, "exit %d" % rc)
    check(len(lines) == 1 and "cannot connect to " + url in lines[0],
          "stderr %r" % se)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    start = time.monotonic()
    try:
        globals()["case_" + CASE]()
    except Failure as e:
        print("FAIL %s: %s" % (CASE, e))
        return 1
    print("PASS %s (%.1f s)" % (CASE, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
