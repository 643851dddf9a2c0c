#!/usr/bin/env bash
# Publishes t2 as one NativeAOT binary: OUT/t2 (≈ 21 MB) plus SkiaSharp's two native libraries for the PNG plots.
# Usage: bash tools/publish-native.sh [OUT] [INSTRUCTION_SET]
#   OUT defaults to out/native. INSTRUCTION_SET (ILC's -p:IlcInstructionSet) defaults to x86-64-v3 (AVX2 + FMA: any x86
#   machine since ~2015); "native" targets the building machine only (what bench/run.sh measures).
# Needs a C toolchain for the final link (gcc here; clang works too) and zlib's headers (Debian: zlib1g-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-out/native}"
ISA="${2:-x86-64-v3}"
dotnet publish src/T2.Cli -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet="$ISA" \
  -p:CppCompilerAndLinker="$(command -v clang >/dev/null && echo clang || echo gcc)" -o "$OUT" >&2
rm -f "$OUT"/*.pdb "$OUT"/*.dbg
echo "$OUT/t2"
