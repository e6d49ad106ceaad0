#!/usr/bin/env node
/**
 * Trains the lecture's Keras CNN (`kerasFashion`, 1,413,834 parameters; Géron reports 92% test
 * accuracy) and a dense-only baseline (`mlp` 784-300-100-10; the lecture quotes 88%) on
 * Fashion-MNIST, then prints test accuracy and wall time of each. Long-running; not part of CI.
 *
 *   node --import tsx scripts/train-fashion-comparison.ts [--epochs 10] [--batch-size 32]
 *        [--lr 1e-3] [--limit N] [--seed 0] [--backend native|wasm|js]
 */
import { parseArgs } from 'node:util';
import { setBackend, getBackend } from '../src/backend/index.js';
import { loadFashionMnist } from '../src/data/mnist.js';
import { kerasFashion } from '../src/models/keras-fashion.js';
import { mlp } from '../src/models/mlp.js';
import type { Module } from '../src/nn/module.js';
import { Adam } from '../src/optim/adam.js';
import { manualSeed } from '../src/tensor/random.js';
import { evaluate } from '../src/train/evaluate.js';
import { fit } from '../src/train/fit.js';
import { ProgressBar } from '../src/train/progress-bar.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    'batch-size': { type: 'string', default: '32' },
    lr: { type: 'string', default: '1e-3' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string' },
  },
});
if (values.backend) setBackend(values.backend);
const epochs = Number(values.epochs),
  batchSize = Number(values['batch-size']),
  lr = Number(values.lr),
  seed = Number(values.seed);
const limit = values.limit === undefined ? undefined : Number(values.limit);

const train = await loadFashionMnist({ split: 'train', normalize: true, limit });
const test = await loadFashionMnist({
  split: 'test',
  normalize: true,
  limit: limit === undefined ? undefined : Math.max(1, Math.floor(limit / 6)),
});
console.log(
  `Fashion-MNIST: ${train.length} train (last ${Math.round(train.length / 12)} for validation) / ${test.length} test; backend ${getBackend().name} (${getBackend().describe()}); Adam lr ${lr}, batch ${batchSize}, ${epochs} epochs, seed ${seed}`,
);

async function run(
  name: string,
  build: () => Module,
): Promise<{ name: string; params: number; testAccuracy: number; bestValAccuracy: number; seconds: number }> {
  manualSeed(seed);
  const model = build();
  console.log(`\n== ${name} (${model.numParameters().toLocaleString('en-US')} parameters)`);
  const t0 = performance.now();
  const history = await fit(model, train, {
    epochs,
    batchSize,
    seed,
    optimizer: new Adam(model.parameters(), { lr }),
    validation: { fraction: 1 / 12 },
    callbacks: [new ProgressBar()],
    verbose: 0,
  });
  const seconds = (performance.now() - t0) / 1000;
  const testAccuracy = evaluate(model, test, { batchSize: 500 }).accuracy;
  return {
    name,
    params: model.numParameters(),
    testAccuracy,
    bestValAccuracy: Math.max(...history.get('valAccuracy')),
    seconds,
  };
}

const results = [
  await run('dense baseline (mlp 300-100)', () => mlp({ inputSize: 784, hidden: [300, 100], numClasses: 10 })),
  await run('Keras CNN (kerasFashion)', () => kerasFashion()),
];
console.log('\nmodel                          params      test acc   best val acc   wall time');
for (const r of results) {
  console.log(
    `${r.name.padEnd(30)} ${r.params.toLocaleString('en-US').padStart(9)}   ${(r.testAccuracy * 100).toFixed(2).padStart(6)}%   ${(r.bestValAccuracy * 100).toFixed(2).padStart(10)}%   ${r.seconds.toFixed(0).padStart(7)} s`,
  );
}
