#!/usr/bin/env bash
# Builds llama.cpp's llama-server once into a cache outside the clone, from the llama.cpp source that the npm package
# node-llama-cpp@3.21.1 carries as llama/gitRelease.bundle (no registry here packages llama-server itself).
# Prints the binary's path on the last line. Idempotent: a finished build is reused.
# One change to the source, so that the cross-check tests the architecture mapping rather than an approximation:
# llama.cpp's CPU backend computes GELU through an fp16 lookup table (ggml-cpu/vec.h: #define GGML_GELU_FP16), which
# alone moves a testbed model's per-question answer NLL by up to 6.5e-3 (mean 9.6e-4; measured with the stock build).
# The define is removed here, giving ggml's exact float32 tanh-GELU. Nothing else is changed.
#   T2_CACHE   cache root (default ~/.cache/t2)
set -euo pipefail
VERSION=3.21.1
CACHE="${T2_CACHE:-$HOME/.cache/t2}"
ROOT="$CACHE/llama-server-node-llama-cpp-$VERSION-exact-gelu"   # = T2.Eval.LlamaServerLocation.BuildName
BIN="$ROOT/build/bin/llama-server"
if [ -x "$BIN" ] && [ -f "$ROOT/.done" ]; then echo "$BIN"; exit 0; fi
for tool in npm git cmake g++ tar; do
  command -v "$tool" >/dev/null || { echo "build-llama-server: '$tool' is missing (apt-get install -y cmake g++ git npm)" >&2; exit 1; }
done
mkdir -p "$ROOT"
cd "$ROOT"
if [ ! -f pkg/llama/gitRelease.bundle ]; then
  rm -rf pkg node-llama-cpp-*.tgz
  npm pack "node-llama-cpp@$VERSION" --silent >/dev/null   # the tarball only; no install scripts run
  mkdir pkg && tar -xzf node-llama-cpp-$VERSION.tgz -C pkg --strip-components=1
  rm -f node-llama-cpp-$VERSION.tgz
fi
if [ ! -f src/CMakeLists.txt ]; then
  rm -rf src
  git clone -q pkg/llama/gitRelease.bundle src
fi
VEC=src/ggml/src/ggml-cpu/vec.h
grep -q '^#define GGML_GELU_FP16$' "$VEC" && sed -i 's|^#define GGML_GELU_FP16$|// t2: GGML_GELU_FP16 removed for an exact float32 GELU (tools/build-llama-server.sh)|' "$VEC"
grep -q '^#define GGML_GELU_FP16' "$VEC" && { echo "build-llama-server: could not remove GGML_GELU_FP16 from $VEC" >&2; exit 1; }
cmake -S src -B build -DCMAKE_BUILD_TYPE=Release -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=ON >build.log 2>&1 || { tail -20 build.log >&2; exit 1; }
cmake --build build --config Release --target llama-server -j"$(nproc)" >>build.log 2>&1 || { tail -40 build.log >&2; exit 1; }
(cd src && git log -1 --format='%H %cd' > "$ROOT/llama.cpp-commit.txt")
touch .done
echo "$BIN"
