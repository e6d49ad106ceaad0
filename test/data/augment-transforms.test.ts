// Area A (augment): every random per-image augmentation is reproducible under a seed (and
// differs across seeds), keeps the batch shape, and does what it says on small hand-checked cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, Tensor } from '../../src/index.js';
import {
  ColorJitter,
  Cutout,
  DataLoader,
  GaussianBlur,
  PadCrop,
  RandAugment,
  RandomAffine,
  RandomChannelDropout,
  RandomChannelPermutation,
  RandomErasing,
  RandomGrayscale,
  RandomResizedCrop,
  RandomVerticalFlip,
  TensorDataset,
  TrivialAugmentWide,
  AUTO_AUGMENT_OPS,
  applyAutoOp,
  type AutoAugmentOp,
  type Transform,
} from '../../src/data/index.js';
import { assertClose } from '../helpers/check.js';

/** The sum of an array's values. */
function total(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** A batch of [0, 1] images with varied, reproducible values. */
function images(n: number, c: number, h: number, w: number): Tensor {
  const d = new Float32Array(n * c * h * w);
  for (let i = 0; i < d.length; i++) d[i] = ((i * 7919) % 101) / 100;
  return new Tensor(d, [n, c, h, w]);
}

const same = (a: Tensor, b: Tensor): boolean => a.data.every((v, i) => v === b.data[i]);

const CASES: [string, () => Transform, number][] = [
  ['RandomResizedCrop', () => new RandomResizedCrop(null, { scale: [0.2, 1] }), 3],
  ['PadCrop', () => new PadCrop(2), 1],
  [
    'RandomAffine(scale, shear)',
    () => new RandomAffine({ degrees: 20, scale: [0.8, 1.2], shear: [-10, 10, -5, 5] }),
    1,
  ],
  ['RandomVerticalFlip', () => new RandomVerticalFlip(0.5), 1],
  ['ColorJitter', () => new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }), 3],
  ['RandomGrayscale', () => new RandomGrayscale(0.5), 3],
  ['RandomChannelPermutation', () => new RandomChannelPermutation(), 3],
  ['RandomChannelDropout', () => new RandomChannelDropout({ p: 0.5 }), 3],
  ['GaussianBlur', () => new GaussianBlur(5, { sigma: [0.1, 2] }), 3],
  ['RandomErasing', () => new RandomErasing({ p: 0.7 }), 3],
  ['RandomErasing(random)', () => new RandomErasing({ p: 1, value: 'random' }), 1],
  ['Cutout', () => new Cutout({ size: 0.4 }), 1],
  ['RandAugment', () => new RandAugment(), 3],
  ['TrivialAugmentWide', () => new TrivialAugmentWide(), 3],
];

for (const [name, make, c] of CASES) {
  test(`${name}: same seed same output, another seed another, shape kept, input untouched`, () => {
    const x = images(8, c, 12, 12);
    const copy = x.data.slice();
    const run = (seed: number): Tensor => {
      manualSeed(seed);
      return make().apply(x);
    };
    const a = run(5),
      b = run(5),
      other = run(6);
    assert.deepEqual(a.shape, x.shape);
    assert.ok(same(a, b), 'not reproducible under manualSeed');
    assert.ok(!same(a, other), 'seed 6 gave the same batch as seed 5');
    assert.ok(!same(a, x), 'the transform changed nothing');
    assert.deepEqual(x.data, copy);
    if (name !== 'RandomErasing(random)')
      assert.ok(
        a.data.every((v) => v >= 0 && v <= 1),
        'values left [0, 1]',
      );
  });
}

test('transforms draw from the DataLoader seed, whatever the global generator does', () => {
  const x = images(16, 3, 10, 10);
  const ds = new TensorDataset(x, new Tensor(new Int32Array(16), [16]));
  const batches = (seed: number): Tensor[] => {
    const loader = new DataLoader(ds, { batchSize: 8, seed, transform: new RandAugment() });
    manualSeed(Date.now() % 1000); // the global generator's state must not matter
    return [...loader].map((b) => b.x);
  };
  const a = batches(3),
    b = batches(3);
  assert.ok(a.every((t, i) => same(t, b[i])));
  assert.ok(!same(a[0], batches(4)[0]));
});

test('RandomResizedCrop: full-area square crop is the identity; explicit size; fallback centre crop', () => {
  const x = images(2, 3, 9, 9);
  assertClose(new RandomResizedCrop(null, { scale: [1, 1], ratio: [1, 1] }).apply(x), x, { atol: 1e-6 });
  assert.deepEqual(new RandomResizedCrop([4, 6]).apply(x).shape, [2, 3, 4, 6]);
  // ratio 4 cannot fit a 9x9 image at full area: ten failed tries, then the centre crop 9 wide, round(9/4) = 2 high
  const t = new RandomResizedCrop(null, { scale: [1, 1], ratio: [4, 4] });
  assert.deepEqual(t.sampleBox(9, 9), [3, 0, 2, 9]);
  assert.throws(
    () => new RandomResizedCrop(null, { scale: [0, 1] }),
    /RandomResizedCrop: scale and ratio must be positive/,
  );
});

test('PadCrop: each image is a whole-pixel shift of itself with zeros coming in', () => {
  const x = images(6, 1, 7, 7).add(0.5);
  manualSeed(1);
  const y = new PadCrop(2).apply(x);
  for (let b = 0; b < 6; b++) {
    let found = false;
    for (let dy = -2; dy <= 2 && !found; dy++)
      for (let dx = -2; dx <= 2 && !found; dx++) {
        let ok = true;
        for (let i = 0; i < 7 && ok; i++)
          for (let j = 0; j < 7 && ok; j++) {
            const si = i + dy,
              sj = j + dx;
            const want = si < 0 || si >= 7 || sj < 0 || sj >= 7 ? 0 : x.data[b * 49 + si * 7 + sj];
            ok = y.data[b * 49 + i * 7 + j] === want;
          }
        found = ok;
      }
    assert.ok(found, `image ${b} is not a shift`);
  }
  assert.equal(String(new PadCrop()), 'RandomCrop(size=input, padding=side/8)');
});

test('RandomVerticalFlip p=1 reverses the rows; RandomAffine identity and validation', () => {
  const x = new Tensor(
    Float32Array.from({ length: 12 }, (_, i) => i),
    [1, 2, 3, 2],
  );
  assertClose(new RandomVerticalFlip(1).apply(x), [4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
  const y = images(2, 1, 6, 6);
  assertClose(new RandomAffine({ scale: [1, 1], shear: 0 }).apply(y), y);
  assertClose(new RandomAffine({ degrees: 0, interpolation: 'nearest' }).apply(y), y);
  assert.throws(() => new RandomAffine({ shear: 95 }), /RandomAffine: shear must be degrees/);
  assert.throws(() => new RandomAffine({ scale: [0, 1] }), /RandomAffine: scale must be a \[lo, hi\] pair/);
});

test('RandomAffine zoom: scale 0.5 about the centre halves distances from the centre', () => {
  const x = new Tensor(new Float32Array(81), [1, 1, 9, 9]);
  x.data[4 * 9 + 6] = 1; // two right of centre
  const y = new RandomAffine({ scale: [0.5, 0.5], interpolation: 'nearest' }).apply(x);
  assert.equal(y.data[4 * 9 + 5], 1);
  assert.equal(total(y.data), 1);
});

test('ColorJitter: a fixed brightness factor is clamp(f x); a fixed contrast 0 is the mean luma', () => {
  const x = images(3, 3, 4, 4);
  const b = new ColorJitter({ brightness: [1.5, 1.5] }).apply(x);
  assertClose(
    b,
    Array.from(x.data, (v) => Math.min(1, 1.5 * v)),
    { atol: 1e-6 },
  );
  const gray = new ColorJitter({ contrast: [0, 0] }).apply(x);
  for (let n = 0; n < 3; n++) {
    const img = gray.data.subarray(n * 48, (n + 1) * 48);
    assert.ok(img.every((v) => Math.abs(v - img[0]) < 1e-6));
  }
  assert.throws(
    () => new ColorJitter({ hue: 0.7 }),
    /ColorJitter: hue range \[-0.7, 0.7\] must satisfy -0.5 <= lo <= hi <= 0.5/,
  );
  assert.equal(String(new ColorJitter({ brightness: 0.2 })), 'ColorJitter(brightness=(0.8, 1.2))');
});

test('RandomGrayscale p=1: every channel holds the luma 0.2989 R + 0.587 G + 0.114 B; grey images unchanged', () => {
  const x = images(2, 3, 3, 3);
  const y = new RandomGrayscale(1).apply(x);
  for (let n = 0; n < 2; n++)
    for (let i = 0; i < 9; i++) {
      const o = n * 27;
      const l = 0.2989 * x.data[o + i] + 0.587 * x.data[o + 9 + i] + 0.114 * x.data[o + 18 + i];
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(y.data[o + c * 9 + i] - l) < 1e-6);
    }
  const g = images(2, 1, 3, 3);
  assertClose(new RandomGrayscale(1).apply(g), g);
});

test('channel permutation keeps the channels; channel dropout zeroes exactly one of three', () => {
  const x = images(4, 3, 2, 2);
  manualSeed(2);
  const y = new RandomChannelPermutation().apply(x);
  for (let n = 0; n < 4; n++) {
    const planes = (t: Tensor): string[] =>
      [0, 1, 2].map((c) => Array.from(t.data.subarray(n * 12 + c * 4, n * 12 + c * 4 + 4)).join()).sort();
    assert.deepEqual(planes(y), planes(x));
  }
  const d = new RandomChannelDropout({ p: 1 }).apply(x.add(0.1));
  for (let n = 0; n < 4; n++) {
    const zero = [0, 1, 2].filter((c) => d.data.subarray(n * 12 + c * 4, n * 12 + c * 4 + 4).every((v) => v === 0));
    assert.equal(zero.length, 1);
  }
  assert.throws(
    () => new RandomChannelDropout().apply(images(1, 1, 2, 2)),
    /RandomChannelDropout: needs images with 2 or more channels/,
  );
});

test('GaussianBlur keeps a constant image and the total of an interior spot', () => {
  const flat = new Tensor(new Float32Array(2 * 3 * 8 * 8).fill(0.3), [2, 3, 8, 8]);
  assertClose(new GaussianBlur(5).apply(flat), flat, { atol: 1e-6 });
  const spot = new Tensor(new Float32Array(81), [1, 1, 9, 9]);
  spot.data[40] = 1;
  const y = new GaussianBlur(3, { sigma: 1 }).apply(spot);
  assertClose([total(y.data)], [1], { atol: 1e-6 });
  assert.ok(y.data[40] < 1 && y.data[39] > 0 && y.data[39] === y.data[41] && y.data[31] === y.data[49]);
  assert.throws(() => new GaussianBlur(4), /GaussianBlur: kernelSize must be odd positive integers/);
});

test('RandomErasing p=1 erases one rectangle with area in the scale range; Cutout a clipped square', () => {
  const x = images(20, 1, 10, 10).add(0.01);
  manualSeed(4);
  const y = new RandomErasing({ p: 1, scale: [0.1, 0.2] }).apply(x);
  for (let n = 0; n < 20; n++) {
    const img = y.data.subarray(n * 100, (n + 1) * 100);
    const zeros = [...img.keys()].filter((i) => img[i] === 0);
    const rows = zeros.map((i) => Math.floor(i / 10)),
      cols = zeros.map((i) => i % 10);
    const h = Math.max(...rows) - Math.min(...rows) + 1,
      w = Math.max(...cols) - Math.min(...cols) + 1;
    assert.equal(zeros.length, h * w, 'the erased pixels form a rectangle');
    // round(sqrt(a r)) * round(sqrt(a / r)) stays within a pixel row/column of the drawn area
    assert.ok(zeros.length >= 5 && zeros.length <= 30, `area ${zeros.length}`);
  }
  const c = new Cutout({ size: 0.4 }).apply(x);
  for (let n = 0; n < 20; n++) {
    const zeros = c.data.subarray(n * 100, (n + 1) * 100).filter((v) => v === 0).length;
    assert.ok(zeros >= 1 && zeros <= 16, `cutout of ${zeros} pixels`);
  }
});

test('RandAugment/TrivialAugment operations at their neutral magnitude leave an image unchanged', () => {
  const x = images(1, 3, 6, 6);
  const img = x.data as Float32Array;
  const neutral: [AutoAugmentOp, number][] = [
    ['Identity', 0],
    ['ShearX', 0],
    ['ShearY', 0],
    ['TranslateX', 0],
    ['TranslateY', 0],
    ['Rotate', 0],
    ['Brightness', 0],
    ['Color', 0],
    ['Contrast', 0],
    ['Sharpness', 0],
    ['Solarize', 1.01],
  ];
  for (const [op, m] of neutral) assertClose(applyAutoOp(op, img, 3, 6, 6, m), img, { atol: 1e-6, msg: op });
  assert.deepEqual(
    neutral.map(([op]) => op),
    AUTO_AUGMENT_OPS.filter((op) => !['Posterize', 'AutoContrast', 'Equalize'].includes(op)),
  );
  // posterize to 8 bits keeps the 8-bit level; autocontrast of an image spanning [0, 1] keeps it
  const levels = Float32Array.from(img, (v) => Math.floor(v * 255.999) / 255);
  assertClose(applyAutoOp('Posterize', levels, 3, 6, 6, 8), levels, { atol: 1e-6 });
  const full = Float32Array.from({ length: 36 }, (_, i) => i / 35);
  assertClose(applyAutoOp('AutoContrast', full, 1, 6, 6, 0), full, { atol: 1e-6 });
  assert.throws(
    () => new RandAugment({ magnitude: 31 }),
    /RandAugment: magnitude must be an integer bin in \[0, 30\], got 31/,
  );
});
