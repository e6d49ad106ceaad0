// Benchmark worker for onnxruntime-node (inference only; a devDependency: its CPU binaries ship
// in the npm package, and package.json's allowScripts denies its postinstall, which would
// download CUDA binaries from NuGet).
// The models are bench/models/*.onnx, exported from the PyTorch worker's architectures by
// bench/models/export-onnx.py.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { serve, rate } from './protocol.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const threads = Number(process.env.BENCH_THREADS ?? 2);
const options = {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

async function inferRate(file, batch) {
  const session = await ort.InferenceSession.create(join(here, '../models', file), options);
  const data = Float32Array.from({ length: batch * 28 * 28 }, () => Math.random() - 0.5);
  const feeds = { x: new ort.Tensor('float32', data, [batch, 1, 28, 28]) };
  return async (seconds) => batch * (await rate(() => session.run(feeds), seconds));
}

const lenet = await inferRate('lenet5.onnx', 256);
const fashion = await inferRate('keras-fashion.onnx', 64);
const require = (await import('node:module')).createRequire(import.meta.url);
const version = require('onnxruntime-node/package.json').version;
serve(
  { framework: 'onnxruntime-node', version, notes: 'inference only' },
  {
    'lenet-infer': (s) => lenet(s),
    'fashion-infer': (s) => fashion(s),
  },
);
