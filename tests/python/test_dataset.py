# SPDX-License-Identifier: MIT
"""llmperf.Dataset: JSONL, synthetic and built-in prompts, shuffle and
repeat, and the errors of bad input."""
import json
import os
import tempfile
import unittest

import llmperf
from llmperf import Dataset


class DatasetTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, lines):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def test_jsonl(self):
        msgs = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi there"}]
        path = self.write("p.jsonl", [
            json.dumps({"id": "q1", "prompt": "Why is the sky blue?",
                        "max_tokens": 64}),
            "",
            json.dumps({"prompt": "x" * 600, "category": "mine"}),
            json.dumps({"id": 7, "messages": msgs}),
        ])
        with Dataset.from_jsonl(path) as ds:
            self.assertEqual(len(ds), 3)
            a, b, c = list(ds)
            self.assertEqual(a, {"prompt": "Why is the sky blue?",
                                 "id": "q1", "category": "short",
                                 "max_tokens": 64, "messages": None})
            self.assertEqual(b["id"], "3")      # its line number
            self.assertEqual(b["category"], "mine")
            self.assertIsNone(b["max_tokens"])
            self.assertEqual(c["id"], "7")
            self.assertEqual(c["prompt"], "Hi there")
            self.assertEqual(c["messages"], msgs)
            self.assertEqual(ds[-1]["id"], "7")
            self.assertEqual(ds.item_id(0), "q1")
            with self.assertRaises(IndexError):
                ds[3]

    def test_bad_lines(self):
        path = self.write("bad.jsonl", [json.dumps({"prompt": "ok"}),
                                        "{not json",
                                        json.dumps({"prompt": ""})])
        with self.assertRaises(llmperf.FormatError) as cm:
            Dataset.from_jsonl(path)
        self.assertEqual(cm.exception.name, "LLMPERF_EFORMAT")
        self.assertIn("%s:2" % path, cm.exception.message)
        ds = Dataset.from_jsonl(path, skip_bad=True)
        self.assertEqual(len(ds), 1)
        self.assertEqual(ds.skipped, 2)
        self.assertIn(":2", ds.errmsg)
        with self.assertRaises(llmperf.FileError) as cm:
            Dataset.from_jsonl(os.path.join(self.tmp.name, "missing"))
        self.assertIsInstance(cm.exception, OSError)

    def test_synthetic(self):
        a = Dataset.synthetic(5, input_tokens=50, output_tokens=20, seed=3)
        b = Dataset.synthetic(5, input_tokens=50, output_tokens=20, seed=3)
        c = Dataset.synthetic(5, input_tokens=50, output_tokens=20, seed=4)
        self.assertEqual(list(a), list(b))
        self.assertNotEqual(list(a), list(c))
        self.assertEqual([d["max_tokens"] for d in a], [20] * 5)
        self.assertEqual(len({d["prompt"] for d in a}), 5)
        words = len(a[0]["prompt"].split())
        self.assertTrue(30 < words <= 50, words)
        with self.assertRaises(llmperf.InvalidArgument):
            Dataset.synthetic(0, input_tokens=10)
        with self.assertRaises(llmperf.InvalidArgument):
            Dataset.synthetic(2, input_tokens=0)

    def test_builtin(self):
        ds = Dataset.builtin("all")
        self.assertEqual([d["id"] for d in ds],
                         ["small", "medium", "large", "xlarge"])
        self.assertEqual(len(Dataset.builtin("small,large")), 2)
        with self.assertRaises(llmperf.NotFound):
            Dataset.builtin("huge")

    def test_build_shuffle_repeat(self):
        ds = Dataset.from_prompts(["a", {"prompt": "b", "id": "B",
                                         "max_tokens": 5}, "c"])
        self.assertEqual([d["id"] for d in ds], ["0", "B", "2"])
        ds.repeat(2)
        self.assertEqual([d["prompt"] for d in ds],
                         ["a", "b", "c", "a", "b", "c"])
        ds.shuffle(seed=1)
        order1 = [d["prompt"] for d in ds]
        self.assertEqual(sorted(order1), ["a", "a", "b", "b", "c", "c"])
        with self.assertRaises(llmperf.InvalidArgument):
            ds.add("")
        with self.assertRaises(llmperf.InvalidArgument):
            ds.repeat(0)
        ds.close()
        with self.assertRaises(llmperf.StateError):
            len(ds)

    def test_length_category(self):
        self.assertEqual(llmperf.length_category(10), "short")
        self.assertEqual(llmperf.length_category(200), "medium")
        self.assertEqual(llmperf.length_category(1000), "long")
        self.assertEqual(llmperf.length_category(1001), "very_long")


if __name__ == "__main__":
    unittest.main()
