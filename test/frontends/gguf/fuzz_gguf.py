#!/usr/bin/python3
"""fuzz_gguf.py MODEL.gguf SCRATCH.gguf RUNS SEED -- COMMAND... (with @GGUF@ for the file)

Writes RUNS copies of MODEL.gguf with 1 to 4 random bytes of its header, metadata and tensor
infos overwritten (a fixed seed, so every run of the test is the same), runs COMMAND on each and
fails if any ends by a signal, exits with a code other than 0 or 1, or runs longer than 20 s: a
hostile file is refused with an error or imported, never a crash or a hang.
"""
import random
import struct
import subprocess
import sys


def data_offset(data):
    """Where the tensor data starts: the mutations stay before it, in the parsed bytes."""
    # The header and metadata are variable-length; the offset is simply the first 32-byte
    # aligned position after the last tensor info, which we find by parsing the counts.
    pos = 8
    n_tensors, n_kv = struct.unpack_from("<QQ", data, pos)
    pos += 16

    def string(p):
        n = struct.unpack_from("<Q", data, p)[0]
        return p + 8 + n

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def value(p, kind):
        if kind == 8:
            return string(p)
        if kind == 9:
            element, count = struct.unpack_from("<IQ", data, p)
            p += 12
            for _ in range(count):
                p = value(p, element)
            return p
        return p + sizes[kind]

    for _ in range(n_kv):
        pos = string(pos)
        kind = struct.unpack_from("<I", data, pos)[0]
        pos = value(pos + 4, kind)
    for _ in range(n_tensors):
        pos = string(pos)
        n_dims = struct.unpack_from("<I", data, pos)[0]
        pos += 4 + 8 * n_dims + 4 + 8
    return pos


def main():
    model, scratch, runs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    command = sys.argv[sys.argv.index("--") + 1:]
    original = open(model, "rb").read()
    end = data_offset(original)
    rng = random.Random(seed)
    bad = []
    for run in range(runs):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(end)] = rng.randrange(256)
        open(scratch, "wb").write(data)
        try:
            result = subprocess.run([c.replace("@GGUF@", scratch) for c in command],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
            if result.returncode not in (0, 1):
                bad.append((run, result.returncode, result.stderr[-300:]))
        except subprocess.TimeoutExpired:
            bad.append((run, "timeout", b""))
    for run, code, err in bad[:5]:
        print(f"run {run}: exit {code}: {err.decode(errors='replace')}")
    if bad:
        sys.exit(f"fuzz_gguf: {len(bad)} of {runs} mutated files crashed or hung")
    print(f"fuzz_gguf: {runs} mutated files, every one refused or imported")


if __name__ == "__main__":
    main()
