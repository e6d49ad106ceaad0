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
import { Callback } from '../../src/train/callback.js';
import {
  captureCheckpoint,
  loadCheckpoint,
  loadWeights,
  restoreCheckpoint,
  saveWeights,
} from '../../src/train/checkpoint.js';
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

/** Logs a scripted 'fakeLoss' each epoch (before EarlyStopping sees the logs). */
class ScriptedLoss extends Callback {
  constructor(private readonly values: number[]) {
    super();
    this.order = -1;
  }
  override onEpochEnd(epoch: number, logs: Record<string, number>): void {
    logs.fakeLoss = this.values[epoch];
  }
}

test('EarlyStopping best weights are stored in checkpoints: a resumed run restores them', async () => {
  const data = bars(16);
  const fake = [1.0, 0.5, 0.6, 0.4, 0.7, 0.8, 0.9, 1.0];
  const run = async (initSeed: number, epochs: number, path: string | null, resume?: string) => {
    const s = setup(initSeed);
    const stop = new EarlyStopping({ monitor: 'fakeLoss', patience: 2, restoreBestWeights: true });
    const snapshots = new Map<number, number[][]>();
    const snap = new (class Snap extends Callback {
      override onEpochEnd(epoch: number): void {
        snapshots.set(epoch, weights(s.model));
      }
    })();
    const callbacks: Callback[] = [new ScriptedLoss(fake), stop, snap];
    if (path) callbacks.push(new ModelCheckpoint(path));
    const h = await fit(s.model, data, {
      epochs,
      batchSize: 8,
      optimizer: s.opt,
      callbacks,
      seed: 4,
      verbose: 0,
      resume,
    });
    return { model: s.model, stop, snapshots, h };
  };
  const whole = await run(6, 8, null);
  assert.deepEqual(whole.h.epoch, [0, 1, 2, 3, 4, 5], 'best at epoch 3, stopped at 5');
  assert.deepEqual(weights(whole.model), whole.snapshots.get(3));

  // interrupted after epoch 4 (1-based 5): the file holds the best (epoch 3) weights beside the last ones
  const first = await run(6, 5, join(dir, 'es-{epoch}.safetensors'));
  const ck = await loadCheckpoint(join(dir, 'es-5.safetensors'));
  const cbKeys = [...ck.tensors.keys()].filter((k) => k.startsWith('__callback__.')).sort();
  assert.deepEqual(
    cbKeys,
    ['0.bias', '0.weight', '5.bias', '5.weight'].map((k) => `__callback__.1.bestWeights.${k}`),
  );
  assert.deepEqual(Array.from(ck.tensors.get('__callback__.1.bestWeights.5.weight')!.data), whole.snapshots.get(3)![2]);
  assert.deepEqual(Array.from(ck.tensors.get('5.weight')!.data), whole.snapshots.get(4)![2], 'the last weights too');
  assert.deepEqual(ck.meta.callbacks[0].state.bestWeights, { $tensors: ['0.weight', '0.bias', '5.weight', '5.bias'] });
  // still a plain weights file (strict load: no extra keys)
  const asWeights = tinyCnn();
  await loadWeights(asWeights, join(dir, 'es-5.safetensors'));
  assert.deepEqual(weights(asWeights), whole.snapshots.get(4));
  assert.deepEqual(weights(first.model), whole.snapshots.get(3), 'the first part ended on its best weights');

  // resumed with other initial weights: runs epoch 5, stops, restores the stored best weights
  const resumed = await run(77, 8, join(dir, 'es2-{epoch}.safetensors'), join(dir, 'es-5.safetensors'));
  assert.deepEqual(resumed.h.epoch, [0, 1, 2, 3, 4, 5]);
  assert.equal(resumed.stop.stoppedEpoch, 5);
  assert.equal(resumed.stop.bestEpoch, 3);
  assert.deepEqual(weights(resumed.model), whole.snapshots.get(3), 'best weights restored bitwise after resuming');
  // resumed from the epoch at which it stopped: no more epochs, best weights restored
  const again = await run(78, 8, null, join(dir, 'es2-6.safetensors'));
  assert.deepEqual(again.h.epoch, [0, 1, 2, 3, 4, 5]);
  assert.equal(again.snapshots.size, 0, 'no epoch ran');
  assert.deepEqual(weights(again.model), whole.snapshots.get(3));
  // with a larger patience the resumed run goes on training
  const s = setup(79);
  const patient = new EarlyStopping({ monitor: 'fakeLoss', patience: 3, restoreBestWeights: true });
  const more = await fit(s.model, data, {
    epochs: 8,
    batchSize: 8,
    optimizer: s.opt,
    callbacks: [new ScriptedLoss(fake), patient],
    verbose: 0,
    resume: join(dir, 'es2-6.safetensors'),
  });
  assert.deepEqual(more.epoch, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(patient.stoppedEpoch, 6);
  assert.deepEqual(weights(s.model), whole.snapshots.get(3));
});

test('checkpoint callback tensors: a missing tensor is named; model keys may not use the prefixes', async () => {
  const s = setup(8);
  const stop = new EarlyStopping({ monitor: 'loss', restoreBestWeights: true, patience: 5 });
  await fit(s.model, bars(8), { epochs: 1, batchSize: 8, optimizer: s.opt, callbacks: [stop], seed: 1, verbose: 0 });
  const ck = captureCheckpoint({ model: s.model, optimizer: s.opt, epoch: 0, callbacks: [stop] });
  ck.tensors.delete('__callback__.0.bestWeights.0.bias');
  const target = setup(9);
  assert.throws(
    () => restoreCheckpoint(ck, { model: target.model, optimizer: target.opt, callbacks: [new EarlyStopping()] }),
    /restoreCheckpoint: EarlyStopping's 'bestWeights' lists tensor '0.bias' but the checkpoint has no '__callback__.0.bestWeights.0.bias'/,
  );
  const clash = new Sequential(new Linear(2, 2));
  clash.registerModule('__callback__', new Linear(2, 2));
  assert.throws(
    () => captureCheckpoint({ model: clash, epoch: 0 }),
    /model key '__callback__.weight' clashes with the checkpoint's '__callback__.' prefix/,
  );
  // without restoreBestWeights nothing but counters is stored
  const plain = new EarlyStopping({ monitor: 'loss' });
  await fit(s.model, bars(8), { epochs: 1, batchSize: 8, optimizer: s.opt, callbacks: [plain], seed: 1, verbose: 0 });
  assert.deepEqual(Object.keys(plain.stateDict()), ['best', 'bestEpoch', 'wait', 'stoppedEpoch']);
});
