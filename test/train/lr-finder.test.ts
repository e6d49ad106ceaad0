// train.lrFinder: the exponential sweep, the smoothing, the divergence stop, the steepest-descent
// suggestion, and that model, optimizer and random state are exactly as before the sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader } from '../../src/data/dataloader.js';
import { mlp } from '../../src/models/mlp.js';
import { Adam } from '../../src/optim/adam.js';
import { SGD } from '../../src/optim/sgd.js';
import { getRngState, manualSeed, random } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import { lrFinder, suggestLr } from '../../src/train/lr-finder.js';
import { blobs } from './synthetic.js';

const close = (a: number, b: number, rel = 1e-9): boolean =>
  Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));

test('lrFinder sweeps the learning rate exponentially from startLr to endLr, one step per batch', () => {
  manualSeed(0);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const r = lrFinder(model, blobs(64), { startLr: 1e-5, endLr: 1e-2, steps: 13, batchSize: 16, seed: 1 });
  assert.equal(r.lrs.length, 13, 'a gentle sweep runs every step (the 4 batches are cycled)');
  assert.equal(r.diverged, false);
  for (let i = 0; i < 13; i++) assert.ok(close(r.lrs[i], 1e-5 * 1000 ** (i / 12)), `lr ${i}: ${r.lrs[i]}`);
  assert.ok(close(r.lrs[12], 1e-2, 1e-12));
  // smoothing: an exponential moving average with weight 0.05 on the newest loss, started at the first loss
  assert.equal(r.losses[0], r.rawLosses[0]);
  for (let i = 1; i < 13; i++) assert.ok(close(r.losses[i], 0.05 * r.rawLosses[i] + 0.95 * r.losses[i - 1], 1e-12));
  assert.equal(r.minLoss, Math.min(...r.losses));
  assert.equal(r.minLossLr, r.lrs[r.losses.indexOf(r.minLoss)]);
});

test('lrFinder stops when the smoothed loss passes divergeThreshold x its best and flags the run', () => {
  manualSeed(0);
  const model = mlp({ inputSize: 4, hidden: [16], numClasses: 3 });
  const r = lrFinder(model, blobs(96), {
    startLr: 1e-4,
    endLr: 1e6,
    steps: 200,
    smoothing: 0.3,
    batchSize: 16,
    seed: 0,
  });
  assert.equal(r.diverged, true);
  assert.ok(r.lrs.length < 200, `stopped early (${r.lrs.length} steps)`);
  // stopped by the threshold (the last point recorded is above it) or by a non-finite loss (not recorded)
  const last = r.losses[r.losses.length - 1];
  const before = r.losses.slice(0, -1);
  assert.ok(before.every((l) => l <= 5 * Math.min(...r.losses.slice(0, before.indexOf(l) + 1))));
  if (last <= 5 * r.minLoss) assert.ok(r.lrs.length < 200, 'a non-finite loss ended the sweep');
  // before the blow-up the loss fell: the suggestion lies below the point of divergence
  assert.ok(r.suggestion !== null);
  assert.ok(r.suggestion.lr < r.lrs[r.lrs.length - 1]);
  assert.ok(r.suggestion.slope < 0);
});

test('lrFinder restores weights, optimizer state and learning rates, training mode and the random generator', async () => {
  manualSeed(3);
  const data = blobs(64);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3, dropout: 0.2 });
  const opt = new Adam(
    [
      { params: model.parameters().slice(0, 2), lr: 1e-3 },
      { params: model.parameters().slice(2), lr: 1e-4 },
    ],
    { lr: 1e-3 },
  );
  await fit(model, data, { epochs: 1, batchSize: 16, optimizer: opt, verbose: 0, metrics: [] }); // Adam has moments now
  model.eval();
  const weights = model.parameters().map((p) => Array.from(p.data));
  const optState = JSON.stringify(opt.stateDict(), (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v));
  manualSeed(42);
  const rng = getRngState();
  const r = lrFinder(model, data, { optimizer: opt, startLr: 1e-4, endLr: 10, steps: 30, seed: 9 });
  assert.ok(r.lrs.length > 2);
  assert.deepEqual(
    model.parameters().map((p) => Array.from(p.data)),
    weights,
  );
  assert.equal(
    JSON.stringify(opt.stateDict(), (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v)),
    optState,
  );
  assert.deepEqual(
    opt.paramGroups.map((g) => g.lr),
    [1e-3, 1e-4],
  );
  assert.equal(model.training, false);
  assert.deepEqual(getRngState(), rng);
  const next = random();
  manualSeed(42);
  assert.equal(next, random(), 'the global stream continues as if no sweep had run');
});

test('lrFinder with a seed is reproducible, and the default optimizer is SGD over the trainable parameters only', () => {
  const run = (): number[] => {
    manualSeed(0);
    const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
    model.parameters()[0].requiresGrad_(false); // a frozen layer is left out of the optimizer
    return lrFinder(model, blobs(64), { steps: 20, seed: 5, startLr: 1e-4, endLr: 1 }).rawLosses;
  };
  assert.deepEqual(run(), run());
});

test('lrFinder takes a DataLoader and starts it again when the sweep needs more batches than one pass', () => {
  manualSeed(0);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const loader = new DataLoader(blobs(40), { batchSize: 16, shuffle: true, seed: 2 }); // 3 batches a pass
  const r = lrFinder(model, loader, { startLr: 1e-4, endLr: 1e-2, steps: 8 });
  assert.equal(r.lrs.length, 8);
  assert.equal(r.rawLosses.length, 8);
});

test('suggestLr picks the steepest descent against log10(lr), skipping the ends', () => {
  // a loss that falls as a logistic curve centred on lr = 1e-2 and then shoots up past lr = 1
  const lrs = Array.from({ length: 101 }, (_, i) => 1e-6 * 10 ** (i * 0.07));
  const losses = lrs.map((lr) => {
    const x = Math.log10(lr);
    return 2 / (1 + Math.exp(3 * (x + 2))) + (x > 0 ? 50 * x : 0);
  });
  const s = suggestLr(lrs, losses);
  assert.ok(s !== null);
  assert.ok(Math.abs(Math.log10(s.lr) + 2) <= 0.07 + 1e-9, `suggested ${s.lr}, expected about 1e-2`);
  assert.equal(s.method, 'steepest descent of the smoothed loss');
  // a loss that only rises has no descent to suggest
  assert.equal(
    suggestLr(
      lrs,
      lrs.map((_, i) => i),
    ),
    null,
  );
  assert.equal(suggestLr([1e-3, 1e-2], [1, 0.5]), null, 'too few points');
  // after its minimum the loss shoots up and falls back steeply (noise of a diverging run): not a descent
  const bumpy = lrs.map((lr) => {
    const x = Math.log10(lr);
    const bump = x <= -0.5 ? 0 : x <= -0.3 ? 30 * (x + 0.5) : x <= -0.255 ? 6 - 90 * (x + 0.3) : 2 + 10 * (x + 0.255);
    return 2 / (1 + Math.exp(3 * (x + 2))) + bump;
  });
  const b = suggestLr(lrs, bumpy);
  assert.ok(b !== null && Math.abs(Math.log10(b.lr) + 2) <= 0.07 + 1e-9, `suggested ${b?.lr}, expected about 1e-2`);
});

test('lrFinder rejects bad options, naming the option and value', () => {
  const model = mlp({ inputSize: 4, hidden: [4], numClasses: 3 });
  const data = blobs(16);
  assert.throws(
    () => lrFinder(model, data, { startLr: 1, endLr: 0.1 }),
    /endLr \(0\.1\) must be greater than startLr \(1\)/,
  );
  assert.throws(() => lrFinder(model, data, { steps: 1 }), /steps must be an integer >= 2, got 1/);
  assert.throws(() => lrFinder(model, data, { smoothing: 0 }), /smoothing must be in \(0, 1\]/);
  assert.throws(() => lrFinder(model, data, { divergeThreshold: 1 }), /divergeThreshold must be > 1, got 1/);
  assert.throws(() => lrFinder(model, data, { startLr: -1 }), /startLr must be a finite number > 0, got -1/);
  assert.throws(
    () =>
      lrFinder(model, data, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: () => model.call(data.x) }),
    /the loss must be a scalar/,
  );
});
