import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, randn, tensor, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

/** randn scaled, with entries closer than `gap` to any kink moved `gap` away (finite differences need smoothness). */
function awayFrom(shape: number[], kinks: number[], scale = 1, gap = 0.05): Tensor {
  const x = randn(shape).mul(scale);
  const d = x.f32;
  for (let i = 0; i < d.length; i++)
    for (const k of kinks) if (Math.abs(d[i] - k) < gap) d[i] = k + (d[i] >= k ? gap : -gap) * 2;
  return x;
}

const SHAPES = [[7], [2, 3], [2, 3, 4]];

test("relu, sigmoid and tanh: values, the lectures' formulas, and saturation without NaN", () => {
  const x = tensor([-2, -0.5, 0, 0.5, 2]);
  assertClose(F.relu(x), [0, 0, 0, 0.5, 2]);
  // sigma(x) = 1 / (1 + e^-x) (lecture 000)
  assertClose(
    F.sigmoid(x),
    [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))),
    { atol: 1e-6 },
  );
  // tanh(x) = (e^x - e^-x) / (e^x + e^-x) as in lecture 000; lecture 003 writes the numerator
  // "e^a e^-a" (a slip: that product is 1), the minus sign is the correct formula.
  assertClose(
    F.tanh(x),
    [-2, -0.5, 0, 0.5, 2].map((v) => (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v))),
    { atol: 1e-6 },
  );
  const big = tensor([-1e4, 1e4]);
  assertClose(F.sigmoid(big), [0, 1]);
  assertClose(F.tanh(big), [-1, 1]);
  manualSeed(3);
  for (const s of SHAPES) {
    gradcheck((a) => F.relu(a), [awayFrom(s, [0])], { msg: `relu ${s}` });
    gradcheck((a) => F.sigmoid(a), [randn(s).mul(2)], { msg: `sigmoid ${s}` });
    gradcheck((a) => F.tanh(a), [randn(s)], { msg: `tanh ${s}` });
  }
});

test('leakyRelu and elu: values and gradients', () => {
  const x = tensor([-2, -0.5, 0, 3]);
  assertClose(F.leakyRelu(x), [-0.02, -0.005, 0, 3]);
  assertClose(F.leakyRelu(x, 0.2), [-0.4, -0.1, 0, 3]);
  assertClose(F.elu(x), [Math.expm1(-2), Math.expm1(-0.5), 0, 3], { atol: 1e-6 });
  assertClose(F.elu(x, 0.7), [0.7 * Math.expm1(-2), 0.7 * Math.expm1(-0.5), 0, 3], { atol: 1e-6 });
  // gradient convention at 0 (PyTorch): leaky relu uses the negative slope, elu uses alpha * e^0
  const z = tensor([0], { requiresGrad: true });
  F.leakyRelu(z, 0.3).sum().backward();
  assertClose(z.grad as Tensor, [0.3]);
  const z2 = tensor([0], { requiresGrad: true });
  F.elu(z2, 0.7).sum().backward();
  assertClose(z2.grad as Tensor, [0.7]);
  manualSeed(4);
  for (const s of SHAPES) {
    gradcheck((a) => F.leakyRelu(a, 0.1), [awayFrom(s, [0])], { msg: `leakyRelu ${s}` });
    gradcheck((a) => F.elu(a), [awayFrom(s, [0])], { msg: `elu ${s}` });
    gradcheck((a) => F.elu(a, 1.7), [awayFrom(s, [0], 2)], { msg: `elu alpha ${s}` });
  }
  assert.throws(() => F.leakyRelu(x, Number.NaN), /leakyRelu: negativeSlope must be a finite number/);
});

test('gelu exact and tanh approximation', () => {
  const x = tensor([-1, 0, 1, 2]);
  // x * Phi(x) with Phi(1) = 0.841344746068543, Phi(2) = 0.977249868051821
  assertClose(F.gelu(x), [-0.158655253931457, 0, 0.841344746068543, 1.954499736103642], { atol: 2e-6 });
  assertClose(
    F.gelu(x, { approximate: 'tanh' }),
    [-1, 0, 1, 2].map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))),
    { atol: 1e-6 },
  );
  assertClose(F.gelu(x, { approximate: 'tanh' }), [-0.158808009391723, 0, 0.841191990608277, 1.954597694087775], {
    atol: 2e-6,
  });
  manualSeed(5);
  for (const s of SHAPES) {
    gradcheck((a) => F.gelu(a), [randn(s).mul(2)], { msg: `gelu ${s}` });
    gradcheck((a) => F.gelu(a, { approximate: 'tanh' }), [randn(s).mul(2)], { msg: `gelu tanh ${s}` });
  }
  assert.throws(
    () => F.gelu(x, { approximate: 'erf' as 'none' }),
    /gelu: approximate must be 'none' or 'tanh', got 'erf'/,
  );
});

test('softplus with beta and threshold', () => {
  const x = tensor([-30, 0, 1, 25]);
  assertClose(F.softplus(x), [Math.log1p(Math.exp(-30)), Math.LN2, Math.log1p(Math.E), 25], { atol: 1e-6 });
  // beta = 2, threshold = 5: beta*x = 6 > 5 returns x itself; ln(1 + e^2) / 2 = 1.0634640055
  assertClose(F.softplus(tensor([1, 3]), { beta: 2, threshold: 5 }), [1.0634640055214863, 3], { atol: 1e-6 });
  manualSeed(6);
  for (const s of SHAPES) {
    gradcheck((a) => F.softplus(a), [randn(s).mul(3)], { msg: `softplus ${s}` });
    gradcheck((a) => F.softplus(a, { beta: 0.5, threshold: 1 }), [awayFrom(s, [2], 3)], { msg: `softplus beta ${s}` });
  }
  assert.throws(() => F.softplus(x, { beta: 0 }), /softplus: beta must be non-zero/);
});

test('hardtanh, relu6, silu and identity', () => {
  const x = tensor([-3, -1, 0.5, 2, 7]);
  assertClose(F.hardtanh(x), [-1, -1, 0.5, 1, 1]);
  assertClose(F.hardtanh(x, { minVal: -2, maxVal: 3 }), [-2, -1, 0.5, 2, 3]);
  assertClose(F.relu6(x), [0, 0, 0.5, 2, 6]);
  assertClose(F.silu(tensor([0, 1, -1])), [0, 0.7310585786300049, -0.2689414213699951], { atol: 1e-6 });
  assert.equal(F.identity(x), x);
  manualSeed(7);
  for (const s of SHAPES) {
    gradcheck((a) => F.hardtanh(a), [awayFrom(s, [-1, 1], 1.5)], { msg: `hardtanh ${s}` });
    gradcheck((a) => F.relu6(a), [awayFrom(s, [0, 6], 4)], { msg: `relu6 ${s}` });
    gradcheck((a) => F.silu(a), [randn(s).mul(2)], { msg: `silu ${s}` });
  }
  assert.throws(() => F.hardtanh(x, { minVal: 2, maxVal: 1 }), /hardtanh: minVal 2 is greater than maxVal 1/);
});
