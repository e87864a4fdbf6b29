#!/usr/bin/python3
"""check_generate.py WORK_DIR MODEL.gguf... [--prompt-ids IDS] [-n N] [--threads T]

For each GGUF file: `llmc compile` it, run `llmc generate --temp 0 --print-ids` on the prompt,
run the independent reference (llama_reference.py) on the same prompt, and check that the ids
are equal and every step's logits agree (compare_logits.py). Prints one line per model and
exits 1 at the first disagreement. `llmc` is taken from PATH.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"check_generate: {' '.join(command)} failed ({result.returncode}):\n"
                 f"{result.stdout}{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work")
    parser.add_argument("models", nargs="+")
    parser.add_argument("--prompt-ids", default="1,20,23,25")
    parser.add_argument("-n", type=int, default=12)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    for model in args.models:
        stem = os.path.join(args.work, os.path.splitext(os.path.basename(model))[0])
        run(["llmc", "compile", model, "-o", stem + ".llmc"])
        ours = run(["llmc", "generate", stem + ".llmc", "--prompt-ids", args.prompt_ids, "-n",
                    str(args.n), "--temp", "0", "--print-ids", "--ignore-eos", "--quiet",
                    "--threads", str(args.threads), "--logits", stem + ".npy"]).split()
        theirs = run([sys.executable, os.path.join(HERE, "llama_reference.py"), model,
                      "--prompt-ids", args.prompt_ids, "-n", str(args.n), "--logits",
                      stem + ".ref.npy"]).split()
        if ours != theirs:
            sys.exit(f"check_generate: {model}: llmc generated {' '.join(ours)}, the reference "
                     f"{' '.join(theirs)}")
        compared = run([sys.executable, os.path.join(HERE, "compare_logits.py"), stem + ".npy",
                        stem + ".ref.npy"]).strip()
        print(f"{os.path.basename(model)}: ids match ({' '.join(ours)}); {compared}")


if __name__ == "__main__":
    main()
