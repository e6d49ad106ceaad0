/**
 * Makes the README's example figures (docs/images/plot-*.png) from a real short run: LeNet-5 on
 * the first 3000 MNIST training digits (a fifth held out for validation), Adam with a cosine
 * schedule per batch, early stopping on the validation loss. Every figure is drawn by the
 * `plot` module exactly as a user would call it.
 *
 *   npx tsx scripts/plot-docs.ts            (about a minute on 2 cores)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadNamedDataset } from '../src/cli/datasets.js';
import { createModel } from '../src/models/registry.js';
import { Adam } from '../src/optim/adam.js';
import { CosineAnnealingLR } from '../src/optim/lr-scheduler.js';
import { manualSeed } from '../src/tensor/random.js';
import { Callback } from '../src/train/callback.js';
import { EarlyStopping } from '../src/train/early-stopping.js';
import { predict } from '../src/train/evaluate.js';
import { fit } from '../src/train/fit.js';
import { LRSchedulerCallback } from '../src/train/lr-scheduler-callback.js';
import { confusionMatrix, predictClasses } from '../src/train/metrics.js';
import { PlotCurves } from '../src/train/plot-callback.js';
import { crossEntropy } from '../src/nn/functional/index.js';
import { stack } from '../src/tensor/ops/shape.js';
import * as plot from '../src/plot/index.js';

const OUT = 'docs/images';
mkdirSync(OUT, { recursive: true });
const png = async (name: string, svg: string): Promise<void> => {
  writeFileSync(`${OUT}/${name}`, await plot.toPng(svg));
  console.log(`wrote ${OUT}/${name}`);
};

/** Records the learning rate of every optimizer step. */
class StepLR extends Callback {
  readonly lr: number[] = [];
  override onBatchEnd(): void {
    this.lr.push(this.ctx.optimizer.paramGroups[0].lr);
  }
}

const ds = await loadNamedDataset('mnist', 3000);
manualSeed(0);
const model = createModel('lenet5', { inputShape: ds.inputShape, numClasses: ds.numClasses });
const optimizer = new Adam(model.parameters(), { lr: 3e-3 });
const epochs = 12;
const batchSize = 32;
const steps = Math.ceil((ds.train.length * 0.8) / batchSize) * epochs;
const stepLR = new StepLR();
const history = await fit(model, ds.train, {
  epochs,
  batchSize,
  optimizer,
  loss: 'crossEntropy',
  metrics: ['accuracy'],
  validation: { fraction: 0.2 },
  seed: 0,
  verbose: 0,
  callbacks: [
    new LRSchedulerCallback(new CosineAnnealingLR(optimizer, steps), { interval: 'batch' }),
    new EarlyStopping({ monitor: 'valLoss', patience: 3, restoreBestWeights: true }),
    stepLR,
    new PlotCurves(`${OUT}/plot-learning-curves.png`, { title: 'LeNet-5 on 3000 MNIST digits: learning curves' }),
  ],
});
console.log(`trained ${history.epoch.length} epochs; wrote ${OUT}/plot-learning-curves.png`);
writeFileSync(`${OUT}/plot-history.json`, JSON.stringify(history.toJSON()) + '\n');

await png(
  'plot-lr-schedule.png',
  plot.lrSchedule(
    { x: stepLR.lr.map((_, i) => i + 1), lr: stepLR.lr },
    { unit: 'step', title: 'Cosine learning-rate schedule (per batch)' },
  ),
);

// test predictions: confusion matrix and per-class accuracy
const n = ds.test.length;
const xs = stack(Array.from({ length: n }, (_, i) => ds.test.get(i).x));
const ys = Int32Array.from({ length: n }, (_, i) => ds.test.get(i).y);
const logits = predict(model, xs, { batchSize: 500 });
const { Tensor } = await import('../src/tensor/tensor.js');
const cm = confusionMatrix(logits, new Tensor(ys, [n]), 10);
await png(
  'plot-confusion.png',
  plot.confusionMatrix(cm, { classNames: ds.classes, title: `LeNet-5 confusion matrix on ${n} MNIST test digits` }),
);
await png(
  'plot-class-accuracy.png',
  plot.classAccuracy(cm, { classNames: ds.classes, title: 'Test accuracy per digit' }),
);

// a 2-D PCA of the logits of 600 test digits, coloured by their true class
const k = 600;
const d = 10;
const L = logits.data;
const mean = new Float64Array(d);
for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) mean[j] += L[i * d + j] / k;
const cov = Array.from({ length: d }, () => new Float64Array(d));
for (let i = 0; i < k; i++)
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) cov[a][b] += ((L[i * d + a] - mean[a]) * (L[i * d + b] - mean[b])) / (k - 1);
const components: Float64Array[] = [];
for (let c = 0; c < 2; c++) {
  let v = Float64Array.from({ length: d }, (_, j) => 1 + j * 0.1);
  for (let it = 0; it < 500; it++) {
    const w = new Float64Array(d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a] += cov[a][b] * v[b];
    for (const p of components) {
      const dot = w.reduce((s, x, j) => s + x * p[j], 0);
      for (let j = 0; j < d; j++) w[j] -= dot * p[j];
    }
    const norm = Math.hypot(...w);
    v = w.map((x) => x / norm);
  }
  components.push(v);
}
const pts = Array.from({ length: k }, (_, i) =>
  components.map((p) => p.reduce((s, x, j) => s + x * (L[i * d + j] - mean[j]), 0)),
);
await png(
  'plot-embedding.png',
  plot.scatter(pts, ys.subarray(0, k), {
    classNames: ds.classes,
    title: 'PCA of LeNet-5 logits, 600 test digits',
    xLabel: 'principal component 1 (logit units)',
    yLabel: 'principal component 2 (logit units)',
  }),
);

// 16 test digits with label and prediction (pixels back to [0, 1])
const pred = predictClasses(logits);
const { mean: mu, std } = ds.normalize ?? { mean: 0, std: 1 };
const m = 16;
const pix = Float32Array.from(xs.data.subarray(0, m * 784), (v) => v * std + mu);
await png(
  'plot-digits.png',
  plot.imageGrid(
    { data: pix, shape: [m, 1, 28, 28] },
    {
      captions: Array.from({ length: m }, (_, i) => `true ${ys[i]} / pred ${pred[i]}`),
      columns: 8,
      cell: 64,
      title: 'Test digits: true label and prediction',
    },
  ),
);

// weights and gradients of each layer's weight tensor after one more batch
model.zeroGrad();
crossEntropy(model.forward(xs.narrow(0, 0, 64)), new Tensor(ys.slice(0, 64), [64])).backward();
const layers = [...model.namedParameters()]
  .filter(([name]) => name.endsWith('weight'))
  .map(([name, p]) => ({ name, weights: p.data, gradients: p.grad?.data ?? null }));
await png(
  'plot-weights.png',
  plot.histograms(layers, { title: 'LeNet-5 weights and gradients per layer (one test batch)' }),
);
