// Attribution methods on hand-built models where the answer follows from the rules: Grad-CAM
// of a global-average-pool classifier is the class-weighted sum of the maps; guided backprop
// and deconvnet differ from the plain gradient exactly at the ReLU units their rules close or
// open; integrated gradients of a linear model are (x - baseline) * w; PCA finds the planted
// directions; the receptive-field grid of LeNet-5 is the hand-computed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, randn, Tensor } from '../../src/index.js';
import { Sequential } from '../../src/nn/index.js';
import { lenet5 } from '../../src/models/index.js';
import {
  deconvnet,
  gradCam,
  gradCamPlusPlus,
  guidedBackprop,
  inputGradient,
  integratedGradients,
  pca,
  saliency,
} from '../../src/vision/index.js';
import { trackCellGrid } from '../../src/vision/cam-geometry.js';
import { assertClose } from '../helpers/check.js';

function setWeights(lin: nn.Linear, w: number[][], b: number[]): nn.Linear {
  lin.weight.copy_(new Tensor(Float32Array.from(w.flat()), [w.length, w[0].length]));
  (lin.bias as Tensor).copy_(new Tensor(Float32Array.from(b), [b.length]));
  return lin;
}

test('Grad-CAM of conv -> ReLU -> global average pool -> linear is relu(sum_k w_ck A_k) / (h w), normalised', () => {
  manualSeed(3);
  const conv = new nn.Conv2d(1, 3, 3, { padding: 1 });
  const lin = setWeights(
    new nn.Linear(3, 2),
    [
      [1, -2, 0.5],
      [-1, 1, 2],
    ],
    [0, 0],
  );
  const model = new Sequential(conv, new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), lin);
  const x = randn([1, 6, 6]);
  const r = gradCam(model, x, { layer: '1', targetClass: 1 });
  assert.equal(r.layer, '1');
  assert.equal(r.targetClass, 1);
  assert.equal(r.upsample, 'receptive-field', 'a padded 3x3 conv keeps cells on pixels');
  assertClose(new Tensor(r.weights, [3]), [-1 / 36, 1 / 36, 2 / 36], { atol: 1e-7 });
  const a = (
    model
      .getSubmodule('0')
      .call(x.reshape(1, 1, 6, 6))
      .relu().data as Float32Array
  ).slice();
  const expect = new Float32Array(36);
  for (let p = 0; p < 36; p++) expect[p] = Math.max(0, (-a[p] + a[36 + p] + 2 * a[72 + p]) / 36);
  assertClose(r.layerMap, Array.from(expect), { atol: 1e-6 });
  const max = Math.max(...expect);
  assertClose(
    r.map,
    Array.from(expect, (v) => v / max),
    { atol: 1e-5 },
  );
  // the default layer is the last Conv2d; the parameters get no gradient, the model is intact
  assert.equal(gradCam(model, x).layer, '0');
  for (const p of model.parameters()) assert.equal(p.grad, null);
  assert.throws(
    () => gradCam(model, x, { layer: '9' }),
    /gradCam: Sequential has no layer '9' \(layers: 0, 1, 2, 3, 4\)/,
  );
  assert.throws(
    () => gradCam(model, x, { layer: '3' }),
    /gradCam: layer '3' gives shape \[1, 3\], expected \(1, K, h, w\)/,
  );
  assert.throws(
    () => gradCam(model, x, { targetClass: 2 }),
    /gradCam: targetClass must be an integer in \[0, 2\), got 2/,
  );
  // Grad-CAM++ with a linear score: gradients are constant per channel, alpha = 1 / (2 + sum(A) g)
  const pp = gradCamPlusPlus(model, x, { layer: '1', targetClass: 1 });
  const w = [-1 / 36, 1 / 36, 2 / 36];
  for (let k = 0; k < 3; k++) {
    let sumA = 0;
    for (let p = 0; p < 36; p++) sumA += a[k * 36 + p];
    const g = w[k];
    const alpha = (g * g) / (2 * g * g + sumA * g * g * g + 1e-7);
    assert.ok(Math.abs(pp.weights[k] - (g > 0 ? 36 * alpha * g : 0)) < 1e-6, `channel ${k}: ${pp.weights[k]}`);
  }
});

test('LeNet-5 cell grids: conv1 cells sit on pixels, conv2 cells at 4.5 + 2i (hand-computed receptive-field centres)', () => {
  const model = lenet5();
  const x = randn([1, 1, 28, 28]);
  for (const [layer, start, jump] of [
    ['0', 0, 1],
    ['2', 0.5, 2],
    ['3', 4.5, 2],
    ['5', 5.5, 4],
  ] as const) {
    const t = trackCellGrid(model, model.getSubmodule(layer));
    model.call(x);
    t.remove();
    assert.deepEqual(t.grid(), { start: [start, start], jump: [jump, jump] }, `layer ${layer}`);
  }
});

/** flatten -> Linear(2, 3) -> ReLU -> Linear(3, 1): hidden pre-activations z = [+, +, -], output weights v = [+, -, +]. */
function tinyNet(): Sequential {
  const l1 = setWeights(
    new nn.Linear(2, 3),
    [
      [1, 0.5],
      [0.5, 1],
      [-1, -1],
    ],
    [0, 0, 0],
  );
  const l2 = setWeights(new nn.Linear(3, 1), [[2, -3, 4]], [0]);
  return new Sequential(new nn.Flatten(), l1, new nn.ReLU(), l2);
}

test('guided backprop and deconvnet differ from the plain gradient exactly where their ReLU rules say', () => {
  const model = tinyNet();
  const x = new Tensor(Float32Array.from([1, 2]), [1, 1, 2]); // z = [2, 2.5, -3]
  const W1 = [
    [1, 0.5],
    [0.5, 1],
    [-1, -1],
  ];
  const v = [2, -3, 4];
  const back = (open: boolean[]): number[] =>
    [0, 1].map((i) => W1.reduce((s, row, k) => s + (open[k] ? v[k] * row[i] : 0), 0));
  // plain: z > 0 -> units 0, 1; guided: z > 0 and v > 0 -> unit 0; deconvnet: v > 0 -> units 0, 2
  const plain = inputGradient(model, x, 'plain').gradient;
  assertClose(plain, back([true, true, false]), { atol: 1e-6 });
  assertClose(guidedBackprop(model, x).gradient, back([true, false, false]), { atol: 1e-6 });
  assertClose(deconvnet(model, x).gradient, back([true, false, true]), { atol: 1e-6 });
  assert.deepEqual(back([true, true, false]), [0.5, -2], 'plain gradient by hand');
  assert.deepEqual(back([true, false, false]), [2, 1], 'guided drops the negative-gradient unit 1');
  assert.deepEqual(back([true, false, true]), [-2, -3], 'deconvnet drops unit 1 and opens the inactive unit 2');
  // the plain rule is the ordinary gradient (vanilla saliency is its absolute value)
  assertClose(saliency(model, x, 0), plain.abs().reshape(1, 2), { atol: 1e-6 });
  // the ReLU modules are restored: no own forward property left, ordinary backward again
  const relu = model.getSubmodule('2');
  assert.equal(Object.hasOwn(relu, 'forward'), false);
  assertClose(inputGradient(model, x, 'plain').gradient, plain, { atol: 0 });
  assert.throws(
    () => inputGradient(model, x, 'other' as 'plain'),
    /withReluRule: rule must be 'plain', 'guided' or 'deconvnet', got "other"/,
  );
});

test('guided backprop on LeNet-5: zero wherever the plain gradient path is closed at the first ReLU, model restored', () => {
  manualSeed(1);
  const model = lenet5();
  const x = randn([1, 28, 28]);
  const g = guidedBackprop(model, x, 4);
  const d = deconvnet(model, x, 4);
  const p = inputGradient(model, x, 'plain', 4);
  assert.deepEqual(g.gradient.shape, [1, 28, 28]);
  assert.equal(g.score, p.score);
  assert.notDeepEqual(Array.from(g.gradient.data), Array.from(p.gradient.data));
  assert.notDeepEqual(Array.from(d.gradient.data), Array.from(p.gradient.data));
  for (const m of model.modules()) assert.equal(Object.hasOwn(m, 'forward'), false);
  for (const q of model.parameters()) assert.equal(q.grad, null);
});

test('integrated gradients of a linear score are (x - baseline) * w, and complete', () => {
  const lin = setWeights(
    new nn.Linear(4, 2),
    [
      [0.5, -1, 2, 0],
      [1, 1, 1, 1],
    ],
    [0.3, 0],
  );
  const model = new Sequential(new nn.Flatten(), lin);
  const x = new Tensor(Float32Array.from([1, 2, -1, 3]), [1, 2, 2]);
  const r = integratedGradients(model, x, { targetClass: 0, baseline: 0.5, steps: 4 });
  assertClose(r.attributions, [0.5 * 0.5, -1 * 1.5, 2 * -1.5, 0], { atol: 1e-6 });
  assert.ok(Math.abs(r.delta) < 1e-5, `delta ${r.delta}`);
  assert.ok(Math.abs(r.score - (0.5 - 2 - 2 + 0.3)) < 1e-6);
  assert.throws(
    () => integratedGradients(model, x, { baseline: randn([3]) }),
    /integratedGradients: baseline must have the input's shape \[1, 2, 2\], got \[3\]/,
  );
  assert.throws(
    () => integratedGradients(model, x, { steps: 0 }),
    /integratedGradients: steps must be an integer >= 1, got 0/,
  );
});

test('pca recovers planted directions and their variance ratios', () => {
  manualSeed(7);
  const n = 400;
  const u = [0.6, 0.8, 0],
    w = [0, 0, 1];
  const rows = new Float32Array(n * 3);
  const a = randn([n]).data,
    b = randn([n]).data,
    e = randn([n, 3]).data;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 3; j++) rows[i * 3 + j] = 5 + 3 * a[i] * u[j] + 1 * b[i] * w[j] + 0.01 * e[i * 3 + j];
  const r = pca(new Tensor(rows, [n, 3]), 2);
  // the sample's own correlations tilt the directions a little
  assertClose(r.components.narrow(0, 0, 1).abs().reshape(3), u, { atol: 3e-2 });
  assertClose(r.components.narrow(0, 1, 1).abs().reshape(3), w, { atol: 3e-2 });
  // orthonormal components, and each variance is the sample variance of its coordinate
  const c = r.components.data;
  assert.ok(Math.abs(c[0] * c[3] + c[1] * c[4] + c[2] * c[5]) < 1e-5);
  for (let k = 0; k < 2; k++) {
    assert.ok(Math.abs(c[3 * k] ** 2 + c[3 * k + 1] ** 2 + c[3 * k + 2] ** 2 - 1) < 1e-5);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += r.coords.data[2 * i + k] ** 2;
    assert.ok(Math.abs(ss / (n - 1) - r.variance[k]) < 1e-3 * r.variance[k], `component ${k}`);
  }
  assert.ok(r.varianceRatio[0] > 0.85 && r.varianceRatio[0] < 0.95, `ratio ${r.varianceRatio[0]}`);
  assert.ok(r.variance[0] > r.variance[1]);
  assert.deepEqual(r.coords.shape, [n, 2]);
  assert.throws(() => pca(new Tensor(rows, [n, 3]), 4), /pca: k must be an integer in \[1, 3\], got 4/);
});

test("Grad-CAM's upsampling: receptive-field for chains (LeNet-5, option-A ResNet-20), resize where shortcut convs branch (ResNet-18)", async () => {
  const { resnet18, resnet20 } = await import('../../src/models/index.js');
  manualSeed(2);
  assert.equal(gradCam(lenet5(), randn([1, 28, 28])).upsample, 'receptive-field');
  const r20 = gradCam(resnet20(), randn([3, 32, 32]));
  assert.equal(r20.layer, 'layer3.2.conv2');
  assert.equal(r20.upsample, 'receptive-field');
  const r18 = gradCam(resnet18({ numClasses: 10 }), randn([3, 32, 32]));
  assert.equal(r18.layer, 'layer4.1.conv2');
  assert.equal(r18.upsample, 'resize');
  assert.deepEqual(r18.map.shape, [32, 32]);
});

test('a forward that throws leaves no replaced forward behind (Grad-CAM capture, ReLU rules)', () => {
  const model = new Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(7, 2));
  const x = randn([1, 5, 5]); // flatten gives 18 features, the Linear takes 7: the forward throws
  assert.throws(() => gradCam(model, x), /18|7/);
  assert.throws(() => guidedBackprop(model, x), /18|7/);
  for (const m of model.modules()) assert.equal(Object.hasOwn(m, 'forward'), false, m.typeName);
  for (const p of model.parameters()) assert.equal(p.requiresGrad, true);
  assert.equal(model.training, true);
});
