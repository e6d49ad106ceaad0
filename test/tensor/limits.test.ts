/**
 * Allocation limits (src/tensor/limits.ts): a shape over 2**31 - 1 elements, or over
 * CONVKIT_MAX_TENSOR_MB, is refused before any memory is taken, by the creation functions and
 * by the op allocator, with an error naming the op and the shape (not a raw "Invalid typed
 * array length", and not gigabytes allocated). CONVKIT_MAX_TENSOR_MB (read when convkit loads)
 * is tested in a child process in test/platform.slow.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, arange, full, linspace, ones, rand, randint, randn, tensor, zeros } from '../../src/index.js';
import { MAX_TENSOR_ELEMENTS, checkAllocation } from '../../src/tensor/limits.js';

test('the limit is 2**31 - 1 elements, and the check returns the element count', () => {
  assert.equal(MAX_TENSOR_ELEMENTS, 2 ** 31 - 1);
  assert.equal(checkAllocation('op', [2 ** 31 - 1]), 2 ** 31 - 1);
  assert.equal(checkAllocation('op', [3, 0, 7]), 0);
  assert.equal(checkAllocation('op', []), 1);
  assert.throws(
    () => checkAllocation('op', [2 ** 31]),
    /^RangeError: op: shape \[2147483648\] has 2,147,483,648 elements \(8\.00 GiB of float32\); one tensor may have at most 2,147,483,647 elements/,
  );
  assert.throws(
    () => checkAllocation('op', [2, -3]),
    /op: shape \[2, -3\] must contain non-negative integers \(got -3\)/,
  );
  assert.throws(() => checkAllocation('op', [NaN]), /op: shape \[NaN\] must contain non-negative integers/);
});

test('zeros([1e6, 1e6]) and zeros([2**31]) are refused naming the op and the shape', () => {
  assert.throws(
    () => zeros([1e6, 1e6]),
    (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.equal(
        e.message,
        'zeros: shape [1000000, 1000000] has 1,000,000,000,000 elements (3.64 TiB of float32); ' +
          'one tensor may have at most 2,147,483,647 elements (use a smaller shape or batch)',
      );
      return true;
    },
  );
  assert.throws(() => zeros([2 ** 31]), /^RangeError: zeros: shape \[2147483648\] has 2,147,483,648 elements/);
  assert.throws(() => zeros([2 ** 16, 2 ** 16, 2 ** 16]), /zeros: shape \[65536, 65536, 65536\]/);
});

test('every creation function checks the limit under its own name', () => {
  const big = [2 ** 20, 2 ** 12];
  const cases: [string, () => unknown][] = [
    ['ones', () => ones(big)],
    ['full', () => full(big, 3)],
    ['rand', () => rand(big)],
    ['randn', () => randn(big)],
    ['randint', () => randint(0, 5, big)],
    ['zeros', () => zeros(big, { dtype: 'int32' })],
    ['arange', () => arange(0, 2 ** 32)],
    ['linspace', () => linspace(0, 1, 2 ** 32)],
  ];
  for (const [op, f] of cases) {
    assert.throws(f, new RegExp(`^RangeError: ${op}: shape \\[\\d+(, \\d+)*\\] has [\\d,]+ elements`), op);
  }
  assert.throws(() => zeros([-1]), /zeros: shape \[-1\] must contain non-negative integers/);
  assert.throws(() => ones([2.5]), /ones: shape \[2\.5\] must contain non-negative integers/);
});

test('results of ops go through the same check and name the op (broadcast, matmul, expand, pad, convTranspose2d)', () => {
  const col = zeros([2 ** 16, 1]),
    row = zeros([1, 2 ** 16]);
  assert.throws(
    () => col.add(row),
    /^RangeError: add: shape \[65536, 65536\] has 4,294,967,296 elements \(16\.0 GiB of float32\)/,
  );
  assert.throws(() => col.mul(row), /^RangeError: mul: shape \[65536, 65536\]/);
  assert.throws(
    () => zeros([2 ** 16, 2]).matmul(zeros([2, 2 ** 16])),
    /^RangeError: matmul: shape \[65536, 65536\] has 4,294,967,296 elements/,
  );
  assert.throws(
    () => zeros([1, 1]).expand([1e5, 1e5]),
    /^RangeError: expand: shape \[100000, 100000\] has 10,000,000,000 elements/,
  );
  assert.throws(() => F.pad(zeros([1, 1]), [1e5, 1e5, 1e5, 1e5]), /^RangeError: pad: shape \[200001, 200001\]/);
  assert.throws(
    () => F.convTranspose2d(zeros([1, 1, 300, 300]), zeros([1, 1, 3, 3]), null, { stride: 1000 }),
    /^RangeError: convTranspose2d: shape \[1, 1, 299003, 299003\] has 89,402,794,009 elements/,
  );
  // under the limit all is as before
  assert.deepEqual(
    tensor([[1], [2]])
      .add(tensor([[10, 20]]))
      .toArray(),
    [
      [11, 21],
      [12, 22],
    ],
  );
});
