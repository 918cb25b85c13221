#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A concurrency sweep: the same workload at 1, 2, 4, 8 ... concurrent
users (closed loop), one group per level marked as a sweep point, so the
report draws throughput and latency against concurrency.

Prints request and token throughput with TTFT / TPOT / E2E percentiles
per level, and whether TTFT at the highest level is significantly above
the lowest (Mann-Whitney U, bootstrap ratio of medians). Writes
records.jsonl, summary.json and report.html. Without --url it starts an
llmperf-mock with --slots parallel slots:

    cd bindings/python && PYTHONPATH=. python3 \\
        examples/concurrency_sweep.py --levels 1,2,4,8 --out /tmp/sweep
"""
import argparse
import contextlib
import os
import sys

from llmperf import Client, Dataset, Metrics, Runner, Writer
from llmperf.mock import MockServer


def ms(v):
    return "%8.1f" % (v / 1e6)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="server URL (default: start llmperf-mock)")
    ap.add_argument("--backend", default="openai-chat")
    ap.add_argument("--model", default="llmperf-mock")
    ap.add_argument("--levels", default="1,2,4,8")
    ap.add_argument("--requests-per-user", type=int, default=8)
    ap.add_argument("--input-tokens", type=int, default=200)
    ap.add_argument("--output-tokens", type=int, default=64)
    ap.add_argument("--slots", default="4", help="mock: parallel slots")
    ap.add_argument("--decode-ms", default="5", help="mock: ms per token")
    ap.add_argument("--out", default="sweep_results")
    a = ap.parse_args(argv)

    levels = [int(x) for x in a.levels.split(",") if x]
    os.makedirs(a.out, exist_ok=True)
    m = Metrics(title="concurrency sweep", backend=a.backend, model=a.model,
                params={"levels": levels, "input_tokens": a.input_tokens,
                        "output_tokens": a.output_tokens})
    with contextlib.ExitStack() as stack:
        url = a.url
        if not url:
            url = stack.enter_context(MockServer(
                "--slots", a.slots, "--load-ms", "0", "--any-model",
                "--decode-ms-per-token", a.decode_ms)).url
        m.set_info("url", url)
        client = stack.enter_context(Client(
            a.backend, url=url, model=a.model,
            ignore_eos=a.backend.startswith(("openai", "llamacpp"))))
        records = stack.enter_context(
            Writer(os.path.join(a.out, "records.jsonl")))
        print("%5s %8s %9s %8s %8s %8s %8s %8s" % (
            "users", "req/s", "tok/s", "TTFT p50", "TTFT p99", "TPOT p50",
            "E2E p50", "failed"))
        for n in levels:
            group = "c=%d" % n
            ds = Dataset.synthetic(n * a.requests_per_user, a.input_tokens,
                                   a.output_tokens, seed=n)
            m.set_sweep(group, "concurrency", n)
            records.set_sweep("concurrency", n)
            with Runner(client, concurrency=n, warmup=n,
                        requests=len(ds)) as r:
                r.run(ds, metrics=m, group=group, writers=[records])
            rs = m.run_stats(group)
            print("%5d %8.2f %9.1f %s %s %s %s %8d" % (
                n, rs["request_throughput"] or 0,
                rs["output_throughput"] or 0,
                ms(m.percentile("ttft_ns", 50, group)),
                ms(m.percentile("ttft_ns", 99, group)),
                ms(m.percentile("tpot_ns", 50, group)),
                ms(m.percentile("e2e_ns", 50, group)), rs["failed"]))

    if len(levels) > 1:
        lo, hi = "c=%d" % levels[0], "c=%d" % levels[-1]
        u = m.mannwhitney("ttft_ns", lo, hi)
        ratio = m.median_ratio("ttft_ns", lo, hi, resamples=500)
        print("\nTTFT %s vs %s: median ratio %.2f (95%% CI %.2f-%.2f), "
              "Mann-Whitney p = %.3g" % (hi, lo, ratio.ratio, ratio.lo,
                                         ratio.hi, u.p))
    m.write_summary(os.path.join(a.out, "summary.json"))
    m.report_html(os.path.join(a.out, "report.html"))
    print("wrote %s/{records.jsonl,summary.json,report.html}" % a.out)
    return 0 if m.run_stat("failed") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
