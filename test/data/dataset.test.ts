import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, manualSeed } from '../../src/index.js';
import { TensorDataset, Subset, randomSplit, trainValSplit } from '../../src/data/index.js';
import { random } from '../../src/tensor/random.js';
import { collate, type Dataset } from '../../src/data/dataset.js';

function rangeDataset(n: number, feat = 3): TensorDataset {
  const x = new Float32Array(n * feat);
  for (let i = 0; i < x.length; i++) x[i] = i;
  return new TensorDataset(
    new Tensor(x, [n, feat]),
    Int32Array.from({ length: n }, (_, i) => i % 7),
  );
}

test('TensorDataset get and getBatch copy the right rows', () => {
  const ds = rangeDataset(5);
  assert.equal(ds.length, 5);
  const s = ds.get(2);
  assert.deepEqual(s.x.toArray(), [6, 7, 8]);
  assert.equal(s.y, 2);
  s.x.data[0] = 99; // a copy: the dataset is unchanged
  assert.equal(ds.x.data[6], 6);
  const b = ds.getBatch([4, 0, 4]);
  assert.deepEqual(b.x.shape, [3, 3]);
  assert.deepEqual(b.x.toArray(), [
    [12, 13, 14],
    [0, 1, 2],
    [12, 13, 14],
  ]);
  assert.equal(b.y.dtype, 'int32');
  assert.deepEqual(b.y.toArray(), [4, 0, 4]);
  assert.throws(() => ds.get(5), /TensorDataset.get: index 5 is out of range for a dataset of length 5/);
  assert.throws(() => ds.getBatch([0, -1]), /index -1 is out of range/);
  assert.throws(
    () => new TensorDataset(tensor([[1], [2]]), [1]),
    /x has 2 samples \(shape \[2, 1\]\) but y has 1 labels/,
  );
  assert.throws(() => new TensorDataset(tensor([[1], [2]]), [1, 0.5]), /label 1 is 0.5/);
});

test('Subset maps indices and forwards the batch fast path', () => {
  const ds = rangeDataset(6, 2);
  const sub = new Subset(ds, [5, 1, 3]);
  assert.equal(sub.length, 3);
  assert.deepEqual(sub.get(0).x.toArray(), [10, 11]);
  assert.deepEqual(sub.getBatch([2, 0]).x.toArray(), [
    [6, 7],
    [10, 11],
  ]);
  assert.throws(
    () => new Subset(ds, [0, 6]),
    /Subset: index 6 \(position 1\) is out of range for a dataset of length 6/,
  );
  assert.throws(() => sub.get(3), /Subset.get: index 3/);
});

test('collate works for datasets without getBatch and rejects ragged samples', () => {
  const plain: Dataset = { length: 3, get: (i) => ({ x: tensor([i, i + 0.5]), y: i }) };
  const b = collate(plain, [2, 0]);
  assert.deepEqual(b.x.toArray(), [
    [2, 2.5],
    [0, 0.5],
  ]);
  assert.deepEqual(b.y.toArray(), [2, 0]);
  const ragged: Dataset = { length: 2, get: (i) => ({ x: tensor(i === 0 ? [1, 2] : [1, 2, 3]), y: 0 }) };
  assert.throws(() => collate(ragged, [0, 1]), /collate: sample 1 has shape \[3\] but sample 0 has \[2\]/);
});

test('randomSplit is a seeded partition; counts or fractions', () => {
  const ds = rangeDataset(10);
  const [a, b] = randomSplit(ds, [7, 3], 123);
  assert.equal(a.length, 7);
  assert.equal(b.length, 3);
  const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Same seed, same split, regardless of global RNG draws in between.
  manualSeed(1);
  random();
  random();
  const [a2] = randomSplit(ds, [7, 3], 123);
  assert.deepEqual([...a2.indices], [...a.indices]);
  const [a3] = randomSplit(ds, [7, 3], 124);
  assert.notDeepEqual([...a3.indices], [...a.indices]);
  // The seeded split leaves the global generator untouched.
  manualSeed(5);
  const expected = random();
  manualSeed(5);
  randomSplit(ds, [0.5, 0.5], 9);
  assert.equal(random(), expected);
  const parts = randomSplit(ds, [0.34, 0.33, 0.33], 1);
  assert.deepEqual(
    parts.map((p) => p.length),
    [4, 3, 3],
  );
  assert.throws(
    () => randomSplit(ds, [5, 4]),
    /must be counts summing to the dataset length 10 or fractions summing to 1/,
  );
  const { train, val } = trainValSplit(ds, 0.2, 7);
  assert.equal(train.length, 8);
  assert.equal(val.length, 2);
  assert.throws(() => trainValSplit(ds, 1), /valFraction must be in \(0, 1\)/);
});
