import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, manualSeed, matmul, Tensor } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}

/** Naive reference: C[b] = A[b] @ B[b] for 3-D arrays given as flat data, in float64. */
function refBatched(a: Tensor, b: Tensor): number[] {
  const [bs, m, k] = a.shape,
    n = b.shape[2];
  const out: number[] = [];
  for (let t = 0; t < bs; t++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += a.data[(t * m + i) * k + l] * b.data[(t * k + l) * n + j];
        out.push(s);
      }
  return out;
}

test('2-D and 1-D products against hand-computed values', () => {
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor([
    [7, 8],
    [9, 10],
    [11, 12],
  ]);
  assert.deepEqual(a.matmul(b).toArray(), [
    [58, 64],
    [139, 154],
  ]);
  const dot = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
  assert.deepEqual(dot.shape, []);
  assert.equal(dot.item(), 32);
  assert.deepEqual(matmul(tensor([1, 1]), a).toArray(), [5, 7, 9]);
  assert.deepEqual(matmul(a, tensor([1, 0, -1])).toArray(), [-2, -2]);
  assert.deepEqual(matmul(tensor([[2]]), tensor([[3]])).toArray(), [[6]]);
});

test('batched products, 1-D operands with batches, broadcast batch axes', () => {
  const a = rn([2, 3, 4], 1),
    b = rn([2, 4, 5], 2);
  const c = a.matmul(b);
  assert.deepEqual(c.shape, [2, 3, 5]);
  assertClose(c, refBatched(a, b), { atol: 1e-5 });
  // a 2-D right operand is shared by every batch
  const w = rn([4, 5], 3);
  assertClose(a.matmul(w), refBatched(a, w.expand(2, 4, 5)), { atol: 1e-5 });
  assertClose(w.transpose().matmul(a.transpose()), refBatched(w.transpose().expand(2, 5, 4), a.transpose()), {
    atol: 1e-5,
  });
  // broadcast batch axes [2, 1] x [3] -> [2, 3]
  const x = rn([2, 1, 3, 4], 4),
    y = rn([3, 4, 2], 5);
  const z = x.matmul(y);
  assert.deepEqual(z.shape, [2, 3, 3, 2]);
  assertClose(
    z.reshape(6, 3, 2),
    refBatched(x.expand(2, 3, 3, 4).reshape(6, 3, 4), y.expand(2, 3, 4, 2).reshape(6, 4, 2)),
    { atol: 1e-5 },
  );
  // 1-D operands with a batched partner: the added axis is dropped
  const v = tensor([1, 2, 3, 4]);
  assert.deepEqual(a.matmul(v).shape, [2, 3]);
  assertClose(a.matmul(v), refBatched(a, v.reshape(1, 4, 1).expand(2, 4, 1)), { atol: 1e-5 });
  assert.deepEqual(matmul(tensor([1, 2, 3]), a).shape, [2, 4]);
  assertClose(matmul(tensor([1, 2, 3]), a), refBatched(tensor([1, 2, 3]).reshape(1, 1, 3).expand(2, 1, 3), a), {
    atol: 1e-5,
  });
  // empty inner or outer sizes
  assert.deepEqual(matmul(rn([2, 0], 6), rn([0, 3], 7)).toArray(), [
    [0, 0, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(matmul(rn([0, 2], 6), rn([2, 3], 7)).shape, [0, 3]);
});

test('matmul errors name the op and both shapes', () => {
  assert.throws(
    () => matmul(tensor([[1, 2, 3]]), tensor([[1, 2]])),
    /matmul: inner sizes differ: \[1, 3\] @ \[1, 2\] \(3 vs 1\)/,
  );
  assert.throws(
    () => matmul(tensor([1, 2]), tensor([1, 2, 3])),
    /matmul: inner sizes differ: \[2\] @ \[3\] \(2 vs 3\)/,
  );
  assert.throws(
    () => matmul(rn([2, 3, 4], 1), tensor([1, 2, 3])),
    /matmul: inner sizes differ: \[2, 3, 4\] @ \[3\] \(4 vs 3\)/,
  );
  assert.throws(() => matmul(tensor(2), tensor([1])), /matmul: both operands need at least 1 axis, got \[\] and \[1\]/);
  assert.throws(() => matmul(rn([2, 2, 3], 1), rn([3, 3, 1], 2)), /matmul: shapes \[2\] and \[3\] cannot be broadcast/);
});

test('matmul gradients: 2-D, batched, broadcast batches, 1-D operands', () => {
  const cases: [number[], number[]][] = [
    [
      [3, 4],
      [4, 2],
    ],
    [
      [2, 3, 4],
      [2, 4, 5],
    ],
    [
      [2, 3, 4],
      [4, 5],
    ],
    [
      [3, 4],
      [2, 4, 5],
    ],
    [
      [2, 1, 3, 4],
      [3, 4, 2],
    ],
    [
      [1, 3, 4],
      [2, 4, 2],
    ],
    [[4], [4, 3]],
    [[3, 4], [4]],
    [[4], [4]],
    [[4], [2, 4, 3]],
    [[2, 3, 4], [4]],
  ];
  cases.forEach(([sa, sb], k) => {
    gradcheck((a, b) => a.matmul(b), [rn(sa, 10 + k), rn(sb, 30 + k)], {
      msg: `matmul ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`,
    });
  });
  // only the operand that requires grad gets one
  const a = rn([2, 3], 1).requiresGrad_(),
    b = rn([3, 2], 2);
  a.matmul(b).sum().backward();
  assert.equal(b.grad, null);
  assertClose(a.grad as Tensor, b.sum(1).reshape(1, 3).expand(2, 3));
});
