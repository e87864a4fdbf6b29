#!/usr/bin/python3
"""Writes a tiny llama-architecture GGUF file, independently of llmc's reader.

  make_gguf.py OUT.gguf [--type F32|F16|Q8_0|Q4_0] [--seed S]

The layout follows ggml's docs/gguf.md (v3, little endian, 32-byte alignment by default) and
the block formats follow ggml-quants.c: Q8_0 is 32 int8 values with an f16 scale, Q4_0 is 32
4-bit values with an f16 scale, low nibbles holding elements 0..15 and high nibbles 16..31.
Weights are random but seeded; matrices are written as ggml stores them, ne = [n_in, n_out].
"""
import argparse
import struct

import numpy as np

VALUE_TYPES = {"u32": 4, "i32": 5, "f32": 6, "bool": 7, "string": 8, "array": 9}
TENSOR_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8}


def string(s):
    data = s.encode()
    return struct.pack("<Q", len(data)) + data


def value(kind, v):
    if kind == "string":
        return struct.pack("<I", VALUE_TYPES["string"]) + string(v)
    if kind == "u32":
        return struct.pack("<II", VALUE_TYPES["u32"], v)
    if kind == "i32":
        return struct.pack("<Ii", VALUE_TYPES["i32"], v)
    if kind == "f32":
        return struct.pack("<If", VALUE_TYPES["f32"], v)
    kind, element = kind.split(":")
    assert kind == "array"
    out = struct.pack("<IIQ", VALUE_TYPES["array"], VALUE_TYPES[element], len(v))
    for item in v:
        out += string(item) if element == "string" else struct.pack(
            {"f32": "<f", "i32": "<i", "u32": "<I"}[element], item)
    return out


def quantize_q8_0(x):
    blocks = x.reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0.0)
    q = np.round(blocks * inv[:, None]).astype(np.int8)
    out = b""
    for scale, values in zip(d.astype(np.float16), q):
        out += scale.tobytes() + values.tobytes()
    return out


def quantize_q4_0(x):
    blocks = x.reshape(-1, 32)
    out = b""
    for block in blocks:
        index = np.argmax(np.abs(block))
        d = block[index] / -8.0
        inv = 1.0 / d if d != 0 else 0.0
        q = np.minimum(15, (block * inv + 8.5).astype(np.int8)).astype(np.uint8)
        packed = (q[:16] | (q[16:] << 4)).astype(np.uint8)
        out += np.float16(d).tobytes() + packed.tobytes()
    return out


def encode(x, kind):
    flat = x.astype(np.float32).reshape(-1)
    if kind == "F32":
        return flat.tobytes()
    if kind == "F16":
        return flat.astype(np.float16).tobytes()
    if kind == "Q8_0":
        return quantize_q8_0(flat)
    return quantize_q4_0(flat)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--type", default="Q8_0", choices=sorted(TENSOR_TYPES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    vocab, dim, hidden, layers, heads, kv_heads, context = 32, 64, 128, 2, 4, 2, 64
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(16)] + \
        ["\u2581a", "\u2581b", "a", "b", "c", "\u2581ab", "ab", "bc", "abc", "\u2581", "d", "e", "f"]
    metadata = [
        ("general.architecture", "string", "llama"),
        ("general.name", "string", "llmc-tiny-llama"),
        ("llama.context_length", "u32", context),
        ("llama.embedding_length", "u32", dim),
        ("llama.block_count", "u32", layers),
        ("llama.feed_forward_length", "u32", hidden),
        ("llama.attention.head_count", "u32", heads),
        ("llama.attention.head_count_kv", "u32", kv_heads),
        ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5),
        ("llama.rope.freq_base", "f32", 10000.0),
        ("llama.rope.dimension_count", "u32", dim // heads),
        ("tokenizer.ggml.model", "string", "llama"),
        ("tokenizer.ggml.tokens", "array:string", tokens),
        ("tokenizer.ggml.scores", "array:f32", [float(-i) for i in range(len(tokens))]),
        ("tokenizer.ggml.token_type", "array:i32", [2, 3, 3] + [6] * 16 + [1] * 13),
        ("tokenizer.ggml.bos_token_id", "u32", 1),
        ("tokenizer.ggml.eos_token_id", "u32", 2),
    ]
    # name, ne (fastest first), type
    tensors = [("token_embd.weight", [dim, vocab], args.type)]
    kv_dim = dim // heads * kv_heads
    for i in range(layers):
        tensors += [(f"blk.{i}.attn_norm.weight", [dim], "F32"),
                    (f"blk.{i}.attn_q.weight", [dim, dim], args.type),
                    (f"blk.{i}.attn_k.weight", [dim, kv_dim], args.type),
                    (f"blk.{i}.attn_v.weight", [dim, kv_dim], args.type),
                    (f"blk.{i}.attn_output.weight", [dim, dim], args.type),
                    (f"blk.{i}.ffn_norm.weight", [dim], "F32"),
                    (f"blk.{i}.ffn_gate.weight", [dim, hidden], args.type),
                    (f"blk.{i}.ffn_up.weight", [dim, hidden], args.type),
                    (f"blk.{i}.ffn_down.weight", [hidden, dim], args.type)]
    tensors += [("output_norm.weight", [dim], "F32"), ("output.weight", [dim, vocab], args.type)]

    alignment = 32
    header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, kind, v in metadata:
        header += string(key) + value(kind, v)
    data, infos = b"", b""
    for name, ne, kind in tensors:
        values = rng.normal(0.0, 0.2, size=list(reversed(ne)))
        if name.endswith("norm.weight"):
            values = 1.0 + 0.1 * values
        payload = encode(values, kind)
        infos += string(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
        infos += struct.pack("<IQ", TENSOR_TYPES[kind], len(data))
        data += payload + b"\0" * (-len(payload) % alignment)
    head = header + infos
    head += b"\0" * (-len(head) % alignment)
    with open(args.out, "wb") as f:
        f.write(head + data)


if __name__ == "__main__":
    main()
