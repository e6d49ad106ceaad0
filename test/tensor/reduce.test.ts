import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, randn, manualSeed, Tensor } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}
const x23 = (): Tensor =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

test('sum and mean over axes, negative axes, keepDim', () => {
  const x = x23();
  const all = x.sum();
  assert.deepEqual(all.shape, []);
  assert.equal(all.item(), 21);
  assert.deepEqual(x.sum(0).toArray(), [5, 7, 9]);
  assert.deepEqual(x.sum(1).toArray(), [6, 15]);
  assert.deepEqual(x.sum(-1).toArray(), [6, 15]);
  assert.deepEqual(x.sum(-2, { keepDim: true }).toArray(), [[5, 7, 9]]);
  assert.deepEqual(x.sum(1, { keepDim: true }).shape, [2, 1]);
  assert.deepEqual(x.sum([0, 1]).shape, []);
  assert.deepEqual(x.sum([1, 0], { keepDim: true }).toArray(), [[21]]);
  assert.equal(x.mean().item(), 3.5);
  assert.deepEqual(x.mean(0).toArray(), [2.5, 3.5, 4.5]);
  assert.deepEqual(x.mean(-1, { keepDim: true }).toArray(), [[2], [5]]);
  const c = tensor([
    [
      [1, 2],
      [3, 4],
    ],
    [
      [5, 6],
      [7, 8],
    ],
  ]);
  assert.deepEqual(c.sum([0, 2]).toArray(), [14, 22]);
  assert.deepEqual(c.sum([0, 2], { keepDim: true }).shape, [1, 2, 1]);
  assert.deepEqual(c.mean([-1, -3]).toArray(), [3.5, 5.5]);
});

test('reductions of rank-0 tensors, empty axis lists and size-0 axes', () => {
  const s = tensor(3);
  assert.equal(s.sum().item(), 3);
  assert.deepEqual(s.sum().shape, []);
  assert.equal(s.mean().item(), 3);
  assert.equal(s.max().item(), 3);
  assert.equal(s.argmax().item(), 0);
  // an empty axis list reduces nothing (NumPy's axis=()): a copy of x
  const x = x23();
  const same = x.sum([]);
  assert.deepEqual(same.toArray(), x.toArray());
  assert.notEqual(same.data, x.data);
  // sums over a size-0 axis are 0, means NaN, max/argmax have no answer
  assert.deepEqual(zeros([2, 0]).sum(1).toArray(), [0, 0]);
  assert.deepEqual(zeros([0, 3]).sum(0).toArray(), [0, 0, 0]);
  assert.equal(zeros([0]).sum().item(), 0);
  assert.ok(Number.isNaN(zeros([0]).mean().item()));
  assert.throws(() => zeros([2, 0]).max(1), /max: cannot reduce an empty axis of a tensor of shape \[2, 0\]/);
  assert.throws(() => zeros([0]).min(), /min: cannot reduce an empty axis/);
  assert.throws(() => zeros([0]).argmax(), /argmax: cannot take the argmax of an empty tensor/);
  // reducing the non-empty axis of an empty tensor is fine
  assert.deepEqual(zeros([2, 0]).amax(0).shape, [0]);
  assert.deepEqual(
    zeros([2, 0])
      .max(0)
      .map((t) => t.shape),
    [[0], [0]],
  );
});

test('axis errors name the op', () => {
  const x = x23();
  assert.throws(() => x.sum(2), /sum: axis 2 is out of range for a tensor of rank 2/);
  assert.throws(() => x.mean(-3), /mean: axis -3 is out of range/);
  assert.throws(() => x.max(0.5), /max: axis must be an integer, got 0.5/);
  assert.throws(() => x.sum('1' as never), /sum: axis must be an integer, got 1/);
  assert.throws(() => x.argmax(5), /argmax: axis 5 is out of range/);
  assert.throws(() => x.var(3), /var: axis 3 is out of range/);
  assert.throws(() => x.logsumexp(2), /logsumexp: axis 2 is out of range/);
});

test('max, min, argmax, argmin with keepDim; first index wins ties', () => {
  const x = tensor([
    [1, 7, 3],
    [9, 2, 9],
  ]);
  assert.equal(x.max().item(), 9);
  assert.equal(x.min().item(), 1);
  assert.deepEqual(x.amax(1).toArray(), [7, 9]);
  assert.deepEqual(x.amin(0).toArray(), [1, 2, 3]);
  assert.deepEqual(x.amax(-1, { keepDim: true }).toArray(), [[7], [9]]);
  const am = x.argmax(1);
  assert.equal(am.dtype, 'int32');
  assert.deepEqual(am.toArray(), [1, 0]);
  assert.deepEqual(x.argmin(0).toArray(), [0, 1, 0]);
  assert.deepEqual(x.argmax(-1, { keepDim: true }).toArray(), [[1], [0]]);
  assert.equal(x.argmax().item(), 3);
  assert.deepEqual(x.argmax(undefined, { keepDim: true }).shape, [1, 1]);
  assert.equal(x.argmin().item(), 0);
});

test('max/min propagate NaN', () => {
  const x = tensor([
    [1, NaN, 3],
    [4, 5, 6],
  ]);
  assert.ok(Number.isNaN(x.max().item()));
  assert.ok(Number.isNaN(x.min().item()));
  const r = x.amax(1).toFlatArray();
  assert.ok(Number.isNaN(r[0]) && r[1] === 6, `${r}`);
  const c = x.amin(0).toFlatArray();
  assert.ok(c[0] === 1 && Number.isNaN(c[1]) && c[2] === 3, `${c}`);
  assert.ok(Number.isNaN(tensor([NaN, 1]).max().item()));
});

test('var and std: unbiased by default, biased on request', () => {
  const x = x23();
  assert.deepEqual(x.var(1).toArray(), [1, 1]);
  assertClose(x.var(1, { unbiased: false }), [2 / 3, 2 / 3]);
  assertClose(x.var(), 3.5);
  assertClose(x.var(undefined, { unbiased: false }), 17.5 / 6);
  assert.deepEqual(x.var(0, { keepDim: true }).toArray(), [[4.5, 4.5, 4.5]]);
  assertClose(x.std(0), [Math.sqrt(4.5), Math.sqrt(4.5), Math.sqrt(4.5)]);
  assertClose(x.std(1, { unbiased: false, keepDim: true }), [[Math.sqrt(2 / 3)], [Math.sqrt(2 / 3)]]);
  // one sample: the unbiased variance divides by zero, as in PyTorch
  assert.ok(Number.isNaN(tensor([5]).var().item()));
  assert.equal(tensor([5]).var(0, { unbiased: false }).item(), 0);
});

test('logsumexp is exact and stays finite at +-1e4', () => {
  assertClose(
    tensor([
      [0, 0],
      [1, 2],
    ]).logsumexp(1),
    [Math.log(2), 2 + Math.log(1 + Math.exp(-1))],
    { rtol: 1e-6 },
  );
  assert.deepEqual(tensor([[0, 0]]).logsumexp(-1, { keepDim: true }).shape, [1, 1]);
  const big = tensor(
    [
      [1e4, -1e4],
      [1e4, 1e4],
      [-1e4, -1e4],
    ],
    { requiresGrad: true },
  );
  const l = big.logsumexp(1);
  assertClose(l, [1e4, 1e4 + Math.log(2), -1e4 + Math.log(2)], { rtol: 1e-6 });
  l.sum().backward();
  assertClose(
    big.grad as Tensor,
    [
      [1, 0],
      [0.5, 0.5],
      [0.5, 0.5],
    ],
    { atol: 1e-6 },
  );
  assert.equal(tensor([-Infinity, -Infinity]).logsumexp(0).item(), -Infinity);
  assert.equal(tensor([Infinity, 0]).logsumexp(0).item(), Infinity);
});

test('gradients of sum and mean over a spread of axes', () => {
  for (const [axis, keep] of [
    [undefined, false],
    [0, false],
    [1, true],
    [-1, false],
    [[0, 2], false],
    [[0, 2], true],
  ] as const) {
    const msg = `axis ${JSON.stringify(axis)} keepDim ${keep}`;
    gradcheck((a) => a.sum(axis as number | number[] | undefined, { keepDim: keep }), [rn([2, 3, 2], 1)], {
      msg: `sum ${msg}`,
    });
    gradcheck((a) => a.mean(axis as number | number[] | undefined, { keepDim: keep }), [rn([2, 3, 2], 2)], {
      msg: `mean ${msg}`,
    });
  }
  gradcheck((a) => a.sum(), [tensor(2)]);
});

test('gradients of max/min over axes, ties split evenly', () => {
  gradcheck((a) => a.amax(1), [rn([3, 4], 3)]);
  gradcheck((a) => a.amin(0, { keepDim: true }), [rn([3, 4], 4)]);
  gradcheck((a) => a.amax([0, 2]), [rn([2, 3, 2], 5)]);
  gradcheck((a) => a.min(), [rn([2, 3], 6)]);
  // two-way ties: a central difference also measures 1/2 for each tied element
  gradcheck(
    (a) => a.amax(1),
    [
      tensor([
        [1, 3, 3],
        [2, 0, 2],
      ]),
    ],
  );
  gradcheck(
    (a) => a.min(),
    [
      tensor([
        [1, 3],
        [1, 2],
      ]),
    ],
  );
  // three-way tie: each gets a third
  const x = tensor([[2, 2, 2, 1]], { requiresGrad: true });
  x.max().backward();
  assertClose(x.grad as Tensor, [[1 / 3, 1 / 3, 1 / 3, 0]]);
  const y = tensor(
    [
      [5, 1],
      [1, 1],
    ],
    { requiresGrad: true },
  );
  y.amin(1).sum().backward();
  assert.deepEqual(y.grad?.toArray(), [
    [0, 1],
    [0.5, 0.5],
  ]);
});

test('gradients of var, std and logsumexp', () => {
  gradcheck((a) => a.var(1), [rn([3, 4], 7)]);
  gradcheck((a) => a.var(0, { unbiased: false, keepDim: true }), [rn([3, 4], 8)]);
  gradcheck((a) => a.var(), [rn([2, 3], 9)]);
  gradcheck((a) => a.var([0, 2], { unbiased: false }), [rn([2, 3, 2], 10)]);
  gradcheck((a) => a.std(1), [rn([2, 5], 11)]);
  gradcheck((a) => a.logsumexp(1), [rn([3, 4], 12)]);
  gradcheck((a) => a.logsumexp(0, { keepDim: true }), [rn([3, 4], 13)]);
  gradcheck((a) => a.logsumexp(-1), [rn([2, 2, 3], 14)]);
});

test('argmax results carry no gradient', () => {
  const x = tensor([1, 3, 2], { requiresGrad: true });
  const i = x.argmax();
  assert.equal(i.requiresGrad, false);
  assert.equal(i.gradFn, null);
});

test('wrong option types give clear messages', () => {
  const x = x23();
  assert.throws(() => x.var(0, true as never), /var: options must be an object like \{ keepDim, unbiased \}, got true/);
  assert.throws(() => x.var(0, { unbiased: 'no' as never }), /var: unbiased must be a boolean, got no/);
  assert.throws(() => x.std(0, { keepDim: 1 as never }), /var: keepDim must be a boolean, got 1/);
  assert.throws(() => x.sum(0, true as never), {
    message: 'sum: keepDim is an option: write x.sum(dim, { keepDim: true })',
  });
  assert.throws(() => x.max(0, { keepDim: 'yes' } as never), /max: keepDim must be a boolean/);
  assert.throws(() => x.argmax(0, { keepdim: true } as never), /argmax: unknown option 'keepdim' \(known: keepDim\)/);
  assert.throws(() => x.mean(0, null as never), /mean: options must be an object like \{ keepDim: true \}, got null/);
});

test('max/min follow torch.max/torch.min: no dim gives the element, a dim gives [values, indices]', () => {
  const x = tensor([
    [1, 7, 7],
    [9, 0, 2],
  ]);
  const [v, i] = x.max(1);
  assert.deepEqual(v.toArray(), [7, 9]);
  assert.deepEqual(i.toArray(), [1, 0]); // the first maximum
  assert.equal(i.dtype, 'int32');
  const [vk, ik] = x.min(0, { keepDim: true });
  assert.deepEqual(vk.toArray(), [[1, 0, 2]]);
  assert.deepEqual(ik.toArray(), [[0, 1, 1]]);
  assert.equal(x.max().item(), 9);
  assert.throws(
    () => x.max([0, 1] as never),
    /max: dim must be one integer, got \[0,1\]; for several dims use x.amax\(dims\)/,
  );
  assert.throws(() => x.min(undefined as never, { keepDim: true }), /min: keepDim needs a dim/);
  const a = tensor([
    [1, 5],
    [3, 2],
  ]).requiresGrad_();
  a.max(1)[0].sum().backward();
  assert.deepEqual(a.grad?.toArray(), [
    [0, 1],
    [1, 0],
  ]);
});
