import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, randn, manualSeed, noGrad, enableGrad, isGradEnabled, Tensor } from '../../src/index.js';
import { record } from '../../src/autograd/engine.js';
import { assertClose, gradcheck } from '../helpers/check.js';

function rn(shape: number[], seed: number): Tensor {
  manualSeed(seed);
  return randn(shape);
}

test('gradients accumulate across backward calls until reset', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [2, 4, 6]);
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [5, 7, 9]);
  x.grad = null as Tensor | null; // a plain `= null` would narrow x.grad to null for the checker
  x.sum().backward();
  assert.deepEqual(x.grad?.toArray(), [1, 1, 1]);
});

test('shared subexpressions (diamond graphs) sum their contributions', () => {
  // y = 2x feeds two branches: z = e^y + y^2, so dz/dx = 2 e^{2x} + 8x
  const x = tensor([0.5, -1], { requiresGrad: true });
  const y = x.mul(2);
  y.exp().add(y.square()).sum().backward();
  assertClose(x.grad as Tensor, [2 * Math.exp(1) + 4, 2 * Math.exp(-2) - 8], { rtol: 1e-6 });
  // the same tensor as both operands, and a wide fan-out
  const w = tensor([3], { requiresGrad: true });
  w.mul(w).add(w).add(w.mul(w).mul(w)).sum().backward();
  assert.deepEqual(w.grad?.toArray(), [2 * 3 + 1 + 3 * 9]);
  gradcheck(
    (a, b) => {
      const s = a.mul(b);
      const t = s.tanh();
      return t
        .mul(s)
        .add(t.exp())
        .sub(s.div(b.abs().add(1)));
    },
    [rn([2, 3], 1), rn([3], 2)],
  );
});

test('noGrad records nothing; enableGrad re-enables; modes restore after throws', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(2).exp().sum());
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() => y.backward(), /backward\(\): tensor does not require grad/);
  assert.equal(isGradEnabled(), true);
  noGrad(() => {
    assert.equal(isGradEnabled(), false);
    const z = enableGrad(() => x.mul(2));
    assert.equal(z.requiresGrad, true);
    assert.notEqual(z.gradFn, null);
    assert.equal(x.add(1).gradFn, null);
  });
  assert.throws(
    () =>
      noGrad(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(isGradEnabled(), true);
  // a result made only from tensors that do not require grad records nothing either
  const c = tensor([1, 2]).mul(3);
  assert.equal(c.requiresGrad, false);
  assert.equal(c.gradFn, null);
});

test('detach cuts the graph and shares storage', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const d = x.mul(3).detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  assert.equal(d.isLeaf, true);
  // d/dx [x * stopgrad(3x)] = 3x, not 6x
  x.mul(d).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [3, 6]);
  const s = x.detach();
  assert.equal(s.data, x.data);
});

test('leaves and non-leaves', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.add(1);
  assert.equal(x.isLeaf, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.gradFn?.name, 'add');
  assert.deepEqual(y.gradFn?.inputs, [x]);
});

test('the graph is released after backward; backward twice is a clear error', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(2);
  const loss = h.exp().sum();
  assert.notEqual(h.gradFn, null);
  loss.backward();
  assert.equal(h.gradFn, null);
  assert.equal(loss.gradFn, null);
  const before = x.grad?.toFlatArray();
  assert.throws(
    () => loss.backward(),
    /backward\(\): trying to backward through the graph a second time: the graph behind a tensor of shape \[\] made by 'sum' was released by an earlier backward\(\); pass \{ retainGraph: true \}/,
  );
  // a new graph built on a released intermediate cannot reach x either
  assert.throws(
    () => h.mul(3).sum().backward(),
    /trying to backward through the graph a second time: .* shape \[2\] made by 'mul'/,
  );
  // the failed calls left every gradient untouched
  assert.deepEqual(x.grad?.toFlatArray(), before);
  assert.equal(h.grad, null);
});

test('retainGraph allows a second backward', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.square();
  const loss = h.sum();
  loss.backward(undefined, { retainGraph: true });
  assert.notEqual(h.gradFn, null);
  assert.deepEqual(x.grad?.toArray(), [2, 4]);
  loss.backward();
  assert.deepEqual(x.grad?.toArray(), [4, 8]);
  assert.equal(h.gradFn, null);
  assert.throws(() => loss.backward(), /second time/);
  // two losses sharing a subgraph: the first keeps it alive for the second
  const y = tensor([3], { requiresGrad: true });
  const s = y.exp();
  s.mul(2).sum().backward(undefined, { retainGraph: true });
  s.mul(3).sum().backward();
  assertClose(y.grad as Tensor, [5 * Math.exp(3)], { rtol: 1e-6 });
});

test('retainGrad keeps gradients on non-leaves (and only there)', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3).retainGrad();
  const k = h.add(1);
  k.square().sum().backward();
  // d/dh (h + 1)^2 = 2 (h + 1) = [8, 14]
  assert.deepEqual(h.grad?.toArray(), [8, 14]);
  assert.equal(k.grad, null);
  assert.deepEqual(x.grad?.toArray(), [24, 42]);
  // retained gradients accumulate like leaves' and are fresh tensors
  const a = tensor([1], { requiresGrad: true });
  const b = a.mul(2).retainGrad();
  const g = tensor([5]);
  b.backward(g, { retainGraph: true });
  assert.notEqual(b.grad, g);
  g.fill_(100);
  assert.deepEqual(b.grad?.toArray(), [5]);
  b.backward(tensor([1]));
  assert.deepEqual(b.grad?.toArray(), [6]);
  assert.deepEqual(a.grad?.toArray(), [12]);
});

test('backward with an explicit gradient for non-scalar outputs', () => {
  const x = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const y = x.mul(x);
  y.backward(
    tensor([
      [1, 0],
      [0.5, -1],
    ]),
  );
  assert.deepEqual(x.grad?.toArray(), [
    [2, 0],
    [3, -8],
  ]);
  const z = x.mul(2);
  assert.throws(() => z.backward(), /backward\(\): grad can be implied only for scalar outputs, got shape \[2, 2\]/);
  assert.throws(
    () => z.backward(tensor([1, 1])),
    /backward\(\): grad shape \[2\] does not match tensor shape \[2, 2\]/,
  );
  // an int32 upstream gradient is converted, so .grad stays float32
  const v = tensor([1, 2], { requiresGrad: true });
  v.backward(tensor([1, 2], { dtype: 'int32' }));
  v.reshape(2, 1).backward(tensor([[1], [2]], { dtype: 'int32' }));
  assert.equal(v.grad?.dtype, 'float32');
  assert.deepEqual(v.grad?.toArray(), [2, 4]);
  // a one-element non-scalar output is fine without an explicit gradient
  const w = tensor([[2]], { requiresGrad: true });
  w.mul(w).backward();
  assert.deepEqual(w.grad?.toArray(), [[4]]);
  // backward from a leaf sets its own gradient
  const leaf = tensor(3, { requiresGrad: true });
  leaf.backward();
  assert.equal(leaf.grad?.item(), 1);
});

test('int32 tensors cannot require grad, and carry none through ops', () => {
  assert.throws(
    () => tensor([1], { dtype: 'int32', requiresGrad: true }),
    /only float32 tensors can require gradients/,
  );
  const labels = tensor([0, 1], { dtype: 'int32' });
  assert.throws(
    () => labels.requiresGrad_(),
    /requiresGrad_: only float32 tensors can require gradients, got dtype int32 \(shape \[2\]\)/,
  );
  assert.throws(() => {
    labels.requiresGrad = true;
  }, /requiresGrad: only float32 tensors can require gradients/);
  assert.equal(labels.requiresGrad, false);
  labels.requiresGrad = false;
  const x = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  x.gather(1, labels.unsqueeze(1)).sum().backward();
  assert.deepEqual(x.grad?.toArray(), [
    [1, 0],
    [0, 1],
  ]);
  assert.equal(labels.grad, null);
});

test('a backward rule returning a wrongly shaped gradient is reported', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const out = record(tensor([0]), 'broken', [x], () => [tensor([1, 2, 3])]);
  assert.throws(
    () => out.sum().backward(),
    /autograd: broken returned a gradient of shape \[3\] for an input of shape \[2\]/,
  );
});
