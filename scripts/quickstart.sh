#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build, then compile the bundled models into
# native artifacts and run them: models/tiny_cnn (an ONNX image classifier) and
# models/tiny_llama (a GGUF language model that the repository generates).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
model="$root/models/tiny_cnn"
out="$root/build/quickstart"
mkdir -p "$out"
set -x
"$root/build/bin/llmc" compile "$model/model.onnx" -o "$out/tiny_cnn.llmc"
"$root/build/bin/llmc" inspect "$out/tiny_cnn.llmc"
"$root/build/bin/llmc" run "$out/tiny_cnn.llmc" --input "$model/test_data_set_0/input_0.pb" \
  --output-dir "$out" --compare "$model/test_data_set_0"
# The bundled language model, models/tiny_llama: a bigram model of its corpus.txt written as
# llama weights, generated here as GGUF, compiled, and asked to continue "The compiler".
mkdir -p "$root/build/models"
/usr/bin/python3 "$root/models/tiny_llama/make_tiny_llama.py" "$root/build/models/tiny-llama.gguf"
"$root/build/bin/llmc" compile "$root/build/models/tiny-llama.gguf" -o "$out/tiny-llama.llmc"
"$root/build/bin/llmc" generate "$out/tiny-llama.llmc" -p "The compiler" -n 48 --temp 0.7 --seed 1
{ set +x; } 2>/dev/null
echo "quickstart: above, 48 tokens sampled after \"The compiler\" by models/tiny_llama, a bigram" \
  "model of its corpus.txt compiled to native code (see models/tiny_llama/README.md)"
