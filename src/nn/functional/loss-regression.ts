/**
 * Regression losses on the difference d = input - target (broadcast as in PyTorch):
 * mseLoss (d^2), l1Loss (|d|), smoothL1Loss and huberLoss (quadratic near 0, linear beyond),
 * all composites of tensor ops.
 */
import { abs, square, sub } from '../../tensor/ops/elementwise.js';
import { broadcastShapes } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkReduction, reduceLoss, type Reduction } from './loss.js';
import { expectTensor } from '../../tensor/ops/check.js';
import { where } from '../../tensor/ops/where.js';

/** Options shared by the regression losses. */
export interface RegressionLossOptions {
  /** How the per-element losses are combined: 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

function difference(op: string, input: Tensor, target: Tensor, reduction: Reduction): Tensor {
  checkReduction(op, reduction);
  broadcastShapes(`${op}: input and target`, input.shape, target.shape);
  return sub(input, target);
}

/** Mean squared error (input - target)^2, reduced. */
export function mseLoss(input: Tensor, target: Tensor, options: RegressionLossOptions = {}): Tensor {
  expectTensor('mseLoss', 'input', input);
  expectTensor('mseLoss', 'target', target);
  const reduction = options.reduction ?? 'mean';
  return reduceLoss('mseLoss', square(difference('mseLoss', input, target, reduction)), reduction);
}

/** Mean absolute error |input - target|, reduced (gradient 0 where input equals target). */
export function l1Loss(input: Tensor, target: Tensor, options: RegressionLossOptions = {}): Tensor {
  expectTensor('l1Loss', 'input', input);
  expectTensor('l1Loss', 'target', target);
  const reduction = options.reduction ?? 'mean';
  return reduceLoss('l1Loss', abs(difference('l1Loss', input, target, reduction)), reduction);
}

/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 gives l1Loss). */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: RegressionLossOptions & { beta?: number } = {},
): Tensor {
  expectTensor('smoothL1Loss', 'input', input);
  expectTensor('smoothL1Loss', 'target', target);
  const reduction = options.reduction ?? 'mean',
    beta = options.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta))
    throw new RangeError(`smoothL1Loss: beta must be a non-negative number, got ${String(beta)}`);
  const d = difference('smoothL1Loss', input, target, reduction);
  const a = abs(d);
  const loss = beta === 0 ? a : where(a.lt(beta), square(d).mul(0.5 / beta), a.sub(0.5 * beta));
  return reduceLoss('smoothL1Loss', loss, reduction);
}

/** 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta). */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: RegressionLossOptions & { delta?: number } = {},
): Tensor {
  expectTensor('huberLoss', 'input', input);
  expectTensor('huberLoss', 'target', target);
  const reduction = options.reduction ?? 'mean',
    delta = options.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta))
    throw new RangeError(`huberLoss: delta must be a positive number, got ${String(delta)}`);
  const d = difference('huberLoss', input, target, reduction);
  const a = abs(d);
  const loss = where(a.le(delta), square(d).mul(0.5), a.sub(0.5 * delta).mul(delta));
  return reduceLoss('huberLoss', loss, reduction);
}
