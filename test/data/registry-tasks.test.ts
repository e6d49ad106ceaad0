// Registry datasets for other tasks: mnist-seg (stroke masks as dense targets, for U-Net) and
// synthetic-waveforms (1-D signals for temporal CNNs); dense targets through TensorDataset,
// collate, DataLoader and MappedDataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, nn, optim } from '../../src/index.js';
import {
  collate,
  DataLoader,
  loadDataset,
  loadMnist,
  makeWaveforms,
  MappedDataset,
  MNIST_STATS,
  TensorDataset,
  unitWave,
  WAVEFORM_CLASSES,
  type Dataset,
  type Sample,
} from '../../src/data/index.js';
import { fit } from '../../src/train/fit.js';
import { assertClose } from '../helpers/check.js';

test('mnist-seg: x = normalised digit, target = stroke mask (pixel > 0.5), label = digit', async () => {
  const d = await loadDataset('mnist-seg', { limit: 8 });
  assert.equal(d.task, 'segmentation');
  assert.deepEqual(d.inputShape, [1, 28, 28]);
  assert.deepEqual(d.targetShape, [1, 28, 28]);
  assert.deepEqual(d.classes, ['stroke']);
  assert.equal(d.numClasses, 1);
  const raw = await loadMnist({ split: 'test', limit: 8 });
  const s = d.test.get(5);
  const pixels = raw.x.data.subarray(5 * 784, 6 * 784);
  assert.ok(s.target);
  assert.deepEqual(
    Array.from(s.target.data),
    Array.from(pixels, (v) => (v > 0.5 ? 1 : 0)),
  );
  assertClose(
    s.x.data,
    Array.from(pixels, (v) => (v - MNIST_STATS.mean) / MNIST_STATS.std),
  );
  assert.equal(s.y, raw.y.data[5]);
  const stroke = Array.from(s.target.data).filter((v) => v === 1).length;
  assert.ok(stroke > 40 && stroke < 400, `a digit's stroke covers part of the image, got ${stroke} pixels`);
  const batch = [...new DataLoader(d.train, { batchSize: 3 })][0];
  assert.deepEqual(batch.x.shape, [3, 1, 28, 28]);
  assert.deepEqual(batch.y.shape, [3, 1, 28, 28]);
  assert.equal(batch.y.dtype, 'float32');
  // Resized masks stay binary and follow the image.
  const big = await loadDataset('mnist-seg', { limit: 2, resize: [56, 56] });
  assert.deepEqual(big.targetShape, [1, 56, 56]);
  const t = big.train.getBatch?.([0, 1]).y;
  assert.ok(t);
  assert.deepEqual(t.shape, [2, 1, 56, 56]);
  assert.ok(Array.from(t.data).every((v) => v === 0 || v === 1));
  const ones = Array.from(t.data.subarray(0, 3136)).filter((v) => v === 1).length;
  const small = Array.from(d.train.get(0).target?.data ?? []).filter((v) => v === 1).length;
  assert.ok(Math.abs(ones / 4 - small) < 0.35 * small, `upsampled stroke area ${ones / 4} vs ${small}`);
});

test('TensorDataset targets: get, getBatch, collate and MappedDataset carry dense targets', () => {
  const x = new Tensor(
    Float32Array.from({ length: 12 }, (_, i) => i),
    [3, 4],
  );
  const targets = new Tensor(Float32Array.from([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]), [3, 2]);
  const ds = new TensorDataset(x, [2, 0, 1], { targets });
  assert.deepEqual(Array.from(ds.get(1).target?.data ?? []), [2.5, 3.5]);
  assert.equal(ds.get(1).y, 0);
  const b = ds.getBatch([2, 0]);
  assert.deepEqual(b.y.shape, [2, 2]);
  assert.deepEqual(Array.from(b.y.data), [4.5, 5.5, 0.5, 1.5]);
  // A dataset without getBatch goes through collate, which stacks targets the same way.
  const slow: Dataset = { length: 3, get: (i: number): Sample => ds.get(i) };
  assert.deepEqual(Array.from(collate(slow, [2, 0]).y.data), [4.5, 5.5, 0.5, 1.5]);
  assert.deepEqual(Array.from(collate(new TensorDataset(x, [2, 0, 1]), [2, 0]).y.data), [1, 2]);
  const mixed: Dataset = { length: 2, get: (i: number): Sample => (i === 0 ? ds.get(0) : { x: ds.get(1).x, y: 0 }) };
  assert.throws(
    () => collate(mixed, [0, 1]),
    /collate: sample 1 has target none but sample 0 has a target of shape \[2\]/,
  );
  const doubled = new MappedDataset(ds, { x: (t) => t.mul(2), target: (t) => t.mul(-1) });
  assert.deepEqual(Array.from(doubled.get(0).x.data), [0, 2, 4, 6]);
  assert.deepEqual(Array.from(doubled.get(0).target?.data ?? []), [-0.5, -1.5]);
  assert.deepEqual(Array.from(doubled.getBatch([1]).y.data), [-2.5, -3.5]);
  assert.throws(
    () => new TensorDataset(x, [0, 1, 2], { targets: new Tensor(new Float32Array(4), [2, 2]) }),
    /targets must be float32 with 3 rows like x \(shape \[3, 4\]\), got float32 of shape \[2, 2\]/,
  );
});

test('unitWave: sine, square, sawtooth and triangle in [-1, 1] at known phases', () => {
  const q = Math.PI / 2;
  assertClose(
    [0, q, 2 * q, 3 * q].map((t) => unitWave(0, t)),
    [0, 1, 0, -1],
    { atol: 1e-12 },
  );
  assert.deepEqual(
    [0.1, q, 2 * q + 0.1, 3 * q].map((t) => unitWave(1, t)),
    [1, 1, -1, -1],
  );
  assertClose(
    [0, q, 2 * q, 3 * q].map((t) => unitWave(2, t)),
    [-1, -0.5, 0, 0.5],
  );
  assertClose(
    [0, q, 2 * q, 3 * q, 4 * q].map((t) => unitWave(3, t)),
    [-1, 0, 1, 0, -1],
  );
  assert.throws(() => unitWave(4, 0), /label must be 0..3 \(sine, square, sawtooth, triangle\), got 4/);
});

test('synthetic-waveforms: (1, 128) signals, balanced classes, seeded, normalised by training stats', async () => {
  const { train, test: held } = makeWaveforms(0, { train: 40, test: 8 });
  assert.deepEqual(train.x.shape, [40, 1, 128]);
  assert.deepEqual(train.classes, [...WAVEFORM_CLASSES]);
  const counts = [0, 1, 2, 3].map((c) => Array.from(train.y.data).filter((y) => y === c).length);
  assert.deepEqual(counts, [10, 10, 10, 10]);
  assert.deepEqual(Array.from(makeWaveforms(0, { train: 40, test: 8 }).test.x.data), Array.from(held.x.data));
  assert.notDeepEqual(Array.from(makeWaveforms(1, { train: 40, test: 8 }).train.x.data), Array.from(train.x.data));
  // Amplitude <= 1.5, offset <= 0.3, noise 0.3: values stay within a few noise sigmas of [-1.8, 1.8].
  assert.ok(Array.from(train.x.data).every((v) => Math.abs(v) < 1.8 + 6 * 0.3));
  const d = await loadDataset('synthetic-waveforms', { limit: 64 });
  assert.deepEqual(d.inputShape, [1, 128]);
  assert.equal(d.numClasses, 4);
  assert.equal(d.train.length, 64);
  const n = d.normalize;
  assert.ok(n);
  assert.equal(n.mean.length, 1);
  // Normalised training values have mean 0 and std 1 over the kept training split.
  const b = d.train.getBatch?.(Int32Array.from({ length: 64 }, (_, i) => i));
  assert.ok(b);
  const v = Array.from(b.x.data);
  const mean = v.reduce((s, a) => s + a, 0) / v.length;
  assertClose([mean, Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length)], [0, 1], { atol: 1e-4 });
});

test('synthetic-waveforms is learnable: a small Conv1d net beats chance (25%) by far in 6 epochs', async () => {
  const d = await loadDataset('synthetic-waveforms', { limit: 480, seed: 2 });
  const model = new nn.Sequential(
    new nn.Conv1d(1, 8, 9, { padding: 4 }),
    new nn.ReLU(),
    new nn.MaxPool1d(4),
    new nn.Conv1d(8, 16, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool1d(1),
    new nn.Flatten(),
    new nn.Linear(16, 4),
  );
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const h = await fit(model, d.train, { optimizer, epochs: 6, batchSize: 32, seed: 0, verbose: 0, validation: d.test });
  const acc = h.history.valAccuracy?.at(-1) ?? 0;
  assert.ok(acc > 0.6, `validation accuracy ${acc}`);
});
