#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The course-homework workflow of seed 000, with llmperf.

A prompts JSONL file x several models x N iterations, one request at a
time after a warm-up per model; every request is written to
records.jsonl and records.csv as it completes; then the statistics the
report asked for:

  * per model: mean TTFT, ITL, TPOT, E2E and throughput (client-side, and
    the server's own timings where it reports them);
  * stability across iterations: the CV of each prompt's E2E, TTFT and
    throughput over its iterations (median over prompts);
  * Pearson r of prompt length with TTFT, E2E and throughput, and of
    output tokens with E2E;
  * Kruskal-Wallis across models for TTFT, TPOT, E2E and throughput;

plus summary.json and report.html. Without --url it starts one
llmperf-mock per model, each decoding at its own speed, so it runs on a
machine with no GPU:

    cd bindings/python && PYTHONPATH=. python3 \\
        examples/seed000_workflow.py --iterations 2 --out /tmp/seed000
"""
import argparse
import contextlib
import json
import os
import sys

import llmperf
from llmperf import Client, Dataset, Metrics, Runner, Writer
from llmperf.mock import MockServer

SAMPLE_LENGTHS = (12, 60, 150, 400)   # tokens: short .. very long prompts


def sample_prompts(path, n):
    """A prompts JSONL like the course's: n prompts across the four
    length categories (synthetic text)."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            k = SAMPLE_LENGTHS[i % len(SAMPLE_LENGTHS)]
            with Dataset.synthetic(1, input_tokens=k, seed=i) as ds:
                f.write(json.dumps({"id": "p%03d" % i,
                                    "prompt": ds[0]["prompt"]}) + "\n")


def fmt(v, scale=1.0, digits=3):
    return "-" if v is None else "%.*f" % (digits, v * scale)


def model_table(m, models):
    print("\nPer model (means over successful requests)")
    print("%-18s %9s %9s %9s %9s %9s %12s" % (
        "model", "TTFT s", "ITL ms", "TPOT ms", "E2E s", "tok/s",
        "server ITL"))
    for g in models:
        d = {f: m.describe(f, g)["mean"] for f in
             ("ttft_ns", "itl_ns", "tpot_ns", "e2e_ns", "output_tps",
              "server_itl_ns")}
        print("%-18s %9s %9s %9s %9s %9s %12s" % (
            g, fmt(d["ttft_ns"], 1e-9), fmt(d["itl_ns"], 1e-6, 2),
            fmt(d["tpot_ns"], 1e-6, 2), fmt(d["e2e_ns"], 1e-9),
            fmt(d["output_tps"], 1, 1), fmt(d["server_itl_ns"], 1e-6, 2)))


def stability_table(m, models):
    print("\nStability across iterations: median per-prompt CV")
    print("%-18s %9s %9s %11s" % ("model", "E2E", "TTFT", "throughput"))
    for g in models:
        cv = {}
        for f in ("e2e_ns", "ttft_ns", "output_tps"):
            try:
                cv[f] = m.repeatability(f, "median", g)
            except llmperf.LlmperfError:
                cv[f] = None
        print("%-18s %9s %9s %11s" % (g, fmt(cv["e2e_ns"]),
                                      fmt(cv["ttft_ns"]),
                                      fmt(cv["output_tps"])))


def correlation_table(m, models):
    pairs = (("prompt_tokens", "ttft_ns"), ("prompt_tokens", "e2e_ns"),
             ("prompt_tokens", "output_tps"), ("output_tokens", "e2e_ns"))
    print("\nPearson r (p) with prompt length (tokens) and output length")
    print("%-18s" % "model" + "".join(" %22s" % ("%s~%s" % (
        x.split("_")[0], y.replace("_ns", ""))) for x, y in pairs))
    for g in models:
        c = m.correlations(g, pairs)
        cells = []
        for x, y in pairs:
            v = c["%s~%s" % (x, y)]
            cells.append(" %22s" % ("-" if v is None else
                                    "%.3f (%.1e)" % (v.r, v.p)))
        print("%-18s" % g + "".join(cells))


def tests_table(m):
    print("\nKruskal-Wallis across models")
    for f, t in m.tests(("ttft_ns", "tpot_ns", "e2e_ns",
                         "output_tps")).items():
        if t is None:
            print("  %-11s undefined (one model, or no values)" % f)
        else:
            print("  %-11s H = %10.3f  p = %.3g%s" % (
                f, t.statistic, t.p, "  ***" if t.p < 0.001 else ""))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="server URL (default: start llmperf-mock)")
    ap.add_argument("--backend", default="ollama")
    ap.add_argument("--models",
                    default="qwen2.5:0.5b,llama3.2:latest,mistral:7b")
    ap.add_argument("--prompts", help="JSONL of prompts (default: a "
                    "generated sample)")
    ap.add_argument("--limit-prompts", type=int, default=0)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--mock-decode-ms", default="5,11,20",
                    help="per-model decode ms/token of the mock servers")
    ap.add_argument("--out", default="benchmark_results")
    a = ap.parse_args(argv)

    models = [s for s in a.models.split(",") if s]
    os.makedirs(a.out, exist_ok=True)
    prompts = a.prompts
    if not prompts:
        prompts = os.path.join(a.out, "prompts.jsonl")
        sample_prompts(prompts, a.limit_prompts or 20)

    ds = Dataset.from_jsonl(prompts)
    if a.limit_prompts and a.limit_prompts < len(ds):
        items = list(ds)[:a.limit_prompts]
        ds = Dataset.from_prompts(items)
    n_prompts = len(ds)
    ds.repeat(a.iterations)          # prompt ids stay: iterations group

    params = {"iterations": a.iterations, "max_tokens": a.max_tokens,
              "temperature": a.temperature, "prompts": n_prompts}
    m = Metrics(title="seed 000 workflow: %s" % ", ".join(models),
                backend=a.backend, params=params)
    with contextlib.ExitStack() as stack:
        urls = {}
        if a.url:
            urls = {g: a.url for g in models}
            m.set_info("url", a.url)
        else:
            speeds = a.mock_decode_ms.split(",")
            for i, g in enumerate(models):
                mock = stack.enter_context(MockServer(
                    "--model", g, "--load-ms", "50", "--decode-ms-per-token",
                    speeds[i % len(speeds)], "--output-tokens",
                    "normal:%d:%d" % (a.max_tokens // 2, a.max_tokens // 8)))
                urls[g] = mock.url
            print("started %d llmperf-mock servers" % len(models),
                  file=sys.stderr)
        jl = stack.enter_context(Writer(os.path.join(a.out,
                                                     "records.jsonl")))
        cs = stack.enter_context(Writer(os.path.join(a.out, "records.csv")))
        jl.set_params(params)
        for g in models:
            with Client(a.backend, url=urls[g], model=g,
                        temperature=a.temperature,
                        max_tokens=a.max_tokens) as c:
                c.stream("Hello, how are you?", max_tokens=8,
                         raise_errors=False)               # warm-up
                done = [0]

                def progress(res, item, g=g, done=done):
                    done[0] += 1
                    if res["status"] != 0:
                        print("  %s: %s" % (g, res["error"]),
                              file=sys.stderr)

                with Runner(c, concurrency=1, requests=len(ds)) as r:
                    st = r.run(ds, progress, metrics=m, group=g,
                               writers=[jl, cs])
                print("%-18s %d requests, %d failed, %.1f s" % (
                    g, st["sent"], st["failed"], st["elapsed_ns"] / 1e9),
                    file=sys.stderr)

    model_table(m, models)
    stability_table(m, models)
    correlation_table(m, models)
    tests_table(m)
    m.write_summary(os.path.join(a.out, "summary.json"))
    m.report_html(os.path.join(a.out, "report.html"))
    print("\nwrote %s/{records.jsonl,records.csv,summary.json,report.html}"
          % a.out)
    return 0 if m.run_stat("failed") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
