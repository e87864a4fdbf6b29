#!/usr/bin/env bash
# Installs every Debian 12 package llmc needs to build and test; fast (no apt) when all are present.
set -euo pipefail

packages=(
  # Build
  cmake ninja-build ccache g++ pkg-config
  # LLVM/MLIR 22 (shared libLLVM.so / libMLIR.so, lit, FileCheck, clang, lld)
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  # clang-22's sanitizer and libFuzzer runtimes (scripts/fuzz.sh, the sanitizer build)
  libclang-rt-22-dev
  # ONNX frontend and its test data
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler python3-onnx python3-numpy
  # Artifact format
  flatbuffers-compiler libflatbuffers-dev
  # Unit tests
  libgtest-dev
  # The AArch64 runtime, cross-built and tested under qemu-user
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
