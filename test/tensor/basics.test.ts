import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, arange, randn, manualSeed, Tensor } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

test('creation from nested arrays and typed arrays', () => {
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(a.toArray(), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
  assert.equal(b.data.length, 4);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => tensor(new Float32Array(3), [2, 2]), /3 elements/);
  assert.equal(zeros([2, 0]).size, 0);
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
});

test('seeded randn is reproducible', () => {
  manualSeed(42);
  const a = randn([5]).toFlatArray();
  manualSeed(42);
  const b = randn([5]).toFlatArray();
  assert.deepEqual(a, b);
});

test('broadcasting add/mul and their gradients', () => {
  const a = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const b = tensor([10, 20, 30]);
  assertClose(a.add(b), [
    [11, 22, 33],
    [14, 25, 36],
  ]);
  assert.throws(() => a.add(tensor([1, 2])), /add: shapes \[2, 3\] and \[2\]/);
  manualSeed(1);
  gradcheck((x, y) => x.mul(y).add(x.div(y.abs().add(1))), [randn([2, 3]), randn([3])]);
  gradcheck((x, y) => x.sub(y).pow(2), [randn([4, 1]), randn([1, 5])]);
});

test('backward accumulates and releases the graph', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward();
  assertClose(x.grad as Tensor, [2, 4, 6]);
  const z = x.mul(3).sum();
  z.backward();
  assertClose(x.grad as Tensor, [5, 7, 9]);
  assert.equal(y.gradFn, null);
});
