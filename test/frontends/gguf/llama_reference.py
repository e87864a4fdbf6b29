#!/usr/bin/python3
"""An independent reference of llama.cpp's llama, qwen2 and gpt2 forward passes, for checking llmc against.

  llama_reference.py MODEL.gguf --prompt-ids 1,17,42 [-n 8] [--check-cache] [--logits OUT.npy]

Reads the GGUF file with its own parser (not llmc's), dequantizes F32, F16, BF16, Q8_0, Q4_0,
Q4_K and Q6_K as ggml's dequantize_row_* do (the K-quants in float32, as ggml computes them),
and runs the model in float64 with llama.cpp's semantics, chosen by general.architecture.
A matrix product with Q8_0 or Q4_0 weights follows llama.cpp's CPU path (their vec_dot_type is
Q8_0): each row of activations is rounded to float32 and quantized to Q8_0 as ggml's
quantize_row_q8_0_ref does (per block of 32: d = amax / 127, q = roundf(x / d) in float32, d
stored as float16), and the products of the integer blocks, times d_w * d_x, are summed (in
float64 here, where they are exact). Every other weight type multiplies the float64 activations.
The architectures:
  llama  RMSNorm, RoPE in "normal" mode (rotating adjacent pairs x[2i], x[2i+1] of each head),
         grouped-query attention over a KV cache, a SwiGLU feed-forward;
  qwen2  the same with biases on q, k and v, and RoPE in "neox" mode (rotating x[i] with
         x[i + n_rot/2]);
  gpt2   learned position embeddings, LayerNorm with bias, one fused qkv matrix, biases on every
         matrix, a GELU feed-forward (ggml's tanh approximation), no RoPE.
Biases present in the file are added whatever the architecture, as llama.cpp does. The output
head is output.weight, or token_embd.weight when the file has none. A ggml matrix with
ne = [n_in, n_out] is n_out rows of n_in values. Prints the greedy continuation's ids on one
line, space-separated. --logits saves the logits that chose each generated id, [n, vocab] float32,
row 0 from the last prompt position. --check-cache also runs the whole sequence in one causal
pass without the cache and exits 1 if its logits differ from the token-by-token ones.
"""
import argparse
import struct
import sys

import numpy as np

SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
           11: "<q", 12: "<d"}
# ggml type: (elements per block, bytes per block)
BLOCKS = {0: (1, 4), 1: (1, 2), 30: (1, 2), 8: (32, 34), 2: (32, 18), 12: (256, 144),
          14: (256, 210)}


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
    tensors, quantized = {}, set()
    for name, ne, kind, offset in infos:
        count = int(np.prod(ne))
        if kind not in BLOCKS:
            sys.exit(f"llama_reference: {name}: ggml type {kind} is not handled")
        if ne[0] % BLOCKS[kind][0]:
            sys.exit(f"llama_reference: {name}: rows of {ne[0]} are not whole blocks of type {kind}")
        tensors[name] = dequantize(data, base + offset, kind, count).reshape(list(reversed(ne)))
        if kind in (2, 8):
            quantized.add(name)
    return meta, tensors, quantized


def f16(raw):
    return raw.copy().view(np.float16).astype(np.float32).reshape(-1)


def dequantize(data, start, kind, count):
    """count values of ggml type `kind` at data[start:], as float64."""
    if kind == 0:
        return np.frombuffer(data, np.float32, count, start).astype(np.float64)
    if kind == 1:
        return np.frombuffer(data, np.float16, count, start).astype(np.float64)
    if kind == 30:  # BF16: the top half of a float32
        bits = np.frombuffer(data, np.uint16, count, start).astype(np.uint32) << 16
        return bits.view(np.float32).astype(np.float64)
    per_block, block_bytes = BLOCKS[kind]
    blocks = count // per_block
    raw = np.frombuffer(data, np.uint8, blocks * block_bytes, start).reshape(blocks, block_bytes)
    if kind == 8:  # Q8_0: f16 d, 32 x int8
        d = raw[:, :2].copy().view(np.float16).astype(np.float64)
        q = raw[:, 2:].copy().view(np.int8).astype(np.float64)
        return (d * q).reshape(-1)
    if kind == 2:  # Q4_0: f16 d, 16 bytes: low nibbles are elements 0..15, high 16..31
        d = raw[:, :2].copy().view(np.float16).astype(np.float64)
        packed = raw[:, 2:]
        q = np.concatenate([packed & 0x0F, packed >> 4], axis=1).astype(np.float64) - 8.0
        return (d * q).reshape(-1)
    if kind == 12:
        return dequantize_q4_k(raw).astype(np.float64).reshape(-1)
    return dequantize_q6_k(raw).astype(np.float64).reshape(-1)


def quantize_q8_0(x):
    """The rows of x as llama.cpp's CPU matmuls see them when the weights are Q8_0 or Q4_0:
    rounded to float32, quantized to Q8_0 as ggml's quantize_row_q8_0_ref does (amax, d =
    amax / 127, id = 1 / d or 0, q = roundf(x * id), all in float32; d stored as float16), and
    read back as d * q in float64, which is exact, so that a product with the dequantized weights
    is the sum of d_w * d_x * (integer block dot product)."""
    rows, k = x.shape
    blocks = x.astype(np.float32).reshape(rows, k // 32, 32)
    d = (np.abs(blocks).max(axis=2) / np.float32(127)).astype(np.float32)
    safe = np.where(d != 0, d, np.float32(1))
    inverse = np.where(d != 0, np.float32(1) / safe, np.float32(0)).astype(np.float32)
    scaled = (blocks * inverse[..., None]).astype(np.float32).astype(np.float64)
    q = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)  # roundf: halves away from zero
    return (d.astype(np.float16).astype(np.float64)[..., None] * q).reshape(rows, k)


def dequantize_q4_k(raw):
    """Q4_K superblock: f16 d, f16 dmin, 12 bytes of eight 6-bit scales and mins, 128 bytes of
    quants. Sub-block j (32 values) is d*scale[j]*q - dmin*min[j]; each 32-byte run of quants
    holds sub-block 2c in its low nibbles and 2c+1 in its high ones. Float32, as ggml."""
    n = len(raw)
    d, dmin = f16(raw[:, 0:2]), f16(raw[:, 2:4])
    s = raw[:, 4:16].astype(np.uint8)
    # Scales and mins 0..3 are the low 6 bits of bytes 0..3 and 4..7; 4..7 take their low
    # 4 bits from the nibbles of bytes 8..11 and their top 2 bits from the top of bytes 0..7.
    scale = np.concatenate([s[:, 0:4] & 63, (s[:, 8:12] & 0x0F) | ((s[:, 0:4] >> 6) << 4)], axis=1)
    mins = np.concatenate([s[:, 4:8] & 63, (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)], axis=1)
    qs = raw[:, 16:144].reshape(n, 4, 1, 32)
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(n, 8, 32).astype(np.float32)
    step = d[:, None] * scale.astype(np.float32)  # float32 products, as in ggml
    offset = dmin[:, None] * mins.astype(np.float32)
    return (step[:, :, None] * q - offset[:, :, None]).astype(np.float32)


def dequantize_q6_k(raw):
    """Q6_K superblock: 128 bytes of low nibbles, 64 of 2-bit high parts, sixteen int8 scales,
    f16 d. Each half of 128 values takes 64 low-nibble bytes and 32 high bytes: values
    l, l+32, l+64, l+96 (l < 32) are the low nibble of byte l, of byte l+32, the high nibble of
    byte l, of byte l+32, topped by bits 0-1, 2-3, 4-5, 6-7 of high byte l. Value i is
    d * scale[i/16] * (q - 32), in float32 as ggml computes it."""
    n = len(raw)
    ql = raw[:, 0:128].reshape(n, 2, 64)
    qh = raw[:, 128:192].reshape(n, 2, 32)
    scale = raw[:, 192:208].copy().view(np.int8).astype(np.float32)
    d = f16(raw[:, 208:210])
    low = [ql[..., 0:32] & 0x0F, ql[..., 32:64] & 0x0F, ql[..., 0:32] >> 4, ql[..., 32:64] >> 4]
    q = np.stack([low[k] | (((qh >> (2 * k)) & 3) << 4) for k in range(4)], axis=2)
    q = (q.astype(np.int32) - 32).astype(np.float32).reshape(n, 256)
    return (d[:, None] * np.repeat(scale, 16, axis=1)) * q


class Model:
    def __init__(self, meta, tensors, quantized):
        a = self.arch = meta["general.architecture"]
        if a not in ("llama", "qwen2", "gpt2"):
            sys.exit(f"llama_reference: architecture '{a}' is not handled")
        self.t, self.quantized = tensors, quantized
        self.layers = meta[f"{a}.block_count"]
        self.heads = meta[f"{a}.attention.head_count"]
        self.kv_heads = meta.get(f"{a}.attention.head_count_kv", self.heads)
        self.dim = meta[f"{a}.embedding_length"]
        self.head_dim = self.dim // self.heads
        self.n_rot = meta.get(f"{a}.rope.dimension_count", self.head_dim)
        self.base = meta.get(f"{a}.rope.freq_base", 10000.0)
        if a == "gpt2":
            self.eps = meta[f"{a}.attention.layer_norm_epsilon"]
        else:
            self.eps = meta[f"{a}.attention.layer_norm_rms_epsilon"]

    def norm(self, x, name):
        if self.arch == "gpt2":  # LayerNorm
            centred = x - x.mean(axis=-1, keepdims=True)
            x = centred / np.sqrt(np.mean(centred * centred, axis=-1, keepdims=True) + self.eps)
        else:  # RMSNorm
            x = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps)
        return x * self.t[name + ".weight"] + self.t.get(name + ".bias", 0.0)

    def matmul(self, x, weight):
        """x @ W^T for the weight tensor named `weight`, with x quantized to Q8_0 first where W is
        Q8_0 or Q4_0, as llama.cpp's CPU backend does."""
        if weight in self.quantized:
            x = quantize_q8_0(x)
        return x @ self.t[weight].T

    def linear(self, x, name):
        return self.matmul(x, name + ".weight") + self.t.get(name + ".bias", 0.0)

    def rope(self, x, positions):
        """x [tokens, heads, head_dim]: pairs (2i, 2i+1) in normal mode, (i, i + n_rot/2) in
        neox mode, rotated by positions * base^(-2i/n_rot); values past n_rot are left as is."""
        out = x.copy()
        i = np.arange(self.n_rot // 2)
        theta = positions[:, None] * self.base ** (-2.0 * i / self.n_rot)  # [tokens, n_rot/2]
        cos, sin = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
        if self.arch == "qwen2":
            first, second = slice(0, self.n_rot // 2), slice(self.n_rot // 2, self.n_rot)
        else:
            first, second = slice(0, self.n_rot, 2), slice(1, self.n_rot, 2)
        a, b = x[..., first], x[..., second]
        out[..., first] = a * cos - b * sin
        out[..., second] = a * sin + b * cos
        return out

    def gelu(self, x):
        return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * x * (1.0 + 0.044715 * x * x)))

    def forward(self, ids, cache, start):
        """Logits [len(ids), vocab] for ids at positions start..; appends to cache."""
        t = self.t
        x = t["token_embd.weight"][ids]
        positions = np.arange(start, start + len(ids), dtype=np.float64)
        if self.arch == "gpt2":
            table = t["position_embd.weight"]
            if start + len(ids) > len(table):
                sys.exit(f"llama_reference: position {start + len(ids) - 1} is past the "
                         f"{len(table)} rows of position_embd.weight")
            x = x + table[start:start + len(ids)]
        group = self.heads // self.kv_heads
        kv_dim = self.kv_heads * self.head_dim
        for l in range(self.layers):
            p = f"blk.{l}."
            h = self.norm(x, p + "attn_norm")
            if p + "attn_qkv.weight" in t:  # rows: q, then k, then v
                qkv = self.linear(h, p + "attn_qkv")
                q, k, v = np.split(qkv, [self.dim, self.dim + kv_dim], axis=1)
            else:
                q, k, v = (self.linear(h, p + n) for n in ("attn_q", "attn_k", "attn_v"))
            q = q.reshape(len(ids), self.heads, self.head_dim)
            k = k.reshape(len(ids), self.kv_heads, self.head_dim)
            v = v.reshape(len(ids), self.kv_heads, self.head_dim)
            if self.arch != "gpt2":
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
            x = x + self.linear(out.reshape(len(ids), self.dim), p + "attn_output")
            h = self.norm(x, p + "ffn_norm")
            if self.arch == "gpt2":
                hidden = self.gelu(self.linear(h, p + "ffn_up"))
            else:
                gate = self.linear(h, p + "ffn_gate")
                hidden = gate / (1.0 + np.exp(-gate)) * self.linear(h, p + "ffn_up")
            x = x + self.linear(hidden, p + "ffn_down")
        x = self.norm(x, "output_norm")
        head = "output.weight" if "output.weight" in t else "token_embd.weight"
        return self.matmul(x, head) + t.get("output.bias", 0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--prompt-ids", required=True)
    parser.add_argument("-n", type=int, default=8)
    parser.add_argument("--check-cache", action="store_true")
    parser.add_argument("--logits", metavar="OUT.npy",
                        help="save the logits behind each generated id, [n, vocab] float32")
    args = parser.parse_args()
    meta, tensors, quantized = read_gguf(args.model)
    model = Model(meta, tensors, quantized)
    prompt = [int(i) for i in args.prompt_ids.split(",")]
    cache = [None] * model.layers
    logits = model.forward(np.array(prompt), cache, 0)
    steps, generated = [logits[-1]], []
    for _ in range(args.n):
        token = int(np.argmax(steps[-1]))
        generated.append(token)
        if len(generated) < args.n or args.check_cache:
            steps.append(model.forward(np.array([token]), cache, len(prompt) + len(generated) - 1)[-1])
    print(" ".join(map(str, generated)))
    if args.logits:
        np.save(args.logits, np.array(steps[:args.n], np.float32).reshape(args.n, len(steps[0])))
    if args.check_cache:
        whole = model.forward(np.array(prompt + generated), [None] * model.layers, 0)
        incremental = np.stack(steps)
        worst = np.abs(whole[len(prompt) - 1:] - incremental).max()
        if worst > 1e-9:
            sys.exit(f"llama_reference: cached and uncached logits differ by {worst}")


if __name__ == "__main__":
    main()
