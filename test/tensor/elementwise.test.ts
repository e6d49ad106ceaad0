import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, manualSeed, Tensor } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}
/** Values at least 0.2 away from zero in magnitude (kinks of abs, sign of div, etc.). */
function awayFromZero(shape: number[], seed: number): Tensor {
  const t = rn(shape, seed);
  const d = t.f32;
  for (let i = 0; i < d.length; i++) d[i] = d[i] >= 0 ? d[i] + 0.2 : d[i] - 0.2;
  return t;
}
function positive(shape: number[], seed: number): Tensor {
  return awayFromZero(shape, seed).abs().add(0.3).detach();
}

test('arithmetic forward values, tensors and scalars', () => {
  const a = tensor([
    [1, -2],
    [3, 4],
  ]);
  const b = tensor([
    [2, 4],
    [-1, 0.5],
  ]);
  assert.deepEqual(a.add(b).toArray(), [
    [3, 2],
    [2, 4.5],
  ]);
  assert.deepEqual(a.sub(b).toArray(), [
    [-1, -6],
    [4, 3.5],
  ]);
  assert.deepEqual(a.mul(b).toArray(), [
    [2, -8],
    [-3, 2],
  ]);
  assert.deepEqual(a.div(b).toArray(), [
    [0.5, -0.5],
    [-3, 8],
  ]);
  assert.deepEqual(a.pow(2).toArray(), [
    [1, 4],
    [9, 16],
  ]);
  assert.deepEqual(
    tensor([4, 9])
      .pow(tensor([0.5, 2]))
      .toArray(),
    [2, 81],
  );
  assert.deepEqual(a.neg().toArray(), [
    [-1, 2],
    [-3, -4],
  ]);
  assert.deepEqual(a.add(1).toArray(), [
    [2, -1],
    [4, 5],
  ]);
  assert.deepEqual(a.sub(1).toArray(), [
    [0, -3],
    [2, 3],
  ]);
  assert.deepEqual(a.mul(-2).toArray(), [
    [-2, 4],
    [-6, -8],
  ]);
  assert.deepEqual(a.div(2).toArray(), [
    [0.5, -1],
    [1.5, 2],
  ]);
  assert.deepEqual(a.abs().toArray(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(a.square().toArray(), [
    [1, 4],
    [9, 16],
  ]);
  assert.deepEqual(a.sign().toArray(), [
    [1, -1],
    [1, 1],
  ]);
  assert.deepEqual(tensor([0, 1, 4]).sqrt().toArray(), [0, 1, 2]);
  assertClose(tensor([0, 1, -1]).exp(), [1, Math.E, 1 / Math.E], { rtol: 1e-6 });
  assertClose(tensor([1, Math.E, 0.5]).log(), [0, 1, Math.log(0.5)], { atol: 1e-6 });
  assert.deepEqual(tensor([0]).log().toArray(), [-Infinity]);
  assert.ok(Number.isNaN(tensor([-1]).sqrt().item()));
  assert.deepEqual(
    tensor([1, 0])
      .div(tensor([0, 0]))
      .toArray()
      .toString(),
    'Infinity,NaN',
  );
  // int32 inputs compute in float32
  const i = tensor([1, 2], { dtype: 'int32' }).add(0.5);
  assert.equal(i.dtype, 'float32');
  assert.deepEqual(i.toArray(), [1.5, 2.5]);
});

test('activations forward values', () => {
  assert.deepEqual(tensor([-1, 0, 2]).relu().toArray(), [0, 0, 2]);
  assertClose(tensor([0, 2, -800]).sigmoid(), [0.5, 1 / (1 + Math.exp(-2)), 0], { atol: 1e-7 });
  assertClose(tensor([0, 1, -30]).tanh(), [0, Math.tanh(1), -1], { atol: 1e-7 });
});

test('broadcasting [3,1] with [1,4], with rank-0 tensors and with numbers', () => {
  const c = tensor([[1], [2], [3]]);
  const r = tensor([[10, 20, 30, 40]]);
  const s = c.add(r);
  assert.deepEqual(s.shape, [3, 4]);
  assert.deepEqual(s.toArray(), [
    [11, 21, 31, 41],
    [12, 22, 32, 42],
    [13, 23, 33, 43],
  ]);
  assert.deepEqual(r.sub(c).toArray(), [
    [9, 19, 29, 39],
    [8, 18, 28, 38],
    [7, 17, 27, 37],
  ]);
  assert.deepEqual(c.mul(r).toArray(), [
    [10, 20, 30, 40],
    [20, 40, 60, 80],
    [30, 60, 90, 120],
  ]);
  assert.deepEqual(c.maximum(tensor([[0, 2, 5, 1]])).toArray(), [
    [1, 2, 5, 1],
    [2, 2, 5, 2],
    [3, 3, 5, 3],
  ]);
  const k = tensor(5);
  assert.deepEqual(c.add(k).toArray(), [[6], [7], [8]]);
  assert.deepEqual(k.sub(c).toArray(), [[4], [3], [2]]);
  assert.deepEqual(k.mul(tensor(2)).shape, []);
  assert.equal(k.mul(tensor(2)).item(), 10);
  assert.deepEqual(
    tensor([1, 2, 3])
      .add(tensor([[10], [20]]))
      .toArray(),
    [
      [11, 12, 13],
      [21, 22, 23],
    ],
  );
  // size-0 axes broadcast like any other size
  assert.deepEqual(tensor([[]]).add(tensor([[1], [2]])).shape, [2, 0]);
});

test('shape errors name the op and both shapes', () => {
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor([1, 2]);
  for (const [name, f] of [
    ['add', () => a.add(b)],
    ['sub', () => a.sub(b)],
    ['mul', () => a.mul(b)],
    ['div', () => a.div(b)],
    ['pow', () => a.pow(b)],
    ['maximum', () => a.maximum(b)],
    ['minimum', () => a.minimum(b)],
    ['lt', () => a.lt(b)],
  ] as const) {
    assert.throws(
      f,
      (e: Error) =>
        e instanceof RangeError && e.message.startsWith(`${name}: shapes [2, 3] and [2] cannot be broadcast`),
      name,
    );
  }
});

test('comparisons give 0/1 float masks, broadcast, and are not differentiable', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  assert.deepEqual(a.eq(2).toArray(), [0, 1, 0]);
  assert.deepEqual(a.ne(2).toArray(), [1, 0, 1]);
  assert.deepEqual(a.lt(2).toArray(), [1, 0, 0]);
  assert.deepEqual(a.le(2).toArray(), [1, 1, 0]);
  assert.deepEqual(a.gt(2).toArray(), [0, 0, 1]);
  assert.deepEqual(a.ge(2).toArray(), [0, 1, 1]);
  assert.deepEqual(a.lt(tensor([[2], [3]])).toArray(), [
    [1, 0, 0],
    [1, 1, 0],
  ]);
  assert.equal(a.gt(1).requiresGrad, false);
  assert.equal(a.gt(1).dtype, 'float32');
  assert.deepEqual(
    tensor([NaN])
      .eq(tensor([NaN]))
      .toArray(),
    [0],
  );
  assert.deepEqual(tensor([NaN]).ne(NaN).toArray(), [1]);
});

test('clamp, maximum, minimum; NaN propagates through maximum/minimum', () => {
  const x = tensor([-3, -0.5, 0.5, 3]);
  assert.deepEqual(x.clamp(-1, 1).toArray(), [-1, -0.5, 0.5, 1]);
  assert.deepEqual(x.clamp(0).toArray(), [0, 0, 0.5, 3]);
  assert.deepEqual(x.clamp(null, 0).toArray(), [-3, -0.5, 0, 0]);
  assert.deepEqual(x.clamp().toArray(), [-3, -0.5, 0.5, 3]);
  assert.throws(() => x.clamp('1' as never), /clamp: min must be a number or null/);
  assert.throws(() => x.clamp(0, [1] as never), /clamp: max must be a number or null/);
  assert.deepEqual(x.maximum(0).toArray(), [0, 0, 0.5, 3]);
  assert.deepEqual(x.minimum(tensor([0, 0, 0, 0])).toArray(), [-3, -0.5, 0, 0]);
  const n = tensor([NaN, 1, 2]);
  const m = tensor([0, NaN, 1]);
  const mx = n.maximum(m).toFlatArray(),
    mn = n.minimum(m).toFlatArray();
  assert.ok(Number.isNaN(mx[0]) && Number.isNaN(mx[1]) && mx[2] === 2, `maximum ${mx}`);
  assert.ok(Number.isNaN(mn[0]) && Number.isNaN(mn[1]) && mn[2] === 1, `minimum ${mn}`);
});

test('gradients of arithmetic with broadcasting in both operands', () => {
  const pairs: [number[], number[]][] = [
    [
      [3, 1],
      [1, 4],
    ],
    [[2, 3], [3]],
    [[], [2, 3]],
    [
      [4, 1, 3],
      [2, 1],
    ],
    [
      [2, 2],
      [2, 2],
    ],
  ];
  pairs.forEach(([sa, sb], k) => {
    const msg = `${JSON.stringify(sa)} x ${JSON.stringify(sb)}`;
    gradcheck((a, b) => a.add(b), [rn(sa, 10 + k), rn(sb, 20 + k)], { msg: `add ${msg}` });
    gradcheck((a, b) => a.sub(b), [rn(sa, 10 + k), rn(sb, 20 + k)], { msg: `sub ${msg}` });
    gradcheck((a, b) => a.mul(b), [rn(sa, 10 + k), rn(sb, 20 + k)], { msg: `mul ${msg}` });
    gradcheck((a, b) => a.div(b), [rn(sa, 10 + k), positive(sb, 20 + k)], { msg: `div ${msg}` });
    gradcheck((a, b) => a.pow(b), [positive(sa, 10 + k), rn(sb, 20 + k)], { msg: `pow ${msg}` });
    gradcheck((a, b) => a.maximum(b), [rn(sa, 10 + k), rn(sb, 20 + k)], { msg: `maximum ${msg}` });
    gradcheck((a, b) => a.minimum(b), [rn(sa, 10 + k), rn(sb, 20 + k)], { msg: `minimum ${msg}` });
  });
});

test('gradients of scalar-operand arithmetic and pointwise functions', () => {
  gradcheck((a) => a.add(3).mul(-2).sub(1).div(4), [rn([2, 3], 1)]);
  gradcheck((a) => a.pow(3), [rn([5], 2)]);
  gradcheck((a) => a.pow(0.5), [positive([5], 3)]);
  gradcheck((a) => a.pow(-1.5), [positive([5], 3)]);
  gradcheck((a) => a.neg(), [rn([2, 2], 4)]);
  gradcheck((a) => a.exp(), [rn([2, 3], 5)]);
  gradcheck((a) => a.log(), [positive([2, 3], 6)]);
  gradcheck((a) => a.sqrt(), [positive([2, 3], 7)]);
  gradcheck((a) => a.abs(), [awayFromZero([2, 3], 8)]);
  gradcheck((a) => a.square(), [rn([2, 3], 9)]);
  gradcheck((a) => a.relu(), [awayFromZero([7], 10)]);
  gradcheck((a) => a.sigmoid(), [rn([7], 11)]);
  gradcheck((a) => a.tanh(), [rn([7], 12)]);
  gradcheck((a) => a.clamp(-0.5, 0.7), [tensor([-2, -0.8, -0.3, 0.1, 0.6, 0.9, 3])]);
  gradcheck((a) => a.clamp(0.1), [tensor([-2, 0.3, 1])]);
  gradcheck((a) => a.clamp(null, 0.1), [tensor([-2, 0.3, 1])]);
  gradcheck((a) => a.maximum(0.25), [tensor([-1, 0.1, 0.5, 2])]);
  gradcheck((a) => a.minimum(0.25), [tensor([-1, 0.1, 0.5, 2])]);
});

test('maximum/minimum split the gradient evenly on ties', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  const b = tensor([1, 0, 5], { requiresGrad: true });
  a.maximum(b).sum().backward();
  assert.deepEqual(a.grad?.toArray(), [0.5, 1, 0]);
  assert.deepEqual(b.grad?.toArray(), [0.5, 0, 1]);
  a.grad = null as Tensor | null;
  b.grad = null as Tensor | null; // a plain `= null` narrows to null
  a.minimum(b).sum().backward();
  assert.deepEqual(a.grad?.toArray(), [0.5, 0, 1]);
  assert.deepEqual(b.grad?.toArray(), [0.5, 1, 0]);
  // a central difference at a two-way tie also measures 1/2 on each side
  gradcheck((x, y) => x.maximum(y), [tensor([1, 2, 3]), tensor([1, 0, 5])]);
  gradcheck((x, y) => x.minimum(y), [tensor([[1, 2]]), tensor([[1], [2]])]);
});

test('pow gradient edge cases at zero', () => {
  const x = tensor([0, 2], { requiresGrad: true });
  x.pow(0).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [0, 0]);
  const base = tensor([0, 2], { requiresGrad: true });
  const e = tensor([2, 3], { requiresGrad: true });
  base.pow(e).sum().backward();
  assert.deepEqual(base.grad?.toArray(), [0, 12]);
  // d(a^b)/db = a^b ln a: 0 at a = 0 (not NaN), 8 ln 2 at a = 2
  assertClose(e.grad as Tensor, [0, 8 * Math.log(2)], { rtol: 1e-6 });
  const r = tensor([0, 4], { requiresGrad: true });
  r.abs().sum().backward();
  assert.deepEqual(r.grad?.toArray(), [0, 1]);
});
