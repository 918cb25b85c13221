#!/bin/sh
# Install the build into a temporary prefix and build consumer.c against it
# twice: with pkg-config and with CMake's find_package(llmperf).
# usage: run.sh BUILD_DIR CONSUMER_SRC_DIR CC "SANITIZER_FLAGS"
set -eu
build=$1 src=$2 cc=$3 san=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'llmperf.pc' | head -n 1)")/..
libdir=$(cd "$libdir" && pwd)

echo "== pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
cflags=$(pkg-config --cflags llmperf)
libs=$(pkg-config --libs llmperf)
echo "cflags: $cflags"; echo "libs: $libs"
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Werror $san $cflags "$src/consumer.c" \
    -o "$tmp/consumer_pc" $libs
LD_LIBRARY_PATH=$libdir "$tmp/consumer_pc"
# The SONAME is part of the promise (docs/ABI.md).
if command -v readelf >/dev/null; then
  readelf -d "$tmp/consumer_pc" | grep -q 'NEEDED.*libllmperf\.so\.0\.' ||
    { echo "consumer does not need libllmperf.so.0.y"; exit 1; }
fi
# Static libllmperf.a. Its own dependencies come from pkg-config as shared
# libraries: `--static` would also demand libcurl's private static
# dependencies (nghttp2, ssh2, ...), which distributions often lack.
deplibs=$(pkg-config --libs libcurl json-c)
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Werror $san $cflags -DLLMPERF_STATIC \
    "$src/consumer.c" -o "$tmp/consumer_pc_static" \
    "$libdir/libllmperf.a" $deplibs -lm -lpthread
"$tmp/consumer_pc_static"

echo "== find_package(llmperf)"
cmake -S "$src" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$san" \
    -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$tmp/cm" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/cm/consumer"
"$tmp/cm/consumer_static"
echo "consumer: all ok"
