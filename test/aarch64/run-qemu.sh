#!/usr/bin/env bash
# The AArch64 target end to end, on this x86-64 machine: cross-builds the runtime side
# (scripts/build-runtime-aarch64.sh), compiles models with `llmc compile --target
# aarch64-linux-gnu`, and runs them with the aarch64 llmc-run under qemu-user:
#   1. an artifact of the other architecture is refused at load, both ways, and one that needs a
#      CPU feature the machine lacks, with the reason;
#   2. the dotprod, i8mm and SVE kernel variants equal the generic kernels bit for bit, on random
#      data (SVE at vector lengths of 128, 256, 512 and 2048 bits);
#   3. the bundled CNN, a transformer with dynamic dims, and the integer matmul and convolution
#      models (with the generic, the i8mm and the SVE kernel) match their expected outputs;
#   4. GGUF language models (llama Q8_0 and Q4_0, with and without dotprod, and gpt2 F16)
#      generate the greedy ids of the independent reference (test/frontends/gguf/llama_reference.py);
#   5. the ONNX node tests listed in test/aarch64/expected-pass.txt all pass (onnx_conformance.py
#      --target --runner --expect-pass): the issue's ten named tests among them.
#
#   test/aarch64/run-qemu.sh LLMC AARCH64_BUILD_DIR WORK_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
llmc="$1"
build="$2"
work="$3"
python=/usr/bin/python3
"$root/scripts/build-runtime-aarch64.sh" "$build"
for tool in qemu-aarch64; do
  command -v "$tool" >/dev/null || { echo "run-qemu: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done
run=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$build/bin/llmc-run")
rm -rf "$work" && mkdir -p "$work"
node=/usr/share/libonnx-testdata/data/node
step() { echo "run-qemu: $*"; }

step "architecture mismatches"
"$llmc" compile "$node/test_relu/model.onnx" -o "$work/relu-x86.llmc"
if "${run[@]}" "$work/relu-x86.llmc" --input "$node/test_relu/test_data_set_0/input_0.pb" \
    > "$work/mismatch.out" 2>&1; then
  echo "run-qemu: an x86-64 artifact ran on aarch64" >&2; exit 1
fi
grep -q "artifact targets x86_64-[a-z]*-linux-gnu, but this machine is aarch64" "$work/mismatch.out" ||
  { cat "$work/mismatch.out" >&2; exit 1; }
"$llmc" compile "$node/test_relu/model.onnx" --target aarch64-linux-gnu -o "$work/relu-arm.llmc"
if "$llmc" run "$work/relu-arm.llmc" --input "$node/test_relu/test_data_set_0/input_0.pb" \
    > "$work/mismatch2.out" 2>&1; then
  echo "run-qemu: an aarch64 artifact ran on x86-64" >&2; exit 1
fi
grep -q "artifact targets aarch64-[a-z]*-linux-gnu, but this machine is x86_64" "$work/mismatch2.out" ||
  { cat "$work/mismatch2.out" >&2; exit 1; }

# A CPU feature the machine lacks: qemu's Cortex-A53 has no dotprod, its Cortex-A76 no i8mm
# and no SVE.
for case in "dotprod cortex-a53" "i8mm cortex-a76" "sve cortex-a76"; do
  set -- $case
  "$llmc" compile "$node/test_relu/model.onnx" --target aarch64-linux-gnu --features "+$1" \
    -o "$work/relu-$1.llmc"
  if qemu-aarch64 -cpu "$2" -L /usr/aarch64-linux-gnu "$build/bin/llmc-run" \
      "$work/relu-$1.llmc" --input "$node/test_relu/test_data_set_0/input_0.pb" \
      > "$work/mismatch-$1.out" 2>&1; then
    echo "run-qemu: a +$1 artifact ran on a $2" >&2; exit 1
  fi
  grep -q "artifact needs CPU feature '$1', which this machine (aarch64) does not have" \
    "$work/mismatch-$1.out" || { cat "$work/mismatch-$1.out" >&2; exit 1; }
done

step "AArch64 kernel variants against the generic kernels"
# The kernel sources compiled as the build compiles them for AArch64 (generic, and the dotprod,
# i8mm and SVE variants), linked into test/aarch64/kernel_variants.c: bit-for-bit equal results.
kernels="$root/backends/cpu/kernels"
cflags=(--target=aarch64-linux-gnu -std=c11 -O2 -ffreestanding -fno-math-errno -fPIC -Wall -Werror
        -I"$root/runtime/include")
clang=/usr/lib/llvm-22/bin/clang
mkdir -p "$work/variants"
"$clang" "${cflags[@]}" -c "$kernels/linear.c" -o "$work/variants/linear.o"
"$clang" "${cflags[@]}" -c "$kernels/qgemm.c" -o "$work/variants/qgemm.o"
"$clang" "${cflags[@]}" -march=armv8.2-a+dotprod -DLLMC_KERNEL_VARIANT_DOTPROD \
  -c "$kernels/linear.c" -o "$work/variants/linear_dotprod.o"
"$clang" "${cflags[@]}" -march=armv8.2-a+i8mm -DLLMC_KERNEL_VARIANT_I8MM \
  -c "$kernels/qgemm.c" -o "$work/variants/qgemm_i8mm.o"
"$clang" "${cflags[@]}" -march=armv8.2-a+sve -DLLMC_KERNEL_VARIANT_SVE \
  -c "$kernels/qgemm.c" -o "$work/variants/qgemm_sve.o"
aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -I"$root" -I"$root/runtime/include" \
  "$root/test/aarch64/kernel_variants.c" "$work"/variants/*.o -o "$work/variants/kernel_variants"
# qemu's "max" CPU has SVE; its vector length is set in bytes.
for bytes in 16 32 64 256; do
  echo "run-qemu: SVE vector length $((bytes * 8)) bits"
  qemu-aarch64 -cpu max,sve-default-vector-length=$bytes -L /usr/aarch64-linux-gnu \
    "$work/variants/kernel_variants" > "$work/variants/sve-$bytes.out"
  grep -q "u8s8 sve" "$work/variants/sve-$bytes.out" ||
    { echo "run-qemu: the SVE kernel did not run" >&2; exit 1; }
done
cat "$work/variants/sve-64.out"

step "end-to-end models"
"$llmc" compile "$root/models/tiny_cnn/model.onnx" --target aarch64-linux-gnu -o "$work/tiny_cnn.llmc"
"${run[@]}" "$work/tiny_cnn.llmc" --input "$root/models/tiny_cnn/test_data_set_0/input_0.pb" \
  --output-dir "$work/tiny_cnn" --compare "$root/models/tiny_cnn/test_data_set_0"
$python "$root/test/e2e/make_transformer_model.py" "$work"
"$llmc" compile "$work/transformer.onnx" --target aarch64-linux-gnu -o "$work/transformer.llmc"
for set in 0 1; do
  "${run[@]}" "$work/transformer.llmc" --input "$work/transformer_set_$set/input_0.pb" \
    --output-dir "$work/transformer-$set" --compare "$work/transformer_set_$set" --threads 2
done

# The integer GEMM (MatMulInteger, QLinearMatMul) and the integer convolutions on it, exactly:
# the generic kernel, with i8mm the SUDOT one and with SVE (without i8mm) the SVE one (qemu's
# default CPU has both).
for model in integer_matmul integer_conv; do
  mkdir -p "$work/$model"
  $python "$root/test/e2e/make_${model}_model.py" "$work/$model" > /dev/null
  inputs=()
  for input in $(ls "$work/$model/test_data_set_0" | grep '^input_' | sort -V); do
    inputs+=(--input "$work/$model/test_data_set_0/$input")
  done
  for features in +neon +i8mm +sve; do
    "$llmc" compile "$work/$model/model.onnx" --target aarch64-linux-gnu --features "$features" \
      -o "$work/$model$features.llmc"
    for threads in 1 2; do
      "${run[@]}" "$work/$model$features.llmc" "${inputs[@]}" --threads $threads \
        --output-dir "$work/$model/out$features" --compare "$work/$model/test_data_set_0"
    done
  done
done

step "GGUF language models"
gguf="$root/test/frontends/gguf"
for spec in "llama Q8_0 +dotprod" "llama Q4_0 +dotprod" "gpt2 F16 +neon"; do
  set -- $spec
  name="$1-$2"
  $python "$gguf/make_gguf.py" "$work/$name.gguf" --arch "$1" --type "$2"
  $python "$gguf/llama_reference.py" "$work/$name.gguf" --prompt-ids 1,20,23,25 -n 10 \
    > "$work/$name.reference"
  for features in +neon "$3"; do
    "$llmc" compile "$work/$name.gguf" --target aarch64-linux-gnu --features "$features" \
      -o "$work/$name$features.llmc"
    "${run[@]}" generate "$work/$name$features.llmc" --prompt-ids 1,20,23,25 -n 10 --temp 0 \
      --print-ids --ignore-eos --quiet --threads 2 > "$work/$name$features.ids"
    diff "$work/$name$features.ids" "$work/$name.reference" ||
      { echo "run-qemu: $name ($features): the greedy ids differ from the reference" >&2; exit 1; }
  done
done

step "ONNX node tests under qemu"
$python "$root/tools/conformance/onnx_conformance.py" --llmc "$llmc" --jobs 2 --filter '^node/' \
  --target aarch64-linux-gnu --runner "${run[*]}" \
  --expect-pass "$root/test/aarch64/expected-pass.txt" --json "$work/conformance.json"
step "all passed"
