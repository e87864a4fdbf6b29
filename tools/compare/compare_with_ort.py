#!/usr/bin/python3
"""Compiles an ONNX model with llmc and runs it next to ONNX Runtime on the same inputs.

  compare_with_ort.py MODEL.onnx --llmc build/bin/llmc [--dim NAME=N] [--input NAME=FILE.npy]
                      [--shape NAME=2x16000] [--pin] [--runs K] [--seed S] [--rtol R] [--atol A]

Inputs not given as files are drawn at random (seeded) from each graph input's type and shape;
a dim_param dim takes its value from --dim, then --shape, else --default-dim. A --dim or
--shape value may list one choice per run, comma-separated (--dim sequence=7,19): the model is
compiled once and run at each. The model is
compiled once without pinning any shape (unless --pin), then every run compares each output:
shapes must be equal, floats must satisfy |llmc - ort| <= atol + rtol * |ort|, and integers and
bools must be equal. Exit code: 0 all match, 1 a mismatch or a run failure, 2 a compile failure
or bad usage. ONNX Runtime comes from scripts/install-ort.sh (the npm package
onnxruntime-node, whose CPU library is the peer llmc is measured against).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

NUMPY_OF_ONNX = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.FLOAT16: np.float16, onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.INT16: np.int16,
    onnx.TensorProto.UINT16: np.uint16, onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.UINT32: np.uint32, onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.UINT64: np.uint64, onnx.TensorProto.BOOL: np.bool_,
}


def parse_pairs(items, what):
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            sys.exit(f"compare_with_ort: {what} wants NAME=VALUE, got '{item}'")
        pairs[name] = value
    return pairs


def graph_inputs(model):
    initializers = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in initializers]


def pick(value, run):
    choices = value.split(",")
    return choices[run % len(choices)]


def input_shape(value_info, dims, shapes, default_dim, run=0):
    if value_info.name in shapes:
        return [int(d) for d in pick(shapes[value_info.name], run).split("x") if d]
    shape = []
    for d in value_info.type.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            shape.append(d.dim_value)
        elif d.dim_param in dims:
            shape.append(int(pick(dims[d.dim_param], run)))
        else:
            shape.append(default_dim)
    return shape


def random_input(rng, dtype, shape, float_range, int_max):
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.floating):
        return rng.uniform(float_range[0], float_range[1], size=shape).astype(dtype)
    return rng.integers(0, int_max, size=shape).astype(dtype)


def compare(got, want, rtol, atol):
    """Returns (ok, summary) for one output."""
    if got.shape != want.shape:
        return False, f"shape {got.shape} against ONNX Runtime's {want.shape}"
    if got.dtype != want.dtype:
        return False, f"dtype {got.dtype} against ONNX Runtime's {want.dtype}"
    if not np.issubdtype(want.dtype, np.floating):
        bad = int(np.count_nonzero(got != want))
        return bad == 0, f"{bad} of {want.size} elements differ" if bad else "exact"
    g, w = got.astype(np.float64), want.astype(np.float64)
    same_nan = np.isnan(g) & np.isnan(w)
    diff = np.where(same_nan, 0.0, np.abs(g - w))
    bound = atol + rtol * np.abs(w)
    bad = int(np.count_nonzero(~(diff <= bound)))
    worst = float(np.nanmax(diff)) if diff.size else 0.0
    text = f"max |diff| {worst:.3g}"
    if bad:
        text += f", {bad} of {want.size} elements out of tolerance"
    return bad == 0, text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--llmc", default=os.path.join(ROOT, "build", "bin", "llmc"))
    parser.add_argument("--ort", default=os.path.join(ROOT, "third_party", "ort"),
                        help="folder holding node_modules/onnxruntime-node")
    parser.add_argument("--dim", action="append", default=[], help="dim_param value NAME=N")
    parser.add_argument("--shape", action="append", default=[], help="input shape NAME=AxB")
    parser.add_argument("--input", action="append", default=[], help="input file NAME=FILE.npy")
    parser.add_argument("--default-dim", type=int, default=1)
    parser.add_argument("--pin", action="store_true", help="compile with the run's shapes pinned")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--float-range", default="-1,1")
    parser.add_argument("--int-max", type=int, default=8)
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--keep", help="folder to keep the artifact, inputs and outputs in")
    args = parser.parse_args()

    model = onnx.load(args.model, load_external_data=False)
    dims = parse_pairs(args.dim, "--dim")
    shapes = parse_pairs(args.shape, "--shape")
    files = parse_pairs(args.input, "--input")
    float_range = [float(v) for v in args.float_range.split(",")]
    inputs = graph_inputs(model)
    work = args.keep or tempfile.mkdtemp(prefix="llmc-ort-")
    os.makedirs(work, exist_ok=True)
    artifact = os.path.join(work, "model.llmc")
    name = os.path.basename(args.model)

    compile_cmd = [args.llmc, "compile", args.model, "-o", artifact]
    if args.pin:
        for vi in inputs:
            if vi.name not in files:
                shape = input_shape(vi, dims, shapes, args.default_dim)
                compile_cmd.append(f"--input-shape={vi.name}=" + "x".join(map(str, shape)))
    start = time.time()
    built = subprocess.run(compile_cmd, capture_output=True, text=True)
    if built.returncode != 0:
        print(f"{name}: COMPILE FAILED\n{built.stderr.strip()}")
        return 2
    print(f"{name}: compiled in {time.time() - start:.1f} s")

    rng = np.random.default_rng(args.seed)
    all_ok = True
    for run in range(args.runs):
        run_dir = os.path.join(work, f"run{run}")
        os.makedirs(run_dir, exist_ok=True)
        specs = []
        for vi in inputs:
            path = files.get(vi.name)
            if path is None:
                dtype = NUMPY_OF_ONNX.get(vi.type.tensor_type.elem_type)
                if dtype is None:
                    print(f"{name}: input '{vi.name}' has a type this tool cannot generate")
                    return 2
                shape = input_shape(vi, dims, shapes, args.default_dim, run)
                path = os.path.join(run_dir, f"input_{vi.name.replace('/', '_')}.npy")
                np.save(path, random_input(rng, dtype, shape, float_range, args.int_max))
            specs.append((vi.name, path))
        ours, theirs = os.path.join(run_dir, "llmc"), os.path.join(run_dir, "ort")
        run_cmd = [args.llmc, "run", artifact, "--output-dir", ours]
        ort_cmd = ["node", os.path.join(HERE, "ort_run.mjs"), args.model, "--output-dir", theirs,
                   "--ort", args.ort]
        for input_name, path in specs:
            run_cmd += ["--input", f"{input_name}={path}"]
            ort_cmd += ["--input", f"{input_name}={path}"]
        result = subprocess.run(run_cmd, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"{name}: run {run}: llmc run FAILED\n{result.stderr.strip()}")
            all_ok = False
            continue
        result = subprocess.run(ort_cmd, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"{name}: run {run}: ONNX Runtime failed\n{result.stderr.strip()}")
            return 2
        for k, output in enumerate(model.graph.output):
            got = np.load(os.path.join(ours, f"output_{k}.npy"))
            want = np.load(os.path.join(theirs, f"output_{k}.npy"))
            ok, text = compare(got, want, args.rtol, args.atol)
            all_ok &= ok
            print(f"{name}: run {run}: output '{output.name}' {list(want.shape)}: "
                  f"{'match' if ok else 'MISMATCH'} ({text})")
    print(f"{name}: {'MATCH' if all_ok else 'MISMATCH'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
