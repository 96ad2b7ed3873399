#!/usr/bin/env bash
# Builds llama.cpp natively for this CPU (GGML_NATIVE=ON: every ISA extension
# the machine has, AVX-512/VNNI included), Release, OpenMP, from the
# vendor/llama.cpp tree inside the llama-cpp-python sdist on the package
# index. This is the speed anchor bench/side_by_side.py compares against; the
# prebuilt xllamacpp wheel is AVX2-only and understates llama.cpp.
#
# Everything goes OUTSIDE the repository (never committed):
#   $SRC_DIR   the sdist (downloaded with pip if absent)
#   $OUT_DIR   src/ (unpacked llama.cpp), build/, bin/ (the three binaries),
#              BUILD_INFO (version, flags, CPU)
#
# Usage: bench/build_llamacpp.sh [--version 0.3.36] [--src /work/llama-src]
#            [--out /work/llama-native] [-j 2] [--nice 10]
# No network is needed beyond the package index: the server's web UI is not
# fetched (LLAMA_USE_PREBUILT_UI=OFF) and HTTPS support is off.
set -euo pipefail

VERSION=0.3.36
SRC_DIR=/work/llama-src
OUT_DIR=/work/llama-native
JOBS=2
NICE=10
TARGETS=(llama-bench llama-batched-bench llama-server)

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) VERSION="$2"; shift 2 ;;
    --src) SRC_DIR="$2"; shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    -j) JOBS="$2"; shift 2 ;;
    --nice) NICE="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "build_llamacpp.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done
# The repository must not receive the build: refuse an output inside it.
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT_ABS=$(realpath -m "$OUT_DIR")
case "$OUT_ABS/" in
  "$REPO_ROOT"/*) echo "build_llamacpp.sh: --out $OUT_ABS is inside the repository; choose a directory outside it" >&2; exit 2 ;;
esac
mkdir -p "$OUT_ABS"

SDIST="$SRC_DIR/llama_cpp_python-$VERSION.tar.gz"
if [[ ! -f "$SDIST" ]]; then
  echo "== downloading the llama-cpp-python $VERSION sdist into $SRC_DIR"
  python3 -m pip download --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$SRC_DIR"
fi

LLAMA_SRC="$OUT_ABS/src"
if [[ ! -f "$LLAMA_SRC/CMakeLists.txt" || ! -f "$OUT_ABS/.unpacked-$VERSION" ]]; then
  echo "== unpacking vendor/llama.cpp from $SDIST"
  rm -rf "$LLAMA_SRC" "$OUT_ABS"/.unpacked-*
  mkdir -p "$LLAMA_SRC"
  tar xzf "$SDIST" -C "$LLAMA_SRC" --strip-components=3 "llama_cpp_python-$VERSION/vendor/llama.cpp"
  touch "$OUT_ABS/.unpacked-$VERSION"
fi

echo "== configuring (GGML_NATIVE=ON, Release, OpenMP)"
nice -n "$NICE" cmake -S "$LLAMA_SRC" -B "$OUT_ABS/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DGGML_CPU=ON \
  -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_OPENSSL=OFF

# What was built, read by bench/side_by_side.py (an sdist build reports
# llama.cpp build number 0 and commit "unknown", so the sdist version is the
# version). Written before building so a partial build is described too.
{
  echo "llama-cpp-python sdist: $VERSION ($SDIST)"
  echo "flags: GGML_NATIVE=ON GGML_OPENMP=ON Release static"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$OUT_ABS/BUILD_INFO"

# The two bench tools first (what bench/side_by_side.py needs), then the
# server, whose build is the longest; each binary is usable once copied.
mkdir -p "$OUT_ABS/bin"
for t in "${TARGETS[@]}"; do
  echo "== building $t with -j$JOBS at nice $NICE"
  nice -n "$NICE" cmake --build "$OUT_ABS/build" -j "$JOBS" --target "$t"
  cp -f "$OUT_ABS/build/bin/$t" "$OUT_ABS/bin/$t"
done

echo "llama.cpp: $("$OUT_ABS/bin/llama-bench" --version 2>&1 | head -n 1)" >> "$OUT_ABS/BUILD_INFO"
cat "$OUT_ABS/BUILD_INFO"
echo "== binaries in $OUT_ABS/bin"
