import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, Tensor, optim } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/check.js';

const { l1Penalty, l2Penalty, elasticNetPenalty, maxNormConstraint_, clipGradNorm_, clipGradValue_, SGD } = optim;

test('penalties: values and gradients', () => {
  const a = tensor(
      [
        [1, -2],
        [0.5, 3],
      ],
      { requiresGrad: true },
    ),
    b = tensor([-1, 4], { requiresGrad: true });
  assertClose(l1Penalty([a, b], 0.1), [0.1 * (1 + 2 + 0.5 + 3 + 1 + 4)]);
  assertClose(l2Penalty([a, b], 0.2), [0.1 * (1 + 4 + 0.25 + 9 + 1 + 16)]);
  assertClose(elasticNetPenalty([a, b], 0.1, 0.2), [0.1 * 11.5 + 0.2 * 31.25]);
  const loss = elasticNetPenalty([a, b], 0.1, 0.2);
  loss.backward();
  assertClose(a.grad!, [0.1 + 0.4, -0.1 - 0.8, 0.1 + 0.2, 0.1 + 1.2]);
  assertClose(b.grad!, [-0.1 - 0.4, 0.1 + 1.6]);
  gradcheck((x) => l2Penalty([x], 0.7), [tensor([0.3, -1.2, 2])]);
  gradcheck((x) => l1Penalty([x], 0.7), [tensor([0.3, -1.2, 2])]); // values away from the kink at 0
  assert.throws(() => l1Penalty([a], -1), /l1Penalty: lambda must be/);
});

test('l2Penalty(lambda) gives the same step as SGD weightDecay = lambda (lecture: decay by alpha*lambda)', () => {
  const w1 = tensor([1, -2, 3], { requiresGrad: true }),
    w2 = tensor([1, -2, 3], { requiresGrad: true });
  l2Penalty([w1], 0.3).backward();
  new SGD([w1], { lr: 0.1 }).step();
  w2.grad = tensor([0, 0, 0]);
  new SGD([w2], { lr: 0.1, weightDecay: 0.3 }).step();
  assertClose(w1, w2, { atol: 1e-7, rtol: 1e-6 });
  assertClose(w1, [0.97, -1.94, 2.91]);
});

test('maxNormConstraint_ rescales only the units whose incoming norm exceeds the limit', () => {
  // Linear weight [out=3, in=2]: unit norms 5, 1, 10
  const W = tensor([
    [3, 4],
    [0.6, 0.8],
    [6, 8],
  ]);
  maxNormConstraint_([W], 2);
  const s = 2 / (5 + 1e-7),
    t = 2 / (10 + 1e-7);
  assertClose(W, [3 * s, 4 * s, 0.6, 0.8, 6 * t, 8 * t], { atol: 1e-6, rtol: 1e-6 });
  // conv weight [2, 1, 2, 2] along dim 0, and dim 1 on a [2, 2] matrix (columns)
  const K = tensor([
    [
      [
        [1, 1],
        [1, 1],
      ],
    ],
    [
      [
        [0.1, 0.1],
        [0.1, 0.1],
      ],
    ],
  ]);
  maxNormConstraint_([K], 1);
  assertClose(K, [0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1], { atol: 1e-6, rtol: 1e-6 });
  const M = tensor([
    [3, 0.1],
    [4, 0.1],
  ]);
  maxNormConstraint_([M], 1, 1);
  assertClose(M, [0.6, 0.1, 0.8, 0.1], { atol: 1e-6, rtol: 1e-6 });
});

test('clipGradNorm_ returns the total norm and scales jointly; clipGradValue_ clamps', () => {
  const a = tensor([0, 0], { requiresGrad: true }),
    b = tensor([0], { requiresGrad: true }),
    c = tensor([0], { requiresGrad: true });
  a.grad = tensor([3, 0]);
  b.grad = tensor([4]);
  const total = clipGradNorm_([a, b, c], 1);
  assert.ok(Math.abs(total - 5) < 1e-6);
  assertClose(a.grad!, [3 / (5 + 1e-6), 0]);
  assertClose(b.grad!, [4 / (5 + 1e-6)]);
  assert.equal(c.grad, null);
  a.grad = tensor([3, -7]);
  b.grad = tensor([4]);
  assert.equal(clipGradNorm_([a, b], 100, Infinity), 7);
  assertClose(a.grad!, [3, -7]); // below the limit: untouched
  a.grad = tensor([1, -1]);
  b.grad = tensor([2]);
  assertClose([clipGradNorm_([a, b], 2, 1)], [4]);
  assertClose(b.grad!, [(2 * 2) / (4 + 1e-6)]);
  a.grad = tensor([NaN, 1]);
  assert.throws(() => clipGradNorm_([a], 1, 2, { errorIfNonfinite: true }), /NaN/);
  const d = tensor([0, 0, 0], { requiresGrad: true }) as Tensor;
  d.grad = tensor([-3, 0.5, 2]);
  clipGradValue_(d, 1);
  assertClose(d.grad!, [-1, 0.5, 1]);
});
