/**
 * Child process of memory-sync.slow.test.ts: a synchronous loop (never yields to the event loop, so
 * no finalizer can run) of LeNet-5 training steps (`train`) or of noGrad inference calls
 * through a plain Module (`infer`), on the backend CONVKIT_BACKEND selects. Prints JSON:
 * RSS and JS heap (+ external memory) after warm-up and at the end (after a full GC), wasm memory statistics where the backend
 * has them, and the storage counters of tensor/alloc.ts.
 */
import { noGrad } from '../../src/autograd/engine.js';
import { getBackend } from '../../src/backend/index.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { Module } from '../../src/nn/module.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { maxPool2d } from '../../src/nn/functional/pool.js';
import { SGD } from '../../src/optim/sgd.js';
import { storageStats } from '../../src/tensor/alloc.js';
import { randn } from '../../src/tensor/creation.js';
import { relu } from '../../src/tensor/ops/elementwise.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const [mode, stepsArg, batchArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const batch = Number(batchArg);
if (mode !== 'train' && mode !== 'infer')
  throw new Error(`memory-sync-child: mode must be train or infer, got ${mode}`);
const warmup = Math.min(200, Math.floor(steps / 10));

/** A small CNN written as plain forward code (no Sequential): its activations are >= 1024 elements. */
class PlainCnn extends Module {
  conv = this.registerModule('conv', new Conv2d(1, 8, 3, { padding: 1 }));
  fc = this.registerModule('fc', new Linear(8 * 8 * 8, 10));
  forward(x: Tensor): Tensor {
    const h = maxPool2d(relu(this.conv.call(x)), 2);
    return this.fc.call(h.reshape(x.shape[0], -1));
  }
}

const be = getBackend();
const wasmStats = (): Record<string, number> | null =>
  (be as { memoryStats?: () => Record<string, number> }).memoryStats?.() ?? null;
const gc = (globalThis as { gc?: () => void }).gc;
const rss = (): number => {
  gc?.();
  return process.memoryUsage().rss;
};
const heap = (): number => {
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

manualSeed(0);
let warmRss = 0;
const rssAt: number[] = []; // RSS at each further tenth of the loop, to tell a plateau from growth
let warmHeap = 0;
let warmFresh = 0;
let warmWasm: Record<string, number> | null = null;
let last = NaN;
if (mode === 'train') {
  const model = lenet5();
  const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([batch, 1, 28, 28]);
  const y = new Tensor(
    Int32Array.from({ length: batch }, (_, i) => i % 10),
    [batch],
  );
  for (let i = 0; i < steps; i++) {
    if (i === warmup) {
      warmRss = rss();
      warmHeap = heap();
      warmFresh = storageStats().fresh;
      warmWasm = wasmStats();
    }
    if (i > warmup && i % Math.floor(steps / 10) === 0) rssAt.push(rss());
    opt.zeroGrad();
    const loss = crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    last = loss.item();
  }
} else {
  const model = new PlainCnn();
  model.eval();
  const x = randn([batch, 1, 16, 16]);
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    if (i === warmup) {
      warmRss = rss();
      warmHeap = heap();
      warmFresh = storageStats().fresh;
      warmWasm = wasmStats();
    }
    if (i > warmup && i % Math.floor(steps / 10) === 0) rssAt.push(rss());
    sum += noGrad(() => model.call(x)).data[0];
  }
  last = sum / steps;
}
const endRss = rss();
const endHeap = heap();
process.stdout.write(
  `${JSON.stringify({
    backend: be.name,
    mode,
    steps,
    warmup,
    batch,
    warmRss,
    rssAt,
    endRss,
    warmHeap,
    endHeap,
    last,
    freshAfterWarmup: storageStats().fresh - warmFresh,
    warmWasm,
    endWasm: wasmStats(),
  })}\n`,
);
