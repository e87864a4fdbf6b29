#!/usr/bin/python3
"""Writes the bundled tiny llama: a bigram language model of corpus.txt as llama GGUF weights.

  make_tiny_llama.py OUT.gguf [--type Q8_0|Q4_0|F16|F32]
  make_tiny_llama.py [--print-vocab] [--encode TEXT] [--decode ID,ID,...|-]

Nothing is trained. The vocabulary is SentencePiece-style (llama.cpp's "llama" tokenizer): the
control tokens <unk>, <s> and </s>, the 256 byte tokens, one token per corpus word with its
leading U+2581 ("\u2581compiler"), the punctuation of the corpus, then the sub-word pieces that
llama.cpp's merge loop needs to build each word. The pieces come from byte-pair training on the
distinct words until each is one token; a token's score is minus its merge rank, so that the
loop, which merges the adjacent pair whose concatenation has the highest score, takes the same
path and ends with the word token. The script checks that with its own copy of the loop.

The weights compute the corpus's token bigram model through the real llama graph. The token
embeddings are rows of a random orthogonal matrix, scaled so that RMSNorm leaves them as they
are; output.weight is the table of log P(next | current) (add-k smoothing, shifted per row,
which the softmax ignores) composed with the transpose of that matrix, so the logits of a token
are its row of the table. The two layers have small random weights: they compute, grouped-query
attention and SwiGLU included, but move the logits by far less than the bigram signal.

The output is the same bytes on every run (fixed seed, float64 arithmetic). --type applies to
the 2-D matrices, the norms stay F32. --encode, --decode and --print-vocab print what the
vocabulary makes of a text, of ids, or the vocabulary itself, and write no file.
"""
import argparse
import collections
import heapq
import os
import re
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus.txt")
SPACE = "\u2581"

DIM = 640
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HIDDEN = 2 * DIM
CONTEXT = 512
SEED = 20240601
# Add-k smoothing of the bigram counts: small, so that a word seen once after another is still
# far more likely than any unseen word.
SMOOTHING = 0.01
# Log-probability, relative to an unseen word, of the tokens that never occur in the text
# (control, byte, piece and padding tokens): generation never picks them.
NEVER = -10.0
# Standard deviation of the random attention and feed-forward weights.
LAYER_STD = 0.01

TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_UNUSED, TOKEN_BYTE = 1, 2, 3, 5, 6

# GGUF encoding, as test/frontends/gguf/make_gguf.py writes it (ggml docs/gguf.md, v3).
VALUE_TYPES = {"u32": 4, "i32": 5, "f32": 6, "bool": 7, "string": 8, "array": 9}
TENSOR_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8}
ALIGNMENT = 32


def string(s):
    data = s.encode()
    return struct.pack("<Q", len(data)) + data


def value(kind, v):
    if kind == "string":
        return struct.pack("<I", VALUE_TYPES["string"]) + string(v)
    if kind == "u32":
        return struct.pack("<II", VALUE_TYPES["u32"], v)
    if kind == "f32":
        return struct.pack("<If", VALUE_TYPES["f32"], v)
    if kind == "bool":
        return struct.pack("<IB", VALUE_TYPES["bool"], int(v))
    kind, element = kind.split(":")
    assert kind == "array"
    out = [struct.pack("<IIQ", VALUE_TYPES["array"], VALUE_TYPES[element], len(v))]
    if element == "string":
        out += [string(item) for item in v]
    else:
        out.append(np.asarray(v, {"f32": "<f4", "i32": "<i4"}[element]).tobytes())
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


def encode_tensor(x, kind):
    flat = x.astype(np.float32).reshape(-1)
    if kind == "F32":
        return flat.tobytes()
    if kind == "F16":
        return flat.astype(np.float16).tobytes()
    if kind == "Q8_0":
        return quantize_q8_0(flat)
    return quantize_q4_0(flat)


# The corpus and its vocabulary.

def read_corpus(path):
    """The corpus as one line of words and punctuation, and its units in order."""
    text = " ".join(open(path, encoding="utf-8").read().split())
    units = re.findall(r"[A-Za-z]+|[^\sA-Za-z]", text)
    if re.sub(r"[A-Za-z]", "", text).strip(" .,"):
        sys.exit(f"make_tiny_llama: {path}: only letters, spaces, '.' and ',' are expected")
    return text, units


def train_pieces(words):
    """Byte-pair training on the distinct words (each counted once, so that pieces are shared
    by as many words as possible) until every word is one symbol. Returns the merged strings in
    merge order; the words are among them."""
    segments = {word: list(word) for word in words}
    merged = []
    while True:
        pairs = collections.Counter()
        for parts in segments.values():
            pairs.update(zip(parts, parts[1:]))
        if not pairs:
            return merged
        # Most frequent pair first; on ties the shorter result, then the first in sorted order.
        (left, right), _ = min(pairs.items(),
                               key=lambda kv: (-kv[1], len(kv[0][0] + kv[0][1]), kv[0]))
        if left + right not in merged:  # two splits of one string make one token
            merged.append(left + right)
        for word, parts in segments.items():
            out, i = [], 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == left and parts[i + 1] == right:
                    out.append(left + right)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            segments[word] = out


class Vocabulary:
    def __init__(self, units):
        counts = collections.Counter(units)
        words = sorted({SPACE + u for u in units if u.isalpha()},
                       key=lambda w: (-counts[w[1:]], w))
        punctuation = sorted(u for u in counts if not u.isalpha())
        merged = train_pieces(words)
        rank = {piece: i for i, piece in enumerate(merged)}
        pieces = [p for p in merged if p not in set(words)]
        self.tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
        self.types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL] + [TOKEN_BYTE] * 256
        self.first_word = len(self.tokens)
        self.tokens += words + punctuation + pieces
        self.types += [TOKEN_NORMAL] * (len(words) + len(punctuation) + len(pieces))
        self.text_tokens = list(range(self.first_word, self.first_word + len(words) +
                                      len(punctuation)))
        padded = -(-len(self.tokens) // 32) * 32
        self.tokens += [f"<unused{i}>" for i in range(padded - len(self.tokens))]
        self.types += [TOKEN_UNUSED] * (padded - len(self.types))
        self.scores = [float(-rank[t]) if t in rank else 0.0 for t in self.tokens]
        self.id_of = {t: i for i, t in enumerate(self.tokens)}

    def encode(self, text):
        """llama.cpp's llm_tokenizer_spm with add_space_prefix, without the BOS token."""
        chars = list(SPACE + text.replace(" ", SPACE))
        symbols = [[i - 1, i + 1 if i + 1 < len(chars) else -1, c] for i, c in enumerate(chars)]
        queue = []

        def try_pair(left, right):
            if left < 0 or right < 0:
                return
            joined = symbols[left][2] + symbols[right][2]
            if joined in self.id_of:
                heapq.heappush(queue, (-self.scores[self.id_of[joined]], left, right, len(joined)))

        for i in range(1, len(symbols)):
            try_pair(i - 1, i)
        while queue:
            _, left, right, size = heapq.heappop(queue)
            a, b = symbols[left], symbols[right]
            if not a[2] or not b[2] or len(a[2]) + len(b[2]) != size:
                continue  # stale: one side has changed since the pair was queued
            a[2] += b[2]
            b[2] = ""
            a[1] = b[1]
            if b[1] >= 0:
                symbols[b[1]][0] = left
            try_pair(a[0], left)
            try_pair(left, a[1])
        ids, i = [], 0
        while i >= 0:
            piece = symbols[i][2]
            if piece in self.id_of:
                ids.append(self.id_of[piece])
            else:
                ids += [self.id_of[f"<0x{b:02X}>"] for b in piece.encode()]
            i = symbols[i][1]
        return ids

    def decode(self, ids):
        """The text of ids, as llama.cpp's token_to_piece prints them (control tokens print
        nothing)."""
        out = b""
        for i in ids:
            kind = self.types[i]
            if kind == TOKEN_NORMAL:
                out += self.tokens[i].replace(SPACE, " ").encode()
            elif kind == TOKEN_BYTE:
                out += bytes([int(self.tokens[i][3:5], 16)])
        return out.decode("utf-8", "replace")


def check_tokenizer(vocab, text, units):
    expected = [vocab.id_of[SPACE + u if u.isalpha() else u] for u in units]
    got = vocab.encode(text)
    if got != expected:
        at = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
        sys.exit(f"make_tiny_llama: the vocabulary does not tokenize the corpus word by word: "
                 f"at unit {at} ({units[at]!r}) it gives {vocab.tokens[got[at]]!r}")
    return expected


# The weights.

def bigram_table(vocab, ids):
    """table[a, b] = log P(b | a) + c_a, with c_a chosen so that an unseen text token scores 0.
    A row counts the text token pairs of the corpus; the row of <s> counts sentence starts;
    rows of tokens that never occur in the text hold the unigram distribution."""
    size = len(vocab.tokens)
    text = np.array(vocab.text_tokens)
    counts = np.zeros((size, size))
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    full_stop = vocab.id_of["."]
    starts = [ids[0]] + [b for a, b in zip(ids[:-1], ids[1:]) if a == full_stop]
    np.add.at(counts, (np.full(len(starts), 1), starts), 1.0)
    unigram = np.bincount(ids, minlength=size).astype(np.float64)
    unseen_rows = counts.sum(axis=1) == 0
    counts[unseen_rows] = unigram
    table = np.full((size, size), NEVER)
    smoothed = counts[:, text] + SMOOTHING
    table[:, text] = np.log(smoothed / SMOOTHING)
    return table


def layer_weights(rng, shape):
    return rng.normal(0.0, LAYER_STD, size=shape)


def tensors_of(vocab, ids, weight_type):
    """(name, array with ggml's ne reversed, type) in llama.cpp's converter order."""
    rng = np.random.default_rng(SEED)
    size = len(vocab.tokens)
    # Rows of a random orthogonal matrix, scaled to RMS 1 so that RMSNorm keeps them.
    basis, upper = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    basis *= np.sign(np.diag(upper))[None, :]
    embedding = basis[:size] * np.sqrt(DIM)
    # x . output[b] = table[a, b] for x = embedding[a]: output = table^T embedding / DIM.
    output = bigram_table(vocab, ids).T @ embedding / DIM
    kv_dim = DIM // HEADS * KV_HEADS
    ones = np.ones(DIM)
    tensors = [("token_embd.weight", embedding, weight_type)]
    for layer in range(LAYERS):
        b = f"blk.{layer}."
        tensors += [(b + "attn_norm.weight", ones, "F32"),
                    (b + "attn_q.weight", layer_weights(rng, (DIM, DIM)), weight_type),
                    (b + "attn_k.weight", layer_weights(rng, (kv_dim, DIM)), weight_type),
                    (b + "attn_v.weight", layer_weights(rng, (kv_dim, DIM)), weight_type),
                    (b + "attn_output.weight", layer_weights(rng, (DIM, DIM)), weight_type),
                    (b + "ffn_norm.weight", ones, "F32"),
                    (b + "ffn_gate.weight", layer_weights(rng, (HIDDEN, DIM)), weight_type),
                    (b + "ffn_up.weight", layer_weights(rng, (HIDDEN, DIM)), weight_type),
                    (b + "ffn_down.weight", layer_weights(rng, (DIM, HIDDEN)), weight_type)]
    tensors += [("output_norm.weight", ones, "F32"), ("output.weight", output, weight_type)]
    return tensors


def metadata_of(vocab):
    return [
        ("general.architecture", "string", "llama"),
        ("general.name", "string", "llmc-tiny-llama"),
        ("llama.context_length", "u32", CONTEXT),
        ("llama.embedding_length", "u32", DIM),
        ("llama.block_count", "u32", LAYERS),
        ("llama.feed_forward_length", "u32", HIDDEN),
        ("llama.attention.head_count", "u32", HEADS),
        ("llama.attention.head_count_kv", "u32", KV_HEADS),
        ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5),
        ("llama.rope.freq_base", "f32", 10000.0),
        ("llama.rope.dimension_count", "u32", DIM // HEADS),
        ("tokenizer.ggml.model", "string", "llama"),
        ("tokenizer.ggml.tokens", "array:string", vocab.tokens),
        ("tokenizer.ggml.scores", "array:f32", vocab.scores),
        ("tokenizer.ggml.token_type", "array:i32", vocab.types),
        ("tokenizer.ggml.bos_token_id", "u32", 1),
        ("tokenizer.ggml.eos_token_id", "u32", 2),
        ("tokenizer.ggml.unknown_token_id", "u32", 0),
        ("tokenizer.ggml.add_bos_token", "bool", True),
    ]


def write_gguf(path, metadata, tensors):
    header = [b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))]
    for key, kind, v in metadata:
        header.append(string(key) + value(kind, v))
    data, infos, offset = [], [], 0
    for name, array, kind in tensors:
        ne = list(reversed(array.shape))
        payload = encode_tensor(array, kind)
        infos.append(string(name) + struct.pack("<I", len(ne)) +
                     struct.pack(f"<{len(ne)}Q", *ne) +
                     struct.pack("<IQ", TENSOR_TYPES[kind], offset))
        padding = b"\0" * (-len(payload) % ALIGNMENT)
        data += [payload, padding]
        offset += len(payload) + len(padding)
    head = b"".join(header + infos)
    head += b"\0" * (-len(head) % ALIGNMENT)
    with open(path, "wb") as f:
        f.write(head)
        for chunk in data:
            f.write(chunk)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?")
    parser.add_argument("--type", default="Q8_0", choices=sorted(TENSOR_TYPES),
                        help="type of the 2-D weight matrices (default Q8_0)")
    parser.add_argument("--corpus", default=CORPUS)
    parser.add_argument("--print-vocab", action="store_true",
                        help="print id, type, score and text of every token")
    parser.add_argument("--encode", metavar="TEXT",
                        help="print the ids of <s> TEXT, comma-separated, as --prompt-ids takes")
    parser.add_argument("--decode", metavar="IDS",
                        help="print the text of ids given space- or comma-separated; - reads "
                             "them from standard input")
    args = parser.parse_args()
    text, units = read_corpus(args.corpus)
    vocab = Vocabulary(units)
    if len(vocab.tokens) > DIM:
        sys.exit(f"make_tiny_llama: {len(vocab.tokens)} tokens do not fit the embedding width "
                 f"{DIM}; use fewer distinct words in the corpus")
    ids = check_tokenizer(vocab, text, units)
    if args.print_vocab:
        for i, (token, kind, score) in enumerate(zip(vocab.tokens, vocab.types, vocab.scores)):
            print(f"{i}\t{kind}\t{score:g}\t{token}")
    if args.encode is not None:
        print(",".join(map(str, [1] + vocab.encode(args.encode))))
    if args.decode is not None:
        listed = sys.stdin.read() if args.decode == "-" else args.decode
        print(vocab.decode([int(i) for i in re.split(r"[\s,]+", listed.strip())]))
    if args.print_vocab or args.encode is not None or args.decode is not None:
        return
    if not args.out:
        parser.error("the output file is required")
    write_gguf(args.out, metadata_of(vocab), tensors_of(vocab, np.array(ids), args.type))


if __name__ == "__main__":
    main()
