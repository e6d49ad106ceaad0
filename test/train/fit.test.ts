import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader } from '../../src/data/dataloader.js';
import { mlp } from '../../src/models/mlp.js';
import { crossEntropy } from '../../src/nn/functional/loss-classification.js';
import { SGD } from '../../src/optim/sgd.js';
import { Adam } from '../../src/optim/adam.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { DataInput } from '../../src/train/data.js';
import { fit } from '../../src/train/fit.js';
import { evaluate, predict } from '../../src/train/evaluate.js';
import { Trainer } from '../../src/train/trainer.js';
import { Callback, type Logs } from '../../src/train/callback.js';
import { blobs } from './synthetic.js';

test('fit converges on separable blobs and returns a per-epoch History', async () => {
  manualSeed(0);
  const data = blobs(300);
  const model = mlp({ inputSize: 4, hidden: [16], numClasses: 3 });
  const before = evaluate(model, data);
  const history = await fit(model, data, {
    epochs: 5,
    batchSize: 16,
    optimizer: new Adam(model.parameters(), { lr: 0.01 }),
    metrics: ['accuracy', 'top2'],
    seed: 1,
    verbose: 0,
  });
  assert.deepEqual(history.epoch, [0, 1, 2, 3, 4]);
  const loss = history.get('loss');
  assert.equal(loss.length, 5);
  assert.ok(loss[4] < loss[0] / 2, `loss should fall: ${loss.join(', ')}`);
  assert.ok(history.get('accuracy')[4] > 0.95, `train accuracy ${history.get('accuracy')[4]}`);
  assert.ok(history.get('top2Accuracy')[4] >= history.get('accuracy')[4]);
  assert.deepEqual(history.get('lr'), [0.01, 0.01, 0.01, 0.01, 0.01]);
  assert.ok(history.get('imagesPerSec')[0] > 0 && history.get('seconds')[0] > 0);
  const after = evaluate(model, data);
  assert.ok(after.loss < before.loss / 3 && after.accuracy > 0.95, JSON.stringify({ before, after }));
  assert.equal(model.training, true, 'evaluate restores training mode');
  assert.throws(() => history.get('valLoss'), /no 'valLoss' \(logged: loss, accuracy, top2Accuracy/);
});

test('validation {fraction} holds out the tail and logs valLoss / valAccuracy', async () => {
  const data = blobs(200);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const seen: number[] = [];
  class CountSamples extends Callback {
    override onBatchEnd(_b: number, logs: Logs): void {
      seen.push(logs.size);
    }
  }
  const h = await fit(model, data, {
    epochs: 2,
    batchSize: 50,
    validation: { fraction: 0.25 },
    callbacks: [new CountSamples()],
    seed: 3,
    verbose: 0,
  });
  assert.deepEqual(seen, [50, 50, 50, 50, 50, 50], '150 training samples per epoch in batches of 50');
  assert.equal(h.get('valLoss').length, 2);
  const v = evaluate(model, { x: data.x.slice(0, 150, 200), y: data.y.slice(0, 150, 200) });
  assert.ok(
    Math.abs(v.loss - h.get('valLoss')[1]) < 1e-6,
    `valLoss ${h.get('valLoss')[1]} is the loss on the last 50 samples ${v.loss}`,
  );
  assert.equal(v.accuracy, h.get('valAccuracy')[1]);
  await assert.rejects(
    fit(model, data, { validation: { fraction: 1.5 }, verbose: 0 }),
    /validation fraction must be in \(0, 1\)/,
  );
});

test('fit accepts {x, y} tensors and DataLoaders; Trainer binds optimizer, loss and metrics', async () => {
  const data = blobs(120, { seed: 7 });
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const h1 = await fit(model, { x: data.x, y: data.y }, { epochs: 1, batchSize: 30, seed: 0, verbose: 0 });
  assert.equal(h1.epoch.length, 1);
  const trainer = new Trainer(model, {
    optimizer: new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
    metrics: ['accuracy'],
  });
  const loader = new DataLoader(data, { batchSize: 40, shuffle: true });
  const h2 = await trainer.fit(loader, { epochs: 10, verbose: 0 });
  assert.ok(h2.get('accuracy')[9] > 0.9, `accuracy ${h2.get('accuracy')[9]}`);
  const logits = trainer.predict(data.x, { batchSize: 50 });
  assert.deepEqual(logits.shape, [120, 3]);
  const whole = predict(model, data.x);
  assert.deepEqual(Array.from(logits.data), Array.from(whole.data), 'batched predict equals one-shot predict');
  assert.equal(trainer.evaluate(data).accuracy, evaluate(model, data).accuracy);
});

test('a plain PyTorch-style loop is just as easy', () => {
  manualSeed(0);
  const data = blobs(150, { seed: 11 });
  const model = mlp({ inputSize: 4, hidden: [16], numClasses: 3 });
  const opt = new Adam(model.parameters(), { lr: 0.02 });
  const loader = new DataLoader(data, { batchSize: 25, shuffle: true });
  let first = NaN,
    last = NaN;
  for (let epoch = 0; epoch < 4; epoch++) {
    for (const { x, y } of loader) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      if (Number.isNaN(first)) first = loss.item();
      last = loss.item();
    }
  }
  assert.ok(last < first / 3, `loss ${first} -> ${last}`);
});

test('fit rejects bad arguments with clear errors', async () => {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  const data = blobs(10);
  await assert.rejects(fit(model, data, { epochs: -1 }), /fit: epochs must be a non-negative integer/);
  await assert.rejects(fit(model, data, { batchSize: 0, verbose: 0 }), /fit: batchSize must be a positive integer/);
  await assert.rejects(fit(model, 42 as unknown as DataInput, { verbose: 0 }), /fit: data must be a Dataset/);
  await assert.rejects(fit(model, data, { loss: 'hinge' as 'mse', verbose: 0 }), /unknown loss 'hinge'/);
});
