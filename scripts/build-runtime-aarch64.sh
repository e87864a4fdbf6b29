#!/usr/bin/env bash
# Cross-builds the runtime side for 64-bit ARM Linux: llmc-run, libllmc_runtime.so and .a, and
# the C examples, with Debian's g++-aarch64-linux-gnu and cmake/aarch64-linux-gnu.cmake. No
# LLVM or MLIR: artifacts come from the host's `llmc compile --target aarch64-linux-gnu`.
#
#   scripts/build-runtime-aarch64.sh [BUILD_DIR]      (default: build-aarch64)
#
# Installs what it needs first (scripts/install-deps.sh; fast when everything is present).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-aarch64}"
"$root/scripts/install-deps.sh" >/dev/null
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" >/dev/null
fi
ninja -C "$build" llmc-run llmc_runtime llmc_runtime_shared llmc-example-run-model \
  llmc-example-generate-text >/dev/null
echo "build-runtime-aarch64: $build/bin/llmc-run, $build/lib/libllmc_runtime.{a,so}"
