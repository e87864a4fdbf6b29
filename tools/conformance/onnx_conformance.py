#!/usr/bin/python3
"""The ONNX backend test suite, run through llmc: compile each model, run every test data set,
compare with the expected outputs (floats with rtol 1e-3 and atol 1e-5, integers and bools
exactly), and report per op.

  onnx_conformance.py --llmc build/bin/llmc [--jobs N] [--filter REGEX]
                      [--json build/onnx-conformance.json] [--write-doc docs/onnx-coverage.md]
                      [--check-doc docs/onnx-coverage.md]
                      [--target TRIPLE --runner 'qemu-aarch64 -L /usr/aarch64-linux-gnu
                       build-aarch64/bin/llmc-run'] [--expect-pass LIST] [--write-pass LIST]

--target compiles for another machine (`llmc compile --target`) and --runner runs the artifacts
there: a command line that takes an artifact and llmc-run's options (the cross-built llmc-run
under qemu-user for AArch64). --expect-pass names a file of suite/test lines, every one of which
must pass (a subset that CI keeps green); the coverage page is only for host runs.

--write-pass writes the tests that passed in that format.

Exit status: 1 if any test crashed (a signal) or hung (a timeout), if a test that --expect-pass
names did not pass, or if --check-doc finds the committed coverage page out of date; 0
otherwise. A failure that is a diagnostic is a result, not an error of this script.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import onnx

DATA = "/usr/share/libonnx-testdata/data"
SUITES = ["node", "simple", "pytorch-converted", "pytorch-operator"]
COMPILE_TIMEOUT = 180
RUN_TIMEOUT = 120


def snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def primary_op(test, model):
    """The op a test is about: the model's op whose snake_case name prefixes the test name."""
    ops = [node.op_type for node in model.graph.node]
    stem = test[len("test_"):] if test.startswith("test_") else test
    matches = [op for op in set(ops) if stem == snake(op) or stem.startswith(snake(op) + "_")]
    if matches:
        return max(matches, key=len)
    return ops[0] if ops else "(empty graph)"


def last_error(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for line in lines:
        if "error:" in line or "MISMATCH" in line:
            return line
    return lines[-1] if lines else "no output"


def shorten(reason, test_dir):
    reason = reason.replace(test_dir + "/", "").replace(test_dir, "")
    reason = re.sub(r"^llmc (compile|run): error: ", "", reason)
    reason = re.sub(r"^[^:]*model\.onnx: ", "", reason)
    reason = re.sub(r"/[^ ]*/(output_\d+\.npy)", r"\1", reason)
    return reason[:200]


def run_one(llmc, work, suite, test, target=None, runner=None):
    test_dir = os.path.join(DATA, suite, test)
    model_path = os.path.join(test_dir, "model.onnx")
    result = {"suite": suite, "test": test, "status": "pass", "reason": "", "op": "?"}
    try:
        model = onnx.load(model_path, load_external_data=False)
        result["op"] = primary_op(test, model)
    except Exception as error:  # a model the onnx package cannot read is still llmc's to judge
        result["op"] = "(unreadable)"
    artifact = os.path.join(work, suite + "-" + test + ".llmc")
    try:
        compile_command = [llmc, "compile", model_path, "-o", artifact]
        if target:
            compile_command += ["--target", target]
        compiled = subprocess.run(compile_command,
                                  capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
    except subprocess.TimeoutExpired:
        result.update(status="hang", reason=f"compile took longer than {COMPILE_TIMEOUT} s")
        return result
    if compiled.returncode < 0:
        result.update(status="crash", reason=f"compile ended by signal {-compiled.returncode}")
        return result
    if compiled.returncode != 0:
        result.update(status="compile", reason=shorten(last_error(compiled.stderr), test_dir))
        return result
    data_sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    for data_set in data_sets:
        data_dir = os.path.join(test_dir, data_set)
        inputs = sorted((f for f in os.listdir(data_dir) if re.match(r"input_\d+\.pb$", f)),
                        key=lambda f: int(f[6:-3]))
        command = (runner or [llmc, "run"]) + [artifact]
        for name in inputs:
            command += ["--input", os.path.join(data_dir, name)]
        command += ["--output-dir", os.path.join(work, suite + "-" + test + "-" + data_set),
                    "--compare", data_dir, "--rtol", "1e-3", "--atol", "1e-5"]
        try:
            ran = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            result.update(status="hang", reason=f"{data_set} ran longer than {RUN_TIMEOUT} s")
            return result
        if ran.returncode < 0:
            result.update(status="crash", reason=f"{data_set} ended by signal {-ran.returncode}")
            return result
        if ran.returncode != 0:
            result.update(status="run", reason=data_set + ": " +
                          shorten(last_error(ran.stderr + "\n" + ran.stdout), test_dir))
            return result
    return result


def render(results):
    lines = ["<!-- Generated by tools/conformance/onnx_conformance.py --write-doc; do not edit. -->",
             "", "# ONNX backend test coverage", "",
             "Every model of Debian's `libonnx-testdata` (ONNX 1.12) compiled by `llmc compile` for "
             "the host and run by `llmc run` on every test data set, compared with the expected "
             "outputs: floats with rtol 1e-3 and atol 1e-5, integers and bools exactly.", "",
             "| suite | tests | pass | compile fails | run fails | crashes or hangs |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for suite in SUITES:
        rows = [r for r in results if r["suite"] == suite]
        if not rows:
            continue
        count = lambda s: sum(1 for r in rows if r["status"] == s)
        bad = count("crash") + count("hang")
        lines.append(f"| {suite} | {len(rows)} | {count('pass')} ({100 * count('pass') / len(rows):.1f}%) "
                     f"| {count('compile')} | {count('run')} | {bad} |")
    lines += ["", "## By op", "",
              "A test counts under the op it is named after. Failures give the first error.", ""]
    by_op = {}
    for r in results:
        by_op.setdefault(r["op"], []).append(r)
    lines += ["| op | pass | tests |", "| --- | ---: | --- |"]
    for op in sorted(by_op):
        rows = sorted(by_op[op], key=lambda r: (r["suite"], r["test"]))
        passed = sum(1 for r in rows if r["status"] == "pass")
        cells = []
        for r in rows:
            name = r["test"] if r["suite"] == "node" else r["suite"] + "/" + r["test"]
            if r["status"] == "pass":
                cells.append(f"✓ {name}")
            else:
                reason = r["reason"].replace("|", "\\|")
                cells.append(f"✗ {name}: {reason}")
        lines.append(f"| {op} | {passed}/{len(rows)} | " + "<br>".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llmc", required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--filter", default="")
    parser.add_argument("--json")
    parser.add_argument("--write-doc")
    parser.add_argument("--check-doc")
    parser.add_argument("--work", help="folder for artifacts and outputs (default: a temporary one)")
    parser.add_argument("--target", help="compile for this target triple (llmc compile --target)")
    parser.add_argument("--runner", help="command line that runs an artifact with llmc-run's "
                        "options (default: llmc run)")
    parser.add_argument("--expect-pass", help="file of suite/test lines that must all pass")
    parser.add_argument("--write-pass", help="write the suite/test lines that passed to this file")
    args = parser.parse_args()
    runner = shlex.split(args.runner) if args.runner else None
    if (args.target or runner) and (args.write_doc or args.check_doc):
        parser.error("--write-doc and --check-doc describe host runs; drop --target/--runner")
    expected = []
    if args.expect_pass:
        expected = [l.split("#")[0].strip() for l in open(args.expect_pass)]
        expected = [l for l in expected if l]
    if not os.path.isdir(os.path.join(DATA, "node")):
        print(f"onnx_conformance: {DATA} is missing; install libonnx-testdata", file=sys.stderr)
        return 2
    work = args.work or tempfile.mkdtemp(prefix="llmc-conformance-")
    os.makedirs(work, exist_ok=True)
    tests = [(suite, test) for suite in SUITES for test in sorted(os.listdir(os.path.join(DATA, suite)))
             if re.search(args.filter, suite + "/" + test)]
    if expected:
        known = set(suite + "/" + test for suite, test in tests)
        missing = [name for name in expected if name not in known]
        if missing:
            print(f"onnx_conformance: --expect-pass names tests that are not in the suite (or "
                  f"not selected by --filter): {', '.join(missing[:5])}", file=sys.stderr)
            return 2
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda st: run_one(args.llmc, work, *st, args.target, runner),
                                tests))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    for suite in SUITES:
        rows = [r for r in results if r["suite"] == suite]
        if rows:
            passed = sum(1 for r in rows if r["status"] == "pass")
            print(f"{suite}: {passed} of {len(rows)} pass")
    bad = [r for r in results if r["status"] in ("crash", "hang")]
    for r in bad:
        print(f"{r['status'].upper()}: {r['suite']}/{r['test']}: {r['reason']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    page = render(results)
    status = 1 if bad else 0
    if args.write_doc:
        with open(args.write_doc, "w") as f:
            f.write(page)
    by_name = {r["suite"] + "/" + r["test"]: r for r in results}
    if args.write_pass:
        with open(args.write_pass, "w") as f:
            f.write(f"# Tests that passed for {args.target or 'the host'}; written by "
                    f"tools/conformance/onnx_conformance.py --write-pass.\n")
            f.writelines(name + "\n" for name, r in sorted(by_name.items()) if r["status"] == "pass")
    regressions = [by_name[name] for name in expected if by_name[name]["status"] != "pass"]
    for r in regressions:
        print(f"EXPECTED TO PASS: {r['suite']}/{r['test']}: {r['status']}: {r['reason']}")
    if regressions:
        status = 1
    if args.check_doc:
        committed = open(args.check_doc).read() if os.path.exists(args.check_doc) else ""
        if committed != page:
            print(f"{args.check_doc} is out of date: run tools/conformance/onnx_conformance.py "
                  f"--llmc build/bin/llmc --write-doc {args.check_doc}", file=sys.stderr)
            status = 1
    passed = sum(1 for r in results if r["status"] == "pass")
    print(f"conformance: {passed} of {len(results)} tests pass")
    return status


if __name__ == "__main__":
    sys.exit(main())
