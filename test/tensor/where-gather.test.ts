import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, manualSeed, where, gather, Tensor, type NestedArray } from '../../src/index.js';
import { gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}
const i32 = (v: NestedArray): Tensor => tensor(v, { dtype: 'int32' });

test('where selects elementwise with broadcasting over all three operands', () => {
  const cond = tensor([[1], [0]]);
  assert.deepEqual(where(cond, tensor([1, 2, 3]), tensor([10, 20, 30])).toArray(), [
    [1, 2, 3],
    [10, 20, 30],
  ]);
  assert.deepEqual(
    where(
      tensor([1, 0, 2]),
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      -1,
    ).toArray(),
    [
      [1, -1, 3],
      [4, -1, 6],
    ],
  );
  assert.deepEqual(where(i32([0, 1]), 7, 8).toArray(), [8, 7]);
  assert.deepEqual(where(i32([[1], [0]]), tensor([1, 2]), 0).toArray(), [
    [1, 2],
    [0, 0],
  ]);
  assert.deepEqual(where(tensor(1), tensor([1, 2]), 0).toArray(), [1, 2]);
  // the unselected operand never leaks infinities or NaN (no a*m + b*(1-m) arithmetic)
  const x = tensor([0, 4]);
  assert.deepEqual(where(x.gt(0), x.log(), 0).toArray(), [0, Math.fround(Math.log(4))]);
  assert.deepEqual(
    where(tensor([1, 0]), tensor([NaN, NaN]), tensor([Infinity, 5]))
      .toFlatArray()
      .slice(1),
    [5],
  );
  assert.throws(() => where(tensor([1, 0, 1]), tensor([1, 2]), 0), /where: shapes \[3\] and \[2\] cannot be broadcast/);
  assert.throws(
    () => where([1, 0] as never, 1, 2),
    /where: condition expected a Tensor, got an array; wrap it with tensor/,
  );
});

test('where routes the gradient by the condition', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true }),
    b = tensor([4, 5, 6], { requiresGrad: true });
  where(tensor([1, 0, 1]), a, b)
    .mul(tensor([1, 2, 3]))
    .sum()
    .backward();
  assert.deepEqual(a.grad?.toArray(), [1, 0, 3]);
  assert.deepEqual(b.grad?.toArray(), [0, 2, 0]);
  const c = tensor([
    [1, 0, 1],
    [0, 0, 1],
  ]);
  gradcheck((x, y) => where(c, x, y), [rn([2, 1], 1), rn([3], 2)]);
  gradcheck((x) => where(c, x, 0.5), [rn([2, 3], 3)]);
  gradcheck((y) => where(c, 2, y), [rn([1, 3], 4)]);
});

test('gather picks one element per position along an axis', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(
    gather(
      x,
      1,
      i32([
        [2, 0],
        [1, 1],
      ]),
    ).toArray(),
    [
      [3, 1],
      [5, 5],
    ],
  );
  assert.deepEqual(x.gather(0, i32([[1, 0, 1]])).toArray(), [[4, 2, 6]]);
  assert.deepEqual(x.gather(-1, i32([[-1], [0]])).toArray(), [[3], [4]]);
  // the classic loss use: the target-class score of each row
  const targets = i32([2, 0]);
  assert.deepEqual(x.gather(1, targets.unsqueeze(1)).squeeze(1).toArray(), [3, 4]);
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
  assert.deepEqual(
    c
      .gather(
        2,
        i32([
          [[1], [0]],
          [[0], [1]],
        ]),
      )
      .toArray(),
    [
      [[2], [3]],
      [[5], [8]],
    ],
  );
  const xi = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: 'int32' },
  );
  const gi = xi.gather(1, i32([[1], [0]]));
  assert.equal(gi.dtype, 'int32');
  assert.deepEqual(gi.toArray(), [[2], [3]]);
  assert.deepEqual(x.gather(1, tensor([[0]])).toArray(), [[1]]);
  assert.deepEqual(x.gather(1, tensor([[]], { dtype: 'int32' })).shape, [1, 0]);
});

test('gather errors name the op, the shapes and the bad index', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.throws(
    () => x.gather(1, i32([[3]])),
    /gather: index 3 is out of range for axis 1 of size 3 \(input shape \[2, 3\]\)/,
  );
  assert.throws(() => x.gather(1, tensor([[0.5]])), /gather: index 0.5 is out of range/);
  assert.throws(
    () => x.gather(1, i32([0, 1])),
    /gather: index of shape \[2\] does not fit input of shape \[2, 3\] along axis 1/,
  );
  assert.throws(
    () => x.gather(1, i32([[0], [0], [0]])),
    /gather: index of shape \[3, 1\] does not fit input of shape \[2, 3\]/,
  );
  assert.throws(() => x.gather(2, i32([[0]])), /gather: axis 2 is out of range/);
  assert.throws(
    () => x.gather(0, [[0]] as never),
    /gather: index expected a Tensor, got an array; wrap it with tensor/,
  );
});

test('gather gradient scatter-adds, repeated indices accumulate', () => {
  const x = tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { requiresGrad: true },
  );
  x.gather(
    1,
    i32([
      [2, 2, 0],
      [1, 0, 1],
    ]),
  )
    .sum()
    .backward();
  assert.deepEqual(x.grad?.toArray(), [
    [1, 0, 2],
    [1, 2, 0],
  ]);
  gradcheck(
    (a) =>
      a.gather(
        1,
        i32([
          [2, 0],
          [1, 1],
          [0, 0],
        ]),
      ),
    [rn([3, 4], 1)],
  );
  gradcheck((a) => a.gather(0, i32([[2, 0, 1, 1]])), [rn([3, 4], 2)]);
  gradcheck(
    (a) =>
      a.gather(
        -1,
        i32([
          [[1], [0]],
          [[0], [1]],
        ]),
      ),
    [rn([2, 2, 3], 3)],
  );
});
