#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The ABI manifest check (STYLE.md items 10 and 12).

Three lists must name the same set of functions:
  1. the dynamic symbols the shared library defines (nm -D --defined-only),
  2. the version script lib/llmperf.map,
  3. the LLMPERF_API declarations in the public headers,
and nothing else may be exported: no llmperf__ internals, no symbols
from the libraries we link. Optionally (--ffi) the names in the Python
binding's signature table must all be exported too.
Exit status 0 when they agree; otherwise the differences are printed.
"""
import argparse
import os
import re
import subprocess
import sys

IGNORED = {"_init", "_fini", "_edata", "_end", "__bss_start"}


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1]
        if kind in ("A", "a"):  # version node names such as LLMPERF_0.1
            continue
        name = name.split("@")[0]
        if name not in IGNORED:
            names.add(name)
    return names


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def in_map(path):
    text = strip_c_comments(open(path, encoding="utf-8").read())
    names = set()
    for block in re.findall(r"global:(.*?)(?:local:|\})", text, flags=re.S):
        for item in block.split(";"):
            item = item.strip()
            if item:
                names.add(item)
    return names


DECL = re.compile(r"\bLLMPERF_API\b[^;{}]*?\b(llmperf_\w+)\s*\(", re.S)


def in_headers(dirs):
    names = set()
    for d in dirs:
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".h"):
                continue
            text = strip_c_comments(open(os.path.join(d, fn),
                                         encoding="utf-8").read())
            # Drop preprocessor lines (the LLMPERF_API definitions).
            text = "\n".join(l for l in text.splitlines()
                             if not l.lstrip().startswith("#"))
            names.update(DECL.findall(text))
    return names


def in_ffi(path):
    text = open(path, encoding="utf-8").read()
    return set(re.findall(r"\(\s*\"(llmperf_\w+)\"", text))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--include", action="append", required=True)
    ap.add_argument("--ffi")
    a = ap.parse_args()

    sets = {
        "exported by the library": exported(a.lib),
        "listed in the version script": in_map(a.map),
        "declared LLMPERF_API in headers": in_headers(a.include),
    }
    ok = True
    union = set().union(*sets.values())
    for label, s in sets.items():
        missing = sorted(union - s)
        if missing:
            ok = False
            print(f"not {label}: {', '.join(missing)}")
    bad = sorted(n for n in union
                 if not n.startswith("llmperf_") or n.startswith("llmperf__"))
    if bad:
        ok = False
        print(f"exported names outside the public namespace: {', '.join(bad)}")
    if a.ffi:
        missing = sorted(in_ffi(a.ffi) - sets["exported by the library"])
        if missing:
            ok = False
            print(f"in the Python signature table but not exported: "
                  f"{', '.join(missing)}")
    n = len(sets["exported by the library"])
    if n == 0:
        ok = False
        print("the library exports nothing: is this the right file?")
    print(f"{n} exported symbols checked: {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
