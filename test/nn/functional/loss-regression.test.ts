import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, randn, tensor, zeros, type Tensor } from '../../../src/index.js';
import { assertClose, gradcheck } from '../../helpers/check.js';

const REDUCTIONS: F.Reduction[] = ['mean', 'sum', 'none'];

/** randn with every |x| within `gap` of a kink moved away from it. */
function awayFrom(shape: number[], kinks: number[], gap = 0.05): Tensor {
  const x = randn(shape);
  const d = x.f32;
  for (let i = 0; i < d.length; i++)
    for (const k of kinks) if (Math.abs(Math.abs(d[i]) - k) < gap) d[i] += d[i] >= 0 ? 3 * gap : -3 * gap;
  return x;
}

test('mseLoss and l1Loss: known values, reductions and broadcasting', () => {
  const a = tensor([1, 2, 3]),
    b = tensor([1, 1, 1]);
  // lecture 004: J = 1/N sum (yhat - y)^2
  assertClose(F.mseLoss(a, b), [5 / 3], { atol: 1e-6 });
  assertClose(F.mseLoss(a, b, { reduction: 'sum' }), [5]);
  assertClose(F.mseLoss(a, b, { reduction: 'none' }), [0, 1, 4]);
  assertClose(F.l1Loss(a, tensor([2, 2, 5])), [1]);
  assertClose(F.l1Loss(a, tensor([2, 2, 5]), { reduction: 'none' }), [1, 0, 2]);
  // a (3, 1) target broadcasts against (3, 2) input, as in PyTorch
  assertClose(
    F.mseLoss(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tensor([[1], [3], [5]]),
      { reduction: 'sum' },
    ),
    [3],
  );
  // the L1 gradient is 0 where input equals target
  const x = tensor([1, 2, 3], { requiresGrad: true });
  F.l1Loss(x, tensor([1, 3, 0]), { reduction: 'sum' }).backward();
  assertClose(x.grad as Tensor, [0, -1, 1]);
});

test('smoothL1Loss and huberLoss: both pieces and their parameters', () => {
  const x = tensor([0, 0.5, -2, 3]),
    y = zeros([4]);
  assertClose(F.smoothL1Loss(x, y, { reduction: 'none' }), [0, 0.125, 1.5, 2.5]);
  assertClose(F.smoothL1Loss(x, y, { beta: 2, reduction: 'none' }), [0, 0.0625, 1, 2]);
  assertClose(F.smoothL1Loss(x, y, { beta: 0, reduction: 'none' }), [0, 0.5, 2, 3]);
  assertClose(F.huberLoss(x, y, { reduction: 'none' }), [0, 0.125, 1.5, 2.5]);
  assertClose(F.huberLoss(x, y, { delta: 2, reduction: 'none' }), [0, 0.125, 2, 4]);
  // huber(delta) = delta * smoothL1(beta = delta)
  manualSeed(1);
  const a = randn([4, 5]).mul(3),
    b = randn([4, 5]);
  assertClose(F.huberLoss(a, b, { delta: 0.7 }), F.smoothL1Loss(a, b, { beta: 0.7 }).mul(0.7), { atol: 1e-6 });
});

test('regression loss gradients by finite differences', () => {
  manualSeed(2);
  for (const reduction of REDUCTIONS) {
    for (const shape of [[5], [2, 3], [2, 2, 3]]) {
      const m = `${reduction} ${shape}`;
      gradcheck((a, b) => F.mseLoss(a, b, { reduction }), [randn(shape), randn(shape)], { msg: `mse ${m}` });
      const zero = zeros(shape);
      gradcheck((a) => F.l1Loss(a, zero, { reduction }), [awayFrom(shape, [0])], { msg: `l1 ${m}` });
      gradcheck((a) => F.smoothL1Loss(a, zero, { reduction, beta: 0.5 }), [awayFrom(shape, [0.5])], {
        msg: `smoothL1 ${m}`,
      });
      gradcheck((a) => F.huberLoss(a, zero, { reduction, delta: 0.8 }), [awayFrom(shape, [0.8])], {
        msg: `huber ${m}`,
      });
    }
  }
  gradcheck((a, b) => F.mseLoss(a, b), [randn([3, 2]), randn([3, 1])], { msg: 'mse broadcast' });
});

test('regression loss errors', () => {
  assert.throws(
    () => F.mseLoss(zeros([2, 3]), zeros([3, 2])),
    /mseLoss: input and target: shapes \[2, 3\] and \[3, 2\] cannot be broadcast/,
  );
  assert.throws(
    () => F.l1Loss(zeros([2]), zeros([2]), { reduction: 'max' as F.Reduction }),
    /l1Loss: reduction must be 'mean', 'sum', 'none', got 'max'/,
  );
  assert.throws(
    () => F.smoothL1Loss(zeros([2]), zeros([2]), { beta: -1 }),
    /smoothL1Loss: beta must be a non-negative number, got -1/,
  );
  assert.throws(
    () => F.huberLoss(zeros([2]), zeros([2]), { delta: 0 }),
    /huberLoss: delta must be a positive number, got 0/,
  );
});
