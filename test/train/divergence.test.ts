import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TensorDataset } from '../../src/data/dataset.js';
import { mlp } from '../../src/models/mlp.js';
import { SGD } from '../../src/optim/sgd.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { fit } from '../../src/train/fit.js';
import { ModelCheckpoint } from '../../src/train/model-checkpoint.js';
import { NonFiniteError, findNonFinite } from '../../src/train/non-finite.js';
import { saveWeights } from '../../src/train/checkpoint.js';
import { blobs } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'convkit-diverge-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function params(m: ReturnType<typeof mlp>): number[][] {
  return m.parameters().map((p) => Array.from(p.data));
}

test('fit on data with a NaN raises a NonFiniteError naming the input, epoch and step, and leaves the weights untouched', async () => {
  manualSeed(0);
  const clean = blobs(64);
  const x = Float32Array.from(clean.x.f32);
  x[40 * 4 + 2] = Number.NaN; // sample 40 is in the second batch of 32 (no shuffle)
  const data = new TensorDataset(new Tensor(x, [64, 4]), clean.y);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const before = params(model);
  await assert.rejects(
    fit(model, data, {
      epochs: 2,
      batchSize: 32,
      shuffle: false,
      optimizer: new SGD(model.parameters(), { lr: 0 }),
      verbose: 0,
    }),
    (e: unknown) => {
      assert.ok(e instanceof NonFiniteError, String(e));
      assert.equal(e.at.what, 'input');
      assert.equal(e.at.epoch, 0);
      assert.equal(e.at.step, 1);
      assert.match(
        e.message,
        /^fit: the input batch contains NaN at epoch 1, step 2; the data has NaN or infinite values/,
      );
      return true;
    },
  );
  assert.deepEqual(params(model), before, 'lr 0: the first step changed nothing, and the bad step was not applied');
});

test('a diverging run (huge learning rate) stops with a hint to lower the learning rate and keeps finite weights', async () => {
  manualSeed(1);
  const data = blobs(256);
  const model = mlp({ inputSize: 4, hidden: [16], numClasses: 3 });
  const ck = join(dir, 'last.safetensors');
  writeFileSync(ck, 'previous good checkpoint');
  let err: unknown = null;
  try {
    await fit(model, data, {
      epochs: 20,
      batchSize: 16,
      optimizer: new SGD(model.parameters(), { lr: 1e9, momentum: 0.9 }),
      callbacks: [new ModelCheckpoint(ck)],
      verbose: 0,
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof NonFiniteError, `expected a NonFiniteError, got ${String(err)}`);
  assert.match(
    err.message,
    /^fit: the (loss|gradient of '[^']+') became (NaN|-?Infinity) at epoch \d+, step \d+; training diverged: lower the learning rate/,
  );
  assert.equal(
    findNonFinite(model.namedParameters()),
    null,
    'the update that would have made the weights non-finite was not applied',
  );
  assert.equal(readFileSync(ck, 'utf8'), 'previous good checkpoint', 'the failing epoch never reached the checkpoint');
});

test('terminateOnNaN: false keeps the old behaviour, and saveWeights then refuses to write the NaN weights', async () => {
  manualSeed(2);
  const data = blobs(64);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const h = await fit(model, data, {
    epochs: 3,
    batchSize: 16,
    optimizer: new SGD(model.parameters(), { lr: 1e12, momentum: 5 }),
    verbose: 0,
    terminateOnNaN: false,
  });
  assert.ok(!Number.isFinite(h.get('loss')[2]), `loss ${h.get('loss').join(', ')}`);
  const bad = findNonFinite(model.namedParameters());
  assert.ok(bad !== null);
  const path = join(dir, 'good.safetensors');
  writeFileSync(path, 'good weights');
  await assert.rejects(
    saveWeights(model, path),
    new RegExp(
      `^RangeError: saveWeights\\(${path.replace(/[.\\/]/g, '\\$&')}\\): weight '${bad[0].replace(/\./g, '\\.')}' holds (NaN|-?Infinity); not saved, the file is unchanged`,
    ),
  );
  assert.equal(readFileSync(path, 'utf8'), 'good weights');
  await saveWeights(model, path, {}, { allowNonFinite: true });
  assert.notEqual(readFileSync(path, 'utf8'), 'good weights', 'allowNonFinite saves anyway');
});

test('findNonFinite is exact: huge finite values whose sum overflows are not reported', () => {
  const big = new Tensor(new Float32Array([3e38, 3e38, -1]), [3]);
  assert.equal(findNonFinite([['big', big]]), null);
  const inf = new Tensor(new Float32Array([1, Number.NEGATIVE_INFINITY, 2]), [3]);
  assert.deepEqual(
    findNonFinite([
      ['big', big],
      ['inf', inf],
    ]),
    ['inf', Number.NEGATIVE_INFINITY],
  );
});

test('with terminateOnNaN: false a diverged epoch still never overwrites a checkpoint: fit fails naming the file', async () => {
  manualSeed(3);
  const data = blobs(64);
  const model = mlp({ inputSize: 4, hidden: [8], numClasses: 3 });
  const ck = join(dir, 'keep.safetensors');
  writeFileSync(ck, 'previous good checkpoint');
  await assert.rejects(
    fit(model, data, {
      epochs: 2,
      batchSize: 16,
      optimizer: new SGD(model.parameters(), { lr: 1e12, momentum: 5 }),
      callbacks: [new ModelCheckpoint(ck)],
      verbose: 0,
      terminateOnNaN: false,
    }),
    /saveCheckpoint\(.*keep\.safetensors\): weight '[^']+' holds (NaN|-?Infinity); not saved, the file is unchanged/,
  );
  assert.equal(readFileSync(ck, 'utf8'), 'previous good checkpoint');
});
