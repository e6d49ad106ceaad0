import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequential } from '../../src/nn/module.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { ReLU } from '../../src/nn/layers/activation.js';
import { MaxPool2d } from '../../src/nn/layers/pooling.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Adam } from '../../src/optim/adam.js';
import { StepLR } from '../../src/optim/lr-scheduler.js';
import { manualSeed, random } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import { ModelCheckpoint } from '../../src/train/model-checkpoint.js';
import { LRSchedulerCallback } from '../../src/train/lr-scheduler-callback.js';
import { EarlyStopping } from '../../src/train/early-stopping.js';
import { loadCheckpoint, loadWeights, saveWeights } from '../../src/train/checkpoint.js';
import { bars } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-ckpt-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny CNN with dropout, so resuming must also restore the random generator. */
function tinyCnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 3, 3),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(0.3),
    new Linear(12, 2),
  );
}

function setup(initSeed: number): { model: Sequential; opt: Adam; sched: LRSchedulerCallback } {
  manualSeed(initSeed);
  const model = tinyCnn();
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  return { model, opt, sched: new LRSchedulerCallback(new StepLR(opt, 1, 0.5)) };
}

function weights(m: Sequential): number[][] {
  return m.parameters().map((p) => Array.from(p.data));
}

test('resume from a checkpoint reproduces the uninterrupted run bitwise', async () => {
  const data = bars(48);
  const a = setup(5);
  const ha = await fit(a.model, data, {
    epochs: 2,
    batchSize: 8,
    optimizer: a.opt,
    callbacks: [a.sched],
    seed: 9,
    verbose: 0,
  });

  const b = setup(5);
  const path = join(dir, 'last.safetensors');
  await fit(b.model, data, {
    epochs: 1,
    batchSize: 8,
    optimizer: b.opt,
    callbacks: [b.sched, new ModelCheckpoint(path)],
    seed: 9,
    verbose: 0,
  });
  assert.notDeepEqual(weights(b.model), weights(a.model), 'one epoch differs from two');

  const c = setup(1234); // different initial weights, optimizer empty, scheduler at epoch 0
  random();
  random(); // and the generator moved on
  const hc = await fit(c.model, data, {
    epochs: 2,
    batchSize: 8,
    optimizer: c.opt,
    callbacks: [c.sched],
    resume: path,
    verbose: 0,
  });
  assert.deepEqual(weights(c.model), weights(a.model), 'weights equal bitwise');
  assert.deepEqual(c.opt.stateDict(), a.opt.stateDict(), 'optimizer state (moments, step counts, lr) equal');
  assert.deepEqual(hc.epoch, [0, 1], 'history includes the checkpointed epoch');
  assert.deepEqual(hc.get('loss'), ha.get('loss'));
  assert.deepEqual(hc.get('lr'), [0.01, 0.005]);
});

test('a checkpoint file holds weights, optimizer buffers, epoch, RNG and callback state', async () => {
  const data = bars(16);
  const s = setup(2);
  const path = join(dir, 'ck-{epoch}.safetensors');
  const ck = new ModelCheckpoint(path);
  await fit(s.model, data, {
    epochs: 2,
    batchSize: 8,
    optimizer: s.opt,
    callbacks: [s.sched, ck],
    seed: 1,
    verbose: 0,
  });
  assert.deepEqual(ck.saved, [join(dir, 'ck-1.safetensors'), join(dir, 'ck-2.safetensors')]);
  const loaded = await loadCheckpoint(join(dir, 'ck-2.safetensors'));
  assert.equal(loaded.meta.epoch, 1);
  assert.equal(loaded.meta.rng.s.length, 4);
  assert.deepEqual([...loaded.tensors.keys()].filter((k) => !k.startsWith('__optimizer__')).sort(), [
    '0.bias',
    '0.weight',
    '5.bias',
    '5.weight',
  ]);
  assert.deepEqual(
    [...loaded.tensors.keys()].filter((k) => k.startsWith('__optimizer__.0.')).sort(),
    ['__optimizer__.0.expAvg', '__optimizer__.0.expAvgSq'],
    'Adam moments stored as tensors',
  );
  assert.deepEqual(
    Array.from(loaded.tensors.get('__optimizer__.0.expAvg')!.data),
    Array.from(s.opt.state.get(s.model.parameters()[0])!.expAvg as Float32Array),
  );
  assert.equal(loaded.meta.optimizer!.scalars['0'].step, 4, '2 epochs of 2 batches');
  assert.equal(loaded.meta.callbacks[0].type, 'LRSchedulerCallback');
  // a checkpoint is also a weights file
  const other = tinyCnn();
  await loadWeights(other, join(dir, 'ck-2.safetensors'));
  assert.deepEqual(weights(other), weights(s.model));
  // a weights-only file has no training state
  await saveWeights(s.model, join(dir, 'w.safetensors'));
  await assert.rejects(loadCheckpoint(join(dir, 'w.safetensors')), /weights file without training state/);
  await assert.rejects(
    loadWeights(new Sequential(new Linear(3, 2)), join(dir, 'w.safetensors')),
    /loadWeights\(.*w\.safetensors\): .*size mismatch for '0\.weight': checkpoint has shape \[3, 1, 3, 3\], model has \[2, 3\]/,
  );
});

test('ModelCheckpoint saveBestOnly writes only on improvement; EarlyStopping restores best weights', async () => {
  const data = bars(16);
  const s = setup(3);
  const fake = [1.0, 0.5, 0.6, 0.4, 0.7, 0.8, 0.9, 1.0];
  const snapshots: number[][][] = [];
  class FakeLoss extends LRSchedulerCallback {}
  const fakeLoss = new (class extends FakeLoss {
    override onEpochEnd(epoch: number, logs: Record<string, number>): void {
      logs.fakeLoss = fake[epoch];
      snapshots.push(weights(this.ctx.model as Sequential));
    }
  })(new StepLR(s.opt, 100, 1));
  fakeLoss.order = -1;
  const best = new ModelCheckpoint(join(dir, 'best-{epoch}.safetensors'), {
    monitor: 'fakeLoss',
    saveBestOnly: true,
    weightsOnly: true,
  });
  const stop = new EarlyStopping({ monitor: 'fakeLoss', patience: 2, restoreBestWeights: true });
  const h = await fit(s.model, data, {
    epochs: 8,
    batchSize: 8,
    optimizer: s.opt,
    callbacks: [fakeLoss, best, stop],
    seed: 0,
    verbose: 0,
  });
  assert.deepEqual(h.epoch, [0, 1, 2, 3, 4, 5], 'best at epoch 3, two bad epochs (4, 5), then stop');
  assert.equal(stop.stoppedEpoch, 5);
  assert.equal(stop.bestEpoch, 3);
  assert.deepEqual(
    best.saved,
    [1, 2, 4].map((e) => join(dir, `best-${e}.safetensors`)),
  );
  assert.ok(!existsSync(join(dir, 'best-3.safetensors')));
  assert.deepEqual(weights(s.model), snapshots[3], 'weights of the best epoch restored');
  assert.notDeepEqual(snapshots[5], snapshots[3]);
  const fromFile = tinyCnn();
  await loadWeights(fromFile, join(dir, 'best-4.safetensors'));
  assert.deepEqual(weights(fromFile), snapshots[3]);
});
