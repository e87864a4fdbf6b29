"""Runs a command on every prefix of an artifact (or every `stride`-th one) and fails if any run
ends by a signal or exits 0: a truncated artifact must be refused with an exit code."""
import subprocess
import sys


def main():
    artifact, scratch, stride = sys.argv[1], sys.argv[2], int(sys.argv[3])
    command = sys.argv[4:]
    data = open(artifact, "rb").read()
    lengths = sorted(set(list(range(0, len(data), stride)) + list(range(0, 256)) +
                         list(range(max(0, len(data) - 256), len(data)))))
    bad = []
    for length in lengths:
        with open(scratch, "wb") as f:
            f.write(data[:length])
        result = subprocess.run([c.replace("@ARTIFACT@", scratch) for c in command],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if result.returncode != 1:
            bad.append((length, result.returncode))
    for length, code in bad[:20]:
        print(f"prefix of {length} bytes: exit status {code}")
    print(f"{len(lengths)} prefixes of {len(data)} bytes, {len(bad)} not refused")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
