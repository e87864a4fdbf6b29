#!/usr/bin/python3
"""Times llmc and ONNX Runtime side by side on matmuls, convolutions and small transformers.

  perf_suite.py --llmc build/bin/llmc [--ort third_party/ort] [--threads 1,2] [--rounds 3]
                [--target-ms 300] [--probe-timeout 10] [--filter REGEX] [--no-decode]
                [--work DIR]
                [--write-doc docs/performance.md] [--json FILE]

Each case is an ONNX model written here (matmuls with a constant B, ResNet and MobileNet conv
layers, one transformer block) or by tools/compare/make_peer_models.py (4-layer width-256 GPT
and BERT), compiled once with `llmc compile`. Both runtimes get the same .npy inputs and the same
thread budget (`llmc bench --threads N`; ORT intraOpNumThreads N, interOpNumThreads 1), and run
alternately llmc, ORT, llmc, ORT, ... for --rounds rounds per case and thread count; each run
reports the median of its timed iterations and the table shows the median of those medians.
speedup = ORT ms / llmc ms (> 1: llmc is faster). The roofline comes from this machine:
llmc-peak (fp32 FMA throughput) and llmc-membw (read bandwidth) at each thread count, the
higher of a measurement before and one after the cases; a case's
ceiling is min(peak, bytes-per-flop-limited rate), bytes being its inputs, weights and outputs.
The LLM decode step (llm_decode_bench.py's model, Q8_0) is llmc only: ORT has no GGUF reader.
Without ONNX Runtime the ORT columns say so and the script still exits 0. This is a benchmark,
not a test: it asserts nothing about speed.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools", "compare"))
sys.path.insert(0, HERE)
import make_peer_models  # noqa: E402
import llm_decode_bench  # noqa: E402

GPT_SIZES = dict(layers=4, width=256, heads=4, tokens=64)


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def save(model, path):
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def matmul_model(m, n, k, rng):
    b = numpy_helper.from_array(rng.uniform(-1, 1, [k, n]).astype(np.float32), "b")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["y"])], f"matmul_{m}x{n}x{k}",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], [b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def int8_peak_factor():
    """The int8 multiply-add peak as a multiple of the fp32 FMA peak, for the instructions
    llmc's integer GEMM uses on this CPU: AMX's TDPBUSD does 1,024 per cycle (32x the 32 of two
    AVX-512 FMA units), AVX512-VNNI's VPDPBUSD four times an FMA's; otherwise the generic
    kernel's 32-bit multiply-adds, at the FMA's rate."""
    try:
        flags = set(re.search(r"^flags\s*:(.*)$", open("/proc/cpuinfo").read(), re.M)
                    .group(1).split())
    except (OSError, AttributeError):
        return 1
    if {"amx_tile", "amx_int8", "avx512_vnni"} <= flags:
        return 32
    return 4 if "avx512_vnni" in flags else 1


def bf16_peak_factor():
    """The bf16 multiply-add peak as a multiple of the fp32 FMA peak, for the instructions llmc's
    bf16 GEMM uses on this CPU: AMX's TDPBF16PS does 512 per cycle (16x the 32 of two AVX-512 FMA
    units); AVX512-BF16's VDPBF16PS does twice an FMA's work per instruction but issues at half
    the rate on Sapphire Rapids, and the generic kernel widens to f32 FMAs: 1."""
    try:
        flags = set(re.search(r"^flags\s*:(.*)$", open("/proc/cpuinfo").read(), re.M)
                    .group(1).split())
    except (OSError, AttributeError):
        return 1
    return 16 if {"amx_tile", "amx_bf16", "avx512_bf16"} <= flags else 1


def bf16_matmul_model(n, rng):
    """A bf16 MatMul by a constant bf16 weight between casts from and to f32 (ONNX's bf16 dense
    layer; the casts let both runtimes read the same f32 .npy)."""
    w = rng.uniform(-1, 1, [n, n]).astype(np.float32)
    weight = TensorProto()
    weight.name = "w"
    weight.data_type = TensorProto.BFLOAT16
    weight.dims.extend([n, n])
    weight.raw_data = (w.view(np.uint32) >> 16).astype("<u2").tobytes()
    graph = helper.make_graph(
        [helper.make_node("Cast", ["a"], ["a_bf16"], to=TensorProto.BFLOAT16),
         helper.make_node("MatMul", ["a_bf16", "w"], ["y_bf16"]),
         helper.make_node("Cast", ["y_bf16"], ["y"], to=TensorProto.FLOAT)],
        f"bf16_matmul_{n}",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def int8_matmul_model(m, n, k, rng):
    """MatMulInteger of a u8 activation (zero point 128) by a constant s8 weight, as quantizers
    write dense layers."""
    inits = [numpy_helper.from_array(rng.integers(-128, 128, [k, n]).astype(np.int8), "b"),
             numpy_helper.from_array(np.array(128, dtype=np.uint8), "a_zero")]
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b", "a_zero"], ["y"])],
        f"int8_matmul_{m}x{n}x{k}",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [m, n])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def int8_conv_model(channels, out_channels, size, kernel, rng):
    """ConvInteger of a u8 image (zero point 128) by a constant u8 weight (zero point 128), as
    quantizers write convolutions."""
    w = rng.integers(0, 256, [out_channels, channels, kernel, kernel]).astype(np.uint8)
    inits = [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(np.array(128, dtype=np.uint8), "x_zero"),
             numpy_helper.from_array(np.array(128, dtype=np.uint8), "w_zero")]
    pad = kernel // 2
    graph = helper.make_graph(
        [helper.make_node("ConvInteger", ["x", "w", "x_zero", "w_zero"], ["y"],
                          kernel_shape=[kernel, kernel], pads=[pad] * 4)],
        "int8_conv",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, channels, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.INT32,
                                       [1, out_channels, size, size])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def conv_model(channels, out_channels, size, kernel, group, rng):
    w = rng.uniform(-0.1, 0.1, [out_channels, channels // group, kernel, kernel])
    inits = [numpy_helper.from_array(w.astype(np.float32), "w"),
             numpy_helper.from_array(rng.uniform(-0.1, 0.1, [out_channels]).astype(np.float32),
                                     "bias")]
    pad = kernel // 2
    node = helper.make_node("Conv", ["x", "w", "bias"], ["y"], kernel_shape=[kernel, kernel],
                            pads=[pad] * 4, group=group)
    graph = helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, out_channels, size, size])],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def block_model(d, heads, tokens):
    """One pre-norm GPT-2 block, spelled as make_peer_models.gpt spells its layers."""
    g = make_peer_models.Graph(seed=4)
    x = "x"
    batch, seq = g.dim(x, 0), g.dim(x, 1)
    head_dim = d // heads
    h = g.layer_norm_decomposed(x, d)
    q, k, v = g.op("Split", [g.linear(h, d, 3 * d), g.i64([d, d, d])], outputs=3, axis=2)
    q, k, v = (g.heads(t, batch, seq, heads, head_dim) for t in (q, k, v))
    scores = g.op("Div", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]),
                          g.f32(np.sqrt(head_dim))])
    attn = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
    x = g.op("Add", [x, g.linear(g.merge_heads(attn, batch, seq, d), d, d)])
    h = g.linear(g.layer_norm_decomposed(x, d), d, 4 * d)
    erf = g.op("Erf", [g.op("Div", [h, g.f32(np.sqrt(2))])])
    gelu = g.op("Mul", [g.op("Mul", [h, g.f32(0.5)]), g.op("Add", [g.f32(1.0), erf])])
    x = g.op("Add", [x, g.linear(gelu, 4 * d, d)])
    g.nodes.append(helper.make_node("Identity", [x], ["y"]))
    return g.model([helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, tokens, d])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, tokens, d])], 17,
                   "block")


def transformer_flops(d, layers, tokens, extra=0):
    """Multiply-adds of the linear layers (12 d^2 per token and layer) and of attention."""
    return layers * (2 * tokens * 12 * d * d + 4 * tokens * tokens * d) + extra


def build_cases(work):
    """(name, onnx path, {input name: array}, flops, bytes moved at least once[, peak factor]):
    the peak factor scales the fp32 FMA peak to the case's own (int8_peak_factor for int8
    products, bf16_peak_factor for bf16 ones)."""
    rng = np.random.default_rng(0)
    cases = []
    matmuls = [(m, nk, nk) for m in (1, 64, 1024) for nk in (1024, 4096)]
    matmuls += [(1024, 1024, 1024), (2048, 2048, 2048)]
    for m, n, k in dict.fromkeys(matmuls):
        path = os.path.join(work, f"matmul_{m}x{n}x{k}.onnx")
        save(matmul_model(m, n, k, rng), path)
        a = rng.uniform(-1, 1, [m, k]).astype(np.float32)
        cases.append((f"matmul M={m} N={n} K={k}", path, {"a": a}, 2 * m * n * k,
                      4 * (m * k + k * n + m * n)))
    path = os.path.join(work, "bf16_matmul_1024.onnx")
    save(bf16_matmul_model(1024, rng), path)
    a = rng.uniform(-1, 1, [1024, 1024]).astype(np.float32)
    cases.append(("bf16 matmul M=N=K=1024", path, {"a": a}, 2 * 1024 ** 3,
                  4 * 1024 * 1024 * 2 + 2 * 1024 * 1024, bf16_peak_factor()))
    for m, n, k in [(1024, 1024, 1024), (64, 4096, 4096)]:
        path = os.path.join(work, f"int8_matmul_{m}x{n}x{k}.onnx")
        save(int8_matmul_model(m, n, k, rng), path)
        a = rng.integers(0, 256, [m, k]).astype(np.uint8)
        cases.append((f"int8 matmul M={m} N={n} K={k}", path, {"a": a}, 2 * m * n * k,
                      m * k + k * n + 4 * m * n, int8_peak_factor()))
    path = os.path.join(work, "int8_conv_resnet_3x3.onnx")
    save(int8_conv_model(64, 64, 56, 3, rng), path)
    x = rng.integers(0, 256, [1, 64, 56, 56]).astype(np.uint8)
    cases.append(("int8 conv ResNet 3x3 64->64 56x56", path, {"x": x},
                  2 * 64 * 56 * 56 * 64 * 9, 64 * 56 * 56 * 5 + 64 * 64 * 9, int8_peak_factor()))
    convs = [("conv ResNet 3x3 64->64 56x56", 64, 64, 56, 3, 1),
             ("conv ResNet 1x1 256->64 56x56", 256, 64, 56, 1, 1),
             ("conv MobileNet dw 3x3 32 112x112", 32, 32, 112, 3, 32),
             ("conv MobileNet pw 1x1 32->64 112x112", 32, 64, 112, 1, 1)]
    for name, cin, cout, size, kernel, group in convs:
        path = os.path.join(work, re.sub(r"[^a-z0-9]+", "_", name.lower()) + ".onnx")
        save(conv_model(cin, cout, size, kernel, group, rng), path)
        x = rng.uniform(-1, 1, [1, cin, size, size]).astype(np.float32)
        flops = 2 * cout * size * size * (cin // group) * kernel * kernel
        weights = cout * (cin // group) * kernel * kernel + cout
        cases.append((name, path, {"x": x}, flops,
                      4 * (cin * size * size + weights + cout * size * size)))
    d, layers, heads, tokens = (GPT_SIZES[key] for key in ("width", "layers", "heads", "tokens"))
    path = os.path.join(work, "block.onnx")
    save(block_model(d, heads, tokens), path)
    x = rng.uniform(-1, 1, [1, tokens, d]).astype(np.float32)
    cases.append((f"transformer block d={d} T={tokens}", path, {"x": x},
                  transformer_flops(d, 1, tokens), 4 * (12 * d * d + 2 * tokens * d)))
    run([sys.executable, os.path.join(ROOT, "tools", "compare", "make_peer_models.py"), work,
         "--layers", str(layers), "--width", str(d), "--heads", str(heads), "--only", "gpt",
         "bert"])
    vocab = 96
    ids = rng.integers(0, vocab, [1, tokens]).astype(np.int64)
    weights = 4 * layers * 12 * d * d
    cases.append((f"GPT {layers}L d={d} T={tokens}", os.path.join(work, "gpt.onnx"),
                  {"input_ids": ids}, transformer_flops(d, layers, tokens, 2 * tokens * d * vocab),
                  weights))
    bert_inputs = {"input_ids": ids, "attention_mask": np.ones([1, tokens], np.int64),
                   "token_type_ids": np.zeros([1, tokens], np.int64)}
    cases.append((f"BERT {layers}L d={d} T={tokens}", os.path.join(work, "bert.onnx"),
                  bert_inputs, transformer_flops(d, layers, tokens, 2 * d * d), weights))
    return cases


def probe(command, timeout):
    """The milliseconds of one run, or None when it takes longer than timeout seconds."""
    try:
        result = subprocess.run(command + ["--iterations", "1", "--warmup", "0", "--json"],
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout)["median_ms"]


def timed(command, probe_ms, target_ms):
    """The median of about target_ms of iterations, after a warm-up."""
    fewest = 1 if probe_ms > 1000 else 5
    iterations = int(min(max(target_ms / max(probe_ms, 0.001), fewest), 5000))
    warmup = "1" if probe_ms > 1000 else "2" if probe_ms > 100 else "3"
    out = run(command + ["--iterations", str(iterations), "--warmup", warmup, "--json"])
    return json.loads(out)["median_ms"]


def add_roofline(row, peak, bandwidth):
    """GFLOP/s of both runtimes and their fractions of the peak and of the roofline."""
    flops, t = row["flops"], row["threads"]
    # The peak measured alongside the case when there is one: on a shared machine the ceiling
    # moves with the other tenants' load, and the case ran under the load of its own moment.
    factor = row.get("peak_factor", 1)
    top = (row.get("peak_alongside") or peak[t]) * factor
    ceiling = min(top, bandwidth[t] * flops / row["bytes"])
    ms, ort = row["llmc_ms"], row["ort_ms"]
    gflops = flops / ms / 1e6 if ms else None
    row.update({"gflops": gflops, "ort_gflops": flops / ort / 1e6 if ort else None,
                "pct_peak": 100 * gflops / top if gflops else None,
                "pct_best_peak": 100 * gflops / (peak[t] * factor) if gflops else None,
                "pct_roofline": 100 * gflops / ceiling if gflops else None,
                "ort_pct_roofline": 100 * flops / ort / 1e6 / ceiling if ort else None})


def measure_peak(bin_dir, threads, repeats=5):
    """llmc-peak's fp32 FMA GFLOP/s on `threads` threads, the best of `repeats` runs."""
    return json.loads(run([os.path.join(bin_dir, "llmc-peak"), "--threads", str(threads),
                           "--repeats", str(repeats), "--json"]))["gflops"]


def machine_ceilings(bin_dir, threads):
    peak, bandwidth = {}, {}
    for t in threads:
        peak[t] = measure_peak(bin_dir, t)
        out = run([os.path.join(bin_dir, "llmc-membw"), "--mib", "1024", "--threads", str(t),
                   "--repeats", "3"])
        bandwidth[t] = float(re.search(r"read bandwidth: ([0-9.]+) GB/s", out).group(1))
    return peak, bandwidth


def decode_step(llmc, bin_dir, work, threads):
    """llm_decode_bench.py's 100M llama-shaped model at Q8_0: ms per decoded token."""
    gguf = os.path.join(work, "bench-100m-Q8_0.gguf")
    artifact = os.path.join(work, "bench-100m-Q8_0.llmc")
    run([sys.executable, os.path.join(ROOT, "test", "frontends", "gguf", "make_gguf.py"), gguf,
         "--preset", "bench-100m", "--type", "Q8_0"])
    run([llmc, "compile", gguf, "-o", artifact])
    weights, _ = llm_decode_bench.model_bytes(llmc, gguf)
    rows = []
    for t in threads:
        _, rate = llm_decode_bench.decode_rate(llmc, artifact, t, 32, 3)
        bound = llm_decode_bench.bandwidth(os.path.join(bin_dir, "llmc-membw"),
                                           int(weights / 2**20) + 1, t)
        rows.append({"case": "LLM decode step (100M, Q8_0)", "threads": t,
                     "llmc_ms": 1e3 / rate, "ort_ms": None, "speedup": None,
                     "gflops": None, "pct_peak": None,
                     "gbs": weights * rate / 1e9,
                     "pct_roofline": 100 * weights * rate / 1e9 / bound})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llmc", required=True)
    parser.add_argument("--ort", default=os.path.join(ROOT, "third_party", "ort"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--target-ms", type=float, default=300)
    parser.add_argument("--probe-timeout", type=float, default=10)
    parser.add_argument("--filter", default="")
    parser.add_argument("--no-decode", action="store_true")
    parser.add_argument("--work", default="/tmp/llmc-perf-suite")
    parser.add_argument("--write-doc")
    parser.add_argument("--json")
    args = parser.parse_args()
    llmc = os.path.abspath(args.llmc)
    bin_dir = os.path.dirname(llmc)
    threads = [int(t) for t in args.threads.split(",")]
    os.makedirs(args.work, exist_ok=True)
    have_ort = os.path.isdir(os.path.join(args.ort, "node_modules", "onnxruntime-node"))
    if not have_ort:
        print(f"perf_suite: ONNX Runtime is not installed in {args.ort} "
              "(scripts/install-peer.sh); timing llmc only", file=sys.stderr)

    peak, bandwidth = machine_ceilings(bin_dir, threads)
    print(f"peak fp32 GFLOP/s {peak}, read GB/s {bandwidth}", file=sys.stderr)
    rows, notes, timed_cases = [], [], []
    for name, path, inputs, flops, moved, *factor in build_cases(args.work):
        if args.filter and not re.search(args.filter, name):
            continue
        stem = os.path.splitext(path)[0]
        artifact = stem + ".llmc"
        try:
            run([llmc, "compile", path, "-o", artifact])
        except RuntimeError as error:
            notes.append(f"{name}: llmc compile failed: {str(error).splitlines()[-1]}")
            print(notes[-1], file=sys.stderr)
            continue
        specs = []
        for input_name, value in inputs.items():
            file = f"{stem}.{input_name}.npy"
            np.save(file, value)
            specs.append(f"{input_name}={file}")
        timed_cases.append((name, path, specs))
        for t in threads:
            llmc_command = [llmc, "bench", artifact, "--threads", str(t)]
            ort_command = ["node", os.path.join(HERE, "ort_bench.mjs"), path, "--threads",
                           str(t), "--ort", args.ort]
            for spec in specs:
                llmc_command += ["--input", spec]
                ort_command += ["--input", spec]
            # One untimed-warm-up run of each says how many iterations fill --target-ms, and
            # keeps a runtime that takes longer than --probe-timeout a run from stalling the
            # suite.
            llmc_probe = probe(llmc_command, args.probe_timeout)
            ort_probe = None
            if have_ort:
                try:
                    ort_probe = probe(ort_command, args.probe_timeout)
                except RuntimeError as error:
                    # ONNX Runtime may lack a kernel (its CPU provider has no bf16 MatMul).
                    reason = next((line.strip() for line in str(error).splitlines()
                                   if "Error" in line and "failed:" not in line),
                                  str(error).splitlines()[-1])
                    if t == threads[0]:
                        notes.append(f"{name}: ONNX Runtime cannot run it: {reason}")
                        print(notes[-1], file=sys.stderr)
            if llmc_probe is None:
                notes.append(f"{name}, {t} thread{'s' if t > 1 else ''}: one llmc run takes "
                             f"more than {args.probe_timeout:g} s; llmc not timed")
                print(notes[-1], file=sys.stderr)
            llmc_ms, ort_ms, peaks = [], [], []
            for _ in range(args.rounds):
                if llmc_probe is not None:
                    llmc_ms.append(timed(llmc_command, llmc_probe, args.target_ms))
                    peaks.append(measure_peak(bin_dir, t, repeats=2))
                if ort_probe is not None:
                    ort_ms.append(timed(ort_command, ort_probe, args.target_ms))
            ms = statistics.median(llmc_ms) if llmc_ms else None
            ort = statistics.median(ort_ms) if ort_ms else None
            rows.append({"case": name, "threads": t, "llmc_ms": ms, "ort_ms": ort,
                         "speedup": ort / ms if ort and ms else None, "flops": flops,
                         "bytes": moved, "gbs": None,
                         "peak_alongside": max(peaks) if peaks else None,
                         "peak_factor": factor[0] if factor else 1})
            add_roofline(rows[-1], peak, bandwidth)
            print(format_row(rows[-1]), file=sys.stderr)
    fusion_rows = fusion_ablations(llmc, args, threads, timed_cases, rows)
    if not args.no_decode and not args.filter:
        try:
            rows += decode_step(llmc, bin_dir, args.work, threads)
        except RuntimeError as error:
            notes.append(f"LLM decode step: {error}")

    # Other tenants of a shared machine only ever lower the ceilings: the higher of the
    # measurements before and after the cases is the one to compare with.
    after_peak, after_bandwidth = machine_ceilings(bin_dir, threads)
    for t in threads:
        peak[t] = max(peak[t], after_peak[t])
        bandwidth[t] = max(bandwidth[t], after_bandwidth[t])
    for row in rows:
        if row["gbs"] is None:
            add_roofline(row, peak, bandwidth)
    table = "\n".join([HEADER] + [format_row(row) for row in rows])
    print(table)
    fusion_table = "\n".join([FUSION_HEADER] + [format_fusion_row(row) for row in fusion_rows])
    if fusion_rows:
        print(fusion_table)
    for note in notes:
        print(f"note: {note}")
    machine = describe_machine(peak, bandwidth)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "peak_gflops": peak, "read_gbs": bandwidth,
                       "rows": rows, "fusion_rows": fusion_rows, "notes": notes,
                       "ort": have_ort}, f, indent=1)
            f.write("\n")
    if args.write_doc:
        write_doc(args, machine, table, fusion_table if fusion_rows else "", notes, have_ort)
    return 0


FUSIONS = [("no_gelu", ["gelu"]), ("no_attention", ["attention"]), ("no_norms", ["norms"]),
           ("no_norms_attention", ["norms", "attention"])]

FUSION_HEADER = ("| case | threads | all ms | without llm-fuse-gelu ms "
                 "| without llm-fuse-attention ms | without llm-fuse-norms ms "
                 "| without norms and attention ms |\n|---|---|---|---|---|---|---|")


def fusion_ablations(llmc, args, threads, timed_cases, rows):
    """The GPT and BERT cases compiled with fusion passes left out, llmc only."""
    results = []
    for name, path, specs in timed_cases:
        if not re.search("GPT|BERT", name):
            continue
        variants = {}
        for key, passes in FUSIONS:
            artifact = f"{os.path.splitext(path)[0]}.{key}.llmc"
            run([llmc, "compile", path, "-o", artifact, "--no-fuse=" + ",".join(passes)])
            variants[key] = artifact
        for t in threads:
            row = {"case": name, "threads": t,
                   "all": next((r["llmc_ms"] for r in rows
                                if r["case"] == name and r["threads"] == t), None)}
            for key, artifact in variants.items():
                command = [llmc, "bench", artifact, "--threads", str(t)]
                for spec in specs:
                    command += ["--input", spec]
                probe_ms = probe(command, args.probe_timeout)
                row[key] = None if probe_ms is None else statistics.median(
                    timed(command, probe_ms, args.target_ms) for _ in range(args.rounds))
            results.append(row)
            print(format_fusion_row(row), file=sys.stderr)
    return results


def format_fusion_row(row):
    def ms(value):
        return "not timed" if value is None else f"{value:.3f}"
    return (f"| {row['case']} | {row['threads']} | {ms(row['all'])} | {ms(row.get('no_gelu'))} "
            f"| {ms(row['no_attention'])} | {ms(row['no_norms'])} "
            f"| {ms(row['no_norms_attention'])} |")


HEADER = ("| case | threads | llmc ms | ORT ms | speedup (ORT/llmc) | llmc GFLOP/s | ORT GFLOP/s "
          "| llmc % of peak | llmc % of roofline | ORT % of roofline |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def format_row(row):
    def number(value, digits=None, missing="-"):
        if value is None:
            return missing
        if digits is None:
            digits = 3 if value < 10 else 1
        return f"{value:.{digits}f}"

    gflops = number(row["gflops"], 1) if row["gbs"] is None else f"{row['gbs']:.1f} GB/s"
    llmc_ms = number(row["llmc_ms"], missing="not timed")
    ort_ms = number(row["ort_ms"], missing="n/a")
    return (f"| {row['case']} | {row['threads']} | {llmc_ms} | {ort_ms} | "
            f"{number(row['speedup'], 2)} | {gflops} | {number(row.get('ort_gflops'), 1)} | "
            f"{number(row['pct_peak'], 1)} | {number(row['pct_roofline'], 1)} | "
            f"{number(row.get('ort_pct_roofline'), 1)} |")


def describe_machine(peak, bandwidth):
    cpu = "unknown CPU"
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    except (OSError, AttributeError):
        pass
    ceilings = ", ".join(f"{t} thread{'s' if t > 1 else ''}: {peak[t]:.0f} GFLOP/s fp32 FMA peak "
                         f"and {bandwidth[t]:.1f} GB/s read bandwidth" for t in peak)
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.machine()} ({ceilings})"


def write_doc(args, machine, table, fusion_table, notes, have_ort):
    command = ("/usr/bin/python3 tools/bench/perf_suite.py --llmc build/bin/llmc "
               f"--write-doc {args.write_doc}" + (f" --json {args.json}" if args.json else ""))
    missing_ort = "" if have_ort else (
        "\nONNX Runtime was not installed when this was generated: its columns say n/a.\n")
    int8_factor, bf16_factor = int8_peak_factor(), bf16_peak_factor()
    text = f"""# Performance: llmc next to ONNX Runtime

Generated by `{command}` on {machine}. Figures depend on the machine and its load, and this one
is a shared 2-CPU virtual machine: rerun the script to measure yours. When other work shares
the CPUs the 2-thread rows suffer first (the peak and bandwidth are the best of a measurement
before and one after the cases), so compare llmc with ORT within a row rather than across
thread counts.

How it measures (`tools/bench/perf_suite.py`):

- Every case is an ONNX model: MatMul with a constant B [K, N] (A [M, K] is the input), single
  Conv layers with bias at ResNet and MobileNet shapes, one pre-norm transformer block, and the
  GPT-style and BERT-style models of `tools/compare/make_peer_models.py` at 4 layers, width 256
  and 64 tokens. llmc compiles each once (`llmc compile`, default target: this CPU).
- Both runtimes read the same .npy inputs and get the same threads: `llmc bench --threads N`
  (one executor for the whole run) and ONNX Runtime 1.30 (npm onnxruntime-node, CPU provider,
  all graph optimizations, intraOpNumThreads N, interOpNumThreads 1) via
  `tools/bench/ort_bench.mjs`. Each run warms up (three times, twice past 100 ms, once past
  a second), then times at least five iterations (or --target-ms of them) and reports their
  median; runs alternate llmc, ORT, llmc, ORT for {args.rounds} rounds per case and thread
  count, and the table shows the median of the medians.
- *speedup* is ORT ms / llmc ms: above 1, llmc is faster. *GFLOP/s* counts a multiply-add as two
  flops (2·M·N·K for a matmul, 2·Cout·H·W·Cin/group·kh·kw for a convolution, the linear layers
  and attention products for the transformers). *% of peak* compares it with `llmc-peak` (fp32
  FMA chains in registers, the best of AVX-512 and AVX2) at the same thread count, measured
  right after each of the case's llmc runs (the best of those): the other tenants of a shared
  machine move its speed from minute to minute, and the case is compared with what the machine
  could do at the time. The JSON also has `pct_best_peak`, against the best peak of the whole
  run (in the first line). The *int8* cases (MatMulInteger of u8 activations by constant s8 weights,
  ConvInteger of a u8 image by constant u8 weights, which llmc runs on its integer GEMM, after
  im2row for the convolution: AMX, AVX512-VNNI or generic, whichever the CPU has) count GOP/s in the same column and compare with the int8 peak of the instructions
  llmc uses on this CPU, {int8_factor}x the fp32 FMA peak. The *bf16* case is a bf16 MatMul by a
  constant bf16 weight between casts from and to f32, which llmc runs on its bf16 GEMM (sums in
  f32; AMX-BF16, AVX512-BF16 or generic, whichever the CPU has; the casts included in its time);
  its peak is {bf16_factor}x the fp32 FMA peak, that of those instructions on this CPU. ONNX
  Runtime's CPU provider has no bf16 MatMul, so its column is empty there (see the notes).
  *% of roofline* compares it with min(peak, bandwidth × flops / bytes), bytes being the inputs,
  weights and outputs read or written once and bandwidth `llmc-membw`'s main-memory figure
  (1 GiB) at the same thread count. A case whose data fits in the caches can pass 100%.
- A runtime whose single probe run takes longer than `--probe-timeout` seconds (default 10) is
  not timed for that case, so that one slow kernel cannot stall the suite; runs over a second
  time a single iteration after one warm-up.
- The LLM decode step is `tools/bench/llm_decode_bench.py`'s 100M-parameter llama-shaped model at
  Q8_0 (32 tokens after an 8-token prompt, best of 3): llmc only, since ONNX Runtime reads no
  GGUF. Its row gives ms per token, the weight bytes streamed per second, and (last column) that
  as a fraction of `llmc-membw`'s bandwidth for a buffer the size of the weights.
{missing_ort}
{table}
"""
    if fusion_table:
        text += f"""
## What the fusion passes bring

The transformers again, compiled without some of the fusion passes (`llmc compile
--no-fuse=...`), llmc only, timed the same way (median of {args.rounds} runs). *all* is the
default compile of the table above. `llm-fuse-norms` recomposes LayerNorm, RMSNorm and softmax
from the primitives exporters write and runs them as row kernels; `llm-fuse-gelu` recomposes
GELU (GPT's tanh form, BERT's erf form), which then runs in the epilogue of the dense layer before
it; `llm-fuse-attention` turns Q·Kᵀ, scale, mask, softmax and ·V into one flash-style kernel.
Elementwise chains are fused during lowering (linalg elementwise fusion) and dense layers' biases
are added by the GEMM kernel's epilogue in every column.

{fusion_table}
"""
    if notes:
        text += "\nNot measured:\n\n" + "".join(f"- {note}\n" for note in notes)
    text += """
To reproduce: build (`cmake -S . -B build -G Ninja && ninja -C build`), install the peer
(`scripts/install-peer.sh`), then run the command above. `--threads`, `--rounds`, `--filter`
and `--target-ms` (timed milliseconds per run) narrow or lengthen a run; `--no-decode` skips the
decode step.
"""
    with open(args.write_doc, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
