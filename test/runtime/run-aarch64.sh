#!/usr/bin/env bash
# Cross-compiles llmc-runtime-tests for aarch64 and runs it under qemu-user: the assembly call
# trampoline, HWCAP feature checks and ELF machine checks of the other architecture the runtime
# supports. Optional (not part of ctest); needs g++-aarch64-linux-gnu and qemu-user.
#
#   test/runtime/run-aarch64.sh [BUILD_DIR] [QEMU_CPU]     (defaults: build-rt, max)
#
# BUILD_DIR must have built the schema header and the test kernels:
#   ninja -C build-rt llmc-schema llmc-runtime-test-kernels
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build-rt}" && pwd)"
cpu="${2:-max}"
cxx=aarch64-linux-gnu-g++
command -v "$cxx" >/dev/null || { echo "run-aarch64.sh: $cxx not found" >&2; exit 2; }
command -v qemu-aarch64 >/dev/null || { echo "run-aarch64.sh: qemu-aarch64 not found" >&2; exit 2; }
out="$build/test/runtime/aarch64"
mkdir -p "$out/include"
# The flatbuffers and GoogleTest headers are architecture-independent; the cross compiler does
# not search /usr/include.
ln -sfn /usr/include/flatbuffers "$out/include/flatbuffers"
gtest=/usr/src/googletest/googletest
flags=(-std=gnu++17 -O2 -I"$root" -I"$build" -I"$root/runtime/include" -isystem "$out/include"
       -isystem "$gtest/include" -isystem "$gtest"
       -DLLMC_TEST_KERNELS_X86_64="\"$build/test/runtime/test_kernels.x86_64.so\""
       -DLLMC_TEST_KERNELS_AARCH64="\"$build/test/runtime/test_kernels.aarch64.so\""
       -DLLMC_TEST_DATA_DIR="\"$root/test/runtime/data\""
       -DLLMC_ONNX_NODE_TESTS="\"/usr/share/libonnx-testdata/data/node\""
       -DLLMC_RUNTIME_VERSION="\"aarch64-test\"")
sources=("$root"/runtime/src/*.cpp "$root"/runtime/writer/*.cpp "$root"/runtime/tools/*.cpp
         "$root"/runtime/cli/*.cpp "$root"/test/runtime/{ArtifactTest,CliTest,RunTest,TensorFileTest,VerifierTest,TestSupport}.cpp
         "$gtest/src/gtest-all.cc" "$gtest/src/gtest_main.cc")
objects=()
pids=()
for source in "${sources[@]}"; do
  object="$out/$(basename "${source%.*}").o"
  objects+=("$object")
  if [[ ! -f "$object" || "$source" -nt "$object" ]]; then
    rm -f "$object"
    "$cxx" "${flags[@]}" -c "$source" -o "$object" &
    pids+=($!)
    while (( $(jobs -r | wc -l) >= $(nproc) )); do sleep 0.2; done
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
"$cxx" "${objects[@]}" -ldl -lpthread -o "$out/llmc-runtime-tests"
exec qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu "$out/llmc-runtime-tests"
