#!/usr/bin/env bash
# Runs every test: a -Werror build + ctest, then an AddressSanitizer +
# UndefinedBehaviorSanitizer build + ctest. Build trees go to build-ci/
# and build-ci-asan/ (override with LLMPERF_BUILD_ROOT). Exit status is
# non-zero if any build or test fails.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
root=${LLMPERF_BUILD_ROOT:-$src}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
shared=${LLMPERF_SHARED_DIR:-$src/../shared}

run() {
  local dir=$1; shift
  echo "=== configure $dir ($*)"
  cmake -S "$src" -B "$dir" -DLLMPERF_WERROR=ON \
        -DLLMPERF_SHARED_DIR="$shared" "$@"
  cmake --build "$dir" -j "$jobs"
  echo "=== ctest $dir"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600
}

run "$root/build-ci" -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run "$root/build-ci-asan" -DCMAKE_BUILD_TYPE=Debug -DLLMPERF_SANITIZE=ON
echo "=== all tests passed (plain and sanitized builds)"
