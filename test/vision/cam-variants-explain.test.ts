// XGrad-CAM, Layer-CAM and Grad-CAM's counterfactual map on a hand-checkable model, conv -> ReLU
// -> flatten -> linear, where the class score's gradient at the ReLU maps is the linear layer's
// weight row itself (so it varies by cell): each method's weights and map follow from its formula,
// and XGrad-CAM's conservation axiom holds (sum_k w_k sum_p A_kp = score - bias for a linear head).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, randn, Tensor } from '../../src/index.js';
import { Sequential } from '../../src/nn/index.js';
import { LocallyConnected2d } from '../../src/nn/layers/locally-connected.js';
import { gradCam, layerCam, xGradCam } from '../../src/vision/index.js';
import { assertClose } from '../helpers/check.js';

const K = 3,
  P = 25; // 3 channels of 5x5 cells

function setup(): { model: Sequential; x: Tensor; a: Float32Array; w: Float32Array; bias: number } {
  manualSeed(11);
  const conv = new nn.Conv2d(1, K, 3, { padding: 1 });
  const lin = new nn.Linear(K * P, 2);
  const model = new Sequential(conv, new nn.ReLU(), new nn.Flatten(), lin);
  const x = randn([1, 5, 5]);
  const a = Float32Array.from(conv.call(x.reshape(1, 1, 5, 5)).relu().data);
  const w = Float32Array.from(lin.weight.data.subarray(K * P, 2 * K * P)); // class 1's row = dScore/dA
  return { model, x, a, w, bias: (lin.bias as Tensor).data[1] };
}

/** relu(sum_k weight(k, p) * A_kp) per cell. */
function expectedMap(a: Float32Array, weight: (k: number, p: number) => number): number[] {
  return Array.from({ length: P }, (_, p) => {
    let s = 0;
    for (let k = 0; k < K; k++) s += weight(k, p) * a[k * P + p];
    return Math.max(0, s);
  });
}

test('XGrad-CAM: channel weights sum(G*A)/sum(A), and sum_k w_k sum_p A_kp equals score - bias', () => {
  const { model, x, a, w, bias } = setup();
  const r = xGradCam(model, x, { layer: '1', targetClass: 1 });
  const want = Array.from({ length: K }, (_, k) => {
    let ga = 0,
      sa = 0;
    for (let p = 0; p < P; p++) {
      ga += w[k * P + p] * a[k * P + p];
      sa += a[k * P + p];
    }
    return ga / (sa + 1e-7);
  });
  assertClose(new Tensor(r.weights, [K]), want, { atol: 1e-5 });
  assertClose(
    r.layerMap,
    expectedMap(a, (k) => want[k]),
    { atol: 1e-5 },
  );
  let conserved = 0;
  for (let k = 0; k < K; k++) for (let p = 0; p < P; p++) conserved += r.weights[k] * a[k * P + p];
  assert.ok(Math.abs(conserved - (r.score - bias)) < 1e-4, `${conserved} vs ${r.score - bias}`);
});

test('Layer-CAM: each cell weighted by its own positive gradient, relu(sum_k relu(G_kp) A_kp)', () => {
  const { model, x, a, w } = setup();
  const r = layerCam(model, x, { layer: '1', targetClass: 1 });
  assertClose(
    r.layerMap,
    expectedMap(a, (k, p) => Math.max(0, w[k * P + p])),
    { atol: 1e-5 },
  );
  const meanPos = Array.from({ length: K }, (_, k) => {
    let s = 0;
    for (let p = 0; p < P; p++) s += Math.max(0, w[k * P + p]);
    return s / P;
  });
  assertClose(new Tensor(r.weights, [K]), meanPos, { atol: 1e-6 });
  const max = Math.max(...r.layerMap.data);
  assert.ok(max > 0);
  assertClose(
    r.map,
    Array.from(r.layerMap.data, (v) => v / max),
    { atol: 1e-6 },
  ); // 5x5 cells on 5x5 pixels
});

test("Grad-CAM's counterfactual map negates the weights: relu(-sum_k mean(G_k) A_k)", () => {
  const { model, x, a, w } = setup();
  const mean = Array.from({ length: K }, (_, k) => w.subarray(k * P, (k + 1) * P).reduce((s, v) => s + v, 0) / P);
  const plain = gradCam(model, x, { layer: '1', targetClass: 1 });
  const cf = gradCam(model, x, { layer: '1', targetClass: 1, counterfactual: true });
  assertClose(new Tensor(plain.weights, [K]), mean, { atol: 1e-6 });
  assertClose(
    new Tensor(cf.weights, [K]),
    mean.map((v) => -v),
    { atol: 1e-6 },
  );
  assertClose(
    cf.layerMap,
    expectedMap(a, (k) => -mean[k]),
    { atol: 1e-5 },
  );
  // where one is positive the other is zero
  for (let p = 0; p < P; p++) assert.ok(plain.layerMap.data[p] === 0 || cf.layerMap.data[p] === 0);
  assert.throws(
    () => gradCam(model, x, { counterfactual: 'yes' as unknown as boolean }),
    /gradCam: counterfactual must be true or false, got yes/,
  );
});

test("upsample 'receptive-field' where the cell grid is unknown names the layer, why and the fix; 'auto' resizes", () => {
  manualSeed(5);
  // conv-arith cannot follow a LocallyConnected2d (it does not expose its stride and padding)
  const model = new Sequential(
    new LocallyConnected2d(1, 2, 3, 8),
    new nn.ReLU(),
    new nn.Conv2d(2, 2, 3),
    new nn.Flatten(),
    new nn.Linear(2 * 4 * 4, 2),
  );
  const x = randn([1, 8, 8]);
  assert.throws(
    () => gradCam(model, x, { layer: '2', upsample: 'receptive-field' }),
    /gradCam: upsample 'receptive-field' needs the cell grid of layer '2', which is unknown \(LocallyConnected2d does not expose its stride and padding\); use upsample 'resize'/,
  );
  const r = gradCam(model, x, { layer: '2' });
  assert.equal(r.upsample, 'resize');
  assert.deepEqual(r.map.shape, [8, 8]);
});
