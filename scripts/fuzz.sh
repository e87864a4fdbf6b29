#!/usr/bin/env bash
# Builds llmc's sanitizer configuration with clang-22 (LLMC_FUZZ=ON, in build-fuzz/: the whole
# project, with AddressSanitizer and UndefinedBehaviorSanitizer on the runtime, the llm dialect's
# IR, the frontends, the drivers and the tests) and runs its libFuzzer targets on seed corpora
# made from the test data:
#
#   llmc-fuzz-artifact  the runtime's artifact loader and verifier (tools/fuzz/FuzzArtifact.cpp)
#   llmc-fuzz-gguf      the GGUF reader (tools/fuzz/FuzzGGUF.cpp)
#   llmc-fuzz-onnx      the ONNX importer, bytes to ModelProto to the llm dialect
#                       (tools/fuzz/FuzzONNX.cpp)
#
#   scripts/fuzz.sh [--runs N | --seconds S] [--target artifact|gguf|onnx] [--tests | --all-tests]
#                   [--llmc PATH] [--build DIR] [--work DIR]
#
# --runs N (default 20000) executes exactly N inputs per target with -seed=1: the same inputs,
# in the same order, on every machine, which is what CI runs; --runs artifact=N,onnx=M,... gives
# each target its own count (a target left out runs the default), and --runs 0 runs none.
# --seconds S runs each target for S seconds instead (-max_total_time), for longer campaigns. Every input must
# finish within 1 s (-timeout=1) and use at most 2 GiB; a crash, a sanitizer report, a leak or a
# timeout stops the target, leaves the input in WORK/TARGET/ and makes the script exit 1.
#
# Artifact seeds are compiled from the bundled models and a few ONNX node tests by the main
# build's llmc (--llmc, default build/bin/llmc); GGUF seeds come from
# test/frontends/gguf/make_gguf.py and models/tiny_llama/make_tiny_llama.py; ONNX seeds are the
# models of the ONNX backend test suite (libonnx-testdata) and the bundled CNN.
#
# --tests first builds everything and runs, under the sanitizers, the subset of the test suite
# that CI runs (docs/security.md): the runtime's, the dialect's, the GGUF reader's and the
# kernels' unit tests (ctest), the lit tests of the frontends, the drivers and the end-to-end
# models, and the concurrency and churn checks of test/runtime/StressModel.cpp under ASan and
# LeakSanitizer (a transformer shared by 8 threads x 200 calls, and 10,000 load/run/unload
# cycles of the tiny CNN). --all-tests runs the whole test suite instead: every ctest entry of
# the sanitizer build, the whole lit suite and the ONNX conformance suite among them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=20000
seconds=
targets=(artifact gguf onnx)
tests=
llmc="$root/build/bin/llmc"
build="$root/build-fuzz"
work="$root/build-fuzz/work"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; seconds=; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --target) targets=("$2"); shift 2 ;;
    --tests) tests=subset; shift ;;
    --all-tests) tests=all; shift ;;
    --llmc) llmc="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for target in "${targets[@]}"; do
  case "$target" in
    artifact|gguf|onnx) ;;
    *) echo "fuzz.sh: unknown target '$target' (expected artifact, gguf or onnx)" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^([0-9]+|[a-z]+=[0-9]+(,[a-z]+=[0-9]+)*)$ ]] ||
  { echo "fuzz.sh: --runs takes N or TARGET=N,TARGET=N,... (got '$runs')" >&2; exit 2; }
[ -x "$llmc" ] || { echo "fuzz.sh: no llmc at $llmc to compile the artifact seeds (build it, or --llmc PATH)" >&2; exit 2; }

"$root/scripts/install-deps.sh"
mkdir -p "$build" "$work"
build="$(cd "$build" && pwd)" work="$(cd "$work" && pwd)"
cmake -S "$root" -B "$build" -G Ninja -DLLMC_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=/usr/lib/llvm-22/bin/clang -DCMAKE_CXX_COMPILER=/usr/lib/llvm-22/bin/clang++ \
  > "$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; exit 1; }
if [ -n "$tests" ]; then
  ninja -C "$build"
else
  ninja -C "$build" "${targets[@]/#/llmc-fuzz-}"
fi

python=/usr/bin/python3
node=/usr/share/libonnx-testdata/data/node
seeds="$work/seeds"
rm -rf "$seeds" && mkdir -p "$seeds/artifact" "$seeds/gguf" "$seeds/onnx" "$work/models"
# ONNX models: every model of the ONNX backend test suite under 64 KiB (all of them in 1.12), and
# the bundled CNN.
testdata=/usr/share/libonnx-testdata/data
find "$testdata" -name model.onnx -size -64k | while read -r model; do
  relative="${model#$testdata/}"
  cp "$model" "$seeds/onnx/${relative//\//_}"
done
cp "$root/models/tiny_cnn/model.onnx" "$seeds/onnx/tiny_cnn.onnx"
# GGUF files: the tiny llama, and small models of each architecture and weight type.
$python "$root/models/tiny_llama/make_tiny_llama.py" "$seeds/gguf/tiny_llama.gguf" > /dev/null
for spec in "llama Q8_0 32 1" "llama Q4_0 32 1" "llama Q4_K 256 1" "llama Q6_K 256 1" \
    "qwen2 F16 32 1" "gpt2 BF16 32 2"; do
  set -- $spec
  $python "$root/test/frontends/gguf/make_gguf.py" "$seeds/gguf/$1-$2.gguf" --arch "$1" \
    --type "$2" --dim "$3" --layers 1 --heads 2 --hidden "$3" \
    $([ "$4" = 1 ] && echo --kv-heads 1) > /dev/null
done
# Artifacts: an ONNX CNN, node tests, and a language model (entry points with states, a
# tokenizer); each seed twice, with the first byte asking for the checksum as is (0) and resealed
# (1) (see FuzzArtifact.cpp).
"$llmc" compile "$root/models/tiny_cnn/model.onnx" -o "$work/models/tiny_cnn.llmc"
for test in test_relu test_add_bcast test_matmul_2d test_gather_0 test_if; do
  [ -f "$node/$test/model.onnx" ] && "$llmc" compile "$node/$test/model.onnx" -o "$work/models/$test.llmc"
done
"$llmc" compile "$seeds/gguf/tiny_llama.gguf" --context-length 64 -o "$work/models/tiny_llama.llmc"
for model in "$work"/models/*.llmc; do
  name=$(basename "$model" .llmc)
  { printf '\0'; cat "$model"; } > "$seeds/artifact/$name-as-is"
  { printf '\1'; cat "$model"; } > "$seeds/artifact/$name-resealed"
done

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
if [ "$tests" = all ]; then
  echo "fuzz.sh: the whole test suite under ASan and UBSan"
  ctest --test-dir "$build" -j2 --output-on-failure > "$work/ctest.log" 2>&1 ||
    { tail -200 "$work/ctest.log" >&2; echo "fuzz.sh: tests failed under the sanitizers; see $work/ctest.log" >&2; exit 1; }
  grep -E "tests passed" "$work/ctest.log"
elif [ "$tests" = subset ]; then
  echo "fuzz.sh: the unit tests under ASan and UBSan"
  ctest --test-dir "$build" -j2 --output-on-failure -E '^(lit|onnx-conformance|aarch64-qemu|ort-peer)$' \
    > "$work/ctest.log" 2>&1 ||
    { tail -200 "$work/ctest.log" >&2; echo "fuzz.sh: unit tests failed under the sanitizers; see $work/ctest.log" >&2; exit 1; }
  grep -E "tests passed" "$work/ctest.log"
  echo "fuzz.sh: the lit tests of the frontends, the drivers and the end-to-end models under ASan and UBSan"
  /usr/lib/llvm-22/bin/lit -sv "$build/test/frontends" "$build/test/tools" "$build/test/e2e" \
    > "$work/lit.log" 2>&1 ||
    { tail -200 "$work/lit.log" >&2; echo "fuzz.sh: lit tests failed under the sanitizers; see $work/lit.log" >&2; exit 1; }
  grep -E "^ *(Passed|Failed|Unsupported|Expectedly)" "$work/lit.log"
fi
if [ -n "$tests" ]; then
  echo "fuzz.sh: concurrency and churn under ASan, UBSan and LeakSanitizer"
  $python "$root/test/e2e/make_transformer_model.py" "$work/models" > /dev/null
  "$build/bin/llmc" compile "$work/models/transformer.onnx" -o "$work/models/transformer.llmc"
  "$build/bin/llmc-runtime-stress" "$work/models/transformer.llmc" \
    --input "$work/models/transformer_set_0/input_0.pb" concurrency --callers 8 --calls 200
  # llmc-runtime-stress keeps ASan's quarantine at 16 MiB itself (StressModel.cpp), so that the
  # resident set measures what the runtime keeps.
  "$build/bin/llmc-runtime-stress" \
    "$work/models/tiny_cnn.llmc" --input "$root/models/tiny_cnn/test_data_set_0/input_0.pb" \
    churn --cycles 10000 --max-growth-mib 8
fi

# The number of inputs for TARGET from --runs (N, or TARGET=N among comma-separated pairs).
runs_for() {
  case "$runs" in
    *=*) local pair
         for pair in ${runs//,/ }; do
           [ "${pair%%=*}" = "$1" ] && { echo "${pair#*=}"; return; }
         done
         echo 20000 ;;
    *) echo "$runs" ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  if [ -n "$seconds" ]; then
    limit=(-max_total_time="$seconds") label="$seconds s"
  else
    count="$(runs_for "$target")"
    [ "$count" = 0 ] && continue
    limit=(-runs="$count") label="$count runs"
  fi
  corpus="$work/$target/corpus"
  rm -rf "$work/$target" && mkdir -p "$corpus"
  echo "fuzz.sh: llmc-fuzz-$target, $label, seed 1"
  if ! (cd "$work/$target" &&
        "$build/bin/llmc-fuzz-$target" -seed=1 -timeout=1 -rss_limit_mb=2048 \
          -print_final_stats=1 "${limit[@]}" "$corpus" "$seeds/$target" \
          > "$work/$target/fuzz.log" 2>&1); then
    tail -40 "$work/$target/fuzz.log" >&2
    echo "fuzz.sh: llmc-fuzz-$target FAILED; its log and input are in $work/$target" >&2
    status=1
    continue
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|Done [0-9]+ runs" \
    "$work/$target/fuzz.log" | sed "s/^/fuzz.sh: $target: /"
done
exit $status
