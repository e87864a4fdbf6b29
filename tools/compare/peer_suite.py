#!/usr/bin/python3
"""Compares llmc with ONNX Runtime on real and framework-style models.

  peer_suite.py --llmc build/bin/llmc [--ort third_party/ort] [--models third_party/models]
                [--work DIR] [--filter REGEX]

Real models come from scripts/install-peer.sh; the framework-style ones are written by
make_peer_models.py into the work folder. Each model is compiled once with its dynamic dims
left dynamic and run at two different sizes, and every output is compared with ONNX Runtime's
(compare_with_ort.py). Prints one line per model and "peer: N of M models match ONNX Runtime";
exits 1 when a model fails, 77 (skipped) when ONNX Runtime is not installed.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# name, file (in the models folder, or generated), compare_with_ort.py arguments. Inputs that
# must hold specific values (a sample rate) are files written below.
MODELS = [
    ("ocr_det", "models/ocr_det.onnx",
     ["--dim", "p2o.DynamicDimension.0=1", "--dim", "p2o.DynamicDimension.1=96,160",
      "--dim", "p2o.DynamicDimension.2=128,96"]),
    ("ocr_rec", "models/ocr_rec.onnx",
     ["--dim", "p2o.DynamicDimension.0=1,2", "--dim", "p2o.DynamicDimension.1=160,320"]),
    ("ocr_cls", "models/ocr_cls.onnx",
     ["--dim", "p2o.DynamicDimension.0=1,3", "--dim", "p2o.DynamicDimension.1=48",
      "--dim", "p2o.DynamicDimension.2=192,100"]),
    ("silero_vad_v4", "models/silero_vad_v4.onnx",
     ["--dim", "batch=1,2", "--dim", "sequence=512,1536", "--input", "sr=@sr16k"]),
    ("silero_vad_v5", "models/silero_vad_v5.onnx",
     ["--shape", "input=1x512,2x512", "--shape", "state=2x1x128,2x2x128", "--input", "sr=@sr16k"]),
    ("silero_vad_v6", "models/silero_vad_v6.onnx",
     ["--shape", "input=1x512,1x512", "--shape", "state=2x1x128", "--input", "sr=@sr16k"]),
    ("wakeword_hello_deepa", "models/wakeword_hello_deepa.onnx", []),
    ("wakeword_namaste_deepa", "models/wakeword_namaste_deepa.onnx", []),
    ("oww_melspectrogram", "models/oww_melspectrogram.onnx",
     ["--dim", "batch_size=1,2", "--dim", "samples=1760,3040", "--float-range=-1000,1000"]),
    ("oww_embedding", "models/oww_embedding.onnx", ["--dim", "unk__314=1,3", "--float-range=0,4"]),
    ("wakeword_hey_jarvis", "models/wakeword_hey_jarvis.onnx", []),
    ("gpt", "generated/gpt.onnx",
     ["--dim", "batch=1,2", "--dim", "sequence=7,19", "--int-max", "96"]),
    ("bert", "generated/bert.onnx",
     ["--dim", "batch=2,1", "--dim", "sequence=9,16", "--int-max", "2"]),
    ("melspec", "generated/melspec.onnx", ["--dim", "batch=1,2", "--dim", "samples=4000,2333"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llmc", required=True)
    parser.add_argument("--ort", default=os.path.join(ROOT, "third_party", "ort"))
    parser.add_argument("--models", default=os.path.join(ROOT, "third_party", "models"))
    parser.add_argument("--work", help="folder for generated models and runs")
    parser.add_argument("--filter", default="")
    args = parser.parse_args()

    if not os.path.isdir(os.path.join(args.ort, "node_modules", "onnxruntime-node")):
        print(f"peer: skipped, ONNX Runtime is not installed in {args.ort} "
              "(run scripts/install-peer.sh)")
        return 77
    work = args.work or tempfile.mkdtemp(prefix="llmc-peer-")
    generated = os.path.join(work, "generated")
    subprocess.run([sys.executable, os.path.join(HERE, "make_peer_models.py"), generated],
                   check=True)
    sr = os.path.join(work, "sr16k.npy")
    np.save(sr, np.array(16000, dtype=np.int64))

    passed, total, failures = 0, 0, []
    for name, file, extra in MODELS:
        if not re.search(args.filter, name):
            continue
        kind, base = file.split("/", 1)
        path = os.path.join(args.models if kind == "models" else generated, base)
        total += 1
        if not os.path.exists(path):
            print(f"{name}: MISSING {path} (run scripts/install-peer.sh)")
            failures.append(name)
            continue
        extra = [a.replace("@sr16k", sr) for a in extra]
        cmd = [sys.executable, os.path.join(HERE, "compare_with_ort.py"), path, "--llmc",
               args.llmc, "--ort", args.ort, "--keep", os.path.join(work, name)] + extra
        result = subprocess.run(cmd, capture_output=True, text=True)
        lines = (result.stdout + result.stderr).strip().splitlines()
        if result.returncode == 0:
            passed += 1
            print(f"{name}: match")
        else:
            failures.append(name)
            print(f"{name}: FAIL\n  " + "\n  ".join(lines[-6:]))
    print(f"peer: {passed} of {total} models match ONNX Runtime")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
