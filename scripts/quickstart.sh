#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build, then compile the bundled model
# (models/tiny_cnn, an ONNX image classifier) into a native artifact and run it.
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
