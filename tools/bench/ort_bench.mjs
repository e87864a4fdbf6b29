// ort_bench.mjs - times an ONNX model with ONNX Runtime's CPU provider, the peer that
// tools/bench/perf_suite.py measures llmc against.
//
//   node ort_bench.mjs MODEL.onnx --input NAME=FILE.npy ... [--threads N] [--iterations N]
//                      [--warmup N] [--ort DIR] [--json]
//
// Creates one session with intraOpNumThreads = N and interOpNumThreads = 1 (the thread budget
// `llmc bench --threads N` gets), runs it --warmup times, then times --iterations runs and
// prints one JSON object with min_ms, median_ms, mean_ms and p90_ms, the fields `llmc bench
// --json` prints. `--ort` names the folder that holds node_modules/onnxruntime-node.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const DTYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array], '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array], '|b1': ['bool', Uint8Array],
};

function fail(message) {
  process.stderr.write(`ort_bench: ${message}\n`);
  process.exit(1);
}

// The subset of .npy that perf_suite.py writes (version 1, C order, the dtypes above).
function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY' || bytes[6] !== 1)
    fail(`${file}: not a version 1 .npy file`);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !DTYPES[descr] || shapeText === undefined || /'fortran_order':\s*True/.test(header))
    fail(`${file}: unsupported header ${header.trim()}`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const [type, Typed] = DTYPES[descr];
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new Typed(count);
  const offset = 10 + headerLength;
  new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + count * Typed.BYTES_PER_ELEMENT));
  return { type, data: type === 'bool' ? Uint8Array.from(data, (v) => v !== 0) : data, dims };
}

function positiveInteger(text, name, minimum) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) fail(`${name} is '${text}', expected an integer >= ${minimum}`);
  return value;
}

const args = process.argv.slice(2);
let model, ortDir = process.cwd(), threads = 1, iterations = 20, warmup = 3;
const inputs = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--input') inputs.push(args[++i]);
  else if (args[i] === '--threads') threads = positiveInteger(args[++i], '--threads', 1);
  else if (args[i] === '--iterations') iterations = positiveInteger(args[++i], '--iterations', 1);
  else if (args[i] === '--warmup') warmup = positiveInteger(args[++i], '--warmup', 0);
  else if (args[i] === '--ort') ortDir = args[++i];
  else if (args[i] === '--json') continue; // the output is always JSON, as `llmc bench --json`'s
  else if (!model) model = args[i];
  else fail(`unexpected argument '${args[i]}'`);
}
if (!model) fail('usage: ort_bench.mjs MODEL.onnx --input NAME=FILE.npy ... [--threads N] [--iterations N] [--warmup N] [--ort DIR]');
const require = createRequire(path.join(path.resolve(ortDir), 'package.json'));
const ort = require('onnxruntime-node');
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential',
  intraOpNumThreads: threads, interOpNumThreads: 1,
});
const feeds = {};
for (const spec of inputs) {
  const eq = spec.indexOf('=');
  if (eq < 0) fail(`--input wants NAME=FILE, got '${spec}'`);
  const t = readNpy(spec.slice(eq + 1));
  feeds[spec.slice(0, eq)] = new ort.Tensor(t.type, t.data, t.dims);
}
for (let i = 0; i < warmup; ++i) await session.run(feeds);
const times = [];
for (let i = 0; i < iterations; ++i) {
  const start = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const sorted = [...times].sort((a, b) => a - b);
const quantile = (q) => {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position), above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
};
process.stdout.write(JSON.stringify({
  model, threads, iterations, warmup, min_ms: sorted[0], median_ms: quantile(0.5),
  mean_ms: times.reduce((a, b) => a + b, 0) / times.length, p90_ms: quantile(0.9),
}) + '\n');
