# SPDX-License-Identifier: MIT
"""Run the Python examples end to end against llmperf-mock with small
sizes and check what they write. Usage: run_examples.py EXAMPLES_DIR"""
import csv
import json
import os
import subprocess
import sys
import tempfile


def run(args, out):
    p = subprocess.run([sys.executable] + args, capture_output=True,
                       text=True, timeout=240)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        raise SystemExit("%s exited with %d" % (args[0], p.returncode))
    for name in ("records.jsonl", "summary.json", "report.html"):
        path = os.path.join(out, name)
        if not os.path.getsize(path):
            raise SystemExit("%s is empty" % path)
    with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
        return json.load(f), p.stdout


def main():
    ex = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "seed000")
        summary, text = run([os.path.join(ex, "seed000_workflow.py"),
                             "--models", "small,big", "--iterations", "2",
                             "--limit-prompts", "4", "--max-tokens", "16",
                             "--mock-decode-ms", "1,3", "--out", out], out)
        # 4 prompts x 2 iterations x 2 models, all completed
        assert summary["completed"] == 16, summary["completed"]
        assert summary["failed"] == 0
        with open(os.path.join(out, "records.csv"), newline="",
                  encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 16, len(rows)
        assert "Kruskal-Wallis across models" in text
        # the slower model's TPOT differs: significant across 8 vs 8
        assert "tpot_ns     H =" in text, text

        out = os.path.join(tmp, "sweep")
        summary, text = run([os.path.join(ex, "concurrency_sweep.py"),
                             "--levels", "1,4", "--requests-per-user", "2",
                             "--output-tokens", "8", "--decode-ms", "1",
                             "--out", out], out)
        assert summary["completed"] == 2 + 8, summary["completed"]
        assert "median ratio" in text
    print("examples OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
