#!/usr/bin/python3
"""Writes a small llama, qwen2 or gpt2 GGUF file, independently of llmc's reader.

  make_gguf.py OUT.gguf [--arch llama|qwen2|gpt2] [--type T] [--embd-type T] [--no-output]
                        [--seed S] [--preset bench-100m]
                        [--dim D] [--layers L] [--heads H] [--kv-heads K] [--hidden F]
                        [--vocab V] [--ctx C]
  T is one of F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K.

The layout follows ggml's docs/gguf.md (v3, little endian, 32-byte alignment by default), the
tensors and keys follow llama.cpp's llama, qwen2 and gpt2 loaders, and the block formats follow
ggml-quants.c: Q8_0 is 32 int8 values with an f16 scale, Q4_0 is 32 4-bit values with an f16
scale, low nibbles holding elements 0..15 and high nibbles 16..31. Q4_K and Q6_K superblocks of
256 values are drawn at random (valid scales, mins and quants) rather than quantized from floats:
a reference that dequantizes them as ggml does sees a model as good as any other. --type applies
to the 2-D weight matrices; norms and biases stay F32, as llama.cpp's converters write them.
Weights are random but seeded; matrices are written as ggml stores them, ne = [n_in, n_out].
With no option but --type and --seed the file is the tiny llama this script always wrote.
Its 32-token sentencepiece vocabulary has byte tokens for 0x00..0x0F only, which is enough for
these tests but not for llama.cpp, which stops loading on a missing byte token: with
--vocab 272 or more every byte has its token (gpt2's byte-level vocabulary always has all 256).
"""
import argparse
import itertools
import math
import struct
import sys

import numpy as np

VALUE_TYPES = {"u32": 4, "i32": 5, "f32": 6, "bool": 7, "string": 8, "array": 9}
TENSOR_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8, "Q4_K": 12, "Q6_K": 14, "BF16": 30}
# Elements per block: a row (ne[0]) must hold a whole number of blocks.
BLOCK_SIZES = {"F32": 1, "F16": 1, "BF16": 1, "Q8_0": 32, "Q4_0": 32, "Q4_K": 256, "Q6_K": 256}

TINY = {"dim": 64, "layers": 2, "heads": 4, "kv_heads": 2, "hidden": 128, "vocab": 32, "ctx": 64}
PRESETS = {"bench-100m": {"dim": 768, "layers": 12, "heads": 12, "kv_heads": 4, "hidden": 2048,
                          "vocab": 16384, "ctx": 1024}}

# The first merges of GPT-2's own merges.txt, then a few that build "hello" and "world", so that
# byte-level BPE has several levels of merges to apply.
GPT2_MERGES = [
    "\u0120 t", "\u0120 a", "h e", "i n", "r e", "o n", "\u0120t he", "e r", "\u0120 s", "a t",
    "\u0120 w", "\u0120 o", "e n", "\u0120 c", "i t", "i s", "a n", "o r", "e s", "\u0120 b",
    "e d", "\u0120 f", "in g", "\u0120 p", "o u", "\u0120a n", "a l", "a r", "\u0120t o",
    "\u0120 m", "\u0120o f", "\u0120 in", "\u0120 d", "\u0120 h", "\u0120an d",
    "l o", "e l", "h el", "hel lo", "\u0120 hello", "l d", "\u0120w or", "\u0120wor ld",
]


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
    out = [struct.pack("<IIQ", VALUE_TYPES["array"], VALUE_TYPES[element], len(v))]
    if element == "string":
        out += [string(item) for item in v]
    else:
        out.append(np.asarray(v, {"f32": "<f4", "i32": "<i4", "u32": "<u4"}[element]).tobytes())
    return b"".join(out)


def quantize_q8_0(x):
    blocks = x.reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = amax / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0.0)
    q = np.round(blocks * inv[:, None]).astype(np.int8)
    out = np.empty((len(blocks), 34), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def quantize_q4_0(x):
    # The scale is the block's largest-magnitude value over -8, kept in float64, while the
    # scaled values are rounded in float32: the arithmetic of the per-block loop this replaced,
    # kept so that the files stay byte-identical.
    blocks = x.reshape(-1, 32)
    extreme = blocks[np.arange(len(blocks)), np.argmax(np.abs(blocks), axis=1)]
    d = extreme.astype(np.float64) / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1.0), 0.0).astype(np.float32)
    scaled = blocks * inv[:, None] + np.float32(8.5)
    q = np.minimum(15, scaled.astype(np.int8)).astype(np.uint8)
    out = np.empty((len(blocks), 18), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def to_bf16(x):
    """float32 -> bf16 bits, rounding to nearest even and keeping NaNs quiet, as ggml does."""
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = (bits & 0x7FFFFFFF) > 0x7F800000
    return np.where(nan, (bits >> 16) | 64, rounded).astype(np.uint16).tobytes()


def random_q4_k(rng, count, std):
    """Random Q4_K superblocks: f16 d and dmin, eight 6-bit scales and mins, 256 4-bit quants.

    Value = d * scale * q - dmin * min. The mins roughly centre each 32-value sub-block (plus
    noise) and d is chosen so that the values have about the given standard deviation."""
    n = count // 256
    d = (std / 166.0 * rng.uniform(0.5, 1.5, n)).astype(np.float16)
    dmin = (d.astype(np.float64) * 7.5 * rng.uniform(1.0, 2.0, n)).astype(np.float16)
    scales = rng.integers(0, 64, (n, 8))
    centre = scales * 7.5 * d[:, None].astype(np.float64) / dmin[:, None].astype(np.float64)
    mins = np.clip(np.round(centre + rng.normal(0.0, 2.0, (n, 8))), 0, 63).astype(np.int64)
    packed = np.empty((n, 12), np.int64)
    packed[:, 0:4] = scales[:, 0:4] | (scales[:, 4:8] >> 4) << 6
    packed[:, 4:8] = mins[:, 0:4] | (mins[:, 4:8] >> 4) << 6
    packed[:, 8:12] = (scales[:, 4:8] & 15) | (mins[:, 4:8] & 15) << 4
    out = np.empty((n, 144), np.uint8)
    out[:, 0:2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = dmin.view(np.uint8).reshape(-1, 2)
    out[:, 4:16] = packed
    out[:, 16:] = rng.integers(0, 256, (n, 128))
    return out.tobytes()


def random_q6_k(rng, count, std):
    """Random Q6_K superblocks: 128 bytes of low nibbles, 64 of high bit pairs, sixteen int8
    scales and an f16 d. Value = d * scale * (q - 32), about the given standard deviation."""
    n = count // 256
    d = (std / (74.0 * 18.5) * rng.uniform(0.5, 1.5, n)).astype(np.float16)
    out = np.empty((n, 210), np.uint8)
    out[:, :192] = rng.integers(0, 256, (n, 192))
    out[:, 192:208] = rng.integers(-128, 128, (n, 16)).astype(np.int8).view(np.uint8)
    out[:, 208:210] = d.view(np.uint8).reshape(-1, 2)
    return out.tobytes()


def encode(x, kind):
    flat = x.astype(np.float32).reshape(-1)
    if kind == "F32":
        return flat.tobytes()
    if kind == "F16":
        return flat.astype(np.float16).tobytes()
    if kind == "BF16":
        return to_bf16(flat)
    if kind == "Q8_0":
        return quantize_q8_0(flat)
    return quantize_q4_0(flat)


def llama_vocab(vocab):
    """The sentencepiece vocabulary this script always wrote, grown to `vocab` tokens with the
    remaining byte-fallback tokens <0x10>..<0xFF>, then with made-up pieces."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(16)] + \
        ["\u2581a", "\u2581b", "a", "b", "c", "\u2581ab", "ab", "bc", "abc", "\u2581", "d", "e", "f"]
    types = [2, 3, 3] + [6] * 16 + [1] * 13
    if vocab < len(tokens):
        sys.exit(f"make_gguf: --vocab {vocab} is smaller than the {len(tokens)} tokens of the "
                 "llama tokenizer")
    for b in range(16, 256):
        if len(tokens) < vocab:
            tokens.append(f"<0x{b:02X}>")
            types.append(6)
    taken = set(tokens)
    for length in itertools.count(1):
        if len(tokens) >= vocab:
            break
        for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=length):
            for piece in ("\u2581" + "".join(letters), "".join(letters)):
                if len(tokens) < vocab and piece not in taken:
                    tokens.append(piece)
                    types.append(1)
                    taken.add(piece)
            if len(tokens) >= vocab:
                break
    return tokens, [float(-i) for i in range(len(tokens))], types


def gpt2_byte_symbols():
    """GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others are moved to
    U+0100 and up, in the order of GPT-2's own vocabulary (ids 0..255)."""
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    symbols = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in symbols:
            symbols[b] = chr(256 + shifted)
            shifted += 1
    return [symbols[b] for b in printable + [b for b in range(256) if b not in printable]]


def gpt2_vocab(vocab):
    """256 byte symbols, one token per merge, then <|endoftext|>; above the curated merges the
    vocabulary grows with made-up merges (a token so far + one letter)."""
    tokens = gpt2_byte_symbols()
    merges = list(GPT2_MERGES)
    tokens += [m.replace(" ", "") for m in merges]
    wanted = len(tokens) + 1 if vocab is None else vocab
    if wanted < len(tokens) + 1:
        sys.exit(f"make_gguf: --vocab {vocab} is smaller than the {len(tokens) + 1} tokens of the "
                 "gpt2 tokenizer")
    taken = set(tokens)
    letters = "abcdefghijklmnopqrstuvwxyz"
    left = 0
    candidates = ["\u0120"] + list(letters)
    while len(tokens) + 1 < wanted:
        for right in letters:
            merged = candidates[left] + right
            if merged not in taken and len(tokens) + 1 < wanted:
                merges.append(f"{candidates[left]} {right}")
                tokens.append(merged)
                taken.add(merged)
                candidates.append(merged)
        left += 1
    tokens.append("<|endoftext|>")
    return tokens, merges, [1] * (len(tokens) - 1) + [3]


def tensor_list(arch, size, weight_type, embd_type, tied):
    """(name, ne with the fastest dimension first, type) in the order llama.cpp's converters
    write them."""
    dim, hidden, vocab = size["dim"], size["hidden"], size["vocab"]
    kv_dim = dim // size["heads"] * size["kv_heads"]
    tensors = [("token_embd.weight", [dim, vocab], embd_type)]
    if arch == "gpt2":
        tensors.append(("position_embd.weight", [dim, size["ctx"]], embd_type))
    for i in range(size["layers"]):
        b = f"blk.{i}."
        if arch == "gpt2":
            tensors += [(b + "attn_norm.weight", [dim], "F32"), (b + "attn_norm.bias", [dim], "F32"),
                        (b + "attn_qkv.weight", [dim, 3 * dim], weight_type),
                        (b + "attn_qkv.bias", [3 * dim], "F32"),
                        (b + "attn_output.weight", [dim, dim], weight_type),
                        (b + "attn_output.bias", [dim], "F32"),
                        (b + "ffn_norm.weight", [dim], "F32"), (b + "ffn_norm.bias", [dim], "F32"),
                        (b + "ffn_up.weight", [dim, hidden], weight_type),
                        (b + "ffn_up.bias", [hidden], "F32"),
                        (b + "ffn_down.weight", [hidden, dim], weight_type),
                        (b + "ffn_down.bias", [dim], "F32")]
            continue
        tensors.append((b + "attn_norm.weight", [dim], "F32"))
        for name, rows in (("attn_q", dim), ("attn_k", kv_dim), ("attn_v", kv_dim)):
            tensors.append((b + name + ".weight", [dim, rows], weight_type))
            if arch == "qwen2":
                tensors.append((b + name + ".bias", [rows], "F32"))
        tensors += [(b + "attn_output.weight", [dim, dim], weight_type),
                    (b + "ffn_norm.weight", [dim], "F32"),
                    (b + "ffn_gate.weight", [dim, hidden], weight_type),
                    (b + "ffn_up.weight", [dim, hidden], weight_type),
                    (b + "ffn_down.weight", [hidden, dim], weight_type)]
    tensors.append(("output_norm.weight", [dim], "F32"))
    if arch == "gpt2":
        tensors.append(("output_norm.bias", [dim], "F32"))
    elif not tied:
        tensors.append(("output.weight", [dim, vocab], weight_type))
    return tensors


def metadata_list(arch, size, name):
    a = arch
    head_dim = size["dim"] // size["heads"]
    metadata = [
        ("general.architecture", "string", arch),
        ("general.name", "string", name),
        (f"{a}.context_length", "u32", size["ctx"]),
        (f"{a}.embedding_length", "u32", size["dim"]),
        (f"{a}.block_count", "u32", size["layers"]),
        (f"{a}.feed_forward_length", "u32", size["hidden"]),
        (f"{a}.attention.head_count", "u32", size["heads"]),
    ]
    if arch == "gpt2":
        tokens, merges, types = gpt2_vocab(size["vocab"])
        eot = len(tokens) - 1
        return metadata + [
            (f"{a}.attention.layer_norm_epsilon", "f32", 1e-5),
            ("tokenizer.ggml.model", "string", "gpt2"),
            ("tokenizer.ggml.pre", "string", "gpt-2"),
            ("tokenizer.ggml.tokens", "array:string", tokens),
            ("tokenizer.ggml.token_type", "array:i32", types),
            ("tokenizer.ggml.merges", "array:string", merges),
            ("tokenizer.ggml.bos_token_id", "u32", eot),
            ("tokenizer.ggml.eos_token_id", "u32", eot),
        ]
    tokens, scores, types = llama_vocab(size["vocab"])
    return metadata + [
        (f"{a}.attention.head_count_kv", "u32", size["kv_heads"]),
        (f"{a}.attention.layer_norm_rms_epsilon", "f32", 1e-5),
        (f"{a}.rope.freq_base", "f32", 10000.0),
        (f"{a}.rope.dimension_count", "u32", head_dim),
        ("tokenizer.ggml.model", "string", "llama"),
        ("tokenizer.ggml.tokens", "array:string", tokens),
        ("tokenizer.ggml.scores", "array:f32", scores),
        ("tokenizer.ggml.token_type", "array:i32", types),
        ("tokenizer.ggml.bos_token_id", "u32", 1),
        ("tokenizer.ggml.eos_token_id", "u32", 2),
    ]


def model_size(args):
    size = dict(TINY)
    if args.preset:
        size.update(PRESETS[args.preset])
    if args.arch == "gpt2":
        # gpt2 has no grouped-query attention, and its vocabulary is the tokenizer's.
        if args.kv_heads is not None and args.kv_heads != (args.heads or size["heads"]):
            sys.exit("make_gguf: gpt2 has one key/value head per query head; drop --kv-heads")
        if not args.preset:
            size["vocab"] = None
    for key in TINY:
        if getattr(args, key) is not None:
            size[key] = getattr(args, key)
    if args.arch == "gpt2":
        size["kv_heads"] = size["heads"]
        size["vocab"] = len(gpt2_vocab(size["vocab"])[0])
    if min(size.values()) < 1:
        sys.exit("make_gguf: sizes must be positive")
    dim, heads, kv_heads = size["dim"], size["heads"], size["kv_heads"]
    if dim % heads or heads % kv_heads or (dim // heads) % 2:
        sys.exit(f"make_gguf: --dim {dim}, --heads {heads}, --kv-heads {kv_heads}: the heads must "
                 "split dim into even head sizes and the key/value heads must divide the heads")
    return size


def check_blocks(tensors):
    for name, ne, kind in tensors:
        if ne[0] % BLOCK_SIZES[kind]:
            sys.exit(f"make_gguf: {name} has rows of {ne[0]} values, which {kind} cannot hold in "
                     f"blocks of {BLOCK_SIZES[kind]}; choose sizes that are multiples of "
                     f"{BLOCK_SIZES[kind]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("--arch", default="llama", choices=["llama", "qwen2", "gpt2"])
    parser.add_argument("--type", default="Q8_0", choices=sorted(TENSOR_TYPES),
                        help="type of the 2-D weight matrices")
    parser.add_argument("--embd-type", choices=sorted(TENSOR_TYPES),
                        help="type of token_embd (and gpt2's position_embd); default: --type")
    parser.add_argument("--no-output", action="store_true",
                        help="omit output.weight: the head is tied to token_embd (gpt2 always is)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help="bench-100m: a llama-shaped model of about 100M parameters")
    for key in TINY:
        parser.add_argument("--" + key.replace("_", "-"), dest=key, type=int,
                            help=f"default {TINY[key]}")
    args = parser.parse_args()
    size = model_size(args)
    rng = np.random.default_rng(args.seed)
    name = f"llmc-{args.preset}" if args.preset else f"llmc-tiny-{args.arch}"
    metadata = metadata_list(args.arch, size, name)
    tensors = tensor_list(args.arch, size, args.type, args.embd_type or args.type,
                          args.no_output)
    check_blocks(tensors)
    # Weights of about the same size relative to the activations at every width (0.2 at the
    # tiny model's 64).
    std = 0.2 * math.sqrt(64 / size["dim"])

    alignment = 32
    header = [b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))]
    for key, kind, v in metadata:
        header.append(string(key) + value(kind, v))
    data, infos, offset = [], [], 0
    for tensor, ne, kind in tensors:
        count = int(np.prod(ne))
        if kind == "Q4_K":
            payload = random_q4_k(rng, count, std)
        elif kind == "Q6_K":
            payload = random_q6_k(rng, count, std)
        else:
            values = rng.normal(0.0, std, size=list(reversed(ne)))
            if tensor.endswith("norm.weight"):
                values = 1.0 + 0.1 * values
            elif tensor.endswith("norm.bias"):
                values = 0.1 * values
            payload = encode(values, kind)
        infos.append(string(tensor) + struct.pack("<I", len(ne)) +
                     struct.pack(f"<{len(ne)}Q", *ne) + struct.pack("<IQ", TENSOR_TYPES[kind], offset))
        padding = b"\0" * (-len(payload) % alignment)
        data += [payload, padding]
        offset += len(payload) + len(padding)
    head = b"".join(header + infos)
    head += b"\0" * (-len(head) % alignment)
    with open(args.out, "wb") as f:
        f.write(head)
        for chunk in data:
            f.write(chunk)


if __name__ == "__main__":
    main()
