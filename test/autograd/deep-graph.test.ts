import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Tensor } from '../../src/index.js';
import { assertClose } from '../helpers/check.js';

// The engine sorts the graph with an explicit stack, so depth is limited by memory, not by
// the JS call stack (which overflows after roughly 10k nested calls).

test('backward through a 10,000-op chain does not overflow the stack', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  let y: Tensor = x;
  for (let i = 0; i < 5000; i++) y = y.mul(1.0001).add(0.5);
  const loss = y.sum();
  loss.backward();
  const g = Math.fround(1.0001) ** 5000;
  assertClose(x.grad as Tensor, [g, g], { rtol: 1e-3 });
  assert.equal(y.gradFn, null);
});

test('backward through a 30,000-op chain with fan-in at every step', () => {
  const x = tensor([1], { requiresGrad: true });
  const w = tensor([0.5], { requiresGrad: true });
  let y: Tensor = x;
  // y_{k+1} = y_k + w: the chain is 30k deep and w feeds every link
  for (let i = 0; i < 30000; i++) y = y.add(w);
  y.sum().backward();
  assert.deepEqual(x.grad?.toArray(), [1]);
  assert.deepEqual(w.grad?.toArray(), [30000]);
});

test('a deep chain survives retainGraph and a second backward', () => {
  const x = tensor([2], { requiresGrad: true });
  let y: Tensor = x;
  for (let i = 0; i < 10000; i++) y = y.neg();
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.deepEqual(x.grad?.toArray(), [2]);
});
