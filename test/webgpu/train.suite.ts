/**
 * LeNet-5 trained on the webgpu backend (in a worker: the backend blocks with Atomics.wait):
 * the same seeded model, batch and SGD steps on the js reference backend and on webgpu give the
 * same losses within float tolerance (kernels sum in other orders), the losses decrease, and
 * the trained weights agree. Kernels webgpu has no WGSL for yet run the js reference on synced
 * host copies, so this checks residency (uploads, read-backs, in-place updates) as much as WGSL.
 */
import { F, getBackend, initWebGPU, manualSeed, models, optim, randint, randn, setBackend } from '../../src/index.js';
import type { WebGpuBackend } from '../../src/index.js';
import type { SuiteContext } from './suite.js';

/** The webgpu backend needs a worker. */
export const thread = 'worker';

const STEPS = 8;
const BATCH = 8;

/** Trains a seeded LeNet-5 for STEPS SGD steps (momentum 0.9) on one repeated batch; returns the losses and final weights. */
function train(): { losses: number[]; weights: Float32Array[]; ms: number[] } {
  manualSeed(0);
  const model = models.lenet5();
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = randn([BATCH, 1, 28, 28]);
  const y = randint(0, 10, [BATCH]);
  const losses: number[] = [];
  const ms: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const t0 = performance.now();
    opt.zeroGrad();
    const loss = F.crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
    ms.push(performance.now() - t0);
  }
  return { losses, weights: model.parameters().map((p) => Float32Array.from(p.data)), ms };
}

/** Registers the training comparison. */
export async function run(t: SuiteContext): Promise<void> {
  const info = await initWebGPU();
  t.log(`webgpu backend adapter: ${info.vendor} ${info.architecture} ${info.description}`.trim());

  setBackend('js');
  const ref = train();
  let gpu: { losses: number[]; weights: Float32Array[]; ms: number[] } | null = null;

  t.test(`LeNet-5, ${STEPS} SGD steps of batch ${BATCH} on webgpu run`, () => {
    setBackend('webgpu');
    try {
      gpu = train();
      const be = getBackend() as unknown as WebGpuBackend;
      const s = be.stats();
      t.log(`${be.describe()}`);
      t.log(`step times (ms; the first compiles the pipelines): ${gpu.ms.map((m) => m.toFixed(0)).join(' ')}`);
      t.log(
        `stats: ${s.gpuKernels} WGSL kernel calls, ${s.referenceKernels} reference kernel calls, ${s.dispatches} dispatches, ${s.uploads} uploads, ${s.reads} reads`,
      );
      t.ok(s.dispatches > 0, 'no dispatch reached the device');
    } finally {
      setBackend('js');
    }
  });

  t.test('the losses equal the js backend within tolerance', () => {
    t.ok(gpu !== null, 'the webgpu run did not finish');
    t.log(`js     losses: ${ref.losses.map((l) => l.toFixed(4)).join(' ')}`);
    t.log(`webgpu losses: ${gpu!.losses.map((l) => l.toFixed(4)).join(' ')}`);
    t.close(gpu!.losses, ref.losses, { atol: 1e-3, rtol: 1e-3 });
  });

  t.test('the losses decrease', () => {
    t.ok(gpu !== null, 'the webgpu run did not finish');
    const l = gpu!.losses;
    t.ok(l.every(Number.isFinite), `non-finite loss: ${l.join(', ')}`);
    // on the js backend: 2.268 2.221 2.133 1.983 1.700 1.354 1.456 1.276
    const head = (l[0]! + l[1]! + l[2]!) / 3;
    const tail = (l[l.length - 3]! + l[l.length - 2]! + l[l.length - 1]!) / 3;
    t.ok(tail < 0.9 * head, `mean of the last 3 losses ${tail} is not below 0.9 x the first 3's ${head}`);
    t.ok(l[l.length - 1]! < 0.85 * l[0]!, `last loss ${l[l.length - 1]} is not below 0.85 x the first ${l[0]}`);
  });

  t.test('the trained weights equal the js backend within tolerance', () => {
    t.ok(gpu !== null, 'the webgpu run did not finish');
    ref.weights.forEach((w, i) => {
      t.close(gpu!.weights[i]!, w, { atol: 2e-3, rtol: 2e-3 }, `parameter ${i}`);
    });
  });
}
