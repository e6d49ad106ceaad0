import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, randn, tensor, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

test('softmax and logSoftmax: known values along any axis', () => {
  // e^1, e^2, e^3 normalised
  const p = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219];
  assertClose(F.softmax(tensor([1, 2, 3]), 0), p, { atol: 1e-7 });
  assertClose(F.logSoftmax(tensor([1, 2, 3]), -1), p.map(Math.log), { atol: 1e-6 });
  // along axis 0 of a matrix: each column normalised
  const x = tensor([
    [1, 0],
    [2, 0],
    [3, 0],
  ]);
  assertClose(
    F.softmax(x, 0),
    [
      [p[0], 1 / 3],
      [p[1], 1 / 3],
      [p[2], 1 / 3],
    ],
    { atol: 1e-7 },
  );
  assertClose(F.softmin(tensor([3, 2, 1]), 0), p, { atol: 1e-7 });
  manualSeed(1);
  const y = randn([2, 3, 4]).mul(5);
  for (const d of [0, 1, 2, -1]) {
    const s = F.softmax(y, d).sum(d);
    assertClose(s, new Array(s.size).fill(1), { atol: 1e-6, msg: `softmax sums to 1 along ${d}` });
    assertClose(F.logSoftmax(y, d), F.softmax(y, d).log(), { atol: 1e-5, msg: `logSoftmax = log softmax along ${d}` });
  }
  assertClose(F.softmax(tensor(7), 0), [1]);
});

test('softmax and logSoftmax stay finite for logits of +-1e4', () => {
  const x = tensor(
    [
      [1e4, 0, -1e4],
      [1000, 1000, -1000],
    ],
    { requiresGrad: true },
  );
  const s = F.softmax(x, 1);
  assertClose(s, [
    [1, 0, 0],
    [0.5, 0.5, 0],
  ]);
  const ls = F.logSoftmax(x, 1);
  assertClose(
    ls,
    [
      [0, -1e4, -2e4],
      [-Math.LN2, -Math.LN2, -2000 - Math.LN2],
    ],
    { atol: 1e-3 },
  );
  ls.backward(
    tensor([
      [1, 0, 0],
      [0, 0, 1],
    ]),
  );
  // d/dx of logSoftmax(x)_k picked by g: g - softmax(x) * sum(g)
  assertClose(x.grad as Tensor, [
    [0, 0, 0],
    [-0.5, -0.5, 1],
  ]);
  assert.ok(Array.from((x.grad as Tensor).data).every(Number.isFinite));
});

test('softmax and logSoftmax gradients by finite differences', () => {
  manualSeed(2);
  for (const [shape, dims] of [
    [[5], [0]],
    [
      [3, 4],
      [0, 1],
    ],
    [
      [2, 3, 4],
      [0, 1, -1],
    ],
  ] as [number[], number[]][]) {
    for (const d of dims) {
      gradcheck((a) => F.softmax(a, d), [randn(shape).mul(2)], { msg: `softmax ${shape} dim ${d}` });
      gradcheck((a) => F.logSoftmax(a, d), [randn(shape).mul(2)], { msg: `logSoftmax ${shape} dim ${d}` });
    }
  }
});

test('softmax errors name the op and the axis', () => {
  assert.throws(() => F.softmax(tensor([[1, 2]]), 2), /softmax: axis 2 is out of range for a tensor of rank 2/);
  assert.throws(() => F.logSoftmax(tensor([1, 2]), -2), /logSoftmax: axis -2 is out of range for a tensor of rank 1/);
});
