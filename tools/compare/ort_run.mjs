// ort_run.mjs - runs an ONNX model with ONNX Runtime's CPU provider (the peer llmc is checked
// against) on .npy inputs and writes the outputs as .npy files.
//
//   node ort_run.mjs MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR [--ort DIR]
//
// Writes DIR/output_K.npy in the order of the model's outputs, the layout `llmc run` writes.
// `--ort` names the folder that holds node_modules/onnxruntime-node (scripts/install-ort.sh).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const DTYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i1': ['int8', Int8Array], '|i1': ['int8', Int8Array], '<u1': ['uint8', Uint8Array],
  '|u1': ['uint8', Uint8Array], '<i2': ['int16', Int16Array], '<u2': ['uint16', Uint16Array],
  '<i4': ['int32', Int32Array], '<u4': ['uint32', Uint32Array],
  '<i8': ['int64', BigInt64Array], '<u8': ['uint64', BigUint64Array], '|b1': ['bool', Uint8Array],
  '<f2': ['float16', Uint16Array],
};

function fail(message) {
  process.stderr.write(`ort_run: ${message}\n`);
  process.exit(1);
}

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY')
    fail(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined || fortran || !DTYPES[descr])
    fail(`${file}: unsupported header ${header.trim()}`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const [type, Array] = DTYPES[descr];
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const data = new Array(count);
  new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + count * Array.BYTES_PER_ELEMENT));
  return { type, data: type === 'bool' ? Uint8Array.from(data, (v) => v !== 0) : data, dims };
}

function writeNpy(file, tensor) {
  const descrs = { float32: '<f4', float64: '<f8', int8: '|i1', uint8: '|u1', int16: '<i2',
    uint16: '<u2', int32: '<i4', uint32: '<u4', int64: '<i8', uint64: '<u8', bool: '|b1',
    float16: '<f2' };
  const descr = descrs[tensor.type];
  if (!descr) fail(`output type ${tensor.type} cannot be written`);
  const dims = tensor.dims.map(Number);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const data = tensor.type === 'bool' ? Uint8Array.from(tensor.data, (v) => (v ? 1 : 0)) : tensor.data;
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

const args = process.argv.slice(2);
let model, outputDir, ortDir = process.cwd();
const inputs = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--input') inputs.push(args[++i]);
  else if (args[i] === '--output-dir') outputDir = args[++i];
  else if (args[i] === '--ort') ortDir = args[++i];
  else if (!model) model = args[i];
  else fail(`unexpected argument '${args[i]}'`);
}
if (!model || !outputDir) fail('usage: ort_run.mjs MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR [--ort DIR]');
const require = createRequire(path.join(path.resolve(ortDir), 'package.json'));
const ort = require('onnxruntime-node');
const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
const feeds = {};
for (const spec of inputs) {
  const eq = spec.indexOf('=');
  if (eq < 0) fail(`--input wants NAME=FILE, got '${spec}'`);
  const t = readNpy(spec.slice(eq + 1));
  feeds[spec.slice(0, eq)] = new ort.Tensor(t.type, t.data, t.dims);
}
const results = await session.run(feeds);
fs.mkdirSync(outputDir, { recursive: true });
session.outputNames.forEach((name, k) => writeNpy(path.join(outputDir, `output_${k}.npy`), results[name]));
