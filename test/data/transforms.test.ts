import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, manualSeed } from '../../src/index.js';
import {
  Compose,
  Normalize,
  RandomHorizontalFlip,
  RandomCrop,
  RandomAffine,
  RandomRotation,
  RandomTranslation,
  GaussianNoise,
} from '../../src/data/transforms.js';
import { assertClose } from '../helpers/check.js';

/** A batch (n, c, h, w) whose values are their flat index. */
function iota(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, (_, i) => i),
    shape,
  );
}

test('Normalize: per-channel (x - mean) / std, also for (N, F) data', () => {
  const x = tensor([[[[1, 2]], [[10, 20]]]]); // (1, 2, 1, 2)
  const y = new Normalize([1, 10], [1, 5]).apply(x);
  assertClose(y, [[[[0, 1]], [[0, 2]]]]);
  assertClose(x, [[[[1, 2]], [[10, 20]]]]); // input untouched
  assertClose(
    new Normalize(2, 4).apply(
      tensor([
        [2, 6],
        [10, -2],
      ]),
    ),
    [
      [0, 1],
      [2, -1],
    ],
  );
  assertClose(new Normalize([0, 1, 2], [1, 1, 1]).apply(tensor([[0, 1, 2]])), [[0, 0, 0]]);
  assert.throws(
    () => new Normalize([0, 0], [1, 1]).apply(tensor([[1, 2, 3]])),
    /Normalize: 2 channel statistics given but the batch of shape \[1, 3\] has 3 channels/,
  );
  assert.throws(() => new Normalize(0, 0), /std must be positive/);
});

test('RandomHorizontalFlip: p=1 mirrors every image, p=0 none, p=0.5 about half', () => {
  const x = iota([2, 1, 2, 3]);
  assertClose(new RandomHorizontalFlip(1).apply(x), [
    [
      [
        [2, 1, 0],
        [5, 4, 3],
      ],
    ],
    [
      [
        [8, 7, 6],
        [11, 10, 9],
      ],
    ],
  ]);
  assertClose(new RandomHorizontalFlip(0).apply(x), x);
  manualSeed(0);
  const big = iota([400, 1, 1, 2]);
  const out = new RandomHorizontalFlip(0.5).apply(big);
  let flipped = 0;
  for (let b = 0; b < 400; b++) if (out.data[2 * b] > out.data[2 * b + 1]) flipped++;
  assert.ok(flipped > 150 && flipped < 250, `flipped ${flipped} of 400`);
  assert.throws(
    () => new RandomHorizontalFlip(1).apply(tensor([1, 2])),
    /expected an image batch \(N, C, H, W\), got shape \[2\]/,
  );
});

test('RandomCrop: windows of the zero-padded image', () => {
  const x = iota([1, 1, 2, 2]).add(1); // [[1, 2], [3, 4]]
  // Crop size = padded size: the output is exactly the padded image.
  assertClose(new RandomCrop(4, { padding: 1 }).apply(x), [
    [
      [
        [0, 0, 0, 0],
        [0, 1, 2, 0],
        [0, 3, 4, 0],
        [0, 0, 0, 0],
      ],
    ],
  ]);
  assertClose(new RandomCrop(2).apply(x), x);
  // Every random 2x2 crop of the padded image is one of its 9 windows, and all 9 show up.
  const padded = [
    [0, 0, 0, 0],
    [0, 1, 2, 0],
    [0, 3, 4, 0],
    [0, 0, 0, 0],
  ];
  const windows = new Set<string>();
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      windows.add(JSON.stringify([padded[i][j], padded[i][j + 1], padded[i + 1][j], padded[i + 1][j + 1]]));
  manualSeed(1);
  const batch = new Tensor(new Float32Array(400 * 4), [400, 1, 2, 2]);
  for (let b = 0; b < 400; b++) batch.data.set(x.data, 4 * b);
  const out = new RandomCrop(2, { padding: 1 }).apply(batch);
  const seen = new Set<string>();
  for (let b = 0; b < 400; b++) {
    const w = JSON.stringify(Array.from(out.data.subarray(4 * b, 4 * b + 4)));
    assert.ok(windows.has(w), `crop ${w} is not a window of the padded image`);
    seen.add(w);
  }
  assert.equal(seen.size, 9);
  // Multi-channel: the same window for every channel of an image.
  const rgb = new RandomCrop([1, 2], { padding: 2, fill: -1 }).apply(iota([3, 3, 2, 2]));
  assert.deepEqual(rgb.shape, [3, 3, 1, 2]);
  for (let b = 0; b < 3; b++) {
    for (let k = 0; k < 2; k++) {
      const c0 = rgb.data[b * 6 + k],
        c1 = rgb.data[b * 6 + 2 + k],
        c2 = rgb.data[b * 6 + 4 + k];
      if (c0 === -1) {
        assert.equal(c1, -1);
        assert.equal(c2, -1);
      } else {
        assert.equal(c1, c0 + 4);
        assert.equal(c2, c0 + 8);
      }
    }
  }
  assert.throws(() => new RandomCrop(5).apply(x), /RandomCrop: crop 5x5 is larger than the padded image 2x2/);
});

test('RandomAffine: identity without rotation/shift; shifts are whole-pixel; rotation moves a point on its circle', () => {
  const x = iota([2, 2, 5, 5]);
  assertClose(new RandomAffine({}).apply(x), x);
  manualSeed(2);
  const img = iota([1, 1, 7, 7]).add(1);
  for (let trial = 0; trial < 20; trial++) {
    const out = new RandomTranslation(0.3).apply(img);
    // Find the shift (|dx|, |dy| <= round(0.3 * 7) = 2) that explains the output exactly.
    let found = false;
    for (let dy = -2; dy <= 2 && !found; dy++) {
      for (let dx = -2; dx <= 2 && !found; dx++) {
        let ok = true;
        for (let i = 0; i < 7 && ok; i++)
          for (let j = 0; j < 7 && ok; j++) {
            const si = i - dy,
              sj = j - dx;
            const want = si < 0 || si >= 7 || sj < 0 || sj >= 7 ? 0 : img.data[si * 7 + sj];
            ok = out.data[i * 7 + j] === want;
          }
        found = ok;
      }
    }
    assert.ok(found, 'translation output is not a whole-pixel shift of the input');
  }
  // A single bright spot at distance 6 right of the centre of a 15x15 image.
  const spot = new Tensor(new Float32Array(225), [1, 1, 15, 15]);
  spot.data[7 * 15 + 13] = 1;
  let anyTurn = false;
  for (let trial = 0; trial < 10; trial++) {
    const out = new RandomRotation(30).apply(spot);
    let mass = 0,
      mx = 0,
      my = 0;
    for (let i = 0; i < 15; i++)
      for (let j = 0; j < 15; j++) {
        const v = out.data[i * 15 + j];
        mass += v;
        mx += v * (j - 7);
        my += v * (i - 7);
      }
    mx /= mass;
    my /= mass;
    // Bilinear sampling keeps the spot's centroid close to the circle of radius 6 within ±30°.
    assert.ok(Math.abs(Math.hypot(mx, my) - 6) < 0.6, `centroid radius ${Math.hypot(mx, my)}`);
    const angle = (Math.atan2(my, mx) * 180) / Math.PI;
    assert.ok(Math.abs(angle) <= 31, `angle ${angle}`);
    if (Math.abs(angle) > 3) anyTurn = true;
  }
  assert.ok(anyTurn, 'rotation never turned the image');
  assert.throws(() => new RandomAffine({ degrees: 200 }), /degrees must be in \[0, 180\]/);
});

test('GaussianNoise: mean/std of the added noise, clipping, and Compose', () => {
  manualSeed(3);
  const n = 20000;
  const out = new GaussianNoise({ std: 0.5, mean: 1 }).apply(new Tensor(new Float32Array(n), [n]));
  let s = 0,
    s2 = 0;
  for (const v of out.data) {
    s += v;
    s2 += v * v;
  }
  const mean = s / n,
    std = Math.sqrt(s2 / n - mean * mean);
  // Standard error of the mean is 0.5/sqrt(20000) = 0.0035; 0.02 is over 5 standard errors.
  assert.ok(Math.abs(mean - 1) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.5) < 0.02, `std ${std}`);
  const clipped = new GaussianNoise({ std: 3, clip: [0, 1] }).apply(
    new Tensor(new Float32Array(1000).fill(0.5), [1000]),
  );
  assert.ok(Array.from(clipped.data).every((v) => v >= 0 && v <= 1));
  assert.ok(Array.from(clipped.data).some((v) => v === 0) && Array.from(clipped.data).some((v) => v === 1));
  const pipeline = new Compose([new RandomHorizontalFlip(1), new Normalize(1, 2)]);
  assertClose(pipeline.apply(tensor([[[[1, 3]]]])), [[[[1, 0]]]]);
  assert.throws(
    () => new GaussianNoise({ std: 1 }).apply(new Tensor(new Int32Array(2), [2])),
    /GaussianNoise: expected a float32 batch, got int32/,
  );
});
