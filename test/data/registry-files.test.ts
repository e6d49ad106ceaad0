// Registry datasets read from files that cannot be downloaded here, tested on tiny files made
// in a temp dir: CIFAR-10's binary batches (--data-dir), image folders (folder:PATH, with and
// without train/ + val/), and EuroSAT's published class-folder layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/index.js';
import {
  ByteImageDataset,
  DataLoader,
  EUROSAT_CLASSES,
  loadCifar10,
  loadDataset,
  stratifiedSplit,
} from '../../src/data/index.js';
import { encodeJpeg, encodePng } from '../../src/vision/index.js';
import { folderSplits } from '../../src/data/folder-dataset.js';
import { ImageFolder, Subset } from '../../src/data/index.js';
import { assertClose } from '../helpers/check.js';

function withTemp(fn: (root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'convkit-registry-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

/** n CIFAR records of constant planes: record i has label i % 10, red = r, green = g, blue = b. */
function cifarRecords(n: number, r: number, g: number, b: number): Uint8Array {
  const out = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) {
    out[i * 3073] = i % 10;
    out.fill(r, i * 3073 + 1, i * 3073 + 1025);
    out.fill(g, i * 3073 + 1025, i * 3073 + 2049);
    out.fill(b, i * 3073 + 2049, i * 3073 + 3073);
  }
  return out;
}

test(
  'cifar10 from --data-dir: per-channel stats from the training batches only, class names, resize',
  withTemp(async (root) => {
    const dir = join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    // Train: batches 1-2 red 0, 3-5 red 255 (mean 0.6, std sqrt(0.24)); green 51 (std 0 -> 1); blue 0/255 alternating per batch.
    for (let k = 1; k <= 5; k++)
      writeFileSync(join(dir, `data_batch_${k}.bin`), cifarRecords(2, k <= 2 ? 0 : 255, 51, k % 2 ? 255 : 0));
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(3, 128, 0, 0));
    writeFileSync(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    const d = await loadDataset('cifar10', { dataDir: root });
    assert.equal(d.train.length, 10);
    assert.equal(d.test.length, 3);
    assert.deepEqual(d.inputShape, [3, 32, 32]);
    assert.deepEqual(d.classes, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    const n = d.normalize;
    assert.ok(n);
    assertClose(n.mean, [0.6, 0.2, 0.6]);
    assertClose(n.std, [Math.sqrt(0.24), 1, Math.sqrt(0.24)]);
    // Applied to both splits with the training stats: a test red pixel 128/255 -> (128/255 - 0.6) / sqrt(0.24).
    const t = d.test.get(0).x.data;
    assertClose([t[0], t[1024], t[2048]], [(128 / 255 - 0.6) / Math.sqrt(0.24), -0.2, -0.6 / Math.sqrt(0.24)]);
    const small = await loadDataset('cifar10', { dataDir: dir, limit: 4, resize: [40, 48] });
    assert.equal(small.train.length, 4);
    assert.deepEqual(small.inputShape, [3, 40, 48]);
    // Stats of the 4 kept training images (batches 1-2): red all 0 -> std 1.
    assertClose(small.normalize?.mean ?? [], [0, 0.2, 0.5]);
    const batch = [...new DataLoader(small.train, { batchSize: 4 })][0];
    assert.deepEqual(batch.x.shape, [4, 3, 40, 48]);
    // loadCifar10's limit parses only the batch files it needs.
    const three = await loadCifar10(dir, { limit: 3 });
    assert.deepEqual(three.x.shape, [3, 3, 32, 32]);
    assert.deepEqual(Array.from(three.y.data), [0, 1, 0]);
    assertClose([three.x.data[0], three.x.data[2 * 3072]], [0, 0]);
    await assert.rejects(loadCifar10(dir, { limit: -1 }), /loadCifar10: limit must be a positive integer, got -1/);
    rmSync(join(dir, 'data_batch_2.bin'));
    await assert.rejects(loadDataset('cifar10', { dataDir: root }), /lacks data_batch_2.bin/);
  }),
);

/** A w x h RGB PNG (or JPEG) whose pixels are all (v, 255 - v, 10). */
function solid(w: number, h: number, v: number, jpeg = false): Uint8Array {
  const data = new Float32Array(3 * w * h);
  data.fill(v / 255, 0, w * h);
  data.fill((255 - v) / 255, w * h, 2 * w * h);
  data.fill(10 / 255, 2 * w * h);
  const t = new Tensor(data, [3, h, w]);
  return jpeg ? encodeJpeg(t, 95) : encodePng(t);
}

/** Writes count images per class under dir/class/ (value = 20 * class + i). */
function writeClasses(dir: string, classes: readonly string[], count: number | readonly number[], size = 8): void {
  classes.forEach((c, k) => {
    mkdirSync(join(dir, c), { recursive: true });
    const n = typeof count === 'number' ? count : count[k];
    for (let i = 0; i < n; i++) writeFileSync(join(dir, c, `${c}_${i}.png`), solid(size, size, 20 * k + i));
  });
}

test(
  'folder:PATH without a split: seeded stratified split, sorted classes, training-split stats',
  withTemp(async (root) => {
    writeClasses(root, ['dog', 'cat', 'bird'], [5, 10, 5]);
    const name = `folder:${root}`;
    const d = await loadDataset(name);
    assert.equal(d.name, name);
    assert.deepEqual(d.classes, ['bird', 'cat', 'dog']);
    assert.equal(d.numClasses, 3);
    assert.deepEqual(d.inputShape, [3, 8, 8]);
    // round(0.2 * n) per class held out: 1 + 2 + 1.
    assert.equal(d.test.length, 4);
    assert.equal(d.train.length, 16);
    const labels = (ds: typeof d.train): number[] => Array.from({ length: ds.length }, (_, i) => ds.get(i).y);
    const count = (ls: number[], c: number): number => ls.filter((l) => l === c).length;
    assert.deepEqual(
      [0, 1, 2].map((c) => count(labels(d.test), c)),
      [1, 2, 1],
    );
    // Deterministic under a seed; another seed or fraction gives another split.
    const again = await loadDataset(name);
    assert.deepEqual(labels(again.train), labels(d.train));
    assert.deepEqual(Array.from(again.train.get(5).x.data), Array.from(d.train.get(5).x.data));
    const other = await loadDataset(name, { seed: 3, valFraction: 0.5 });
    assert.equal(other.test.length, 3 + 5 + 3); // round(2.5) = 3
    assert.notDeepEqual(labels(other.train), labels(d.train));
    // Red channel stats are those of the 16 training images only (recomputed from the raw values).
    const n = d.normalize;
    assert.ok(n);
    const raw = Array.from({ length: d.train.length }, (_, i) => d.train.get(i).x.data[0] * n.std[0] + n.mean[0]);
    const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
    assertClose([n.mean[0]], [mean], { atol: 1e-5 });
    assertClose([n.std[0]], [Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / raw.length)], { atol: 1e-5 });
    assertClose([n.mean[2]], [10 / 255], { atol: 1e-6 });
    const lim = await loadDataset(name, { limit: 3, resize: [12, 16] });
    assert.equal(lim.train.length, 3);
    assert.deepEqual(lim.inputShape, [3, 12, 16]);
  }),
);

test(
  'folder:PATH with train/ and val/ uses them; mismatched classes and mixed sizes are refused with the fix',
  withTemp(async (root) => {
    writeClasses(join(root, 'train'), ['a', 'b'], 3);
    writeClasses(join(root, 'val'), ['a', 'b'], 2);
    const d = await loadDataset(`folder:${root}`);
    assert.equal(d.train.length, 6);
    assert.equal(d.test.length, 4);
    assert.deepEqual(
      Array.from({ length: 4 }, (_, i) => d.test.get(i).y),
      [0, 0, 1, 1],
    );
    mkdirSync(join(root, 'val', 'c'));
    writeFileSync(join(root, 'val', 'c', 'x.png'), solid(8, 8, 1));
    await assert.rejects(loadDataset(`folder:${root}`), /has classes \[a, b\] but .*val has \[a, b, c\]/);
    rmSync(join(root, 'val'), { recursive: true });
    writeClasses(join(root, 'test'), ['a', 'b'], 1);
    writeFileSync(join(root, 'test', 'b', 'big.png'), solid(10, 6, 1));
    await assert.rejects(
      loadDataset(`folder:${root}`),
      /big.png decodes to \[3, 6, 10\] but .* to \[3, 8, 8\]; pass resize: \[H, W\] \(--resize\)/,
    );
    const r = await loadDataset(`folder:${root}`, { resize: [8, 8] });
    assert.equal(r.test.length, 3);
    // A lone train/ is split like a plain class-folder layout; too few images to hold any out is refused.
    rmSync(join(root, 'test'), { recursive: true });
    const lone = await loadDataset(`folder:${root}`, { valFraction: 0.34 });
    assert.deepEqual([lone.train.length, lone.test.length], [4, 2]);
    await assert.rejects(
      loadDataset(`folder:${root}`, { valFraction: 0.1 }),
      /the test split is empty \(too few samples per class for the held-out fraction\); add samples or raise the valFraction load option/,
    );
    await assert.rejects(loadDataset(`folder:${join(root, 'nope')}`), /nope is not a folder/);
  }),
);

test('stratifiedSplit holds out round(fraction * count) of each class, disjoint and complete', () => {
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2];
  const { train, test: held } = stratifiedSplit(labels, 3, 0.25, 7);
  assert.deepEqual(
    [...train, ...held].sort((a, b) => a - b),
    labels.map((_, i) => i),
  );
  assert.deepEqual(
    [0, 1, 2].map((c) => Array.from(held).filter((i) => labels[i] === c).length),
    [1, 2, 1],
  );
  assert.deepEqual(stratifiedSplit(labels, 3, 0.25, 7), { train, test: held });
  assert.throws(() => stratifiedSplit(labels, 3, 0, 7), /fraction must be in \(0, 1\), got 0/);
});

test(
  'eurosat: the published RGB layout (2750/<class>/*.jpg), ten classes of seed 004, seeded split',
  withTemp(async (root) => {
    const base = join(root, '2750');
    const bytes = solid(64, 64, 100, true); // JPEG encoding is slow: one image, copied into every class
    EUROSAT_CLASSES.forEach((c) => {
      mkdirSync(join(base, c), { recursive: true });
      for (let i = 0; i < 3; i++) writeFileSync(join(base, c, `${c}_${i + 1}.jpg`), bytes);
    });
    const d = await loadDataset('eurosat', { dataDir: root });
    assert.deepEqual(d.classes, [...EUROSAT_CLASSES]);
    assert.deepEqual(d.inputShape, [3, 64, 64]);
    assert.equal(d.train.length, 20);
    assert.equal(d.test.length, 10);
    assert.equal(d.normalize?.mean.length, 3);
    // round(0.2 * 3) = 1 image of every class held out; the solid JPEG decodes close to red 100.
    const labels = (ds: typeof d.test): number[] =>
      Array.from({ length: ds.length }, (_, i) => ds.get(i).y).sort((a, b) => a - b);
    assert.deepEqual(labels(d.test), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(labels(d.train), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    const n = d.normalize;
    assert.ok(n);
    assert.ok(Math.abs(n.mean[0] * 255 - 100) < 3, `red mean ${n.mean[0] * 255}`);
    const small = await loadDataset('eurosat', { dataDir: base, limit: 6, resize: [32, 32] });
    assert.deepEqual(small.inputShape, [3, 32, 32]);
    assert.equal(small.train.length, 6);
    mkdirSync(join(base, 'Clouds'));
    writeFileSync(join(base, 'Clouds', 'c.jpg'), solid(64, 64, 0, true));
    await assert.rejects(loadDataset('eurosat', { dataDir: root }), /not EuroSAT classes: Clouds/);
    rmSync(join(base, 'Clouds'), { recursive: true });
    writeFileSync(join(base, 'AnnualCrop', 'AnnualCrop_9.tif'), 'II*');
    await assert.rejects(
      loadDataset('eurosat', { dataDir: root }),
      /holds .tif files: that is the 13-band multispectral EuroSAT/,
    );
    rmSync(join(base, 'River'), { recursive: true });
    await assert.rejects(loadDataset('eurosat', { dataDir: root }), /2750 lacks the class folders River;/);
  }),
);

test('ByteImageDataset keeps 8-bit images and reads them back as float32 in [0, 1]', () => {
  const a = new Tensor(Float32Array.from([0, 1, 0.5, 0.2]), [1, 2, 2]);
  const b = new Tensor(Float32Array.from([1 / 255, 254 / 255, 1.2, -0.1]), [1, 2, 2]);
  const ds = ByteImageDataset.fromImages([a, b], [3, 1], ['x', 'y', 'z', 'w']);
  assert.equal(ds.length, 2);
  assert.deepEqual(ds.classes, ['x', 'y', 'z', 'w']);
  assertClose(ds.get(0).x.data, [0, 1, 128 / 255, 51 / 255]);
  const batch = ds.getBatch([1, 0]);
  assert.deepEqual(batch.x.shape, [2, 1, 2, 2]);
  assertClose(batch.x.data.subarray(0, 4), [1 / 255, 254 / 255, 1, 0]);
  assert.deepEqual(Array.from(batch.y.data), [1, 3]);
  assert.throws(() => ds.get(2), /ByteImageDataset.get: index 2 is out of range for a dataset of length 2/);
  assert.throws(
    () => new ByteImageDataset(new Uint8Array(7), Int32Array.from([0, 1]), [1, 2, 2]),
    /7 bytes do not hold 2 images of shape \[1, 2, 2\] \(8 bytes\)/,
  );
});

test(
  'folderSplits: folders over the cache size are read lazily, with the same samples as the cached ones',
  withTemp(async (root) => {
    writeClasses(root, ['a', 'b'], 3);
    const folder = await ImageFolder.open(root);
    const train = { folder, indices: Int32Array.from([5, 0, 3, 1]) },
      test = { folder, indices: Int32Array.from([2, 4]) };
    const cached = folderSplits('t', train, test, 3);
    const lazy = folderSplits('t', train, test, 3, 0);
    assert.ok(cached.train instanceof ByteImageDataset);
    assert.ok(lazy.train instanceof Subset);
    assert.equal(lazy.train.length, 3);
    assert.equal(lazy.test.length, 2);
    for (const k of [0, 1, 2]) {
      assert.deepEqual(Array.from(lazy.train.get(k).x.data), Array.from(cached.train.get(k).x.data));
      assert.equal(lazy.train.get(k).y, cached.train.get(k).y);
    }
    assert.deepEqual(
      [0, 1].map((k) => lazy.test.get(k).y),
      [0, 1],
    );
  }),
);

/** An IDX file: magic, dimensions, then bytes. */
function idx(magic: number, dims: number[], bytes: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => h.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([h, bytes]);
}

test(
  'mnist, fashion-mnist and mnist-seg read the IDX files of --data-dir (e.g. the official Fashion-MNIST split)',
  withTemp(async (root) => {
    const images = (n: number): Uint8Array => Uint8Array.from({ length: n * 784 }, (_, i) => (i % 784 < 392 ? 200 : 0));
    writeFileSync(join(root, 'train-images-idx3-ubyte'), idx(0x803, [3, 28, 28], images(3)));
    writeFileSync(join(root, 'train-labels-idx1-ubyte'), idx(0x801, [3], Uint8Array.from([9, 0, 4])));
    writeFileSync(join(root, 't10k-images-idx3-ubyte'), idx(0x803, [2, 28, 28], images(2)));
    writeFileSync(join(root, 't10k-labels-idx1-ubyte'), idx(0x801, [2], Uint8Array.from([7, 1])));
    const f = await loadDataset('fashion-mnist', { dataDir: root });
    assert.equal(f.train.length, 3);
    assert.equal(f.test.length, 2);
    assert.equal(f.classes[9], 'Ankle boot');
    assert.deepEqual(
      Array.from({ length: 3 }, (_, i) => f.train.get(i).y),
      [9, 0, 4],
    );
    const n = f.normalize;
    assert.ok(n);
    assertClose(
      [f.train.get(0).x.data[0], f.train.get(0).x.data[783]],
      [(200 / 255 - n.mean[0]) / n.std[0], -n.mean[0] / n.std[0]],
    );
    const m = await loadDataset('mnist', { dataDir: root, limit: 1 });
    assert.equal(m.test.get(0).y, 7);
    const seg = await loadDataset('mnist-seg', { dataDir: root });
    const mask = seg.train.get(1).target?.data ?? new Float32Array(0);
    assert.deepEqual([mask[0], mask[391], mask[392], mask[783]], [1, 1, 0, 0]);
    await assert.rejects(
      loadDataset('mnist', { dataDir: join(root, 'none') }),
      /train-images-idx3-ubyte \(or train-images-idx3-ubyte.gz\) not found/,
    );
  }),
);
