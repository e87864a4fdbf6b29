#!/usr/bin/env bash
# Quick start, command 1: install what is needed, build, and compile the bundled default model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
echo "== llmc compile models/resnet_block.mlir --emit=mlir"
"$root/build/bin/llmc" compile "$root/models/resnet_block.mlir" --emit=mlir -o "$root/build/resnet_block.opt.mlir"
cat "$root/build/resnet_block.opt.mlir"
echo "== wrote build/resnet_block.opt.mlir"
