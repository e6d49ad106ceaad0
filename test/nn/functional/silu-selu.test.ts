// SiLU and SELU (issue 8): forward against their formulas (and PyTorch's constants), gradients by
// finite differences, saturation without NaN, and the nn layers. PyTorch golden values are in
// test/golden/activation.test.ts (silu/wide, selu/wide); the kernels themselves are compared
// with the reference on every backend in test/backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, randn, tensor, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

const ALPHA = 1.6732632423543772; // PyTorch's constants, to double precision
const SCALE = 1.0507009873554805;
const seluRef = (v: number): number => SCALE * (v > 0 ? v : ALPHA * Math.expm1(v));
const siluRef = (v: number): number => v / (1 + Math.exp(-v));

/** randn scaled, entries within `gap` of 0 moved away (SELU's derivative jumps at 0). */
function awayFromZero(shape: number[], scale: number, gap = 0.05): Tensor {
  const x = randn(shape).mul(scale);
  const d = x.f32;
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < gap) d[i] = d[i] >= 0 ? 2 * gap : -2 * gap;
  return x;
}

const VALUES = [-30, -5, -1, -0.25, 0, 1e-3, 0.25, 1, 5, 30];

test('silu: x * sigmoid(x), saturating without NaN', () => {
  assertClose(F.silu(tensor(VALUES)), VALUES.map(siluRef), { atol: 1e-6, rtol: 1e-5 });
  const big = F.silu(tensor([-1000, -100, 100, 1000])).toArray() as number[];
  assert.ok(Math.abs(big[0]) < 1e-30 && Math.abs(big[1]) < 1e-30, `silu(-1000), silu(-100) are 0, got ${big}`);
  assert.deepEqual(big.slice(2), [100, 1000]);
});

test("selu: PyTorch's alpha and scale, continuous at 0", () => {
  assertClose(F.selu(tensor(VALUES)), VALUES.map(seluRef), { atol: 1e-6, rtol: 1e-5 });
  const y = F.selu(tensor([-1e-6, 0, 1e-6])).toArray() as number[];
  assert.ok(Math.abs(y[0]) < 1e-5 && y[1] === 0 && Math.abs(y[2]) < 1e-5);
  // large negative inputs saturate at -scale * alpha
  assertClose(F.selu(tensor([-100])), [-SCALE * ALPHA], { atol: 1e-6 });
});

test('silu and selu gradients match finite differences', () => {
  manualSeed(11);
  for (const s of [[7], [2, 3], [2, 3, 4]]) {
    gradcheck((a) => F.silu(a), [randn(s).mul(3)], { msg: `silu ${s}` });
    gradcheck((a) => F.selu(a), [awayFromZero(s, 2)], { msg: `selu ${s}` });
    // composed with another op, so the upstream gradient is not all ones
    gradcheck((a) => F.selu(F.silu(a).mul(a)), [awayFromZero(s, 1.5)], { msg: `selu(silu(x) x) ${s}` });
  }
});

test('nn.SiLU and nn.SELU apply the functions', () => {
  const x = tensor([
    [-2, -0.5, 0],
    [0.5, 2, 4],
  ]);
  assertClose(new nn.SiLU().call(x), [[-2, -0.5, 0].map(siluRef), [0.5, 2, 4].map(siluRef)], { atol: 1e-6 });
  assertClose(new nn.SELU().call(x), [[-2, -0.5, 0].map(seluRef), [0.5, 2, 4].map(seluRef)], { atol: 1e-6 });
  const xg = tensor([-1, 2], { requiresGrad: true });
  new nn.SELU().call(xg).sum().backward();
  assertClose(xg.grad as Tensor, [SCALE * ALPHA * Math.exp(-1), SCALE], { atol: 1e-6 });
});
