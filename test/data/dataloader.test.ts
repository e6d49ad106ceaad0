import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, manualSeed } from '../../src/index.js';
import { TensorDataset, DataLoader } from '../../src/data/index.js';
import { random } from '../../src/tensor/random.js';
import type { Batch, Dataset } from '../../src/data/dataset.js';
import { GaussianNoise } from '../../src/data/transforms.js';

function labelled(n: number): TensorDataset {
  // x[i] = [i, -i], label i % 10: lets us check which sample landed where.
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return new TensorDataset(
    new Tensor(x, [n, 2]),
    Int32Array.from({ length: n }, (_, i) => i % 10),
  );
}

const firstColumn = (b: Batch): number[] => Array.from({ length: b.x.shape[0] }, (_, k) => b.x.data[2 * k]);

test('batches cover the data in order, the last one short unless dropLast', () => {
  const ds = labelled(10);
  const dl = new DataLoader(ds, { batchSize: 4 });
  assert.equal(dl.length, 3);
  const batches = [...dl];
  assert.deepEqual(
    batches.map((b) => b.x.shape),
    [
      [4, 2],
      [4, 2],
      [2, 2],
    ],
  );
  assert.deepEqual(batches.flatMap(firstColumn), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(batches[2].y.data), [8, 9]);
  assert.equal(batches[0].y.dtype, 'int32');
  const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropped.length, 2);
  assert.deepEqual(
    [...dropped].map((b) => b.x.shape[0]),
    [4, 4],
  );
  assert.equal([...new DataLoader(labelled(3), { batchSize: 4, dropLast: true })].length, 0);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /DataLoader: batchSize must be a positive integer, got 0/);
});

test('shuffle: a permutation per epoch, different each epoch, reproducible from the seed', () => {
  const ds = labelled(50);
  const epochs = (seed: number): number[][] => {
    const dl = new DataLoader(ds, { batchSize: 8, shuffle: true, seed });
    return [0, 1, 2].map(() => [...dl].flatMap(firstColumn));
  };
  const a = epochs(42);
  for (const e of a)
    assert.deepEqual(
      [...e].sort((p, q) => p - q),
      Array.from({ length: 50 }, (_, i) => i),
    );
  assert.notDeepEqual(a[0], a[1]);
  assert.notDeepEqual(a[1], a[2]);
  assert.notDeepEqual(
    a[0],
    Array.from({ length: 50 }, (_, i) => i),
  );
  // Global draws between epochs do not change a seeded loader's order.
  manualSeed(3);
  random();
  assert.deepEqual(epochs(42), a);
  assert.notDeepEqual(epochs(43)[0], a[0]);
  // Without a seed the global generator drives the order, so manualSeed reproduces it.
  manualSeed(9);
  const g1 = [...new DataLoader(ds, { batchSize: 50, shuffle: true })].flatMap(firstColumn);
  manualSeed(9);
  const g2 = [...new DataLoader(ds, { batchSize: 50, shuffle: true })].flatMap(firstColumn);
  assert.deepEqual(g1, g2);
  // Labels travel with their inputs.
  for (const b of new DataLoader(ds, { batchSize: 7, shuffle: true, seed: 1 })) {
    firstColumn(b).forEach((v, k) => assert.equal(b.y.data[k], v % 10));
  }
});

test('the async iterator yields the same batches as the sync one', async () => {
  const ds = labelled(23);
  const sync = [...new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7 })].map(firstColumn);
  const asyncOut: number[][] = [];
  for await (const b of new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7 })) {
    asyncOut.push(firstColumn(b));
    await new Promise((r) => setTimeout(r, 1)); // the consumer "works" while the next batch is prefetched
  }
  assert.deepEqual(asyncOut, sync);
  // Stopping early is fine.
  for await (const b of new DataLoader(ds, { batchSize: 5 })) {
    assert.equal(b.x.shape[0], 5);
    break;
  }
  // Errors surface at the batch that failed.
  const bad: Dataset = {
    length: 4,
    get: (i) => {
      if (i === 2) throw new Error('broken sample 2');
      return { x: new Tensor(Float32Array.of(i), [1]), y: 0 };
    },
  };
  await assert.rejects(async () => {
    for await (const b of new DataLoader(bad, { batchSize: 2 })) void b;
  }, /broken sample 2/);
});

test('datasets without getBatch are collated sample by sample', () => {
  const plain: Dataset = { length: 5, get: (i) => ({ x: new Tensor(Float32Array.of(i, i, i), [3]), y: i }) };
  const out = [...new DataLoader(plain, { batchSize: 2 })];
  assert.deepEqual(
    out.map((b) => b.x.shape),
    [
      [2, 3],
      [2, 3],
      [1, 3],
    ],
  );
  assert.deepEqual(Array.from(out[1].y.data), [2, 3]);
});

test('seeded transforms are reproducible and applied per batch', () => {
  const ds = new TensorDataset(new Tensor(new Float32Array(40), [10, 1, 2, 2]), new Int32Array(10));
  const run = (): number[] =>
    [...new DataLoader(ds, { batchSize: 4, seed: 5, transform: new GaussianNoise({ std: 1 }) })].flatMap((b) =>
      Array.from(b.x.data),
    );
  const a = run();
  assert.equal(a.length, 40);
  assert.ok(a.some((v) => v !== 0));
  assert.deepEqual(run(), a);
  const fnOut = [...new DataLoader(ds, { batchSize: 10, transform: (x) => x.add(1) })][0];
  assert.ok(Array.from(fnOut.x.data).every((v) => v === 1));
});

// Batching speed is measured by `npm run bench` (workload "dataloader"), never asserted here.
test('an MNIST-sized shuffled epoch delivers every sample once, intact, with its label', () => {
  const n = 60000,
    pixels = 4;
  // sample i holds the pixels 4i..4i+3 (exact in float32) and the label i % 10
  const x = Float32Array.from({ length: n * pixels }, (_, k) => k);
  const ds = new TensorDataset(
    new Tensor(x, [n, 1, 2, 2]),
    Int32Array.from({ length: n }, (_, i) => i % 10),
  );
  const dl = new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0 });
  assert.equal(dl.length, Math.ceil(n / 64));
  const seen = new Uint8Array(n);
  let batches = 0,
    order = -1,
    inOrder = true;
  for (const b of dl) {
    const rows = b.x.shape[0];
    assert.deepEqual(b.x.shape, [batches === dl.length - 1 ? n % 64 : 64, 1, 2, 2], `batch ${batches} shape`);
    assert.deepEqual(b.y.shape, [rows]);
    for (let r = 0; r < rows; r++) {
      const i = b.x.data[pixels * r] / pixels;
      assert.ok(
        Number.isInteger(i) && i >= 0 && i < n,
        `batch ${batches} row ${r}: pixel 0 is ${b.x.data[pixels * r]}`,
      );
      for (let k = 1; k < pixels; k++) assert.equal(b.x.data[pixels * r + k], pixels * i + k, `sample ${i} pixel ${k}`);
      assert.equal(b.y.data[r], i % 10, `sample ${i} label`);
      assert.equal(seen[i], 0, `sample ${i} delivered twice`);
      seen[i] = 1;
      if (i < order) inOrder = false;
      order = i;
    }
    batches++;
  }
  assert.equal(batches, dl.length);
  assert.equal(seen.indexOf(0), -1, `sample ${seen.indexOf(0)} never delivered`);
  assert.ok(!inOrder, 'shuffle: true changed the order');
});
