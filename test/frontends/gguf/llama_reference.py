#!/usr/bin/python3
"""An independent reference of llama.cpp's llama forward pass, for checking llmc against.

  llama_reference.py MODEL.gguf --prompt-ids 1,17,42 [-n 8] [--check-cache]

Reads the GGUF file with its own parser (not llmc's), dequantizes F32, F16, Q8_0 and Q4_0 as
ggml does, and runs the model in float64 with llama.cpp's semantics: RMSNorm, RoPE in "normal"
mode (rotating adjacent pairs x[2i], x[2i+1] of each head), grouped-query attention over a KV
cache, a SwiGLU feed-forward, and the output head; a ggml matrix with ne = [n_in, n_out] is
n_out rows of n_in values. Prints the greedy continuation's ids on one line, space-separated.
--check-cache also runs the whole sequence in one causal pass without the cache and exits 1
if its logits differ from the token-by-token ones.
"""
import argparse
import struct
import sys

import numpy as np

SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
           11: "<q", 12: "<d"}


class Parser:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def string(self):
        n = self.take("<Q")
        value = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return value

    def value(self, kind):
        if kind == 8:
            return self.string()
        if kind == 9:
            element, count = self.take("<I"), self.take("<Q")
            return [self.value(element) for _ in range(count)]
        return self.take(SCALARS[kind])


def read_gguf(path):
    data = open(path, "rb").read()
    p = Parser(data)
    assert data[:4] == b"GGUF"
    p.pos = 4
    version, n_tensors, n_kv = p.take("<I"), p.take("<Q"), p.take("<Q")
    assert version in (2, 3)
    meta = {}
    for _ in range(n_kv):
        key = p.string()
        meta[key] = p.value(p.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = p.string()
        ne = [p.take("<Q") for _ in range(p.take("<I"))]
        infos.append((name, ne, p.take("<I"), p.take("<Q")))
    alignment = meta.get("general.alignment", 32)
    base = (p.pos + alignment - 1) // alignment * alignment
    tensors = {}
    for name, ne, kind, offset in infos:
        count = int(np.prod(ne))
        start = base + offset
        tensors[name] = dequantize(data, start, kind, count).reshape(list(reversed(ne)))
    return meta, tensors


def dequantize(data, start, kind, count):
    if kind == 0:
        return np.frombuffer(data, np.float32, count, start).astype(np.float64)
    if kind == 1:
        return np.frombuffer(data, np.float16, count, start).astype(np.float64)
    blocks = count // 32
    if kind == 8:  # Q8_0: f16 d, 32 x int8
        raw = np.frombuffer(data, np.uint8, blocks * 34, start).reshape(blocks, 34)
        d = raw[:, :2].copy().view(np.float16).astype(np.float64)
        q = raw[:, 2:].copy().view(np.int8).astype(np.float64)
        return (d * q).reshape(-1)
    if kind == 2:  # Q4_0: f16 d, 16 bytes: low nibbles are elements 0..15, high 16..31
        raw = np.frombuffer(data, np.uint8, blocks * 18, start).reshape(blocks, 18)
        d = raw[:, :2].copy().view(np.float16).astype(np.float64)
        packed = raw[:, 2:]
        q = np.concatenate([packed & 0x0F, packed >> 4], axis=1).astype(np.float64) - 8.0
        return (d * q).reshape(-1)
    sys.exit(f"llama_reference: ggml type {kind} is not handled")


class Llama:
    def __init__(self, meta, tensors):
        a = meta["general.architecture"]
        self.t = tensors
        self.layers = meta[f"{a}.block_count"]
        self.heads = meta[f"{a}.attention.head_count"]
        self.kv_heads = meta.get(f"{a}.attention.head_count_kv", self.heads)
        self.dim = meta[f"{a}.embedding_length"]
        self.head_dim = self.dim // self.heads
        self.n_rot = meta.get(f"{a}.rope.dimension_count", self.head_dim)
        self.base = meta.get(f"{a}.rope.freq_base", 10000.0)
        self.eps = meta[f"{a}.attention.layer_norm_rms_epsilon"]

    def rms(self, x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * weight

    def rope(self, x, positions):
        """x [tokens, heads, head_dim]; normal mode: pairs (2i, 2i+1)."""
        out = x.copy()
        i = np.arange(self.n_rot // 2)
        theta = positions[:, None] * self.base ** (-2.0 * i / self.n_rot)  # [tokens, n_rot/2]
        cos, sin = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
        even, odd = x[..., 0:self.n_rot:2], x[..., 1:self.n_rot:2]
        out[..., 0:self.n_rot:2] = even * cos - odd * sin
        out[..., 1:self.n_rot:2] = even * sin + odd * cos
        return out

    def forward(self, ids, cache, start):
        """Logits [len(ids), vocab] for ids at positions start..; appends to cache."""
        t = self.t
        x = t["token_embd.weight"][ids]
        positions = np.arange(start, start + len(ids), dtype=np.float64)
        group = self.heads // self.kv_heads
        for l in range(self.layers):
            p = f"blk.{l}."
            h = self.rms(x, t[p + "attn_norm.weight"])
            q = (h @ t[p + "attn_q.weight"].T).reshape(len(ids), self.heads, self.head_dim)
            k = (h @ t[p + "attn_k.weight"].T).reshape(len(ids), self.kv_heads, self.head_dim)
            v = (h @ t[p + "attn_v.weight"].T).reshape(len(ids), self.kv_heads, self.head_dim)
            q, k = self.rope(q, positions), self.rope(k, positions)
            keys = np.concatenate([cache[l][0], k]) if cache[l] else k
            values = np.concatenate([cache[l][1], v]) if cache[l] else v
            cache[l] = (keys, values)
            out = np.zeros_like(q)
            for head in range(self.heads):
                kv = head // group
                scores = q[:, head] @ keys[:, kv].T / np.sqrt(self.head_dim)
                visible = np.arange(len(keys))[None, :] <= positions[:, None]
                scores = np.where(visible, scores, -np.inf)
                weights = np.exp(scores - scores.max(axis=1, keepdims=True))
                weights /= weights.sum(axis=1, keepdims=True)
                out[:, head] = weights @ values[:, kv]
            x = x + out.reshape(len(ids), self.dim) @ t[p + "attn_output.weight"].T
            h = self.rms(x, t[p + "ffn_norm.weight"])
            gate = h @ t[p + "ffn_gate.weight"].T
            up = h @ t[p + "ffn_up.weight"].T
            x = x + (gate / (1.0 + np.exp(-gate)) * up) @ t[p + "ffn_down.weight"].T
        x = self.rms(x, t["output_norm.weight"])
        head = t.get("output.weight", t["token_embd.weight"])
        return x @ head.T


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--prompt-ids", required=True)
    parser.add_argument("-n", type=int, default=8)
    parser.add_argument("--check-cache", action="store_true")
    args = parser.parse_args()
    meta, tensors = read_gguf(args.model)
    model = Llama(meta, tensors)
    prompt = [int(i) for i in args.prompt_ids.split(",")]
    cache = [None] * model.layers
    logits = model.forward(np.array(prompt), cache, 0)
    steps, generated = [logits[-1]], []
    for _ in range(args.n):
        token = int(np.argmax(steps[-1]))
        generated.append(token)
        steps.append(model.forward(np.array([token]), cache, len(prompt) + len(generated) - 1)[-1])
    print(" ".join(map(str, generated)))
    if args.check_cache:
        whole = model.forward(np.array(prompt + generated), [None] * model.layers, 0)
        incremental = np.stack(steps)
        worst = np.abs(whole[len(prompt) - 1:] - incremental).max()
        if worst > 1e-9:
            sys.exit(f"llama_reference: cached and uncached logits differ by {worst}")


if __name__ == "__main__":
    main()
