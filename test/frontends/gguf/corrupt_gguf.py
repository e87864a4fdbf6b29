#!/usr/bin/python3
"""corrupt_gguf.py IN OUT OLD NEW: copies IN to OUT with the first occurrence of the bytes OLD
replaced by NEW (same length), to make hostile GGUF files from valid ones."""
import sys

data = open(sys.argv[1], "rb").read()
old, new = sys.argv[3].encode(), sys.argv[4].encode()
if len(old) != len(new) or old not in data:
    sys.exit(f"corrupt_gguf: '{sys.argv[3]}' is not in {sys.argv[1]} or the lengths differ")
open(sys.argv[2], "wb").write(data.replace(old, new, 1))
