import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, randn, tensor, zeros, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

test('linear computes x W^T + b', () => {
  const w = tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  assertClose(F.linear(tensor([[1, 2]]), w, tensor([0, 1, 2])), [[1, 3, 5]]);
  assertClose(
    F.linear(
      tensor([
        [1, 2],
        [-1, 4],
      ]),
      w,
    ),
    [
      [1, 2, 3],
      [-1, 4, 3],
    ],
  );
  // a 1-D input gives a 1-D output
  const y = F.linear(tensor([1, 2]), w, null);
  assert.deepEqual(y.shape, [3]);
  assertClose(y, [1, 2, 3]);
});

test('linear with leading axes matches matmul with the transposed weight', () => {
  manualSeed(1);
  const x = randn([2, 3, 4]),
    w = randn([5, 4]),
    b = randn([5]);
  const y = F.linear(x, w, b);
  assert.deepEqual(y.shape, [2, 3, 5]);
  assertClose(y, x.matmul(w.transpose()).add(b), { atol: 1e-5 });
  const empty = F.linear(zeros([0, 4]), w, b);
  assert.deepEqual(empty.shape, [0, 5]);
});

test('linear gradients by finite differences', () => {
  manualSeed(2);
  gradcheck((x, w, b) => F.linear(x, w, b), [randn([3, 4]), randn([2, 4]), randn([2])], { msg: '2-D' });
  gradcheck((x, w) => F.linear(x, w), [randn([2, 2, 3]), randn([4, 3])], { msg: '3-D no bias' });
  gradcheck((x, w, b) => F.linear(x, w, b), [randn([5]), randn([3, 5]), randn([3])], { msg: '1-D' });
  // the bias gradient sums the output gradient over every leading axis
  const x = randn([2, 3, 4]),
    w = randn([5, 4]),
    b = randn([5]).requiresGrad_();
  F.linear(x, w, b).sum().backward();
  assertClose(b.grad as Tensor, [6, 6, 6, 6, 6]);
});

test('linear errors name the shapes', () => {
  const w = zeros([3, 4]);
  assert.throws(
    () => F.linear(zeros([2, 5]), w),
    /linear: input \[2, 5\] has 5 features but weight \[3, 4\] expects 4/,
  );
  assert.throws(
    () => F.linear(zeros([2, 4]), zeros([4])),
    /linear: weight must be 2-D \(outFeatures, inFeatures\), got \[4\]/,
  );
  assert.throws(
    () => F.linear(zeros([2, 4]), w, zeros([4])),
    /linear: bias \[4\] must have shape \[3\] to match weight \[3, 4\]/,
  );
});
