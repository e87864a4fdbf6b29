#!/usr/bin/python3
"""compare_logits.py LLMC.npy REFERENCE.npy [--rtol R]: exits 1 unless every step's logits agree.

The tolerance is relative to the largest logit magnitude of the step, since the reference runs
in float64 and llmc in float32.
"""
import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("llmc")
    parser.add_argument("reference")
    parser.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args()
    ours, theirs = np.load(args.llmc), np.load(args.reference)
    if ours.shape != theirs.shape:
        sys.exit(f"compare_logits: shapes differ: {ours.shape} vs {theirs.shape}")
    for step, (a, b) in enumerate(zip(ours, theirs)):
        scale = max(float(np.abs(b).max()), 1e-6)
        worst = float(np.abs(a - b).max())
        if not np.isfinite(a).all() or worst > args.rtol * scale:
            sys.exit(f"compare_logits: step {step} differs by {worst:.3g} "
                     f"(scale {scale:.3g}, rtol {args.rtol})")
    print(f"logits match: {ours.shape[0]} steps of {ours.shape[1]}")


if __name__ == "__main__":
    main()
