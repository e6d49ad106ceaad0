import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist, loadFashionMnist } from '../../src/data/index.js';
import { parseFashionClassJson } from '../../src/data/mnist.js';

function counts(labels: ArrayLike<number>): number[] {
  const c = new Array<number>(10).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

test('MNIST train/test: shapes, first labels, class counts, pixel range', async () => {
  const train = await loadMnist({ split: 'train' });
  assert.deepEqual(train.x.shape, [60000, 1, 28, 28]);
  assert.equal(train.y.dtype, 'int32');
  assert.deepEqual(Array.from(train.y.data.subarray(0, 5)), [5, 0, 4, 1, 9]);
  // The published per-digit counts of the MNIST training set.
  assert.deepEqual(counts(train.y.data), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  const px = train.x.f32;
  let min = Infinity,
    max = -Infinity,
    sum = 0;
  for (let i = 0; i < px.length; i++) {
    const v = px[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.ok(Math.abs(sum / px.length - 0.1307) < 5e-4);
  const test = await loadMnist({ split: 'test', normalize: true });
  assert.deepEqual(test.x.shape, [10000, 1, 28, 28]);
  assert.deepEqual(Array.from(test.y.data.subarray(0, 3)), [7, 2, 1]);
  assert.ok(Math.abs(meanOf(test.x.f32)) < 0.02, 'normalised test pixels have mean ~0 (train statistics)');
  const few = await loadMnist({ limit: 3 });
  assert.deepEqual(few.x.shape, [3, 1, 28, 28]);
  assert.deepEqual(Array.from(few.x.f32.subarray(0, 784)), Array.from(train.x.f32.subarray(0, 784)));
  await assert.rejects(loadMnist({ split: 'val' as 'train' }), /split must be 'train' or 'test', got "val"/);
});

test('MNIST from a directory with inconsistent files fails clearly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-mnist-'));
  try {
    const header = (magic: number, dims: number[]): Buffer => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b.writeUInt32BE(magic, 0);
      dims.forEach((d, k) => b.writeUInt32BE(d, 4 + 4 * k));
      return b;
    };
    writeFileSync(
      join(dir, 't10k-images-idx3-ubyte'),
      Buffer.concat([header(0x803, [2, 28, 28]), Buffer.alloc(2 * 784)]),
    );
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([header(0x801, [3]), Buffer.from([1, 2, 3])]));
    await assert.rejects(
      loadMnist({ split: 'test', dir }),
      /t10k-images-idx3-ubyte has 2 images but t10k-labels-idx1-ubyte has 3 labels/,
    );
    await assert.rejects(
      loadMnist({ split: 'train', dir }),
      /train-images-idx3-ubyte \(or train-images-idx3-ubyte.gz\) not found/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Fashion-MNIST: documented stratified 60k/10k split', async () => {
  const train = await loadFashionMnist({ split: 'train' });
  const test = await loadFashionMnist({ split: 'test' });
  assert.deepEqual(train.x.shape, [60000, 1, 28, 28]);
  assert.deepEqual(test.x.shape, [10000, 1, 28, 28]);
  assert.deepEqual(counts(train.y.data), new Array(10).fill(6000));
  assert.deepEqual(counts(test.y.data), new Array(10).fill(1000));
  assert.equal(train.classes?.[9], 'Ankle boot');
  // Classes are interleaved, not blocked.
  assert.ok(new Set(Array.from(train.y.data.subarray(0, 50))).size >= 8);
  assert.ok(Math.abs(meanOf(train.x.f32) - 0.286) < 0.005);
  // Cached and deterministic: a second call gives equal, independent tensors.
  const again = await loadFashionMnist({ split: 'test', limit: 5 });
  assert.deepEqual(Array.from(again.y.data), Array.from(test.y.data.subarray(0, 5)));
  again.x.f32[0] = 123;
  assert.notEqual(test.x.f32[0], 123);
});

test('parseFashionClassJson: strict format with clear errors', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const px = (v: number): string => new Array(784).fill(v).join(',');
  const ok = parseFashionClassJson(enc(`{"data":[[${px(7)}], [], [ ${px(255)} ]]}\n`), 'x.json');
  assert.equal(ok.count, 2);
  assert.deepEqual(ok.skipped, [1]);
  assert.equal(ok.images[0], 7);
  assert.equal(ok.images[784], 255);
  assert.throws(
    () => parseFashionClassJson(enc(`{"data":[[1,2,3]]}`), 'x.json'),
    /x.json: entry 0 has 3 pixels, expected 784/,
  );
  assert.throws(
    () => parseFashionClassJson(enc(`{"data":[[${px(256)}]]}`), 'x.json'),
    /pixel value out of range 0..255 in entry 0/,
  );
  assert.throws(
    () => parseFashionClassJson(enc(`{"data":[[${px(1)}]`), 'x.json'),
    /expected ',' or ']' after an image at byte 1578/,
  );
  assert.throws(() => parseFashionClassJson(enc(`{"pixels":[]}`), 'x.json'), /expected the key "data"/);
  assert.throws(
    () => parseFashionClassJson(enc(`{"data":[[1,x]]}`), 'x.json'),
    /expected a pixel value in entry 0 at byte 12/,
  );
});
