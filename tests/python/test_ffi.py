# SPDX-License-Identifier: MIT
"""The binding's contract with the shared library: every name in the
signature table is exported, the struct layout matches, the major
version is checked, and a library that cannot be found or used is
refused with a message that says where the binding looked."""
import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from support import SOURCE_DIR

import llmperf
from llmperf import _ffi


def exported_symbols(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[-2] not in ("A", "a"):
            names.add(parts[-1].split("@")[0])
    return names


class Consistency(unittest.TestCase):
    def test_table_names_are_exported(self):
        names = [s[0] for s in _ffi.SIGNATURES]
        self.assertEqual(len(names), len(set(names)), "duplicate entries")
        if shutil.which("nm") is None:
            self.skipTest("nm not available")
        exported = exported_symbols(os.path.realpath(_ffi.lib.path))
        missing = sorted(set(names) - exported)
        self.assertEqual(missing, [])
        # and every entry was typed on the Library object
        for name, argtypes, restype in _ffi.SIGNATURES:
            fn = getattr(_ffi.lib, name)
            self.assertEqual(fn.argtypes, argtypes, name)
            self.assertIs(fn.restype, restype, name)

    def test_signatures_match_headers(self):
        """Arity and argument kinds of every table entry against the
        LLMPERF_API prototypes: a changed C signature fails here instead
        of corrupting memory at run time."""
        protos = header_prototypes()
        self.assertGreater(len(protos), 100)
        problems = []
        for name, argtypes, restype in _ffi.SIGNATURES:
            if name not in protos:
                problems.append("%s: not declared in a header" % name)
                continue
            ret, params = protos[name]
            want = [c_kind(p) for p in params]
            got = [py_kind(t) for t in argtypes]
            if want != got:
                problems.append("%s: arguments %s, table has %s"
                                % (name, want, got))
            if c_kind(ret, True) != py_kind(restype):
                problems.append("%s: returns %r, table has %r"
                                % (name, ret, restype))
        self.assertEqual(problems, [])
        # and nothing declared is left out of the table
        self.assertEqual(sorted(set(protos) - {s[0] for s in
                                               _ffi.SIGNATURES}), [])

    def test_token_layout(self):
        self.assertEqual(ctypes.sizeof(_ffi.Token),
                         _ffi.lib.llmperf_token_size())
        # the layout of include/llmperf/client.h on an LP64 system
        if ctypes.sizeof(ctypes.c_void_p) == 8:
            self.assertEqual(_ffi.Token.t_ns.offset, 8)
            self.assertEqual(_ffi.Token.text.offset, 16)
            self.assertEqual(_ffi.Token.text_len.offset, 24)
            self.assertEqual(_ffi.Token.tokens.offset, 36)

    def test_version(self):
        major, minor, patch = llmperf.library_version
        self.assertEqual(major, _ffi.BINDING_MAJOR)
        self.assertEqual(llmperf.version_string(),
                         "%d.%d.%d" % (major, minor, patch))
        self.assertEqual(_ffi.lib.llmperf_version(),
                         (major << 16) | (minor << 8) | patch)

    def test_status_names(self):
        self.assertEqual(llmperf.STATUS["LLMPERF_ECONNECT"], -10)
        self.assertEqual(llmperf.status_name(-3), "LLMPERF_EINVAL")
        for name, code in llmperf.STATUS.items():
            if code:
                e = llmperf.make_error(code)
                self.assertEqual(e.name, name)
                self.assertTrue(e.message)
        e = llmperf.make_error(-999)
        self.assertIs(type(e), llmperf.LlmperfError)
        self.assertEqual(e.name, "LLMPERF_EUNKNOWN")

    def test_clock(self):
        a = llmperf.now_ns()
        b = llmperf.now_ns()
        self.assertGreater(a, 0)
        self.assertGreaterEqual(b, a)


def header_prototypes():
    """name -> (return type, [parameter types]) of every LLMPERF_API
    function in include/llmperf (comments and preprocessor lines
    dropped; parameter names stripped)."""
    inc = os.path.join(SOURCE_DIR, "include", "llmperf")
    protos = {}
    for fn in sorted(os.listdir(inc)):
        if not (fn.endswith(".h") or fn.endswith(".h.in")):
            continue
        with open(os.path.join(inc, fn), encoding="utf-8") as f:
            text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
        text = "\n".join(ln for ln in text.splitlines()
                         if not ln.lstrip().startswith("#"))
        for m in re.finditer(r"\bLLMPERF_API\b([^;{}]*?)\b(llmperf_\w+)"
                             r"\s*\(([^)]*)\)\s*;", text, flags=re.S):
            ret = " ".join(m.group(1).split())
            params = [" ".join(p.split()) for p in m.group(3).split(",")]
            if params == ["void"]:
                params = []
            protos[m.group(2)] = (ret, params)
    return protos


_INTS = {"int": ctypes.c_int, "unsigned": ctypes.c_uint,
         "unsigned int": ctypes.c_uint, "size_t": ctypes.c_size_t,
         "int64_t": ctypes.c_int64, "uint64_t": ctypes.c_uint64,
         "double": ctypes.c_double}


def c_kind(decl, is_return=False):
    """The ctypes type a C declaration needs, coarsely: an exact type for
    numbers, "ptr" for data pointers, "fn" for callbacks, None for
    void."""
    decl = re.sub(r"\b(const|struct)\b", " ", decl)
    if not is_return:   # drop the parameter name
        decl = re.sub(r"\s*\b\w+\s*$", "", decl) if re.search(
            r"[\w*]\s+\**\s*\w+\s*$", decl) else decl
    decl = " ".join(decl.replace("*", " * ").split())
    if "*" in decl:
        return "ptr"
    if decl.endswith("_cb"):
        return "fn"
    if decl == "void":
        return None
    return _INTS[decl]


def py_kind(t):
    if t is None:
        return None
    if t in (ctypes.c_void_p, ctypes.c_char_p) or \
            issubclass(t, ctypes._Pointer):
        return "ptr"
    if issubclass(t, ctypes._CFuncPtr):
        return "fn"
    return t


class _FakeFn:
    def __init__(self, value):
        self.value = value
        self.argtypes = None
        self.restype = None

    def __call__(self, *args):
        return self.value


class _FakeLib:
    """Stands in for a CDLL: every symbol of the table, with chosen
    return values; drop some to simulate an older library."""

    def __init__(self, version, drop=()):
        for name, _, _ in _ffi.SIGNATURES:
            if name not in drop:
                setattr(self, name, _FakeFn(0))
        if "llmperf_version" not in drop:
            self.llmperf_version = _FakeFn(version)
        if "llmperf_token_size" not in drop:
            self.llmperf_token_size = _FakeFn(ctypes.sizeof(_ffi.Token))


class Refusals(unittest.TestCase):
    def test_other_major_refused(self):
        with self.assertRaises(_ffi.LibraryError) as cm:
            _ffi.Library(_FakeLib(0x010203), "/x/libllmperf.so.1")
        msg = str(cm.exception)
        self.assertIn("1.2.3", msg)
        self.assertIn("major version %d" % _ffi.BINDING_MAJOR, msg)
        self.assertIsInstance(cm.exception, ImportError)

    def test_missing_symbol_named(self):
        with self.assertRaises(_ffi.LibraryError) as cm:
            _ffi.Library(_FakeLib(0x000100, drop={"llmperf_stats_mean",
                                                  "llmperf_client_new"}),
                         "/x/libllmperf.so")
        msg = str(cm.exception)
        self.assertIn("llmperf_stats_mean", msg)
        self.assertIn("llmperf_client_new", msg)
        self.assertIn("/x/libllmperf.so", msg)

    def test_small_token_refused(self):
        fake = _FakeLib(0x000100)
        fake.llmperf_token_size = _FakeFn(16)
        with self.assertRaises(_ffi.LibraryError):
            _ffi.Library(fake, "/x")

    def test_matching_fake_accepted(self):
        lib = _ffi.Library(_FakeLib(0x000105), "/x")
        self.assertEqual(lib.version, (0, 1, 5))

    def _import(self, env):
        code = "import llmperf; print(llmperf.library_path)"
        return subprocess.run([sys.executable, "-c", code], env=env,
                              capture_output=True, text=True, timeout=60)

    def test_bad_env_path(self):
        env = dict(os.environ, LLMPERF_LIBRARY="/nonexistent/libllmperf.so")
        p = self._import(env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("LibraryError", p.stderr)
        self.assertIn("LLMPERF_LIBRARY=/nonexistent/libllmperf.so",
                      p.stderr)

    def test_env_path_used(self):
        p = self._import(dict(os.environ))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), os.environ["LLMPERF_LIBRARY"])

    def test_build_tree_search(self):
        with tempfile.TemporaryDirectory() as d:
            pkg = os.path.join(d, "bindings", "python", "llmperf")
            os.makedirs(pkg)
            os.makedirs(os.path.join(d, "build-x"))
            target = os.path.join(d, "build-x", "libllmperf.so.0.1")
            shutil.copy(os.path.realpath(_ffi.lib.path), target)
            os.symlink("libllmperf.so.0.1",
                       os.path.join(d, "build-x", "libllmperf.so"))
            found, searched = _ffi._build_tree_candidates(pkg)
            self.assertEqual(len(found), 1)   # the symlink is deduplicated
            self.assertIn(os.path.join(d, "build*"), searched)
            saved = os.environ.pop("LLMPERF_LIBRARY")
            try:
                if ctypes.util.find_library("llmperf"):
                    self.skipTest("an installed libllmperf comes first")
                lib = _ffi.find_library(pkg)
                self.assertEqual(os.path.realpath(lib.path), target)
                os.remove(target)
                with self.assertRaises(_ffi.LibraryError) as cm:
                    _ffi.find_library(pkg)
                msg = str(cm.exception)
                self.assertIn("LLMPERF_LIBRARY", msg)
                self.assertIn("find_library", msg)
                self.assertIn(os.path.join(d, "build*"), msg)
            finally:
                os.environ["LLMPERF_LIBRARY"] = saved



if __name__ == "__main__":
    unittest.main()
