#!/usr/bin/python3
"""Writes framework-style ONNX models that llmc is checked against ONNX Runtime on.

  make_peer_models.py OUT_DIR [--layers N] [--width D] [--heads H] [--only NAME ...]

The graphs follow what exporters emit, not what is convenient to compile: dynamic axes as
dim_params, shape arithmetic through Shape/Gather/Unsqueeze/Concat, position ids from Range,
causal masks sliced out of a constant buffer, attention heads split by Reshape/Transpose, and
GELU, layer norm and softmax spelled as their exporters spell them. Weights are random but
seeded, so the files are the same on every run.

  gpt.onnx      a GPT-2 style decoder (2 layers of width 64 unless told): input_ids
                [batch, sequence] -> logits
  bert.onnx     a BERT style encoder (2 layers of width 64 unless told) with attention mask,
                token types and pooler
  melspec.onnx  a log-mel spectrogram front end: waveform [batch, samples] -> [batch, frames, mels]
"""
import argparse
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Graph:
    """A small builder that names every value and node the way exporters do."""

    def __init__(self, seed):
        self.nodes, self.inits, self.count = [], [], 0
        self.rng = np.random.default_rng(seed)

    def name(self, hint):
        self.count += 1
        return f"/{hint}_{self.count}"

    def const(self, value, hint="const"):
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(self, shape, hint="w", scale=None):
        scale = scale if scale is not None else 1.0 / math.sqrt(shape[0])
        return self.const(self.rng.normal(0.0, scale, size=shape).astype(np.float32), hint)

    def op(self, op_type, inputs, outputs=1, **attrs):
        outs = [self.name(op_type) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0] + "_node", **attrs))
        return outs[0] if outputs == 1 else outs

    def i64(self, values):
        return self.const(np.array(values, dtype=np.int64), "i64")

    def f32(self, value):
        return self.const(np.array(value, dtype=np.float32), "f32")

    def dim(self, value, axis):
        """Shape(value)[axis] as a 1-D tensor, the exporter's chain."""
        shape = self.op("Shape", [value])
        scalar = self.op("Gather", [shape, self.const(np.array(axis, dtype=np.int64))], axis=0)
        return self.op("Unsqueeze", [scalar, self.i64([0])])

    def linear(self, x, d_in, d_out):
        return self.op("Add", [self.op("MatMul", [x, self.weight([d_in, d_out])]),
                               self.weight([d_out], "b", 0.02)])

    def layer_norm_decomposed(self, x, d):
        mean = self.op("ReduceMean", [x], axes=[-1], keepdims=1)
        centered = self.op("Sub", [x, mean])
        var = self.op("ReduceMean", [self.op("Pow", [centered, self.f32(2.0)])], axes=[-1],
                      keepdims=1)
        normed = self.op("Div", [centered, self.op("Sqrt", [self.op("Add", [var, self.f32(1e-5)])])])
        gamma = self.const((1.0 + 0.1 * self.rng.normal(size=[d])).astype(np.float32), "gamma")
        return self.op("Add", [self.op("Mul", [normed, gamma]), self.weight([d], "beta", 0.1)])

    def layer_norm(self, x, d):
        gamma = self.const((1.0 + 0.1 * self.rng.normal(size=[d])).astype(np.float32), "gamma")
        return self.op("LayerNormalization", [x, gamma, self.weight([d], "beta", 0.1)], axis=-1,
                       epsilon=1e-12)

    def heads(self, x, batch, seq, heads, head_dim):
        """[b, s, h*dh] -> [b, h, s, dh] with a shape built at run time."""
        shape = self.op("Concat", [batch, seq, self.i64([heads]), self.i64([head_dim])], axis=0)
        return self.op("Transpose", [self.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])

    def merge_heads(self, x, batch, seq, d):
        shape = self.op("Concat", [batch, seq, self.i64([d])], axis=0)
        return self.op("Reshape", [self.op("Transpose", [x], perm=[0, 2, 1, 3]), shape])

    def model(self, inputs, outputs, opset, name):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="llmc-peer-models")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model


def gpt(vocab=96, d=64, heads=4, layers=2, max_positions=128):
    g = Graph(seed=1)
    ids = "input_ids"
    batch, seq = g.dim(ids, 0), g.dim(ids, 1)
    seq_scalar = g.op("Squeeze", [seq, g.i64([0])])
    positions = g.op("Range", [g.const(np.array(0, dtype=np.int64)), seq_scalar,
                               g.const(np.array(1, dtype=np.int64))])
    wte = g.weight([vocab, d], "wte", 0.5)
    x = g.op("Add", [g.op("Gather", [wte, ids]),
                     g.op("Gather", [g.weight([max_positions, d], "wpe", 0.1),
                                     g.op("Unsqueeze", [positions, g.i64([0])])])])
    causal = g.const(np.tril(np.ones([1, 1, max_positions, max_positions], dtype=bool)), "bias")
    head_dim = d // heads
    for _ in range(layers):
        h = g.layer_norm_decomposed(x, d)
        qkv = g.linear(h, d, 3 * d)
        q, k, v = g.op("Split", [qkv, g.i64([d, d, d])], outputs=3, axis=2)
        q, k, v = (g.heads(t, batch, seq, heads, head_dim) for t in (q, k, v))
        scores = g.op("Div", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]),
                              g.f32(math.sqrt(head_dim))])
        mask = g.op("Slice", [causal, g.i64([0, 0]), g.op("Concat", [seq, seq], axis=0),
                              g.i64([2, 3])])
        scores = g.op("Where", [mask, scores, g.f32(np.finfo(np.float32).min)])
        attn = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        x = g.op("Add", [x, g.linear(g.merge_heads(attn, batch, seq, d), d, d)])
        h = g.linear(g.layer_norm_decomposed(x, d), d, 4 * d)
        cube = g.op("Pow", [h, g.f32(3.0)])
        inner = g.op("Mul", [g.op("Add", [h, g.op("Mul", [cube, g.f32(0.044715)])]),
                             g.f32(math.sqrt(2.0 / math.pi))])
        gelu = g.op("Mul", [g.op("Mul", [h, g.f32(0.5)]),
                            g.op("Add", [g.f32(1.0), g.op("Tanh", [inner])])])
        x = g.op("Add", [x, g.linear(gelu, 4 * d, d)])
    x = g.layer_norm_decomposed(x, d)
    logits = g.op("MatMul", [x, g.op("Transpose", [wte], perm=[1, 0])])
    g.nodes.append(helper.make_node("Identity", [logits], ["logits"]))
    return g.model([helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "sequence"])],
                   [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                                  ["batch", "sequence", vocab])], 14, "gpt")


def bert(vocab=96, d=64, heads=4, layers=2, max_positions=128):
    g = Graph(seed=2)
    ids, mask, types = "input_ids", "attention_mask", "token_type_ids"
    batch, seq = g.dim(ids, 0), g.dim(ids, 1)
    positions = g.op("Slice", [g.const(np.arange(max_positions, dtype=np.int64)[None, :]),
                               g.i64([0]), seq, g.i64([1])])
    x = g.op("Add", [g.op("Add", [g.op("Gather", [g.weight([vocab, d], "word", 0.5), ids]),
                                  g.op("Gather", [g.weight([2, d], "type", 0.5), types])]),
                     g.op("Gather", [g.weight([max_positions, d], "pos", 0.1), positions])])
    x = g.layer_norm(x, d)
    extended = g.op("Cast", [g.op("Unsqueeze", [mask, g.i64([1, 2])])], to=TensorProto.FLOAT)
    additive = g.op("Mul", [g.op("Sub", [g.f32(1.0), extended]), g.f32(-10000.0)])
    head_dim = d // heads
    for _ in range(layers):
        q, k, v = (g.heads(g.linear(x, d, d), batch, seq, heads, head_dim) for _ in range(3))
        scores = g.op("Div", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]),
                              g.f32(math.sqrt(head_dim))])
        probs = g.op("Softmax", [g.op("Add", [scores, additive])], axis=-1)
        attn = g.merge_heads(g.op("MatMul", [probs, v]), batch, seq, d)
        x = g.layer_norm(g.op("Add", [x, g.linear(attn, d, d)]), d)
        h = g.linear(x, d, 4 * d)
        erf = g.op("Erf", [g.op("Div", [h, g.f32(math.sqrt(2.0))])])
        gelu = g.op("Mul", [g.op("Mul", [h, g.op("Add", [erf, g.f32(1.0)])]), g.f32(0.5)])
        x = g.layer_norm(g.op("Add", [x, g.linear(gelu, 4 * d, d)]), d)
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    first = g.op("Gather", [x, g.const(np.array(0, dtype=np.int64))], axis=1)
    g.nodes.append(helper.make_node("Tanh", [g.linear(first, d, d)], ["pooler_output"]))
    dims = ["batch", "sequence"]
    return g.model([helper.make_tensor_value_info(n, TensorProto.INT64, dims)
                    for n in (ids, mask, types)],
                   [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                                  dims + [d]),
                    helper.make_tensor_value_info("pooler_output", TensorProto.FLOAT,
                                                  ["batch", d])], 17, "bert")


def mel_filterbank(n_freqs, n_mels, sample_rate):
    to_mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    to_hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    freqs = np.linspace(0, sample_rate / 2, n_freqs)
    points = to_hz(np.linspace(to_mel(0.0), to_mel(sample_rate / 2), n_mels + 2))
    bank = np.zeros([n_freqs, n_mels], dtype=np.float32)
    for m in range(n_mels):
        lo, mid, hi = points[m], points[m + 1], points[m + 2]
        bank[:, m] = np.maximum(0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    return bank


def melspec(n_fft=256, hop=128, n_mels=32, sample_rate=16000):
    """The STFT as a strided Conv1d with windowed cosine and sine kernels, as audio front ends
    exported from frameworks without an STFT op compute it."""
    g = Graph(seed=3)
    n_freqs = n_fft // 2 + 1
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    t = np.arange(n_fft)[None, :] * np.arange(n_freqs)[:, None]
    real = (np.cos(2 * np.pi * t / n_fft) * window).astype(np.float32)
    imag = (-np.sin(2 * np.pi * t / n_fft) * window).astype(np.float32)
    kernels = g.const(np.concatenate([real, imag])[:, None, :], "stft_kernels")
    wave = g.op("Unsqueeze", ["waveform", g.i64([1])])
    padded = g.op("Pad", [wave, g.i64([0, 0, n_fft // 2, 0, 0, n_fft // 2])], mode="reflect")
    spec = g.op("Conv", [padded, kernels], strides=[hop], kernel_shape=[n_fft])
    re, im = g.op("Split", [spec, g.i64([n_freqs, n_freqs])], outputs=2, axis=1)
    power = g.op("Add", [g.op("Mul", [re, re]), g.op("Mul", [im, im])])
    mel = g.op("MatMul", [g.op("Transpose", [power], perm=[0, 2, 1]),
                          g.const(mel_filterbank(n_freqs, n_mels, sample_rate), "mel_bank")])
    logmel = g.op("Log", [g.op("Clip", [mel, g.f32(1e-10), g.f32(1e10)])])
    g.nodes.append(helper.make_node("Mul", [logmel, g.f32(10.0 / math.log(10.0))], ["log_mel"]))
    return g.model([helper.make_tensor_value_info("waveform", TensorProto.FLOAT,
                                                  ["batch", "samples"])],
                   [helper.make_tensor_value_info("log_mel", TensorProto.FLOAT,
                                                  ["batch", "frames", n_mels])], 13, "melspec")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=2, help="gpt and bert layers (default 2)")
    parser.add_argument("--width", type=int, default=64, help="gpt and bert width (default 64)")
    parser.add_argument("--heads", type=int, default=4,
                        help="gpt and bert attention heads (default 4)")
    parser.add_argument("--only", nargs="+", choices=("gpt", "bert", "melspec"),
                        help="write only these models")
    args = parser.parse_args()
    if args.layers < 1 or args.heads < 1 or args.width < 1 or args.width % args.heads:
        parser.error("--layers, --width and --heads must be positive, --width a multiple of "
                     "--heads")
    os.makedirs(args.out, exist_ok=True)
    sizes = dict(d=args.width, heads=args.heads, layers=args.layers)
    builders = {"gpt": lambda: gpt(**sizes), "bert": lambda: bert(**sizes), "melspec": melspec}
    for name, build in builders.items():
        if not args.only or name in args.only:
            onnx.save(build(), os.path.join(args.out, f"{name}.onnx"))


if __name__ == "__main__":
    main()
