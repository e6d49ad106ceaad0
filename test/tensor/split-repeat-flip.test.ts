import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, arange, randn, manualSeed, split, chunk, repeat, flip, concat, Tensor } from '../../src/index.js';
import { gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}
const ar = (shape: number[]): Tensor => arange(shape.reduce((a, b) => a * b, 1)).reshape(shape);

test('split by size and by sizes; chunk', () => {
  const x = ar([5, 2]);
  assert.deepEqual(
    split(x, 2).map((t) => t.toArray()),
    [
      [
        [0, 1],
        [2, 3],
      ],
      [
        [4, 5],
        [6, 7],
      ],
      [[8, 9]],
    ],
  );
  assert.deepEqual(
    x.split([1, 4]).map((t) => t.shape),
    [
      [1, 2],
      [4, 2],
    ],
  );
  assert.deepEqual(
    x.split(1, 1).map((t) => t.toArray()),
    [
      [[0], [2], [4], [6], [8]],
      [[1], [3], [5], [7], [9]],
    ],
  );
  assert.deepEqual(
    x.split([0, 5]).map((t) => t.shape),
    [
      [0, 2],
      [5, 2],
    ],
  );
  assert.deepEqual(
    x.split(10).map((t) => t.shape),
    [[5, 2]],
  );
  assert.deepEqual(
    chunk(x, 2).map((t) => t.shape),
    [
      [3, 2],
      [2, 2],
    ],
  );
  assert.deepEqual(x.chunk(5).length, 5);
  // like torch.chunk, 6 elements in 4 chunks gives 3 pieces of 2
  assert.deepEqual(
    arange(6)
      .chunk(4)
      .map((t) => t.toArray()),
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
  );
  assert.deepEqual(
    x.chunk(2, -1).map((t) => t.shape),
    [
      [5, 1],
      [5, 1],
    ],
  );
  const xi = x.int();
  assert.equal(xi.split(2)[0].dtype, 'int32');
  assert.throws(() => x.split([1, 2]), /split: sizes \[1, 2\] add up to 3 but axis 0 of shape \[5, 2\] has 5/);
  assert.throws(() => x.split(0), /split: size must be a positive integer, got 0/);
  assert.throws(() => x.split('2' as never), /split: expected a size or an array of sizes, got 2/);
  assert.throws(() => x.chunk(0), /chunk: chunks must be a positive integer, got 0/);
  assert.throws(() => x.split(1, 2), /split: axis 2 is out of range/);
});

test('split pieces are differentiable and rejoin to the input', () => {
  const x = rn([5, 3], 1);
  assert.deepEqual(concat(x.split([2, 3])).toArray(), x.toArray());
  gradcheck(
    (a) => {
      const [p, q, r] = a.split(2);
      return concat([r, p.mul(q)]);
    },
    [rn([6, 2], 2)],
  );
  gradcheck(
    (a) => {
      const [p, q] = a.chunk(2, 1);
      return p.sub(q.mul(2));
    },
    [rn([2, 4], 3)],
  );
});

test('repeat tiles along each axis, adding leading axes', () => {
  const v = tensor([1, 2]);
  assert.deepEqual(v.repeat(3).toArray(), [1, 2, 1, 2, 1, 2]);
  assert.deepEqual(repeat(v, [2, 2]).toArray(), [
    [1, 2, 1, 2],
    [1, 2, 1, 2],
  ]);
  const m = tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(m.repeat(2, 1).toArray(), [
    [1, 2],
    [3, 4],
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(m.repeat([1, 2, 1]).shape, [1, 4, 2]);
  assert.deepEqual(m.repeat(0, 1).shape, [0, 2]);
  assert.deepEqual(tensor(5).repeat(3).toArray(), [5, 5, 5]);
  const big = 2 ** 30 + 1;
  const ri = tensor(new Int32Array([big]), [1]).repeat(2);
  assert.equal(ri.dtype, 'int32');
  assert.deepEqual(ri.toArray(), [big, big]);
  assert.throws(
    () => m.repeat(2),
    /repeat: 1 repeats \[2\] for a tensor of shape \[2, 2\]; give at least one per axis/,
  );
  assert.throws(() => m.repeat(2, -1), /repeat: repeats must be non-negative integers, got \[2, -1\]/);
  gradcheck((a) => a.repeat(2, 3), [rn([2, 2], 4)]);
  gradcheck((a) => a.repeat(2, 1, 2), [rn([3, 2], 5)]);
});

test('flip reverses along axes (the flip of a true convolution kernel)', () => {
  const m = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(flip(m, 0).toArray(), [
    [4, 5, 6],
    [1, 2, 3],
  ]);
  assert.deepEqual(m.flip(1).toArray(), [
    [3, 2, 1],
    [6, 5, 4],
  ]);
  assert.deepEqual(m.flip(0, 1).toArray(), [
    [6, 5, 4],
    [3, 2, 1],
  ]);
  assert.deepEqual(m.flip([-1]).toArray(), [
    [3, 2, 1],
    [6, 5, 4],
  ]);
  assert.deepEqual(m.flip([]).toArray(), m.toArray());
  assert.deepEqual(tensor(3).flip([]).item(), 3);
  // flipping a kernel on both axes turns cross-correlation into convolution: k[i][j] -> k[1-i][1-j]
  const k = tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(k.flip(0, 1).toArray(), [
    [4, 3],
    [2, 1],
  ]);
  assert.equal(m.int().flip(0).dtype, 'int32');
  assert.throws(() => m.flip(2), /flip: axis 2 is out of range for a tensor of rank 2/);
  assert.throws(() => m.flip(0, -2), /flip: axes \[0, -2\] repeat/);
  gradcheck((a) => a.flip(0, 2), [rn([2, 3, 2], 6)]);
  gradcheck((a) => a.flip(1).mul(a), [rn([3, 3], 7)]);
});
