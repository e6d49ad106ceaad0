import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  rand,
  randn,
  randint,
  manualSeed,
  getRngState,
  setRngState,
  randperm,
  Tensor,
} from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

test('tensor() from nested arrays: shape, dtype, row-major order', () => {
  const a = tensor([
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  ]);
  assert.deepEqual(a.shape, [1, 3, 2]);
  assert.equal(a.dtype, 'float32');
  assert.deepEqual(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(a.toArray(), [
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  ]);
  assert.equal(a.ndim, 3);
  assert.equal(a.size, 6);
  assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], [2, 3]).toArray(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(tensor([[1.5, -2]], { dtype: 'int32' }).toArray(), [[1, -2]]);
  assert.equal(tensor([[1, 2]], { dtype: 'int32' }).dtype, 'int32');
});

test('rank 0 and empty tensors', () => {
  const s = tensor(3.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.ndim, 0);
  assert.equal(s.size, 1);
  assert.equal(s.item(), 3.5);
  assert.equal(s.toArray(), 3.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[]]).shape, [1, 0]);
  const e = zeros([2, 0]);
  assert.equal(e.size, 0);
  assert.deepEqual(e.toArray(), [[], []]);
  assert.deepEqual(full([], 7).toArray(), 7);
  assert.throws(() => tensor([1, 2]).item(), /item\(\): tensor of shape \[2\] has 2 elements/);
  assert.equal(tensor([[9]], { dtype: 'int32' }).item(), 9);
});

test('tensor() from typed arrays: Float32Array is shared, Int32Array gives int32', () => {
  const f = new Float32Array([1, 2, 3, 4]);
  const t = tensor(f, [2, 2]);
  assert.equal(t.data, f);
  assert.deepEqual(t.toArray(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(tensor(f).shape, [4]);
  const i = tensor(new Int32Array([5, 6]), [2, 1]);
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.toArray(), [[5], [6]]);
  const conv = tensor(new Float32Array([1.9, -1.9]), [2], { dtype: 'int32' });
  assert.deepEqual(Array.from(conv.data), [1, -1]);
  assert.equal(tensor(new Int32Array([3]), [1], { dtype: 'float32' }).dtype, 'float32');
});

test('tensor() rejects bad input with clear messages', () => {
  assert.throws(() => tensor([[1, 2], [3]]), /tensor: ragged/);
  assert.throws(() => tensor([[1, 2], 3] as never), /tensor: ragged/);
  assert.throws(() => tensor(new Float32Array(3), [2, 2]), /tensor: data has 3 elements but shape \[2, 2\] needs 4/);
  assert.throws(() => tensor([1, 2, 3], [2, 2]), /tensor: 3 values do not fit shape \[2, 2\]/);
  assert.throws(() => tensor('abc' as never), /tensor: expected a number, a nested array/);
  assert.throws(() => tensor([1, 'x'] as never), /tensor: ragged nested array \(expected a number/);
  assert.throws(() => new Tensor(new Float32Array(2), [3]), /Tensor: data has 2 elements but shape \[3\] needs 3/);
});

test('zeros, ones, full, zerosLike, onesLike', () => {
  assert.deepEqual(zeros([2, 2]).toArray(), [
    [0, 0],
    [0, 0],
  ]);
  assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
  assert.deepEqual(full([2, 1], -2.5).toArray(), [[-2.5], [-2.5]]);
  const fi = full([2], 7, { dtype: 'int32' });
  assert.equal(fi.dtype, 'int32');
  assert.deepEqual(fi.toArray(), [7, 7]);
  const z = zerosLike(fi);
  assert.equal(z.dtype, 'int32');
  assert.deepEqual(z.toArray(), [0, 0]);
  assert.deepEqual(onesLike(tensor([[1, 2]])).toArray(), [[1, 1]]);
  assert.equal(ones([2], { requiresGrad: true }).requiresGrad, true);
  assert.throws(() => zeros(5 as never), /zeros: shape must be an array of non-negative integers, got 5/);
  assert.throws(() => ones([2, -1]), /ones: shape \[2, -1\] must contain non-negative integers/);
  assert.throws(() => full([1.5], 0), /full: shape \[1.5\] must contain non-negative integers/);
  assert.throws(() => randn([2, NaN]), /randn: shape/);
});

test('arange and linspace', () => {
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 5).toArray(), [2, 3, 4]);
  assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(arange(5, 0, -2).toArray(), [5, 3, 1]);
  assert.deepEqual(arange(3, 3).shape, [0]);
  assert.deepEqual(arange(3, 1).shape, [0]);
  const ai = arange(0, 4, 1, { dtype: 'int32' });
  assert.equal(ai.dtype, 'int32');
  assert.deepEqual(ai.toArray(), [0, 1, 2, 3]);
  assert.throws(() => arange(0, 3, 0), /arange: step must be a non-zero finite number, got 0/);
  assertClose(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(2, 9, 1).toArray(), [2]);
  assert.deepEqual(linspace(2, 9, 0).shape, [0]);
  assert.throws(() => linspace(0, 1, -1), /linspace: n must be a non-negative integer, got -1/);
});

test('rand/randn/randint/randperm are seeded and reproducible', () => {
  manualSeed(7);
  const a = rand([3, 4]).toFlatArray(),
    b = randn([5]).toFlatArray(),
    c = randint(0, 10, [6]).toFlatArray(),
    p = randperm(5).toFlatArray();
  manualSeed(7);
  assert.deepEqual(rand([3, 4]).toFlatArray(), a);
  assert.deepEqual(randn([5]).toFlatArray(), b);
  assert.deepEqual(randint(0, 10, [6]).toFlatArray(), c);
  assert.deepEqual(randperm(5).toFlatArray(), p);
  manualSeed(8);
  assert.notDeepEqual(rand([3, 4]).toFlatArray(), a);
  // restoring a saved state replays the stream, including a cached Box-Muller value
  manualSeed(3);
  randn([1]);
  const st = getRngState();
  const next = randn([3]).toFlatArray();
  setRngState(st);
  assert.deepEqual(randn([3]).toFlatArray(), next);
  assert.deepEqual(randperm(5).toFlatArray().sort(), [0, 1, 2, 3, 4]);
  const perm = randperm(4); // a Tensor, as torch.randperm
  assert.ok(perm instanceof Tensor);
  assert.deepEqual([perm.dtype, perm.shape], ['int32', [4]]);
});

test('rand/randn/randint have the right distributions', () => {
  manualSeed(11);
  const u = rand([20000]).toFlatArray();
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const mu = u.reduce((s, v) => s + v, 0) / u.length;
  assert.ok(Math.abs(mu - 0.5) < 0.01, `uniform mean ${mu}`);
  const z = randn([20000]).toFlatArray();
  const m = z.reduce((s, v) => s + v, 0) / z.length;
  const sd = Math.sqrt(z.reduce((s, v) => s + (v - m) ** 2, 0) / z.length);
  // the standard errors are ~0.007 for the mean and ~0.005 for the std at n = 20000
  assert.ok(Math.abs(m) < 0.03, `normal mean ${m}`);
  assert.ok(Math.abs(sd - 1) < 0.03, `normal std ${sd}`);
  const r = randint(-2, 3, [2000]);
  assert.equal(r.dtype, 'int32');
  assert.deepEqual(
    [...new Set(r.toFlatArray())].sort((x, y) => x - y),
    [-2, -1, 0, 1, 2],
  );
  assert.throws(() => randint(3, 3, [2]), /randint: need integers low < high, got low 3 and high 3/);
  assert.throws(() => randint(0, 2.5, [2]), /randint: need integers low < high/);
});

test('requiresGrad option, and int32 tensors cannot require grad', () => {
  assert.equal(tensor([1, 2], { requiresGrad: true }).requiresGrad, true);
  assert.equal(tensor([1, 2]).requiresGrad, false);
  assert.throws(
    () => tensor([1, 2], { dtype: 'int32', requiresGrad: true }),
    /only float32 tensors can require gradients/,
  );
  assert.throws(
    () => full([2], 1, { dtype: 'int32', requiresGrad: true }),
    /only float32 tensors can require gradients/,
  );
  assert.throws(() => randint(0, 3, [2]).requiresGrad_(), /requiresGrad_: only float32 tensors/);
  assert.equal(randint(0, 3, [2]).requiresGrad_(false).requiresGrad, false);
});

test('conversions and in-place helpers', () => {
  const i = tensor([1.7, -2.7]).int();
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.toArray(), [1, -2]);
  const f = i.float();
  assert.equal(f.dtype, 'float32');
  assert.deepEqual(f.toArray(), [1, -2]);
  const t = zeros([2]);
  t.copy_(tensor([3, 4]));
  assert.deepEqual(t.toArray(), [3, 4]);
  assert.throws(() => t.copy_(tensor([1, 2, 3])), /copy_: source shape \[3\] does not match \[2\]/);
  assert.deepEqual(t.fill_(5).toArray(), [5, 5]);
  assert.equal(tensor([[1, 2]], { requiresGrad: true }).toString(), 'tensor([[1., 2.]], requires_grad=True)');
  assert.throws(() => tensor([1], { dtype: 'int32' }).f32, /expected a float32 tensor, got int32/);
});
