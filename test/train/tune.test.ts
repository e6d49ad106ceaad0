// train.tune: grid and random configurations, trials that reproduce a hand-written run exactly,
// k-fold averaging, resuming from completed trials, diverged trials, and the error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subset } from '../../src/data/dataset.js';
import { SeededStream } from '../../src/data/seeded.js';
import { mlp } from '../../src/models/mlp.js';
import { Adam } from '../../src/optim/adam.js';
import { manualSeed, randperm } from '../../src/tensor/random.js';
import { fit } from '../../src/train/fit.js';
import {
  configKey,
  gridConfigs,
  randomConfigs,
  tune,
  type TrialConfig,
  type TrialResult,
} from '../../src/train/tune.js';
import { blobs } from './synthetic.js';

const build = (c: TrialConfig) =>
  mlp({
    inputSize: 4,
    numClasses: 3,
    hidden: Array.from({ length: Number(c.depth ?? 1) }, () => Number(c.width ?? 8)),
    dropout: Number(c.dropout ?? 0),
  });

test('gridConfigs is the cartesian product, last name fastest; configKey ignores name order', () => {
  assert.deepEqual(gridConfigs({ lr: [0.1, 0.01], batchSize: [16, 32, 64] }), [
    { lr: 0.1, batchSize: 16 },
    { lr: 0.1, batchSize: 32 },
    { lr: 0.1, batchSize: 64 },
    { lr: 0.01, batchSize: 16 },
    { lr: 0.01, batchSize: 32 },
    { lr: 0.01, batchSize: 64 },
  ]);
  assert.equal(configKey({ lr: 1, batchSize: 2 }), configKey({ batchSize: 2, lr: 1 }));
  assert.notEqual(configKey({ lr: 1 }), configKey({ lr: 2 }));
  assert.throws(() => gridConfigs({ lr: [] }), /'lr' has no values/);
});

test('randomConfigs draws reproducibly within each range (log-uniform, integers, choices)', () => {
  const space = {
    lr: { min: 1e-4, max: 1e-1, log: true },
    width: { min: 4, max: 9, integer: true },
    dropout: { min: 0, max: 0.5 },
    optimizer: { values: ['adam', 'sgd'] },
  };
  const a = randomConfigs(space, 200, 7);
  assert.deepEqual(a, randomConfigs(space, 200, 7));
  assert.notDeepEqual(a, randomConfigs(space, 200, 8));
  const lr = a.map((c) => c.lr as number);
  assert.ok(lr.every((v) => v >= 1e-4 && v <= 1e-1));
  // log-uniform: about a third of the draws in each decade
  const low = lr.filter((v) => v < 1e-3).length;
  assert.ok(low > 40 && low < 95, `draws below 1e-3: ${low} of 200`);
  const widths = new Set(a.map((c) => c.width));
  assert.deepEqual([...widths].sort(), [4, 5, 6, 7, 8, 9]);
  assert.ok(a.every((c) => (c.dropout as number) >= 0 && (c.dropout as number) <= 0.5));
  assert.deepEqual(new Set(a.map((c) => c.optimizer)), new Set(['adam', 'sgd']));
  assert.throws(() => randomConfigs({ lr: { min: 0, max: 1, log: true } }, 3), /'lr' range 0\.\.1 is invalid/);
});

test('a trial is exactly the run one would write by hand: seeded split, seeded init, fit, last validation loss', async () => {
  const data = blobs(80);
  const r = await tune(data, {
    configs: [{ lr: 0.01, batchSize: 16, width: 6 }],
    model: build,
    epochs: 2,
    seed: 3,
    validation: { fraction: 0.25 },
  });
  const order = new SeededStream(3).run(() => randperm(80));
  manualSeed(3);
  const model = build({ width: 6 });
  const h = await fit(model, new Subset(data, order.slice(0, 60)), {
    epochs: 2,
    batchSize: 16,
    optimizer: new Adam(model.parameters(), { lr: 0.01 }),
    validation: new Subset(data, order.slice(60)),
    seed: 3,
    verbose: 0,
  });
  assert.equal(r.trials[0].valLoss, h.last().valLoss);
  assert.equal(r.trials[0].valAccuracy, h.last().valAccuracy);
  assert.equal(r.trials[0].score, r.trials[0].valLoss);
  assert.equal(r.best, r.trials[0]);
});

test('the search ranks trials by the objective; k-fold averages the folds', async () => {
  const data = blobs(60);
  const configs = gridConfigs({ lr: [1e-5, 0.03] });
  const r = await tune(data, { configs, model: build, epochs: 3, batchSize: 10, validation: { folds: 3 } });
  assert.equal(r.trials.length, 2);
  for (const t of r.trials) {
    assert.equal(t.foldScores.length, 3);
    const m = (t.foldScores as number[]).reduce((a, b) => a + b, 0) / 3;
    assert.ok(Math.abs(m - (t.valLoss as number)) < 1e-12);
  }
  assert.ok((r.trials[1].valLoss as number) < (r.trials[0].valLoss as number), 'lr 0.03 learns, 1e-5 barely moves');
  assert.equal(r.best?.config.lr, 0.03);
  const acc = await tune(data, { configs, model: build, epochs: 3, batchSize: 10, objective: 'valAccuracy' });
  assert.equal(acc.objective, 'valAccuracy');
  assert.equal(acc.best?.score, Math.max(...acc.trials.map((t) => t.score as number)));
});

test('completed trials are skipped and their results reused: a resumed search equals an uninterrupted one', async () => {
  const data = blobs(48);
  const configs = gridConfigs({ lr: [0.001, 0.01, 0.05] });
  const finished: TrialResult[] = [];
  const full = await tune(data, { configs, model: build, onTrialEnd: (t) => void finished.push(t) });
  assert.equal(finished.length, 3);
  let built = 0;
  const resumed = await tune(data, {
    configs,
    model: (c) => {
      built++;
      return build(c);
    },
    completed: finished.slice(0, 2),
  });
  assert.equal(built, 1, 'only the unfinished trial trains');
  assert.deepEqual(
    resumed.trials.map((t) => [t.valLoss, t.valAccuracy]),
    full.trials.map((t) => [t.valLoss, t.valAccuracy]),
  );
});

test('a diverging trial is recorded as diverged and never wins', async () => {
  const r = await tune(blobs(48), {
    configs: [{ lr: 1e12, optimizer: 'sgd', momentum: 0 }, { lr: 0.01 }],
    model: build,
    epochs: 2,
    batchSize: 8,
  });
  assert.equal(r.trials[0].diverged, true);
  assert.equal(r.trials[0].score, null);
  assert.equal(r.best?.index, 1);
});

test('tune names the bad hyper-parameter, value or option', async () => {
  const data = blobs(20);
  await assert.rejects(
    tune(data, { configs: [{ lrate: 1 }], model: build }),
    /unknown hyper-parameter 'lrate' \(known: lr,/,
  );
  await assert.rejects(tune(data, { configs: [{ lr: -1 }], model: build }), /lr=-1 is invalid: learning rate/);
  await assert.rejects(tune(data, { configs: [{ dropout: 1 }], model: build }), /dropout=1 is invalid/);
  await assert.rejects(tune(data, { configs: [{ optimizer: 'lbfgs' }], model: build }), /optimizer="lbfgs" is invalid/);
  await assert.rejects(
    tune(data, { configs: [{ lr: 0.1 }], model: build, validation: { folds: 1 } }),
    /folds must be an integer in \[2, 20\]/,
  );
  await assert.rejects(tune(data, { configs: [], model: build }), /no configurations/);
});
