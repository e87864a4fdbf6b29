#!/usr/bin/python3
"""Decode speed of a ~100M-parameter llama-shaped model against the machine's read bandwidth.

  llm_decode_bench.py [--llmc build/bin/llmc] [--membw build/bin/llmc-membw]
                      [--types Q8_0,Q4_0] [--threads 1,2] [-n 128] [--runs 3]
                      [--work DIR] [--write-doc docs/llm-benchmark.md]

For each weight type: writes the model with the independent GGUF writer
(test/frontends/gguf/make_gguf.py --preset bench-100m: dim 768, 12 layers, 12 heads, 4 kv heads,
feed-forward 2048, vocabulary 16384), compiles it with `llmc compile`, and runs
`llmc generate --temp 0` for n tokens at each thread count (best of --runs). Decoding one token
reads every weight once (the token embedding only for one row) plus the KV cache up to the
current position; those bytes per token times tokens/s is the bandwidth decode achieves. The
bound is `llmc-membw`'s read bandwidth at the same thread count, for a buffer the size of the
weights (what this machine delivers for that working set, caches included) and for 2 GiB (main
memory). This is a benchmark, not a test: it asserts nothing.
"""
import argparse
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROMPT = "1,20,23,25,30,40,50,60"


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"llm_decode_bench: {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


def model_bytes(llmc, gguf):
    """(weight bytes read per decoded token, hyperparameters) from `llmc inspect`."""
    text = run([llmc, "inspect", gguf])
    meta = dict(re.findall(r"^  llama\.([a-z_.]+): \w+ (\S+)$", text, re.M))
    tensors = re.findall(r"^  (\S+): \w+ \[([0-9, ]+)\], (\d+) bytes", text, re.M)
    total = 0
    for name, dims, size in tensors:
        size = int(size)
        if name == "token_embd.weight":
            rows = int(dims.split(",")[-1])
            total += size // rows  # one row per token
        else:
            total += size
    if not any(name == "output.weight" for name, _, _ in tensors):
        total += next(int(s) for n, _, s in tensors if n == "token_embd.weight")  # tied head
    return total, {k: float(v) for k, v in meta.items()}


def decode_rate(llmc, artifact, threads, count, runs):
    best = None
    for _ in range(runs):
        out = run([llmc, "generate", artifact, "--prompt-ids", PROMPT, "-n", str(count), "--temp",
                   "0", "--print-ids", "--ignore-eos", "--threads", str(threads)])
        prompt = float(re.search(r"^prompt: .*\(([0-9.]+) tokens/s\)", out, re.M).group(1))
        decode = float(re.search(r"^generation: .*\(([0-9.]+) tokens/s\)", out, re.M).group(1))
        if best is None or decode > best[1]:
            best = (prompt, decode)
    return best


def bandwidth(membw, mib, threads):
    out = run([membw, "--mib", str(mib), "--threads", str(threads), "--repeats", "10"])
    return float(re.search(r"read bandwidth: ([0-9.]+) GB/s", out).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llmc", default=os.path.join(ROOT, "build/bin/llmc"))
    parser.add_argument("--membw", default=os.path.join(ROOT, "build/bin/llmc-membw"))
    parser.add_argument("--types", default="Q8_0,Q4_0")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("-n", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default="/tmp/llmc-llm-bench")
    parser.add_argument("--write-doc")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    dram = {t: bandwidth(args.membw, 2048, t) for t in threads}
    rows = []
    for kind in args.types.split(","):
        gguf = os.path.join(args.work, f"bench-100m-{kind}.gguf")
        artifact = os.path.join(args.work, f"bench-100m-{kind}.llmc")
        run([sys.executable, os.path.join(ROOT, "test/frontends/gguf/make_gguf.py"), gguf,
             "--preset", "bench-100m", "--type", kind])
        run([args.llmc, "compile", gguf, "-o", artifact])
        weights, hp = model_bytes(args.llmc, gguf)
        # The KV cache read at the average position of the generated tokens (f32 keys and values).
        position = len(PROMPT.split(",")) + args.n / 2
        head_dim = hp["embedding_length"] / hp["attention.head_count"]
        cache = 2 * hp["block_count"] * position * hp["attention.head_count_kv"] * head_dim * 4
        per_token = weights + cache
        mib = int(weights / 2**20) + 1
        for t in threads:
            # Measured before and after the runs; the higher is the bound (other tenants of a
            # shared machine only ever lower it).
            bound = bandwidth(args.membw, mib, t)
            prompt, rate = decode_rate(args.llmc, artifact, t, args.n, args.runs)
            bound = max(bound, bandwidth(args.membw, mib, t))
            achieved = rate * per_token / 1e9
            rows.append((kind, t, prompt, rate, per_token / 1e6, achieved, bound,
                         100 * achieved / bound, dram[t], 100 * achieved / dram[t]))
    header = ("| weights | threads | prompt tok/s | decode tok/s | MB read per token | GB/s "
              "achieved | bound GB/s (same size) | % of bound | main memory GB/s | % of main "
              "memory |\n|---|---|---|---|---|---|---|---|---|---|")
    lines = [header] + [
        f"| {k} | {t} | {p:.0f} | {r:.1f} | {mb:.1f} | {a:.1f} | {b:.1f} | {pb:.0f}% | {d:.1f} | "
        f"{pd:.0f}% |" for k, t, p, r, mb, a, b, pb, d, pd in rows]
    table = "\n".join(lines)
    print(table)
    if args.write_doc:
        llc = "unknown"
        for index in range(4, -1, -1):
            try:
                llc = open(f"/sys/devices/system/cpu/cpu0/cache/index{index}/size").read().strip()
                break
            except OSError:
                continue
        cpu = "unknown CPU"
        try:
            cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
        except (OSError, AttributeError):
            pass
        with open(args.write_doc, "w") as f:
            f.write("# LLM decode benchmark\n\n"
                    "Generated by `tools/bench/llm_decode_bench.py --write-doc "
                    f"{args.write_doc}` on {cpu} ({os.cpu_count()} CPUs, "
                    f"{platform.machine()}). Figures depend on the machine and its load; rerun "
                    "the script to measure yours.\n\n"
                    "The model is llama-shaped with about 100M parameters (dim 768, 12 layers, 12 "
                    "heads, 4 kv heads, feed-forward 2048, vocabulary 16384), written by the "
                    "independent GGUF writer; decode runs " + str(args.n) + " tokens after an "
                    f"{len(PROMPT.split(','))}-token prompt, best of {args.runs} runs. "
                    "*MB read per token* is every weight once (one row of the token embedding) "
                    "plus the KV cache at the average position. *Bound* is `llmc-membw`'s read "
                    "bandwidth at the same thread count for a buffer the size of the weights, "
                    "caches included; *main memory* is the same for 2 GiB. The last-level cache "
                    f"here is {llc}: when the weights fit in it, decode streams them from that "
                    "cache, which is why the same-size bound is the one to compare with and the "
                    "main-memory fraction can exceed 100%.\n\n" + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
