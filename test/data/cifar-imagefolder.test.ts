import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { Tensor } from '../../src/index.js';
import { DataLoader, ImageFolder, loadCifar10 } from '../../src/data/index.js';
import { encodePng } from '../../src/vision/index.js';
import { parseCifar10Batch, loadCifar10Batch } from '../../src/data/cifar10.js';
import { assertClose } from '../helpers/check.js';

/** n CIFAR records: label (i % 10); pixel k of record i = (i + k) % 256. */
function cifarBytes(n: number, firstLabel = 0): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = (firstLabel + i) % 10;
    for (let k = 0; k < 3072; k++) out[i * 3073 + 1 + k] = (i + k) % 256;
  }
  return out;
}

test('CIFAR-10 binary records: label byte then R, G, B planes', () => {
  const { x, y } = parseCifar10Batch(cifarBytes(3, 4), 'b.bin');
  assert.deepEqual(x.shape, [3, 3, 32, 32]);
  assert.deepEqual(Array.from(y.data), [4, 5, 6]);
  // Record 1: red (0,0) = 1, green (0,0) = byte 1024 + 1, blue (31,31) = (1 + 3071) % 256.
  assertClose(
    [x.data[3072], x.data[3072 + 1024], x.data[3072 + 3071]],
    [1 / 255, (1025 % 256) / 255, (3072 % 256) / 255],
  );
  assert.throws(
    () => parseCifar10Batch(cifarBytes(2).subarray(0, 5000), 'data_batch_1.bin'),
    /data_batch_1.bin is 5000 bytes, not a positive multiple of the 3073-byte record size/,
  );
  const bad = cifarBytes(2);
  bad[3073] = 10;
  assert.throws(() => parseCifar10Batch(bad, 'x.bin'), /x.bin: record 1 \(byte 3073\) has label 10, expected 0-9/);
});

test('loadCifar10 reads the train batches, the test batch and class names', async () => {
  const root = mkdtempSync(join(tmpdir(), 'convkit-cifar-'));
  try {
    const dir = join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    for (let k = 1; k <= 5; k++) writeFileSync(join(dir, `data_batch_${k}.bin`), cifarBytes(2, k));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBytes(3));
    const train = await loadCifar10(root);
    assert.deepEqual(train.x.shape, [10, 3, 32, 32]);
    assert.deepEqual(Array.from(train.y.data), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    assert.equal(train.classes?.[0], 'airplane');
    writeFileSync(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    const test = await loadCifar10(dir, { split: 'test' });
    assert.deepEqual(test.x.shape, [3, 3, 32, 32]);
    assert.equal(test.classes?.[9], 'j');
    const one = await loadCifar10Batch(join(dir, 'data_batch_3.bin'));
    assert.deepEqual(Array.from(one.y.data), [3, 4]);
    writeFileSync(join(dir, 'data_batch_4.bin'), cifarBytes(1).subarray(0, 3000));
    await assert.rejects(loadCifar10(dir), /data_batch_4.bin is 3000 bytes, not a positive multiple/);
    rmSync(join(dir, 'data_batch_5.bin'));
    await assert.rejects(loadCifar10(dir), /lacks data_batch_5.bin/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ImageFolder: sorted classes, PNG and JPEG files, resize and grayscale, DataLoader batches', async () => {
  const root = mkdtempSync(join(tmpdir(), 'convkit-imgfolder-'));
  try {
    for (const c of ['dog', 'cat', 'Zebra']) mkdirSync(join(root, c));
    const solid = (v: number, h: number, w: number): Tensor =>
      new Tensor(new Float32Array(3 * h * w).fill(v), [3, h, w]);
    writeFileSync(join(root, 'cat', 'b.png'), encodePng(solid(0.2, 4, 4)));
    writeFileSync(join(root, 'cat', 'a.PNG'), encodePng(solid(0.4, 8, 6)));
    writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image');
    const rgba = new Uint8Array(8 * 8 * 4).fill(255);
    writeFileSync(
      join(root, 'dog', 'x.jpg'),
      new Uint8Array(jpeg.encode({ width: 8, height: 8, data: rgba }, 90).data),
    );
    writeFileSync(join(root, 'Zebra', 'z.png'), encodePng(solid(0, 2, 2)));
    const ds = await ImageFolder.open(root, { size: 4 });
    assert.deepEqual(ds.classes, ['Zebra', 'cat', 'dog']); // code-point order, like Python's sorted()
    assert.equal(ds.length, 4);
    assert.deepEqual(
      ds.samples.map((s) => s.path.slice(root.length + 1)),
      [join('Zebra', 'z.png'), join('cat', 'a.PNG'), join('cat', 'b.png'), join('dog', 'x.jpg')],
    );
    const s1 = ds.get(1);
    assert.deepEqual(s1.x.shape, [3, 4, 4]);
    assert.equal(s1.y, 1);
    assertClose(s1.x.mean(), 102 / 255, { atol: 1e-6 }); // 0.4 * 255 = 102
    assertClose(ds.get(3).x.mean(), 1, { atol: 2 / 255 });
    const batches = [...new DataLoader(ds, { batchSize: 3 })];
    assert.deepEqual(
      batches.map((b) => b.x.shape),
      [
        [3, 3, 4, 4],
        [1, 3, 4, 4],
      ],
    );
    assert.deepEqual(Array.from(batches[0].y.data), [0, 1, 1]);
    const gray = await ImageFolder.open(root, { size: [2, 3], grayscale: true });
    assert.deepEqual(gray.get(0).x.shape, [1, 2, 3]);
    // Without a size, images of different sizes cannot share a batch.
    const raw = await ImageFolder.open(root);
    assert.throws(
      () => [...new DataLoader(raw, { batchSize: 4 })],
      /collate: sample 1 has shape \[3, 8, 6\] but sample 0 has \[3, 2, 2\]/,
    );
    writeFileSync(join(root, 'cat', 'c.png'), Uint8Array.of(1, 2, 3));
    const broken = await ImageFolder.open(root);
    assert.throws(() => broken.get(3), /decodeImage: .*c.png is neither PNG nor JPEG/);
    await assert.rejects(ImageFolder.open(join(root, 'cat')), /has no class sub-folders/);
    await assert.rejects(ImageFolder.open(join(root, 'missing')), /ImageFolder: cannot read/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ImageFolder: a class folder without images is refused naming the folder, unless allowEmpty', async () => {
  const root = mkdtempSync(join(tmpdir(), 'convkit-imgfolder-empty-'));
  try {
    for (const c of ['cat', 'dog']) mkdirSync(join(root, c));
    writeFileSync(join(root, 'cat', 'a.png'), encodePng(new Tensor(new Float32Array(3 * 2 * 2), [3, 2, 2])));
    writeFileSync(join(root, 'dog', 'readme.txt'), 'no images here');
    await assert.rejects(
      ImageFolder.open(root),
      (e: Error) =>
        e.message.startsWith('ImageFolder: class folder ') &&
        e.message.includes(join(root, 'dog')) &&
        /has no \.png\/\.jpg\/\.jpeg files/.test(e.message),
    );
    const ds = await ImageFolder.open(root, { allowEmpty: true });
    assert.deepEqual(ds.classes, ['cat', 'dog']);
    assert.equal(ds.length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ImageFolder: transparent pixels get one background for the whole dataset (black unless set)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'convkit-imgfolder-alpha-'));
  try {
    mkdirSync(join(root, 'ink'));
    // 1x2 gray+alpha images: one opaque pixel (dark ink in one file, light ink in the other), one transparent
    const gray = (ink: number): Tensor => new Tensor(Float32Array.of(ink, 0, 1, 0), [2, 1, 2]);
    writeFileSync(join(root, 'ink', 'dark.png'), encodePng(gray(0)));
    writeFileSync(join(root, 'ink', 'light.png'), encodePng(gray(1)));
    const ds = await ImageFolder.open(root, { grayscale: true });
    assertClose(ds.get(0).x, [[[0, 0]]]); // dark ink: a per-image 'auto' would put white paper here
    assertClose(ds.get(1).x, [[[1, 0]]]);
    const white = await ImageFolder.open(root, { grayscale: true, background: 'white' });
    assertClose(white.get(0).x, [[[0, 1]]]);
    assertClose(white.get(1).x, [[[1, 1]]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
