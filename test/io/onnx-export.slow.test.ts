// ONNX export checked in onnxruntime-web (wasm, one thread, in Node): every layer class of nn
// (onnx-export-cases.ts; a class without a case fails) and every zoo model of the registry are
// exported with a dynamic batch, run at batch 1 and 3, and compared with convkit's eval output
// at 1e-4 relative to the output's scale. Slow tier: loading onnxruntime-web is heavy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as OrtModule from 'onnxruntime-web';
import { noGrad } from '../../src/autograd/engine.js';
import { randn } from '../../src/tensor/creation.js';
import type { Module } from '../../src/nn/module.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { exportOnnx, ONNX_MAX_OPSET, ONNX_MIN_OPSET } from '../../src/io/onnx/export.js';
import {
  LAYER_CASES,
  LAYER_ERRORS,
  ZOO_BLOCK_CASES,
  layerClassNames,
  zooCases,
  zooClassNames,
  type ExportCase,
} from './onnx-export-cases.js';

type Ort = typeof OrtModule;
let ortPromise: Promise<Ort> | undefined;

/** onnxruntime-web (a devDependency), or a failure saying how to get it. */
function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-web').then(
    (ort) => {
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = 'error';
      return ort;
    },
    (e: unknown) => {
      throw new Error(`onnxruntime-web could not be loaded (run npm install; it is a devDependency): ${String(e)}`);
    },
  );
  return ortPromise;
}

/** Runs ONNX bytes on one input in onnxruntime-web; returns the output data and dims. */
async function runOrt(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds = { input: new ort.Tensor('float32', Float32Array.from(x.data), [...x.shape]) };
    const out = (await session.run(feeds)).output;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** Max |got - want| relative to max |want| (NaNs must sit at the same places). */
function relativeError(got: Float32Array, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'output sizes differ');
  let diff = 0,
    scale = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) || Number.isNaN(got[i])) {
      assert.ok(Number.isNaN(want[i]) && Number.isNaN(got[i]), `element ${i}: got ${got[i]}, expected ${want[i]}`);
      continue;
    }
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Exports a case, runs it at batch 1 and 3 in onnxruntime, compares with convkit's eval forward. */
async function checkParity(c: ExportCase, opset?: number, inspect?: (m: Module) => void): Promise<number> {
  const model = c.build();
  inspect?.(model);
  model.eval();
  const bytes = exportOnnx(model, { inputShape: c.input, ...(opset ? { opset } : {}) });
  let worst = 0;
  for (const batch of [1, 3]) {
    const x = randn([batch, ...c.input.slice(1)]).mul(2);
    const want = noGrad(() => model.call(x));
    const got = await runOrt(bytes, x);
    assert.deepEqual([...got.dims], [...want.shape], `${c.name} (batch ${batch}): output shape`);
    const err = relativeError(got.data, want.data);
    assert.ok(
      err <= 1e-4,
      `${c.name} (batch ${batch}, opset ${opset ?? 17}): relative error ${err.toExponential(2)} > 1e-4`,
    );
    worst = Math.max(worst, err);
  }
  return worst;
}

test('onnxruntime-web loads in Node and runs a model', async () => {
  const ort = await loadOrt();
  assert.equal(typeof ort.InferenceSession.create, 'function');
});

test('every layer class of nn has an export case (a new layer needs one, and an exporter)', () => {
  const covered = new Set([...LAYER_CASES.map((c) => c.name.split(' ')[0]), ...Object.keys(LAYER_ERRORS)]);
  const missing = layerClassNames().filter((n) => !covered.has(n));
  assert.deepEqual(missing, [], `layer classes without an ONNX export case: ${missing.join(', ')}`);
});

for (const opset of [ONNX_MIN_OPSET, 17, ONNX_MAX_OPSET]) {
  test(`every layer case matches onnxruntime at batch 1 and 3 (opset ${opset})`, async () => {
    for (const c of LAYER_CASES) await checkParity(c, opset);
  });
}

test('layers whose export is an error by design say why', () => {
  for (const [name, c] of Object.entries(LAYER_ERRORS))
    assert.throws(() => exportOnnx(c.build(), { inputShape: c.input }), c.error, name);
});

test('every zoo model of the registry, and every zoo block class, matches onnxruntime at batch 1 and 3', async () => {
  const report: string[] = [];
  const seen = new Set<string>();
  for (const c of [...zooCases(), ...ZOO_BLOCK_CASES]) {
    const err = await checkParity(c, undefined, (m) => {
      for (const sub of m.modules()) seen.add(sub.constructor.name);
    });
    report.push(`${c.name} ${err.toExponential(1)}`);
  }
  // the figure for the record (relative error per model)
  console.log(`# zoo relative errors: ${report.join(', ')}`);
  const missing = zooClassNames().filter((n) => !seen.has(n));
  assert.deepEqual(missing, [], `zoo classes no export case builds: ${missing.join(', ')}`);
});

test('zoo models export at the lowest and highest opset too (resnet20, googlenet)', async () => {
  const cases = zooCases().filter((c) => c.name === 'resnet20' || c.name === 'googlenet');
  assert.equal(cases.length, 2);
  for (const c of cases) for (const opset of [ONNX_MIN_OPSET, ONNX_MAX_OPSET]) await checkParity(c, opset);
});

test('a model trained a little (running stats moved, training mode on) exports in eval semantics and keeps its mode', async () => {
  const c = zooCases().find((z) => z.name === 'resnet20') as ExportCase;
  const model: Module = c.build();
  model.train();
  noGrad(() => model.call(randn([4, 3, 32, 32]))); // updates the running statistics
  const bytes = exportOnnx(model, { inputShape: c.input });
  assert.equal(model.training, true, 'exportOnnx restores training mode');
  const x = randn([2, 3, 32, 32]);
  model.eval();
  const want = noGrad(() => model.call(x));
  const got = await runOrt(bytes, x);
  assert.ok(relativeError(got.data, want.data) <= 1e-4);
});
