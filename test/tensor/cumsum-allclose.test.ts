import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, manualSeed, cumsum, isclose, allclose, Tensor } from '../../src/index.js';
import { gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}

test('cumsum along each axis', () => {
  const m = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(cumsum(m, 1).toArray(), [
    [1, 3, 6],
    [4, 9, 15],
  ]);
  assert.deepEqual(m.cumsum(0).toArray(), [
    [1, 2, 3],
    [5, 7, 9],
  ]);
  assert.deepEqual(m.cumsum(-1).toArray(), [
    [1, 3, 6],
    [4, 9, 15],
  ]);
  assert.deepEqual(tensor([]).cumsum(0).shape, [0]);
  const i = tensor([1, 2, 3], { dtype: 'int32' }).cumsum(0);
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(i.toArray(), [1, 3, 6]);
  assert.throws(() => m.cumsum(2), /cumsum: axis 2 is out of range/);
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.cumsum(0)
    .mul(tensor([1, 10, 100]))
    .sum()
    .backward();
  // d/dx_j sum_i w_i * sum_{k<=i} x_k = sum_{i>=j} w_i
  assert.deepEqual(x.grad?.toArray(), [111, 110, 100]);
  gradcheck((a) => a.cumsum(1), [rn([2, 4, 3], 1)]);
  gradcheck((a) => a.cumsum(0), [rn([3, 2], 2)]);
});

test('isclose and allclose follow |a - b| <= atol + rtol * |b|', () => {
  const a = tensor([1, 100, 0, Infinity, -Infinity, NaN]);
  const b = tensor([1 + 1e-6, 100.0009, 1e-9, Infinity, Infinity, NaN]);
  assert.deepEqual(isclose(a, b).toArray(), [1, 1, 1, 1, 0, 0]);
  assert.deepEqual(isclose(a, b, { equalNan: true }).toArray(), [1, 1, 1, 1, 0, 1]);
  assert.deepEqual(isclose(tensor([1, 1.1]), 1, { rtol: 0, atol: 0.05 }).toArray(), [1, 0]);
  assert.equal(
    allclose(
      tensor([[1, 2]]),
      tensor([
        [1, 2],
        [1, 2.000001],
      ]),
    ),
    true,
  );
  assert.equal(tensor([1, 2]).allclose(tensor([1, 2.001])), false);
  assert.equal(tensor([1, 2]).allclose(tensor([1, 2.001]), { atol: 1e-2 }), true);
  assert.equal(tensor([NaN]).allclose(tensor([NaN])), false);
  assert.equal(allclose(tensor([[3], [3]], { dtype: 'int32' }), tensor([3, 3.00001])), true);
  assert.equal(tensor([NaN]).allclose(tensor([NaN]), { equalNan: true }), true);
  assert.throws(
    () => allclose(tensor([1, 2]), tensor([1, 2, 3])),
    /isclose: shapes \[2\] and \[3\] cannot be broadcast/,
  );
  assert.throws(
    () => allclose(tensor([1]), tensor([1]), { atol: '1' as never }),
    /isclose: rtol and atol must be non-negative numbers/,
  );
});
