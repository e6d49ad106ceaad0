// Gradient saliency and occlusion sensitivity on hand-built linear models, where the answer is
// known exactly (the score of class k is w_k . x + b_k), and on LeNet-5 for shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, noGrad, randn, Tensor } from '../../src/index.js';
import { Sequential } from '../../src/nn/index.js';
import { lenet5 } from '../../src/models/index.js';
import { occlusionSensitivity, saliency } from '../../src/vision/index.js';
import { assertClose } from '../helpers/check.js';

/** flatten -> linear(C*H*W, 2) with the given class weights (each C*H*W long). */
function linearModel(c: number, h: number, w: number, rows: number[][], bias = [0, 0]): Sequential {
  const lin = new nn.Linear(c * h * w, rows.length);
  lin.weight.copy_(new Tensor(Float32Array.from(rows.flat()), [rows.length, c * h * w]));
  (lin.bias as Tensor).copy_(new Tensor(Float32Array.from(bias), [rows.length]));
  return new Sequential(new nn.Flatten(), lin);
}

test('saliency of a linear model is |w| of the target class, maximised over channels', () => {
  // 2 channels of 2x3; class 1 depends strongly on pixel (1, 2) of channel 1 and on (0, 0) of channel 0
  const w1 = [
    -2,
    0.1,
    0,
    0,
    0.1,
    0.2, // channel 0
    0.5,
    0,
    0.1,
    0,
    0.3,
    3, // channel 1
  ];
  const w0 = new Array(12).fill(0.01);
  const model = linearModel(2, 2, 3, [w0, w1]);
  const x = new Tensor(new Float32Array(12).fill(1), [2, 2, 3]);
  const s = saliency(model, x, 1);
  assert.deepEqual(s.shape, [2, 3]);
  assertClose(s, [2, 0.1, 0.1, 0, 0.3, 3], { atol: 1e-6 });
  for (const v of s.data) assert.ok(v >= 0);
  assert.equal(s.argmax().item(), 5, 'the pixel that drives the score most is the brightest');
  // the default target is the predicted class: w1 . 1 = 2.3 > w0 . 1 = 0.12
  assertClose(saliency(model, x.reshape(1, 2, 2, 3)), s, { atol: 0 });
  assertClose(saliency(model, x, 0), new Array(6).fill(0.01), { atol: 1e-6 });
  // parameters keep requiresGrad and get no gradient; the input is untouched
  for (const p of model.parameters()) {
    assert.equal(p.requiresGrad, true);
    assert.equal(p.grad, null);
  }
  assert.equal(x.grad, null);
  assert.throws(() => saliency(model, x, 2), /saliency: targetClass must be an integer in \[0, 2\), got 2/);
  assert.throws(
    () => saliency(model, randn([2, 2, 2, 3])),
    /saliency: input must be one image \(C, H, W\) or \(1, C, H, W\), got shape \[2, 2, 2, 3\]/,
  );
});

test('saliency on lenet5: non-negative (H, W) map, mode restored, works under noGrad callers too', () => {
  manualSeed(0);
  const model = lenet5();
  model.train();
  const x = randn([1, 28, 28]);
  const s = saliency(model, x);
  assert.deepEqual(s.shape, [28, 28]);
  assertClose(
    noGrad(() => saliency(model, x)),
    s,
    { atol: 0 },
  );
  assert.ok(s.data.every((v) => v >= 0 && Number.isFinite(v)));
  assert.ok(s.max().item() > 0);
  for (const m of model.modules()) assert.equal(m.training, true);
});

test('occlusion sensitivity: the drop appears exactly where the weighted pixel is covered', () => {
  // 1 channel 6x6; class 0 score = 5 * x[2, 3]; class 1 = 0.1 * sum(x)
  const w0 = new Array(36).fill(0);
  w0[2 * 6 + 3] = 5;
  const w1 = new Array(36).fill(0.1);
  const model = linearModel(1, 6, 6, [w0, w1], [1, 0]);
  const x = new Tensor(new Float32Array(36).fill(1), [1, 6, 6]);
  const r = occlusionSensitivity(model, x, 0, { patch: 2, stride: 2, value: 0 });
  assert.equal(r.targetClass, 0);
  assertClose([r.baseline], [6], { atol: 1e-6 });
  assert.deepEqual(r.drops.shape, [3, 3]);
  assertClose(r.drops, [0, 0, 0, 0, 5, 0, 0, 0, 0], { atol: 1e-6 }); // the patch at rows 2-3, cols 2-3
  assert.deepEqual(r.map.shape, [6, 6]);
  const expectedMap = new Array(36).fill(0);
  for (const p of [2 * 6 + 2, 2 * 6 + 3, 3 * 6 + 2, 3 * 6 + 3]) expectedMap[p] = 5;
  assertClose(r.map, expectedMap, { atol: 1e-6 });
  // overlapping patches (stride 1) and a tiny batch size give the same per-pixel answer at (2, 3):
  // every 2x2 patch covering it drops the score by 5
  const r1 = occlusionSensitivity(model, x, 0, { patch: 2, stride: 1, value: 0, batchSize: 3 });
  assert.deepEqual(r1.drops.shape, [5, 5]);
  assertClose([r1.map.data[2 * 6 + 3]], [5], { atol: 1e-6 });
  assertClose([r1.map.data[0]], [0], { atol: 1e-6 });
  // class 1 loses 0.1 per occluded pixel, 0.4 per 2x2 patch, everywhere; probabilities stay in [-1, 1]
  const r2 = occlusionSensitivity(model, x, 1, { patch: 2, stride: 2, value: 0 });
  assertClose(r2.drops, new Array(9).fill(0.4), { atol: 1e-5 });
  const p = occlusionSensitivity(model, x, undefined, { patch: 3, value: 0, score: 'probability' });
  assert.equal(p.targetClass, 0, 'class 0 (score 6) is predicted over class 1 (3.6)');
  assert.ok(p.drops.data.every((v) => v >= -1 && v <= 1));
  // the default patch value is the image mean: occluding a constant image changes nothing
  const gray = occlusionSensitivity(model, x, 0);
  assertClose(gray.drops, new Array(gray.drops.size).fill(0), { atol: 1e-6 });
  assert.throws(
    () => occlusionSensitivity(model, x, 0, { patch: 7 }),
    /occlusionSensitivity: patch must be an integer in \[1, 6\], got 7/,
  );
});
