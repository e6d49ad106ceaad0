// Area A (augment): MixUp and CutMix label handling (soft labels that sum to 1 and match the
// mixed pixels), the Beta sampler, the DataLoader's batchTransform, and fit() on soft labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, optim, Tensor, train } from '../../src/index.js';
import {
  CutMix,
  DataLoader,
  MixUp,
  RandomChoiceBatch,
  sampleBeta,
  TensorDataset,
  toProbabilities,
} from '../../src/data/index.js';
import { assertClose } from '../helpers/check.js';

/** The sum of an array's values. */
function total(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** n images whose pixels all equal their index + 1, labels i % c. */
function constantImages(n: number, c: number): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * 16);
  for (let i = 0; i < n; i++) x.fill(i + 1, i * 16, (i + 1) * 16);
  return {
    x: new Tensor(x, [n, 1, 4, 4]),
    y: new Tensor(
      Int32Array.from({ length: n }, (_, i) => i % c),
      [n],
    ),
  };
}

test('MixUp: x = λ x_i + (1 - λ) x_(i-1), labels mixed with the same λ; reproducible under a seed', () => {
  const { x, y } = constantImages(4, 3);
  manualSeed(1);
  const m = new MixUp({ numClasses: 3, alpha: 0.4 });
  const out = m.apply(x, y);
  const lam = m.lastLambda;
  assert.ok(lam > 0 && lam < 1);
  assert.deepEqual(out.y.shape, [4, 3]);
  assert.equal(out.y.dtype, 'float32');
  for (let i = 0; i < 4; i++) {
    const j = (i + 3) % 4;
    assertClose([out.x.data[i * 16]], [lam * (i + 1) + (1 - lam) * (j + 1)], { atol: 1e-5 });
    const want = [0, 0, 0];
    want[i % 3] += lam;
    want[j % 3] += 1 - lam;
    assertClose(out.y.data.subarray(i * 3, i * 3 + 3), want, { atol: 1e-6 });
  }
  manualSeed(1);
  assert.deepEqual(new MixUp({ numClasses: 3, alpha: 0.4 }).apply(x, y).x.data, out.x.data);
  assert.throws(() => new MixUp({ numClasses: 3, alpha: 0 }), /MixUp: alpha must be a positive number, got 0/);
  assert.throws(
    () => m.apply(x, new Tensor(Int32Array.from([0, 1, 5, 0]), [4])),
    /MixUp: label 5 at position 2 is not a class index in \[0, 3\)/,
  );
});

test('CutMix: the pasted box comes from the neighbour and the label weight is its area', () => {
  const { x, y } = constantImages(5, 5);
  for (let seed = 0; seed < 10; seed++) {
    manualSeed(seed);
    const m = new CutMix({ numClasses: 5 });
    const out = m.apply(x, y);
    for (let i = 0; i < 5; i++) {
      const j = (i + 4) % 5;
      const img = out.x.data.subarray(i * 16, (i + 1) * 16);
      const own = img.filter((v) => v === i + 1).length,
        pasted = img.filter((v) => v === j + 1).length;
      assert.equal(own + pasted, 16);
      assertClose([out.y.data[i * 5 + (i % 5)]], [own / 16], { atol: 1e-6 });
      assertClose([out.y.data[i * 5 + (j % 5)]], [pasted / 16], { atol: 1e-6 });
      assertClose([m.lastLambda], [own / 16], { atol: 1e-6 });
    }
    const sums = [0, 1, 2, 3, 4].map((i) => total(out.y.data.subarray(i * 5, i * 5 + 5)));
    assertClose(sums, [1, 1, 1, 1, 1], { atol: 1e-6 });
  }
  assert.throws(
    () =>
      new CutMix({ numClasses: 2 }).apply(new Tensor(new Float32Array(4), [2, 2]), new Tensor(new Int32Array(2), [2])),
    /CutMix: expected an image batch \(N, C, H, W\), got shape \[2, 2\]/,
  );
});

test('soft labels chain: MixUp after CutMix mixes probability rows; toProbabilities checks widths', () => {
  const { x, y } = constantImages(4, 4);
  manualSeed(3);
  const a = new CutMix({ numClasses: 4 }).apply(x, y);
  const b = new MixUp({ numClasses: 4 }).apply(a.x, a.y);
  for (let i = 0; i < 4; i++) assertClose([total(b.y.data.subarray(i * 4, i * 4 + 4))], [1], { atol: 1e-6 });
  assert.throws(
    () => toProbabilities('MixUp', new Tensor(new Float32Array(6), [2, 3]), 4),
    /MixUp: soft labels \[2, 3\] have 3 classes, expected 4/,
  );
});

test('sampleBeta: mean a / (a + b) and variance over 20000 draws', () => {
  manualSeed(7);
  for (const [a, b] of [
    [0.2, 0.2],
    [1, 1],
    [2, 5],
  ]) {
    const n = 20000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = sampleBeta(a, b);
      assert.ok(v >= 0 && v <= 1);
      s += v;
      s2 += v * v;
    }
    const mean = s / n,
      variance = s2 / n - mean * mean;
    const m = a / (a + b),
      vr = (a * b) / ((a + b) ** 2 * (a + b + 1));
    // the standard error of the mean is sqrt(vr / n) <= 0.0036 here; allow 5 of them
    assert.ok(Math.abs(mean - m) < 5 * Math.sqrt(vr / n), `Beta(${a}, ${b}) mean ${mean} vs ${m}`);
    assert.ok(Math.abs(variance - vr) < 0.1 * vr, `Beta(${a}, ${b}) variance ${variance} vs ${vr}`);
  }
});

test('RandomChoiceBatch picks each transform about as often as its weight', () => {
  const { x, y } = constantImages(2, 2);
  let first = 0;
  const t = new RandomChoiceBatch(
    [
      (a, b) => {
        first++;
        return { x: a, y: b };
      },
      (a, b) => ({ x: a, y: b }),
    ],
    [3, 1],
  );
  manualSeed(2);
  for (let i = 0; i < 4000; i++) t.apply(x, y);
  // binomial(4000, 0.75): standard deviation 27
  assert.ok(Math.abs(first - 3000) < 150, `first chosen ${first} times`);
  assert.throws(() => new RandomChoiceBatch([]), /RandomChoiceBatch: give at least one transform/);
});

test('DataLoader batchTransform sees (x, y) after the transform, on the loader seed', () => {
  const { x, y } = constantImages(8, 4);
  const ds = new TensorDataset(x, y);
  const run = (seed: number): Tensor[] => {
    const loader = new DataLoader(ds, {
      batchSize: 4,
      shuffle: true,
      seed,
      transform: (t) => t.mul(2),
      batchTransform: new MixUp({ numClasses: 4, alpha: 1 }),
    });
    manualSeed(seed + 100);
    return [...loader].flatMap((b) => [b.x, b.y]);
  };
  const a = run(1),
    b = run(1);
  assert.equal(a.length, 4);
  assert.deepEqual(a[1].shape, [4, 4]);
  assert.ok(a.every((t, i) => t.data.every((v, k) => v === b[i].data[k])));
  // pixel values are 2 * (index + 1): a mix of two of them stays within [2, 16]
  assert.ok(a[0].data.every((v) => v >= 2 && v <= 16));
});

test('fit() trains on MixUp soft labels: loss is crossEntropy on probabilities, accuracy uses their argmax', async () => {
  manualSeed(0);
  // two separable blobs of 4x4 "images"
  const n = 64;
  const xd = new Float32Array(n * 16),
    yd = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    yd[i] = i % 2;
    for (let k = 0; k < 16; k++) xd[i * 16 + k] = (yd[i] ? 0.7 : 0.3) + 0.1 * Math.sin(i * 16 + k);
  }
  const ds = new TensorDataset(new Tensor(xd, [n, 1, 4, 4]), new Tensor(yd, [n]));
  const loader = new DataLoader(ds, {
    batchSize: 16,
    shuffle: true,
    seed: 1,
    batchTransform: new MixUp({ numClasses: 2, alpha: 0.2 }),
  });
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(16, 2));
  const history = await train.fit(model, loader, {
    epochs: 15,
    optimizer: new optim.SGD(model.parameters(), { lr: 0.5 }),
    validation: ds,
    verbose: 0,
  });
  const loss = history.history.loss;
  assert.ok(loss[loss.length - 1] < loss[0], `loss ${loss[0]} -> ${loss[loss.length - 1]}`);
  const valAcc = history.history.valAccuracy;
  assert.ok(valAcc[valAcc.length - 1] > 0.9, `val accuracy ${valAcc[valAcc.length - 1]}`);
});
